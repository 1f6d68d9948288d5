package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/servesweep/servesweep/internal/redact"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/traces"
)

// ProfileDir is the sub-folder of dir one profile writes to, named as
// sglang/profiler.py run_profile names it: Path(abspath(output_dir)) / str(time.time()).
func ProfileDir(dir string, t time.Time) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return filepath.Join(abs, strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64))
}

// profile re-runs the case with the profiler armed and collects every rank's
// traces, as bench_one_batch_server.py does after the measured runs: POST
// /start_profile {output_dir: <trace dir>/<time.time()>, num_steps, activities
// [CPU, GPU], profile_by_stage, merge_profiles: false, profile_prefix:
// bs-<bs>-il-<il>}, then the request; SGLang stops by itself after num_steps
// (no /stop_profile), vLLM is stopped. An engine that cannot profile is
// recorded as "no trace", not a failure.
func (s *Session) profile(ctx context.Context, c plan.Case, r *results.Result) {
	prefix := fmt.Sprintf("bs-%d-il-%d", c.BatchSize, c.InputLen)
	dir := ProfileDir(s.TraceDir, time.Now())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.ProfileError = err.Error()
		return
	}
	if s.info.Raw != nil {
		if b, err := json.Marshal(s.info.Raw); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "server_args.json"), redact.JSON(b), 0o644) // the server's args hold --api-key etc.
		}
	}
	before := traces.Names(s.TraceDir)
	err := s.Client.StartProfile(ctx, engine.ProfileRequest{OutputDir: dir, NumSteps: max(1, s.Settings.ProfileSteps), ProfileByStage: true, Prefix: prefix})
	if errors.Is(err, engine.ErrNoProfiler) {
		r.ProfileError = "no trace: the engine cannot profile"
		return
	}
	if err != nil {
		r.ProfileError = "no trace: " + err.Error()
		return
	}
	if _, err := s.measure(ctx, c); err != nil {
		r.ProfileError = "no trace: profiled request failed: " + err.Error()
		return
	}
	_ = s.Client.StopProfile(ctx)
	timeout := s.Settings.ProfileTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ranks := max(1, s.Config.GPUs)
	files := waitTraces(wctx, dir, prefix, s.TraceDir, before, ranks)
	s.recordTraces(r, files)
	switch got := distinctRanks(files); {
	case r.TraceExtend == nil || r.TraceDecode == nil:
		r.ProfileError = fmt.Sprintf("no trace: extend/decode files did not appear complete in %s within %s", dir, timeout)
	case got < ranks:
		r.ProfileError = fmt.Sprintf("traces of %d of %d ranks appeared in %s within %s (ranks on other nodes write to their own disks unless the trace folder is shared)", got, ranks, dir, timeout)
	}
}

// waitTraces waits for the profile's files: in dir (engines that take
// output_dir: SGLang, the sim) or, for engines that write to the folder they
// were launched with and ignore output_dir (vLLM), new files in top.
func waitTraces(ctx context.Context, dir, prefix, top string, before map[string]bool, ranks int) []traces.File {
	stages := []string{"extend", "decode"}
	delay := 20 * time.Millisecond
	for {
		if len(traces.List(dir, "")) > 0 {
			return traces.WaitNew(ctx, dir, prefix, nil, ranks, stages)
		}
		for _, f := range traces.List(top, "") {
			if !before[filepath.Base(f.Path)] {
				return traces.WaitNew(ctx, top, prefix, before, ranks, stages)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

// recordTraces lists every rank's files in the result (paths relative to the
// run directory) and names rank 0's extend and decode files.
func (s *Session) recordTraces(r *results.Result, files []traces.File) {
	runDir := filepath.Dir(filepath.Dir(s.TraceDir))
	for _, f := range files {
		rel, err := filepath.Rel(runDir, f.Path)
		if err != nil {
			rel = f.Path
		}
		r.Traces = append(r.Traces, rel)
		if f.Rank > 0 || f.DP > 0 || f.PP > 0 {
			continue
		}
		p := rel
		switch f.Stage {
		case "":
			// One trace of the whole request (vLLM): it shows both stages.
			if r.TraceExtend == nil {
				r.TraceExtend, r.TraceDecode = &p, &p
			}
		case "extend":
			if r.TraceExtend == nil {
				r.TraceExtend = &p
			}
		case "decode":
			if r.TraceDecode == nil {
				r.TraceDecode = &p
			}
		}
	}
}

// distinctRanks counts the ranks the files come from.
func distinctRanks(files []traces.File) int {
	seen := map[string]bool{}
	for _, f := range files {
		k := f.Label()
		if k == "" {
			k = f.Path
		}
		seen[k] = true
	}
	return len(seen)
}
