package rundir

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Lock is an exclusive flock(2) on a run directory's run.lock, held by the one
// process writing the directory. The kernel releases it when that process
// ends, however it ends, so a lock is never stale.
type Lock struct{ f *os.File }

// BusyError says another process holds the run directory's lock.
type BusyError struct {
	Dir string
	PID int // 0 when the holder's PID could not be read
}

func (e *BusyError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is in use by another servesweep process (it holds %s); wait for it to finish, then run again", e.Dir, LockFile)
	}
	return fmt.Sprintf("%s is in use by servesweep pid %d (another run on this directory); wait for it to finish or stop it (kill -INT %d), then run again", e.Dir, e.PID, e.PID)
}

// Acquire takes dir's lock without waiting; when another process holds it the
// error is a *BusyError naming that process's PID.
func Acquire(dir string) (*Lock, error) {
	p := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644) // O_CLOEXEC: servers do not inherit it
	if err != nil {
		return nil, fmt.Errorf("cannot lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &BusyError{Dir: dir, PID: holder(f)}
		}
		return nil, fmt.Errorf("cannot lock %s: %w", dir, err)
	}
	l := &Lock{f: f}
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		l.Release()
		return nil, fmt.Errorf("cannot write %s: %w", p, err)
	}
	return l, nil
}

// Release unlocks and closes. The file stays: removing it would let two
// processes lock two different files of the same name.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}

// holder reads the PID the lock's holder wrote, waiting briefly for a holder
// that has just taken the lock to write it.
func holder(f *os.File) int {
	buf := make([]byte, 32)
	for i := 0; i < 40; i++ {
		n, _ := f.ReadAt(buf, 0)
		if pid, ok := ParsePID(buf[:n]); ok {
			return pid
		}
		time.Sleep(25 * time.Millisecond)
	}
	return 0
}

// ParsePID parses a lock file's content: a positive decimal PID and a newline.
func ParsePID(b []byte) (int, bool) {
	s := bytes.TrimSpace(b)
	if len(s) == 0 || len(s) > 10 || len(b) == 0 || b[len(b)-1] != '\n' {
		return 0, false
	}
	pid, err := strconv.Atoi(string(s))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}
