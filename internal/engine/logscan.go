package engine

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
)

// Finding is one log line that matched a LogPattern.
type Finding struct {
	// Text is the line's message: the submatch named "msg" when the pattern
	// has one, else the line from the start of the match, trimmed.
	Text     string
	Settings map[string]any
	Warn     bool
}

// Limits of a log scan: a line longer than MaxLineBytes is cut there, a
// finding's text is cut at MaxFindingText, and at most MaxFindings distinct
// texts are kept (an engine may print one fallback per layer and rank).
const (
	MaxLineBytes   = 64 << 10
	MaxFindingText = 300
	MaxFindings    = 32
)

// ScanLog reads r line by line and returns the first match of each line,
// deduplicated by text (lines already in seen are skipped; seen is updated
// when not nil). It never fails: a read error ends the scan.
func ScanLog(r io.Reader, pats []LogPattern, seen map[string]bool) []Finding {
	if seen == nil {
		seen = map[string]bool{}
	}
	var out []Finding
	br := bufio.NewReaderSize(r, 64<<10)
	for len(seen) < MaxFindings {
		line, err := readLine(br)
		if len(line) > 0 {
			if f, ok := MatchLine(string(line), pats); ok && !seen[f.Text] {
				seen[f.Text] = true
				out = append(out, f)
			}
		}
		if err != nil {
			break
		}
	}
	return out
}

// readLine returns the next line without its newline, cut at MaxLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line) < MaxLineBytes {
			line = append(line, chunk[:min(len(chunk), MaxLineBytes-len(line))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), err
	}
}

// MatchLine matches one log line against the patterns, in order.
func MatchLine(line string, pats []LogPattern) (Finding, bool) {
	for _, p := range pats {
		m := p.Re.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		sub := map[string]string{}
		for i, name := range p.Re.SubexpNames() {
			if name != "" && m[2*i] >= 0 {
				sub[name] = line[m[2*i]:m[2*i+1]]
			}
		}
		text, ok := sub["msg"]
		if !ok {
			text = line[m[0]:]
		}
		f := Finding{Text: cut(strings.TrimSpace(text), MaxFindingText), Warn: p.Warn}
		switch {
		case p.Extract != nil:
			f.Settings, f.Warn = p.Extract(sub)
		case p.Key != "" && sub["ran"] != "":
			f.Settings = map[string]any{p.Key: sub["ran"]}
		}
		if f.Text == "" || (len(f.Settings) == 0 && !f.Warn) {
			continue
		}
		return f, true
	}
	return Finding{}, false
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
