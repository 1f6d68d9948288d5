package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/servesweep/servesweep/internal/redact"
)

// File names inside a run directory.
const (
	ResultsFile = "results.jsonl"
	ServersFile = "servers.jsonl"
)

// Appender appends JSON lines to a file, flushing and syncing each one so a
// crash loses nothing already written.
type Appender struct {
	mu sync.Mutex
	f  *os.File
}

// OpenAppender opens path for appending, creating it.
func OpenAppender(path string) (*Appender, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &Appender{f: f}, nil
}

// Append writes v as one JSON line.
func (a *Appender) Append(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = redact.JSON(b)
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.f.Write(append(b, '\n')); err != nil {
		return err
	}
	return a.f.Sync()
}

// Close closes the file.
func (a *Appender) Close() error { return a.f.Close() }

// ReadLines decodes every complete JSON line of path into a new T. A final line
// without a newline (a write cut short by a crash) is ignored; a corrupt line
// in the middle is an error naming its line number.
func ReadLines[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeLines[T](f, path)
}

// DecodeLines is ReadLines over a reader; name is used in errors.
func DecodeLines[T any](r io.Reader, name string) ([]T, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var out []T
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return out, nil // an unterminated last line is a torn write
		}
		if err != nil {
			return out, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			return out, fmt.Errorf("%s:%d: not a valid record: %v", name, n, err)
		}
		out = append(out, v)
	}
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
