package traces

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Event categories the analysis tells apart.
const (
	catOther uint8 = iota
	catKernel
	catMemcpy
	catMemset
	catAnnotation
)

// Event fields the analysis reads; matched like encoding/json matches struct
// fields (case-insensitively, after unquoting).
const (
	fNone = iota
	fPh
	fCat
	fName
	fTs
	fDur
)

// scanner turns the token stream of one trace into a fileScan, reading only
// ph, cat, name, ts and dur of each event and skipping the rest unparsed. It
// accepts and rejects the same documents as the encoding/json decoder it
// replaces (FuzzScanMatchesDecoder checks that), and reports the same values.
type scanner struct {
	l       *lexer
	fs      *fileScan
	rawID   map[string]uint32 // quoted name token -> name id
	nameID  map[string]uint32 // unquoted name -> name id
	nameCat []uint8           // category index of a kernel of that name
	memCat  uint8

	// the event being read
	ph, cat   bool
	kind      uint8
	name      []byte // quoted token
	namePlain bool
	ts, dur   []byte // number literals, parsed in record
}

func scan(r io.Reader, path string) (*fileScan, error) {
	s := &scanner{l: newLexer(r), fs: &fileScan{rank: -1}, rawID: map[string]uint32{}, nameID: map[string]uint32{}, memCat: catIndex("memory")}
	if err := s.document(); err != nil {
		return nil, s.wrap(path, err)
	}
	return s.fs, nil
}

var errNotTrace = errors.New("not a Chrome trace (expected a JSON object)")

// wrap names the file and the offset, and says what to do.
func (s *scanner) wrap(path string, err error) error {
	at := s.l.offset()
	switch {
	case errors.Is(err, errNotTrace):
		return fmt.Errorf("%s: %v", path, err)
	case errors.Is(err, errTooLong):
		size := fmt.Sprintf("%d bytes", MaxTokenBytes)
		if MaxTokenBytes%(1<<20) == 0 {
			size = fmt.Sprintf("%d MiB", MaxTokenBytes>>20)
		}
		return fmt.Errorf("%s: a JSON string or number longer than %s at byte %d (uncompressed): not a trace servesweep reads; move it out of the way or re-record it",
			path, size, at)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: trace ends early at byte %d (uncompressed): the file is truncated; re-record it", path, at)
	}
	return fmt.Errorf("%s: %v at byte %d (uncompressed)", path, err, at)
}

// document reads the top-level object. Like the decoder loop it replaces, it
// stops at the first '}' or ']' (or end of input) where a key could start.
func (s *scanner) document() error {
	l := s.l
	if c, ok := l.peek(); !ok || c != '{' {
		if !ok && l.rerr != io.EOF {
			return l.rerr
		}
		return errNotTrace
	}
	l.pos++
	for first := true; ; first = false {
		c, ok := l.peek()
		if !ok {
			if l.rerr != io.EOF {
				return l.rerr
			}
			return nil
		}
		if c == '}' || c == ']' {
			return nil
		}
		if !first {
			if c != ',' {
				return l.syntax(fmt.Sprintf("%q after a value", c))
			}
			l.pos++
		}
		tok, plain, err := l.key()
		if err != nil {
			return err
		}
		key := string(tok[1 : len(tok)-1]) // short: top-level keys only
		if !plain {
			if key, err = unquote(tok); err != nil {
				return err
			}
		}
		if err := l.expect(':', "a colon"); err != nil {
			return err
		}
		switch key {
		case "traceEvents":
			err = s.events()
		case "distributedInfo":
			err = s.distributedInfo()
		default:
			err = l.skip(0)
		}
		if err != nil {
			return err
		}
	}
}

func unquote(tok []byte) (string, error) {
	var v string
	err := json.Unmarshal(tok, &v)
	return v, err
}

// events reads the traceEvents array.
func (s *scanner) events() error {
	l := s.l
	if c, ok := l.peek(); !ok || c != '[' {
		if !ok {
			return l.endErr()
		}
		return errors.New("traceEvents is not an array")
	}
	l.pos++
	for first := true; ; first = false {
		c, ok := l.peek()
		if !ok {
			return l.endErr()
		}
		if c == ']' {
			l.pos++
			return nil
		}
		if !first {
			if c != ',' {
				return l.syntax(fmt.Sprintf("%q after an event", c))
			}
			l.pos++
		}
		if err := s.event(); err != nil {
			return err
		}
	}
}

// fieldOf matches an event key to the fields the analysis reads.
func fieldOf(tok []byte, plain bool) int {
	k := tok[1 : len(tok)-1]
	if !plain {
		for _, f := range []int{fPh, fCat, fName, fTs, fDur} {
			if keyIs(tok, plain, fieldNames[f]) {
				return f
			}
		}
		return fNone
	}
	switch len(k) {
	case 2:
		if foldEq(k, "ph") {
			return fPh
		}
		if foldEq(k, "ts") {
			return fTs
		}
	case 3:
		if foldEq(k, "cat") {
			return fCat
		}
		if foldEq(k, "dur") {
			return fDur
		}
	case 4:
		if foldEq(k, "name") {
			return fName
		}
	}
	return fNone
}

var fieldNames = [...]string{fPh: "ph", fCat: "cat", fName: "name", fTs: "ts", fDur: "dur"}

// keyIs reports whether a key token names the lowercase field name as
// encoding/json matches struct fields: exactly or by Unicode simple folding.
func keyIs(tok []byte, plain bool, name string) bool {
	if plain {
		k := tok[1 : len(tok)-1]
		return len(k) == len(name) && foldEq(k, name)
	}
	u, err := unquote(tok)
	return err == nil && strings.EqualFold(u, name)
}

// foldEq compares ASCII b with lowercase letters lower, ignoring case.
func foldEq(b []byte, lower string) bool {
	for i := range b {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// usToNs converts a trace timestamp in µs to ns as the decoder path did
// (json.Number.Float64, then × 1000); 0 when it does not parse.
func usToNs(num []byte) int64 {
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil {
		return 0
	}
	return int64(f * 1000)
}

// category is the category index of a GPU event, cached per kernel name.
func (s *scanner) category(id uint32) uint8 {
	if s.kind != catKernel {
		return s.memCat
	}
	return s.nameCat[id]
}

// intern returns the id of the event's name, unquoting only new tokens.
func (s *scanner) intern() (uint32, error) {
	if id, ok := s.rawID[string(s.name)]; ok {
		return id, nil
	}
	n, err := s.nameString()
	if err != nil {
		return 0, err
	}
	id, ok := s.nameID[n]
	if !ok {
		id = uint32(len(s.fs.names))
		s.nameID[n] = id
		s.fs.names = append(s.fs.names, n)
		s.nameCat = append(s.nameCat, catIndex(Categorize("kernel", n)))
	}
	s.rawID[string(s.name)] = id
	return id, nil
}

func (s *scanner) nameString() (string, error) {
	if s.namePlain {
		return string(s.name[1 : len(s.name)-1]), nil
	}
	return unquote(s.name)
}

// ScanFile streams a (gzip'd) Chrome trace, keeping only GPU intervals and
// step windows.
func ScanFile(path string) (*fileScan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, readChunk))
		if err != nil {
			return nil, fmt.Errorf("%s: not gzip: %v", path, err)
		}
		defer zr.Close()
		r = zr
	}
	return scan(r, path)
}
