// Package traces finds and waits for profiler trace files: SGLang's per-rank,
// per-stage *.trace.json.gz and vLLM's *.pt.trace.json.gz.
package traces

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// File is one trace file and what its name says.
type File struct {
	Path  string
	Rank  int    // TP rank (-1 when the name does not say)
	DP    int    // data-parallel rank (-1 when the name does not say)
	PP    int    // pipeline-parallel rank (-1 when the name does not say)
	EP    int    // expert-parallel rank (-1 when the name does not say)
	Stage string // "extend", "decode" or "" (whole run)
}

// Label names the file's rank as its name does: "TP-1", "TP-1-DP-0-PP-1"
// (EP is left out: it is a view of the same process, not another one).
// "" when the name does not say.
func (f File) Label() string {
	if f.Rank < 0 {
		return ""
	}
	l := "TP-" + strconv.Itoa(f.Rank)
	if f.DP >= 0 {
		l += "-DP-" + strconv.Itoa(f.DP)
	}
	if f.PP >= 0 {
		l += "-PP-" + strconv.Itoa(f.PP)
	}
	return l
}

// sglangName matches [<prefix>-]<profile_id>-TP-<tp>[-DP-..][-PP-..][-EP-..][-EXTEND|-DECODE|-prefill|-decode].trace.json.gz
// (python/sglang/srt/utils/profile_utils.py: the DP/PP/EP parts appear only when that size is > 1).
var sglangName = regexp.MustCompile(`-TP-(\d+)(?:-DP-(\d+))?(?:-PP-(\d+))?(?:-EP-(\d+))?(?:-(EXTEND|DECODE|extend|decode|prefill|PREFILL))?\.trace\.json\.gz$`)

// vllmName matches <worker_name>.<time_ns>.pt.trace.json.gz with worker names like dp0_pp0_tp1_dcp0_ep1_rank1.
var vllmName = regexp.MustCompile(`(?:^|_)tp(\d+)_.*\.pt\.trace\.json\.gz$|rank(\d+)\.\d+\.pt\.trace\.json\.gz$`)

var vllmParts = map[string]*regexp.Regexp{
	"dp": regexp.MustCompile(`(?:^|_)dp(\d+)_`), "pp": regexp.MustCompile(`(?:^|_)pp(\d+)_`), "ep": regexp.MustCompile(`(?:^|_)ep(\d+)_`),
}

// vllmPart reads one "<key><n>" part of a vLLM worker name ("dp0", "pp1"), -1 when absent.
func vllmPart(base, key string) int {
	m := vllmParts[key].FindStringSubmatch(base)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// optInt parses a regexp group, -1 when it did not match.
func optInt(s string) int {
	if s == "" {
		return -1
	}
	n, _ := strconv.Atoi(s)
	return n
}

// Parse reads rank and stage from a trace file name.
func Parse(path string) (File, bool) {
	base := filepath.Base(path)
	if m := sglangName.FindStringSubmatch(base); m != nil {
		return File{Path: path, Rank: optInt(m[1]), DP: optInt(m[2]), PP: optInt(m[3]), EP: optInt(m[4]), Stage: stageOf(m[5])}, true
	}
	if m := vllmName.FindStringSubmatch(base); m != nil {
		r := m[1]
		if r == "" {
			r = m[2]
		}
		return File{Path: path, Rank: optInt(r), DP: vllmPart(base, "dp"), PP: vllmPart(base, "pp"), EP: vllmPart(base, "ep"), Stage: ""}, true
	}
	if strings.HasSuffix(base, ".trace.json.gz") || strings.HasSuffix(base, ".trace.json") {
		return File{Path: path, Rank: -1, DP: -1, PP: -1, EP: -1, Stage: stageOf(base)}, true
	}
	return File{}, false
}

// stageOf tells extend from decode as SGLang's own reporter does: by
// "extend"/"prefill"/"decode" in the lowercased name.
func stageOf(s string) string {
	s = strings.ToLower(s)
	switch {
	case strings.Contains(s, "extend"), strings.Contains(s, "prefill"):
		return "extend"
	case strings.Contains(s, "decode"):
		return "decode"
	}
	return ""
}

// List returns the trace files in dir whose names start with prefix, sorted by stage and rank.
func List(dir, prefix string) []File {
	entries, _ := os.ReadDir(dir)
	var out []File
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if f, ok := Parse(filepath.Join(dir, e.Name())); ok {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		if a.DP != b.DP {
			return a.DP < b.DP
		}
		if a.PP != b.PP {
			return a.PP < b.PP
		}
		return a.Rank < b.Rank
	})
	return out
}

// Complete reports whether path is a whole gzip stream (a trace still being
// written fails with an unexpected EOF).
func Complete(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if !strings.HasSuffix(path, ".gz") {
		return true
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	_, err = io.Copy(io.Discard, zr)
	return err == nil
}

// Wait polls dir until want ranks have complete files for each wanted stage
// (nil stages: any files), the set has stopped changing, or ctx ends. It returns
// what it found; files still incomplete at the end are left out.
func Wait(ctx context.Context, dir, prefix string, ranks int, stages []string) []File {
	return WaitNew(ctx, dir, prefix, nil, ranks, stages)
}

// Names returns the names of the files in dir (to tell new traces from old ones).
func Names(dir string) map[string]bool {
	out := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		out[e.Name()] = true
	}
	return out
}

// WaitNew is Wait over the files whose names start with prefix or, for
// engines that ignore the prefix (vLLM), any file not in before.
func WaitNew(ctx context.Context, dir, prefix string, before map[string]bool, ranks int, stages []string) []File {
	delay := 20 * time.Millisecond
	var last []File
	for {
		files := List(dir, prefix)
		if len(files) == 0 && before != nil {
			for _, f := range List(dir, "") {
				if !before[filepath.Base(f.Path)] {
					files = append(files, f)
				}
			}
		}
		var done []File
		for _, f := range files {
			if Complete(f.Path) {
				done = append(done, f)
			}
		}
		if enough(done, ranks, stages) && len(done) == len(files) {
			return done
		}
		last = done
		select {
		case <-ctx.Done():
			return last
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

func enough(files []File, ranks int, stages []string) bool {
	whole := 0
	for _, f := range files {
		if f.Stage == "" {
			whole++
		}
	}
	if len(stages) == 0 || whole >= max(ranks, 1) {
		// Engines without per-stage profiles (vLLM) write one trace per rank.
		return len(files) >= max(ranks, 1)
	}
	for _, st := range stages {
		n := 0
		for _, f := range files {
			if f.Stage == st {
				n++
			}
		}
		if n < ranks {
			return false
		}
	}
	return true
}
