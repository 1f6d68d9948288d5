package workload

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Row is one dataset entry: the prompt and, for ShareGPT, the answer whose
// length is the request's output length when output_len is not given.
type Row struct {
	Prompt string
	Answer string
}

// TraceRecord is one request of a trace (the Mooncake trace's JSONL fields):
// when it arrived (milliseconds from any origin), its lengths, and the
// hashes of its prompt's blocks (equal hashes: equal blocks, a shared prefix).
type TraceRecord struct {
	Timestamp    float64 `json:"timestamp"`
	InputLength  int     `json:"input_length"`
	OutputLength int     `json:"output_length"`
	HashIDs      []int   `json:"hash_ids,omitempty"`
}

type fileData struct {
	rows  []Row
	convs [][]Row // multi_turn: each conversation's exchanges in order
	order []int   // multi_turn: the order conversations are replayed in
	trace []TraceRecord
}

// readFile reads and parses the spec's file (relative to dir) and records
// its hash; a second read (on a Slurm node) must find the same contents.
func (s *Spec) readFile(dir string) error {
	path := s.Path
	if !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the %s file: %v", s.Type, err)
	}
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	if s.FileSHA256 != "" && s.FileSHA256 != h {
		return fmt.Errorf("%s changed since the sweep was planned (sha256 %s, was %s)", path, h[:12], s.FileSHA256[:min(12, len(s.FileSHA256))])
	}
	d := &fileData{}
	name := filepath.Base(path)
	switch {
	case s.Type == Trace:
		d.trace, err = ParseTrace(name, b)
	case s.Type == MultiTurn:
		if d.convs, err = ParseShareGPTConversations(name, b); err == nil {
			d.order = dialogOrder(s.Seed, len(d.convs))
		}
	case s.Format == Text:
		d.rows, err = ParseText(name, b)
	default:
		d.rows, err = ParseShareGPT(name, b)
	}
	if err != nil {
		return err
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	s.Path, s.FileSHA256, s.data = path, h, d
	return nil
}

// shareGPTEntry is one conversation of a ShareGPT file.
type shareGPTEntry struct {
	Conversations []struct {
		From  string          `json:"from"`
		Value json.RawMessage `json:"value"`
	} `json:"conversations"`
}

// ParseShareGPT reads ShareGPT conversations from a JSON array or JSONL. As
// vLLM's ShareGPTDataset and SGLang's sample_sharegpt_requests do, entries
// with fewer than two turns are dropped; the prompt is the first human turn
// and the answer the turn after it (here: the first human/user turn, skipping
// system turns, and the gpt/assistant turn that follows it). Entries whose
// turns are not strings are dropped too; malformed JSON is an error naming
// the line.
func ParseShareGPT(name string, data []byte) ([]Row, error) {
	var out []Row
	err := eachShareGPT(name, data, func(e *shareGPTEntry) {
		if r, ok := firstExchange(e); ok {
			out = append(out, r)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no conversation with a human turn followed by an answer (ShareGPT: {\"conversations\": [{\"from\": \"human\", \"value\": ...}, {\"from\": \"gpt\", \"value\": ...}]})", name)
	}
	return out, nil
}

// eachShareGPT calls fn for every conversation object of a JSON array or
// JSONL; array elements that are not conversation objects are skipped.
func eachShareGPT(name string, data []byte, fn func(*shareGPTEntry)) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var entries []json.RawMessage
		if err := json.Unmarshal(trimmed, &entries); err != nil {
			return fmt.Errorf("%s: not a JSON array of conversations: %v", name, jsonErr(trimmed, err))
		}
		for _, raw := range entries {
			var e shareGPTEntry
			if json.Unmarshal(raw, &e) == nil {
				fn(&e)
			}
		}
		return nil
	}
	return eachLine(name, data, func(line []byte) error {
		var e shareGPTEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("not a JSON conversation object: %v", err)
		}
		fn(&e)
		return nil
	})
}

var (
	humanRoles = []string{"human", "user"}
	answerRole = []string{"gpt", "assistant", "chatgpt", "bard", "bing", "model"}
)

func firstExchange(e *shareGPTEntry) (Row, bool) {
	c := e.Conversations
	if len(c) < 2 {
		return Row{}, false
	}
	for i := 0; i+1 < len(c); i++ {
		if !slices.Contains(humanRoles, strings.ToLower(c[i].From)) {
			continue
		}
		if !slices.Contains(answerRole, strings.ToLower(c[i+1].From)) {
			return Row{}, false
		}
		var p, a string
		if json.Unmarshal(c[i].Value, &p) != nil || json.Unmarshal(c[i+1].Value, &a) != nil || strings.TrimSpace(p) == "" {
			return Row{}, false
		}
		return Row{Prompt: p, Answer: a}, true
	}
	return Row{}, false
}

// ParseText splits a plain text file into passages separated by blank lines.
func ParseText(name string, data []byte) ([]Row, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	var out []Row
	for _, block := range strings.Split(text, "\n\n") {
		if p := strings.TrimSpace(block); p != "" {
			out = append(out, Row{Prompt: p})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no text (passages are separated by blank lines)", name)
	}
	return out, nil
}

// ParseTrace reads a JSONL trace, one request a line:
// {"timestamp": ms, "input_length": n, "output_length": m, "hash_ids": [...]}.
// Records are ordered by timestamp (stably).
func ParseTrace(name string, data []byte) ([]TraceRecord, error) {
	var out []TraceRecord
	err := eachLine(name, data, func(line []byte) error {
		var r TraceRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("not a trace record {\"timestamp\": ms, \"input_length\": n, \"output_length\": m}: %v", err)
		}
		var keys map[string]json.RawMessage
		json.Unmarshal(line, &keys)
		for _, k := range []string{"timestamp", "input_length", "output_length"} {
			if _, ok := keys[k]; !ok {
				return fmt.Errorf("missing %q", k)
			}
		}
		switch {
		case r.Timestamp < 0 || math.IsInf(r.Timestamp, 0) || r.Timestamp > 1e15:
			return fmt.Errorf("timestamp must be milliseconds ≥ 0, got %v", r.Timestamp)
		case r.InputLength < 1 || r.InputLength > 1<<24:
			return fmt.Errorf("input_length must be between 1 and %d, got %d", 1<<24, r.InputLength)
		case r.OutputLength < 1 || r.OutputLength > 1<<24:
			return fmt.Errorf("output_length must be between 1 and %d, got %d", 1<<24, r.OutputLength)
		}
		for _, h := range r.HashIDs {
			if h < 0 {
				return fmt.Errorf("hash_ids must be ≥ 0, got %d", h)
			}
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no trace records", name)
	}
	slices.SortStableFunc(out, func(a, b TraceRecord) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	return out, nil
}

// eachLine calls fn for every non-blank line; its error is prefixed with name:line.
func eachLine(name string, data []byte, fn func([]byte) error) error {
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if i == 0 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		if len(line) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("%s:%d: %v", name, i+1, err)
		}
	}
	return nil
}

// jsonErr adds the line of a syntax error in data.
func jsonErr(data []byte, err error) error {
	if se, ok := err.(*json.SyntaxError); ok {
		off := min(int(se.Offset), len(data))
		return fmt.Errorf("line %d: %v", bytes.Count(data[:off], []byte("\n"))+1, err)
	}
	return err
}
