package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// File names inside a run directory.
const (
	ResultsFile = "results.jsonl"
	ServersFile = "servers.jsonl"
)

// ReadLines decodes every complete JSON line of path into a new T. A final line
// without a newline (a write cut short by a crash) is ignored unless it is a
// complete record; a corrupt line in the middle is an error naming its line
// number. A missing file holds no records.
func ReadLines[T any](path string) ([]T, error) { return ReadLinesWarn[T](path, nil) }

// ReadLinesWarn is ReadLines that reads past torn and corrupt lines: each is
// skipped with a warning to warn (nil: a corrupt line is an error), and a
// complete record glued onto a torn fragment is recovered.
func ReadLinesWarn[T any](path string, warn func(string)) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeLinesWarn[T](f, path, warn)
}

// DecodeLines is ReadLines over a reader; name is used in errors.
func DecodeLines[T any](r io.Reader, name string) ([]T, error) {
	return DecodeLinesWarn[T](r, name, nil)
}

// DecodeLinesWarn is ReadLinesWarn over a reader; name is used in warnings.
func DecodeLinesWarn[T any](r io.Reader, name string, warn func(string)) ([]T, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var out []T
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return out, err
		}
		last := err != nil
		line = bytes.TrimSpace(line)
		if len(line) > 0 {
			var v T
			jerr := json.Unmarshal(line, &v)
			switch {
			case jerr == nil:
				out = append(out, v)
			case last:
				// An unterminated last line is a torn write (or one in progress).
				if warn != nil {
					warn(fmt.Sprintf("%s:%d: incomplete last line (%d bytes, a write cut short or still in progress) ignored", name, n, len(line)))
				}
			case warn == nil:
				return out, fmt.Errorf("%s:%d: not a valid record: %v", name, n, jerr)
			default:
				if v, cut, ok := recoverGlued[T](line); ok {
					out = append(out, v)
					warn(fmt.Sprintf("%s:%d: torn record (%d bytes) with a complete record glued on; dropped the fragment, kept the record", name, n, cut))
				} else {
					warn(fmt.Sprintf("%s:%d: not a valid record (%d bytes), skipped: %v", name, n, len(line), jerr))
				}
			}
		}
		if last {
			return out, nil
		}
	}
}

// recoverGlued finds a complete record at the end of line after a torn
// fragment (what an append after a crash left): the longest suffix starting
// at '{' that is one JSON value. It returns the record and the fragment's length.
func recoverGlued[T any](line []byte) (T, int, bool) {
	var zero T
	tries := 0
	for i := 1; i < len(line) && tries < 256; i++ {
		if line[i] != '{' {
			continue
		}
		tries++
		if !json.Valid(line[i:]) {
			continue
		}
		var v T
		if json.Unmarshal(line[i:], &v) == nil {
			return v, i, true
		}
	}
	return zero, 0, false
}

// Latest keeps, for each case key, the last record (a resumed run supersedes
// what an interrupted one left), in order of first appearance.
func Latest(rs []Result) []Result {
	idx := map[string]int{}
	var out []Result
	for _, r := range rs {
		if i, ok := idx[r.Key()]; ok {
			out[i] = r
			continue
		}
		idx[r.Key()] = len(out)
		out = append(out, r)
	}
	return out
}

// LatestServers keeps the last server record per config.
func LatestServers(ss []Server) map[string]Server {
	out := map[string]Server{}
	for _, s := range ss {
		out[s.ConfigID] = s
	}
	return out
}
