package sweep

import (
	"errors"
	"slices"
	"sort"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

func (p *parser) str(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errAt(n, "%s must be a string, got %s", key, kindName(n))
	}
	return n.Value, nil
}

func (p *parser) strList(n *yaml.Node, key string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errAt(n, "%s must be a list of strings, e.g. [a, b], got %s", key, kindName(n))
	}
	out := []string{}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
			return nil, p.errAt(c, "%s must be a list of strings, got an item that is %s", key, kindName(c))
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func (p *parser) bool(n *yaml.Node, key string) (bool, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return false, p.errAt(n, "%s must be true or false, got %s", key, kindName(n))
	}
	return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", nil
}

func (p *parser) float(n *yaml.Node, key string) (float64, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return v, p.checkFloat(n, key, v)
		}
	}
	return 0, p.errAt(n, "%s must be a number, got %s", key, kindName(n))
}

func (p *parser) positiveInt(n *yaml.Node, key string) (int, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil {
			if v < 1 {
				return 0, p.errAt(n, "%s must be at least 1, got %d", key, v)
			}
			return v, p.checkInt(n, key, v)
		} else if errors.Is(err, strconv.ErrRange) {
			return 0, p.errAt(n, "%s is far too large (%s)", key, n.Value)
		}
	}
	return 0, p.errAt(n, "%s must be a positive integer, got %s", key, kindName(n))
}

func (p *parser) positiveInts(n *yaml.Node, key string, allowEmpty bool) ([]int, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errAt(n, "%s must be a list of positive integers, e.g. [4, 8], got %s", key, kindName(n))
	}
	if len(n.Content) == 0 && !allowEmpty {
		return nil, p.errAt(n, "%s must not be empty", key)
	}
	var out []int
	for _, c := range n.Content {
		v, err := p.positiveInt(c, key+" item")
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, v) {
			return nil, p.errAt(c, "%s lists %d twice", key, v)
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *parser) duration(n *yaml.Node, key string) (time.Duration, error) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!int" {
			if v, err := strconv.Atoi(n.Value); err == nil && v > 0 {
				return p.secondsDuration(n, key, v)
			} else if errors.Is(err, strconv.ErrRange) {
				return 0, p.errAt(n, "%s is far too long (%s seconds)", key, n.Value)
			}
		}
		if d, err := time.ParseDuration(n.Value); err == nil && d > 0 {
			return d, p.checkDuration(n, key, d)
		}
	}
	return 0, p.errAt(n, "%s must be a positive duration such as 90s, 30m or 2h, got %s", key, kindName(n))
}

func validKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// closest returns the known key nearest to s by edit distance, if it is close.
func closest(s string, known []string) string {
	type cand struct {
		k string
		d int
	}
	var cs []cand
	for _, k := range known {
		cs = append(cs, cand{k, editDistance(s, k)})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	if len(cs) > 0 && cs[0].d <= max(2, len(s)/3) {
		return cs[0].k
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
