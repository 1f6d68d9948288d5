package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/dlclark/regexp2"
)

// preTokenizer cuts one piece of text into smaller pieces, appending them to out.
type preTokenizer interface {
	split(out []string, s string) []string
}

// gpt2Pattern is the ByteLevel pre-tokenizer's own regex (use_regex: true),
// tokenizers/src/pre_tokenizers/byte_level.rs.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// byteToRune is GPT-2's reversible byte → printable rune mapping
// (tokenizers/src/pre_tokenizers/byte_level.rs bytes_char).
var byteToRune = func() [256]rune {
	var m [256]rune
	n := 0
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF {
			m[b] = rune(b)
		} else {
			m[b] = rune(256 + n)
			n++
		}
	}
	return m
}()

type preJSON struct {
	Type           string            `json:"type"`
	Pretokenizers  []json.RawMessage `json:"pretokenizers"`
	AddPrefixSpace bool              `json:"add_prefix_space"`
	UseRegex       *bool             `json:"use_regex"`
	Pattern        struct {
		Regex  *string `json:"Regex"`
		String *string `json:"String"`
	} `json:"pattern"`
	Behavior         string `json:"behavior"`
	Invert           bool   `json:"invert"`
	IndividualDigits bool   `json:"individual_digits"`
}

// parsePre reads a pre_tokenizer into a flat list (a Sequence's steps in order).
func parsePre(raw json.RawMessage) ([]preTokenizer, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var p preJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %v", err)
	}
	switch p.Type {
	case "Sequence":
		var out []preTokenizer
		for _, s := range p.Pretokenizers {
			sub, err := parsePre(s)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
		return out, nil
	case "ByteLevel":
		bl := &byteLevelPre{addPrefixSpace: p.AddPrefixSpace}
		if p.UseRegex == nil || *p.UseRegex {
			bl.re = regexp2.MustCompile(gpt2Pattern, regexp2.None)
		}
		return []preTokenizer{bl}, nil
	case "Split":
		return parseSplit(p)
	case "Digits":
		return []preTokenizer{digitsPre{individual: p.IndividualDigits}}, nil
	}
	return nil, fmt.Errorf("pre_tokenizer %q is not supported", p.Type)
}

func parseSplit(p preJSON) ([]preTokenizer, error) {
	if p.Invert {
		return nil, fmt.Errorf("pre_tokenizer Split with invert: true is not supported")
	}
	var re *regexp2.Regexp
	var err error
	switch {
	case p.Pattern.Regex != nil:
		re, err = regexp2.Compile(*p.Pattern.Regex, regexp2.None)
	case p.Pattern.String != nil && *p.Pattern.String != "":
		re, err = regexp2.Compile(regexp2.Escape(*p.Pattern.String), regexp2.None)
	default:
		return nil, fmt.Errorf("pre_tokenizer Split has no pattern")
	}
	if err != nil {
		return nil, fmt.Errorf("pre_tokenizer Split pattern: %v", err)
	}
	// A pathological pattern must not hang a benchmark: a match that runs out of
	// time ends the split there (the rest stays one piece).
	re.MatchTimeout = 2 * time.Second
	switch p.Behavior {
	case "Isolated", "Removed", "MergedWithPrevious", "MergedWithNext", "Contiguous":
	default:
		return nil, fmt.Errorf("pre_tokenizer Split behavior %q is not supported", p.Behavior)
	}
	return []preTokenizer{&splitPre{re: re, behavior: p.Behavior}}, nil
}

// span is a piece of a string in runes, and whether it matched the pattern.
type span struct {
	start, end int
	match      bool
}

// matches cuts s into alternating gaps and matches of re (in runes).
func matches(re *regexp2.Regexp, runes []rune) []span {
	var out []span
	prev := 0
	m, _ := re.FindRunesMatch(runes)
	for m != nil {
		if m.Length == 0 {
			m, _ = re.FindNextMatch(m)
			continue
		}
		if m.Index > prev {
			out = append(out, span{prev, m.Index, false})
		}
		out = append(out, span{m.Index, m.Index + m.Length, true})
		prev = m.Index + m.Length
		m, _ = re.FindNextMatch(m)
	}
	if prev < len(runes) {
		out = append(out, span{prev, len(runes), false})
	}
	return out
}

// splitPre is tokenizers' Split pre-tokenizer with SplitDelimiterBehavior
// (tokenizers/src/tokenizer/normalizer.rs NormalizedString::split).
type splitPre struct {
	re       *regexp2.Regexp
	behavior string
}

func (p *splitPre) split(out []string, s string) []string {
	runes := []rune(s)
	spans := matches(p.re, runes)
	switch p.behavior {
	case "Removed":
		kept := spans[:0:0]
		for _, sp := range spans {
			if !sp.match {
				kept = append(kept, sp)
			}
		}
		spans = kept
	case "MergedWithPrevious":
		spans = mergeSpans(spans, func(prev, cur span) bool { return cur.match && !prev.match })
	case "MergedWithNext":
		spans = mergeSpans(spans, func(prev, cur span) bool { return prev.match && !cur.match })
	case "Contiguous":
		spans = mergeSpans(spans, func(prev, cur span) bool { return prev.match && cur.match })
	}
	for _, sp := range spans {
		out = append(out, string(runes[sp.start:sp.end]))
	}
	return out
}

// mergeSpans joins a span to the one before it when join says so.
func mergeSpans(spans []span, join func(prev, cur span) bool) []span {
	var out []span
	for _, sp := range spans {
		if n := len(out); n > 0 && join(out[n-1], sp) {
			out[n-1].end = sp.end
			out[n-1].match = sp.match
			continue
		}
		out = append(out, sp)
	}
	return out
}

// byteLevelPre is tokenizers' ByteLevel pre-tokenizer: optionally the GPT-2
// regex split, then every byte mapped to its printable rune.
type byteLevelPre struct {
	addPrefixSpace bool
	re             *regexp2.Regexp
}

func (p *byteLevelPre) split(out []string, s string) []string {
	if p.addPrefixSpace && !strings.HasPrefix(s, " ") {
		s = " " + s
	}
	parts := []string{s}
	if p.re != nil {
		runes := []rune(s)
		parts = parts[:0]
		for _, sp := range matches(p.re, runes) {
			parts = append(parts, string(runes[sp.start:sp.end]))
		}
	}
	for _, part := range parts {
		var b strings.Builder
		for i := 0; i < len(part); i++ {
			b.WriteRune(byteToRune[part[i]])
		}
		out = append(out, b.String())
	}
	return out
}

// digitsPre is tokenizers' Digits pre-tokenizer: digit runs (or single digits) isolated.
type digitsPre struct{ individual bool }

func (p digitsPre) split(out []string, s string) []string {
	start := 0
	runes := []rune(s)
	for i := 1; i <= len(runes); i++ {
		if i == len(runes) {
			out = append(out, string(runes[start:]))
			break
		}
		a, b := unicode.IsDigit(runes[i-1]), unicode.IsDigit(runes[i])
		if a != b || (a && b && p.individual) {
			out = append(out, string(runes[start:i]))
			start = i
		}
	}
	return out
}
