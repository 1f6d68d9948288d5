package traces

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Analyze analyses trace files, folders of them, or a run directory, reading
// files on GOMAXPROCS workers.
func Analyze(paths []string) (*Analysis, error) { return AnalyzeN(paths, 0) }

// AnalyzeN is Analyze on n workers (0: GOMAXPROCS). Each worker holds one
// file's GPU intervals at a time; the result does not depend on n.
func AnalyzeN(paths []string, n int) (*Analysis, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".trace.json.gz") || strings.HasSuffix(path, ".trace.json")) {
				files = append(files, path)
			}
			return nil
		})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no trace files (*.trace.json.gz) in %s", strings.Join(paths, ", "))
	}
	sort.Strings(files)
	a := &Analysis{Imbalance: map[string]float64{}}
	var err error
	if a.Ranks, err = analyzeRanks(files, n); err != nil {
		return nil, err
	}
	// Imbalance across ranks, per stage.
	busy := map[string][]float64{}
	for _, r := range a.Ranks {
		for _, s := range r.Stages {
			busy[s.Stage] = append(busy[s.Stage], s.BusyMs)
		}
	}
	for st, v := range busy {
		if len(v) < 2 {
			continue
		}
		mx, sum := 0.0, 0.0
		for _, x := range v {
			mx, sum = max(mx, x), sum+x
		}
		if sum > 0 {
			a.Imbalance[st] = (mx/(sum/float64(len(v))) - 1) * 100
		}
	}
	return a, nil
}

// analyzeRanks scans the files and groups them by rank: the name's TP/DP/PP
// label when it has one (distributedInfo ranks repeat across DP replicas that
// are separate worlds), else the trace's own rank; ordered by DP, PP, rank.
func analyzeRanks(files []string, workers int) ([]RankAnalysis, error) {
	scanned, err := scanFiles(files, workers)
	if err != nil {
		return nil, err
	}
	byKey := map[string]*RankAnalysis{}
	var order []string
	sortKey := map[string][4]int{}
	for i, f := range files {
		info, rank := scanned[i].info, scanned[i].rank
		key := info.Label()
		if key == "" {
			key = "rank-" + strconv.Itoa(rank)
		}
		ra := byKey[key]
		if ra == nil {
			ra = &RankAnalysis{Rank: rank, Label: info.Label(), File: f}
			byKey[key] = ra
			order = append(order, key)
			sortKey[key] = [4]int{info.DP, info.PP, rank, info.Rank}
		}
		ra.Files = append(ra.Files, f)
		ra.Stages = append(ra.Stages, scanned[i].stages...)
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := sortKey[order[i]], sortKey[order[j]]
		for k := range a {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return false
	})
	var out []RankAnalysis
	for _, k := range order {
		ra := byKey[k]
		if len(ra.Files) == 1 {
			ra.Files = nil
		}
		out = append(out, *ra)
	}
	return out, nil
}

// scanned is one file's stages and rank.
type scanned struct {
	info   File
	rank   int
	stages []StageAnalysis
	err    error
}

// scanFiles scans and analyses the files on workers goroutines (0:
// GOMAXPROCS), results in file order. Files are claimed in order and no new
// one is started after a failure, so the error returned (the first failing
// file's) does not depend on timing.
func scanFiles(files []string, workers int) ([]scanned, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([]scanned, len(files))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(workers, len(files)) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				out[i] = scanOne(files[i])
				if out[i].err != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for _, r := range out {
		if r.err != nil {
			return nil, r.err
		}
	}
	return out, nil
}

func scanOne(path string) scanned {
	info, _ := Parse(path)
	sc, err := ScanFile(path)
	if err != nil {
		return scanned{err: err}
	}
	rank := sc.rank
	if rank < 0 {
		rank = max(info.Rank, 0)
	}
	return scanned{info: info, rank: rank, stages: stagesOf(info.Stage, sc)}
}

// stagesOf splits a file into stages: the file name's stage, or the stages of
// its step ranges when the name has none.
func stagesOf(nameStage string, sc *fileScan) []StageAnalysis {
	if nameStage != "" || len(sc.steps) == 0 {
		st := nameStage
		if st == "" {
			st = "all"
		}
		return []StageAnalysis{stageAnalysis(st, sc.intervals, sc.names, sc.steps)}
	}
	var out []StageAnalysis
	for _, st := range []string{"extend", "decode"} {
		var wins []window
		for _, w := range sc.steps {
			if w.stage == st {
				wins = append(wins, w)
			}
		}
		if len(wins) == 0 {
			continue
		}
		var ivs []interval
		for _, v := range sc.intervals {
			for _, w := range wins {
				if v.start < w.end && v.end > w.start {
					ivs = append(ivs, v)
					break
				}
			}
		}
		out = append(out, stageAnalysis(st, ivs, sc.names, wins))
	}
	return out
}
