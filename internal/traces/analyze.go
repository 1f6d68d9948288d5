package traces

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Analysis is the JSON contract of `servesweep trace analyze --json`.
type Analysis struct {
	Ranks     []RankAnalysis     `json:"ranks"`
	Imbalance map[string]float64 `json:"imbalance_pct,omitempty"` // per stage: (max busy / mean busy − 1) × 100
}

// RankAnalysis is one rank's stages (one file per stage, or one file split by its step ranges).
type RankAnalysis struct {
	Rank int `json:"rank"`
	// Label is the rank as the file name gives it ("TP-1-DP-0-PP-1"): ranks of
	// different DP replicas or PP stages share a TP rank.
	Label  string          `json:"label,omitempty"`
	File   string          `json:"file"`
	Files  []string        `json:"files,omitempty"`
	Stages []StageAnalysis `json:"stages"`
}

// StageAnalysis is where one stage's GPU time goes.
type StageAnalysis struct {
	Stage         string             `json:"stage"` // extend | decode
	Steps         int                `json:"steps"`
	StepsFrom     string             `json:"steps_from"` // "annotations" or "gpu activity"
	BusyMs        float64            `json:"busy_ms"`
	StepMs        float64            `json:"step_ms"` // median
	Categories    map[string]float64 `json:"categories"`
	ExposedCommMs float64            `json:"exposed_communication_ms"`
	TopKernels    []Kernel           `json:"top_kernels"`
	Events        int                `json:"gpu_events"`
}

// Kernel is one kernel name's total.
type Kernel struct {
	Name  string  `json:"name"`
	Ms    float64 `json:"ms"`
	Count int     `json:"count"`
}

// interval is a GPU event in nanoseconds, compact to keep memory bounded by the
// number of GPU events, not the file size.
type interval struct {
	start, end int64
	cat        uint8
	name       uint32
}

type window struct {
	start, end int64
	stage      string
}

// fileScan is what one streaming pass over a trace file collects.
type fileScan struct {
	rank      int
	intervals []interval
	names     []string
	steps     []window
}

type rawEvent struct {
	Ph   string          `json:"ph"`
	Cat  string          `json:"cat"`
	Name string          `json:"name"`
	Ts   json.Number     `json:"ts"`
	Dur  json.Number     `json:"dur"`
	Args json.RawMessage `json:"-"`
}

func usToNs(n json.Number) int64 {
	f, err := n.Float64()
	if err != nil {
		return 0
	}
	return int64(f * 1000)
}

// ScanFile streams a (gzip'd) Chrome trace, keeping only GPU intervals and
// step windows.
func ScanFile(path string) (*fileScan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: not gzip: %v", path, err)
		}
		r = zr
	}
	return scan(r, path)
}

func scan(r io.Reader, path string) (*fileScan, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	fs := &fileScan{rank: -1}
	nameID := map[string]uint32{}
	catID := map[string]uint8{}
	for i, c := range Categories {
		catID[c] = uint8(i)
	}
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%s: not a Chrome trace (expected a JSON object)", path)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		key, _ := kt.(string)
		switch key {
		case "distributedInfo":
			var di struct {
				Rank *int `json:"rank"`
			}
			if err := dec.Decode(&di); err != nil {
				return nil, fmt.Errorf("%s: distributedInfo: %v", path, err)
			}
			if di.Rank != nil {
				fs.rank = *di.Rank
			}
		case "traceEvents":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return nil, fmt.Errorf("%s: traceEvents is not an array", path)
			}
			for dec.More() {
				var e rawEvent
				if err := dec.Decode(&e); err != nil {
					return nil, fmt.Errorf("%s: bad event: %v", path, err)
				}
				if e.Ph != "X" {
					continue
				}
				start := usToNs(e.Ts)
				end := start + usToNs(e.Dur)
				switch e.Cat {
				case "kernel", "gpu_memcpy", "gpu_memset":
					id, ok := nameID[e.Name]
					if !ok {
						id = uint32(len(fs.names))
						nameID[e.Name] = id
						fs.names = append(fs.names, e.Name)
					}
					fs.intervals = append(fs.intervals, interval{start: start, end: end, cat: catID[Categorize(e.Cat, e.Name)], name: id})
				case "gpu_user_annotation":
					if strings.HasPrefix(e.Name, "step[") {
						fs.steps = append(fs.steps, window{start: start, end: end, stage: stageOf(e.Name)})
					}
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%s: %v", path, err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("%s: %v", path, err)
			}
		}
	}
	return fs, nil
}
