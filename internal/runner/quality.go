package runner

import (
	"path/filepath"
	"sync"

	"github.com/servesweep/servesweep/internal/executor"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/results"
)

// qualityState is the run's quality guard: quality.jsonl, each
// configuration's latest record (those of the run a resume continues too)
// and each configuration's reference.
type qualityState struct {
	app    *results.Appender
	mu     sync.Mutex
	latest map[string]quality.Record
	refs   map[string]string
}

// openQuality opens quality.jsonl when the sweep has a quality: section and
// reads the records already there, so a resumed run compares with a
// reference measured before.
func (s *sweepRun) openQuality() error {
	if s.o.File.Quality == nil {
		return nil
	}
	path := filepath.Join(s.o.Dir, quality.File)
	recs, err := results.ReadLinesWarn[quality.Record](path, func(w string) { s.logf("warning: %s", w) })
	if err != nil {
		return err
	}
	app, err := results.OpenAppender(path)
	if err != nil {
		return err
	}
	if app.Repaired != "" {
		s.logf("warning: %s", app.Repaired)
	}
	var cs []quality.Config
	for _, c := range s.o.Configs {
		cs = append(cs, quality.Config{ID: c.ID, ModelKey: c.ModelKey, Runs: c.Verdict != plan.VerdictSkip || s.o.Force})
	}
	s.qual = &qualityState{app: app, latest: quality.Latest(recs), refs: quality.References(cs, s.o.File.Quality.Reference)}
	return nil
}

func (s *sweepRun) closeQuality() {
	if s.qual != nil {
		s.qual.app.Close()
	}
}

// qualityJob is configuration cfg's quality guard (nil without a quality: section).
func (s *sweepRun) qualityJob(cfg plan.Config) *executor.QualityJob {
	qs, q := s.qual, s.o.File.Quality
	if qs == nil || q == nil {
		return nil
	}
	ref := qs.refs[cfg.ID]
	if ref == "" {
		ref = cfg.ID
	}
	j := &executor.QualityJob{
		Prompts: q.Prompts, MaxTokens: q.MaxTokens, Items: q.Items, Dataset: q.Dataset, DatasetMaxTokens: q.DatasetMaxTokens,
		Base: quality.Record{RunID: s.meta.RunID, ConfigID: cfg.ID, ModelKey: cfg.ModelKey, Reference: ref,
			MinAgreement: q.MinAgreement, MinAccuracy: q.MinAccuracy, PromptSet: q.PromptSetID()},
	}
	qs.mu.Lock()
	if r, ok := qs.latest[ref]; ok {
		j.Reference = &r
	}
	qs.mu.Unlock()
	j.Emit = func(r quality.Record) error {
		if err := s.append(qs.app, r); err != nil {
			return err
		}
		qs.mu.Lock()
		qs.latest[r.ConfigID] = r
		qs.mu.Unlock()
		return nil
	}
	return j
}
