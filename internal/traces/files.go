package traces

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Analyze analyses trace files, folders of them, or a run directory.
func Analyze(paths []string) (*Analysis, error) {
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
	byRank := map[int]*RankAnalysis{}
	var order []int
	for _, f := range files {
		info, _ := Parse(f)
		sc, err := ScanFile(f)
		if err != nil {
			return nil, err
		}
		rank := sc.rank
		if rank < 0 {
			rank = info.Rank
		}
		if rank < 0 {
			rank = 0
		}
		ra := byRank[rank]
		if ra == nil {
			ra = &RankAnalysis{Rank: rank, File: f}
			byRank[rank] = ra
			order = append(order, rank)
		}
		ra.Files = append(ra.Files, f)
		ra.Stages = append(ra.Stages, stagesOf(info.Stage, sc)...)
	}
	sort.Ints(order)
	a := &Analysis{Imbalance: map[string]float64{}}
	for _, r := range order {
		ra := byRank[r]
		if len(ra.Files) == 1 {
			ra.Files = nil
		}
		a.Ranks = append(a.Ranks, *ra)
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
