package quality

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Item is one dataset question with its gold answer (what follows "####").
type Item struct {
	Question string `json:"question"`
	Gold     string `json:"gold"`
}

// maxLine bounds one dataset line.
const maxLine = 1 << 20

// ReadDataset reads a GSM8K-style JSONL file (see ParseDataset).
func ReadDataset(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := ParseDataset(f)
	if err != nil {
		return nil, fmt.Errorf("%s:%v", path, err)
	}
	return items, nil
}

// ParseDataset reads GSM8K-style JSONL: one object per line with a
// "question" and an "answer" whose final answer follows "####" (GSM8K's own
// format: "… reasoning …\n#### 72"). Blank lines are skipped. Errors name
// the line: "3: …".
func ParseDataset(r io.Reader) ([]Item, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var items []Item
	for n := 1; ; n++ {
		line, err := readLine(br)
		if errors.Is(err, errLong) {
			return nil, fmt.Errorf("%d: line longer than %d KiB", n, maxLine>>10)
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			it, perr := parseItem(t)
			if perr != nil {
				return nil, fmt.Errorf("%d: %v", n, perr)
			}
			items = append(items, it)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("1: no questions (want JSON lines like {\"question\": \"…\", \"answer\": \"… #### 72\"})")
	}
	return items, nil
}

func parseItem(line []byte) (Item, error) {
	var raw struct {
		Question *string `json:"question"`
		Answer   *string `json:"answer"`
	}
	if err := json.Unmarshal(line, &raw); err != nil {
		return Item{}, fmt.Errorf("not a JSON object: %v", err)
	}
	if raw.Question == nil || strings.TrimSpace(*raw.Question) == "" {
		return Item{}, fmt.Errorf(`no "question" (want {"question": "…", "answer": "… #### 72"})`)
	}
	if raw.Answer == nil {
		return Item{}, fmt.Errorf(`no "answer" (want {"question": "…", "answer": "… #### 72"})`)
	}
	gold, ok := markedAnswer(*raw.Answer)
	if !ok {
		return Item{}, fmt.Errorf(`"answer" has no final answer after "####" (GSM8K style: "… #### 72")`)
	}
	return Item{Question: *raw.Question, Gold: gold}, nil
}

var errLong = errors.New("line too long")

func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		if len(line)+len(part) > maxLine {
			return nil, errLong
		}
		line = append(line, part...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// markedAnswer is the normalised answer after the first "####", if any.
func markedAnswer(s string) (string, bool) {
	i := strings.Index(s, "####")
	if i < 0 {
		return "", false
	}
	rest := strings.TrimSpace(s[i+4:])
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	a := Normalize(rest)
	return a, a != ""
}

var numberRE = regexp.MustCompile(`-?[$]?[0-9][0-9,]*(?:\.[0-9]+)?`)

// ExtractAnswer is the answer a generation gives: what follows "####" when it
// writes one (GSM8K's strict format), else its last number; "" when it has
// neither. A generation that goes on to a new "Question:" is cut there first.
func ExtractAnswer(gen string) string {
	if i := strings.Index(gen, "\nQuestion:"); i >= 0 {
		gen = gen[:i]
	}
	if a, ok := markedAnswer(gen); ok {
		return a
	}
	nums := numberRE.FindAllString(gen, -1)
	if len(nums) == 0 {
		return ""
	}
	return Normalize(nums[len(nums)-1])
}

// Normalize strips what does not change a number: "$", thousands commas, a
// trailing full stop, spaces, and a decimal part of zeros ("72.00" → "72").
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("$", "", ",", "", " ", "").Replace(s)
	s = strings.TrimRight(s, ".")
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "eEnNiI") {
		if f == float64(int64(f)) && f > -1e15 && f < 1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

// Correct reports whether a generation's extracted answer equals gold.
func Correct(gen, gold string) bool {
	a := ExtractAnswer(gen)
	return a != "" && a == Normalize(gold)
}

// Prompt is the zero-shot prompt of a dataset question.
func Prompt(it Item) string {
	return "Question: " + it.Question + "\nAnswer:"
}
