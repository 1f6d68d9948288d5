package traces

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// event reads one element of traceEvents: an object, or null (no event).
func (s *scanner) event() error {
	l := s.l
	c, ok := l.peek()
	if !ok {
		return l.endErr()
	}
	switch c {
	case 'n':
		_, err := l.lit()
		return err
	case '{':
	default:
		return errors.New("an event is not a JSON object")
	}
	l.pos++
	s.ph, s.kind, s.ts, s.dur = false, catOther, s.ts[:0], s.dur[:0]
	s.name, s.namePlain = append(s.name[:0], '"', '"'), true
	if c, ok = l.peek(); ok && c == '}' {
		l.pos++
		return s.record()
	}
	for {
		tok, plain, err := l.key()
		if err != nil {
			return err
		}
		f := fieldOf(tok, plain)
		if err := l.expect(':', "a colon"); err != nil {
			return err
		}
		if err := s.field(f); err != nil {
			return err
		}
		c, ok := l.peek()
		if !ok {
			return l.endErr()
		}
		if c == '}' {
			l.pos++
			return s.record()
		}
		if c != ',' {
			return l.syntax(fmt.Sprintf("%q after an event field", c))
		}
		l.pos++
	}
}

// field reads the value of one event field; null leaves the field as it was,
// as the decoder does.
func (s *scanner) field(f int) error {
	l := s.l
	if f == fNone {
		return l.skip(1)
	}
	c, ok := l.peek()
	if !ok {
		return l.endErr()
	}
	if c == 'n' {
		_, err := l.lit()
		return err
	}
	if f == fTs || f == fDur {
		var num []byte
		switch {
		case c == '-' || '0' <= c && c <= '9':
			tok, err := l.num()
			if err != nil {
				return err
			}
			num = tok
		case c == '"': // json.Number takes a quoted number too
			tok, plain, err := l.str()
			if err != nil {
				return err
			}
			if num = tok[1 : len(tok)-1]; !plain {
				u, err := unquote(tok)
				if err != nil {
					return err
				}
				num = []byte(u)
			}
			if !validNumber(num) {
				return fmt.Errorf("event field %q is %.40s, not a number", fieldNames[f], tok)
			}
		default:
			return fmt.Errorf("event field %q is not a number", fieldNames[f])
		}
		// Parsed only if the event is kept (record): most events are not.
		if f == fTs {
			s.ts = append(s.ts[:0], num...)
		} else {
			s.dur = append(s.dur[:0], num...)
		}
		return nil
	}
	if c != '"' {
		return fmt.Errorf("event field %q is not a string", fieldNames[f])
	}
	tok, plain, err := l.str()
	if err != nil {
		return err
	}
	v := tok[1 : len(tok)-1]
	if !plain && f != fName {
		u, err := unquote(tok)
		if err != nil {
			return err
		}
		v = []byte(u)
	}
	switch f {
	case fPh:
		s.ph = string(v) == "X"
	case fCat:
		s.kind = kindOf(v)
	case fName:
		s.name, s.namePlain = append(s.name[:0], tok...), plain
	}
	return nil
}

func kindOf(cat []byte) uint8 {
	switch string(cat) {
	case "kernel":
		return catKernel
	case "gpu_memcpy":
		return catMemcpy
	case "gpu_memset":
		return catMemset
	case "gpu_user_annotation":
		return catAnnotation
	}
	return catOther
}

// record keeps a complete event: GPU work as an interval, step[...] ranges
// as windows.
func (s *scanner) record() error {
	if !s.ph {
		return nil
	}
	if s.kind == catOther {
		return nil
	}
	start := usToNs(s.ts) // "" (no ts) is 0, as an empty json.Number was
	end := start + usToNs(s.dur)
	switch s.kind {
	case catKernel, catMemcpy, catMemset:
		id, err := s.intern()
		if err != nil {
			return err
		}
		s.fs.intervals = append(s.fs.intervals, interval{start: start, end: end, cat: s.category(id), name: id})
	case catAnnotation:
		if s.namePlain && !bytes.HasPrefix(s.name[1:], []byte("step[")) {
			return nil
		}
		n, err := s.nameString()
		if err != nil {
			return err
		}
		if len(n) >= 5 && n[:5] == "step[" {
			s.fs.steps = append(s.fs.steps, window{start: start, end: end, stage: stageOf(n)})
		}
	}
	return nil
}

// distributedInfo reads {"rank": N, ...}; null or a missing rank keeps the
// rank as it was.
func (s *scanner) distributedInfo() error {
	l := s.l
	c, ok := l.peek()
	if !ok {
		return l.endErr()
	}
	switch c {
	case 'n':
		_, err := l.lit()
		return err
	case '{':
	default:
		return errors.New("distributedInfo is not a JSON object")
	}
	l.pos++
	rank, set := 0, false
	if c, ok = l.peek(); ok && c == '}' {
		l.pos++
		return nil
	}
	for {
		tok, plain, err := l.key()
		if err != nil {
			return err
		}
		isRank := keyIs(tok, plain, "rank")
		if err := l.expect(':', "a colon"); err != nil {
			return err
		}
		if isRank {
			if rank, set, err = s.rank(); err != nil {
				return err
			}
		} else if err := l.skip(1); err != nil {
			return err
		}
		c, ok := l.peek()
		if !ok {
			return l.endErr()
		}
		if c == '}' {
			l.pos++
			break
		}
		if c != ',' {
			return l.syntax(fmt.Sprintf("%q after a distributedInfo field", c))
		}
		l.pos++
	}
	if set {
		s.fs.rank = rank
	}
	return nil
}

// rank reads distributedInfo.rank: an integer, or null (unset).
func (s *scanner) rank() (int, bool, error) {
	l := s.l
	c, ok := l.peek()
	if !ok {
		return 0, false, l.endErr()
	}
	if c == 'n' {
		_, err := l.lit()
		return 0, false, err
	}
	if c != '-' && (c < '0' || c > '9') {
		return 0, false, errors.New("distributedInfo.rank is not a number")
	}
	tok, err := l.num()
	if err != nil {
		return 0, false, err
	}
	n, err := strconv.ParseInt(string(tok), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("distributedInfo.rank %.30s is not an integer", tok)
	}
	return int(n), true, nil
}
