package traces

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

type rawEvent struct {
	Ph   string          `json:"ph"`
	Cat  string          `json:"cat"`
	Name string          `json:"name"`
	Ts   json.Number     `json:"ts"`
	Dur  json.Number     `json:"dur"`
	Args json.RawMessage `json:"-"`
}

func numToNs(n json.Number) int64 {
	f, err := n.Float64()
	if err != nil {
		return 0
	}
	return int64(f * 1000)
}

// scanDecoder is the encoding/json reader that scan replaced, kept as the
// oracle of FuzzScanMatchesDecoder and the baseline of BenchmarkScan.
func scanDecoder(r io.Reader, path string) (*fileScan, error) {
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
				start := numToNs(e.Ts)
				end := start + numToNs(e.Dur)
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
