package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/servesweep/servesweep/internal/redact"
	"io"
	"os"
	"sync"
)

// Appender appends JSON lines to a file, flushing and syncing each one so a
// crash loses nothing already written. Every record starts on a line boundary:
// opening repairs a torn last line (see OpenAppender), and a write that fails
// (disk full, I/O error) is cut back off the file, so a failed Append leaves
// nothing behind for the next record to be glued onto. The file must have one
// writer at a time (a run directory's lock sees to that).
type Appender struct {
	mu     sync.Mutex
	f      *os.File
	size   int64 // bytes of complete records
	broken error // set when a failed write could not be cut off
	// Repaired says what opening did to a torn last line; "" when the file
	// ended on a line boundary.
	Repaired string
}

// OpenAppender opens path for appending, creating it. A last line without a
// newline (a write cut short by a power cut, a full disk or SIGKILL) is
// terminated when it is a complete record, else moved to path+".torn" and cut
// off; Repaired says which.
func OpenAppender(path string) (*Appender, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	a := &Appender{f: f}
	if err := a.repairTail(path); err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

// Append writes v as one JSON line. On error nothing of v is left in the file.
func (a *Appender) Append(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(redact.JSON(b), '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.broken != nil {
		return a.broken
	}
	_, err = a.f.Write(b)
	if err == nil {
		err = a.f.Sync()
	}
	if err != nil {
		err = fmt.Errorf("cannot write %s: %w", a.f.Name(), err)
		if terr := a.f.Truncate(a.size); terr != nil {
			a.broken = fmt.Errorf("%w (and the partial record could not be cut off: %v)", err, terr)
			return a.broken
		}
		return err
	}
	a.size += int64(len(b))
	return nil
}

// Close closes the file.
func (a *Appender) Close() error { return a.f.Close() }

// repairTail makes the file end on a line boundary and sets a.size.
func (a *Appender) repairTail(path string) error {
	st, err := a.f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	start, err := lastLineStart(a.f, size)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	a.size = size
	if start == size {
		return nil
	}
	frag := make([]byte, size-start)
	if _, err := a.f.ReadAt(frag, start); err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	trimmed := bytes.TrimSpace(frag)
	if len(trimmed) > 0 && json.Valid(trimmed) {
		if _, err := a.f.Write([]byte{'\n'}); err != nil {
			return fmt.Errorf("cannot terminate the last line of %s: %w", path, err)
		}
		a.size = size + 1
		a.Repaired = fmt.Sprintf("%s ended without a newline after a complete record; terminated the line", path)
		return a.f.Sync()
	}
	if len(trimmed) > 0 {
		if err := appendFile(path+".torn", append(frag, '\n')); err != nil {
			return fmt.Errorf("cannot keep the torn last line of %s: %w", path, err)
		}
		a.Repaired = fmt.Sprintf("%s ended with a torn record (%d bytes: a write cut short by a crash or a full disk); moved it to %s.torn and appending after the last complete line", path, len(frag), path)
	}
	if err := a.f.Truncate(start); err != nil {
		return fmt.Errorf("cannot cut the torn last line off %s: %w", path, err)
	}
	a.size = start
	return a.f.Sync()
}

// lastLineStart is the offset just after the last newline of f (0 if none).
func lastLineStart(f io.ReaderAt, size int64) (int64, error) {
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	for end := size; end > 0; {
		off := max(0, end-chunk)
		n, err := f.ReadAt(buf[:end-off], off)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return off + int64(i) + 1, nil
		}
		end = off
	}
	return 0, nil
}

func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
