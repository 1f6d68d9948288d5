package traces

import "fmt"

// key reads an object key (at the next non-space byte), valid until the next
// read: the caller looks at it before reading the colon.
func (l *lexer) key() ([]byte, bool, error) {
	c, ok := l.peek()
	if !ok {
		return nil, false, l.endErr()
	}
	if c != '"' {
		return nil, false, l.syntax(fmt.Sprintf("%q where an object key belongs", c))
	}
	return l.str()
}

// skip reads one value and discards it, validating it as encoding/json
// would; depth is the nesting of the containers around it that count
// towards maxDepth.
func (l *lexer) skip(depth int) error {
	stack := l.stack[:0]
	defer func() { l.stack = stack[:0] }()
	for {
		c, ok := l.peek()
		if !ok {
			return l.endErr()
		}
		switch {
		case c == '{' || c == '[':
			l.pos++
			if depth+len(stack)+1 > maxDepth {
				return l.syntax("nested deeper than 10000")
			}
			stack = append(stack, c == '[')
			d, ok := l.peek()
			if !ok {
				return l.endErr()
			}
			if c == '{' && d == '}' || c == '[' && d == ']' {
				l.pos++
				stack = stack[:len(stack)-1]
				break
			}
			if c == '{' {
				if err := l.skipKey(); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if _, _, err := l.str(); err != nil {
				return err
			}
		case c == '-' || '0' <= c && c <= '9':
			if _, err := l.num(); err != nil {
				return err
			}
		case c == 't' || c == 'f' || c == 'n':
			if _, err := l.lit(); err != nil {
				return err
			}
		default:
			return l.syntax(fmt.Sprintf("%q where a value belongs", c))
		}
		// After a value: close containers, or go on to the next element.
	after:
		for {
			if len(stack) == 0 {
				return nil
			}
			c, ok := l.peek()
			if !ok {
				return l.endErr()
			}
			arr := stack[len(stack)-1]
			switch {
			case c == ',':
				l.pos++
				if !arr {
					if err := l.skipKey(); err != nil {
						return err
					}
				}
				break after
			case arr && c == ']' || !arr && c == '}':
				l.pos++
				stack = stack[:len(stack)-1]
			default:
				return l.syntax(fmt.Sprintf("%q after a value", c))
			}
		}
	}
}

func (l *lexer) skipKey() error {
	if _, _, err := l.key(); err != nil {
		return err
	}
	return l.expect(':', "a colon")
}
