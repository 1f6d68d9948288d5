package runner

import (
	"context"
	"sync"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/schedule"
)

// runPacked runs configurations concurrently on disjoint GPU sets: whenever
// GPUs free up, it starts every waiting configuration that fits, longest
// expected first. Configurations needing more GPUs than the pool are run
// (and fail or are skipped) one at a time at the end.
func runPacked(ctx context.Context, o Options, todo []int, runOne func(int, plan.Config, []int) (bool, error), mu *sync.Mutex, sum *Summary, logf func(string, ...any)) error {
	pool := schedule.NewPool(max(1, o.GPUs), o.Topology)
	items := make([]schedule.Item, 0, len(todo))
	byID := map[string]int{}
	for _, i := range todo {
		c := o.Configs[i]
		exp := 0.0
		if o.Expected != nil {
			exp = o.Expected(c)
		}
		items = append(items, schedule.Item{ID: c.ID, GPUs: max(1, c.GPUs), Expected: exp})
		byID[c.ID] = i
	}
	queue := schedule.Order(items)
	logf("packed schedule: %d configurations on %d GPUs, longest expected first", len(queue), pool.Size())
	type done struct {
		ids  []int
		stop bool
		err  error
	}
	finished := make(chan done)
	running := 0
	var firstErr error
	stopping := false
	for {
		if !stopping && ctx.Err() == nil {
			for k := 0; k < len(queue); k++ {
				it := queue[k]
				i := byID[it.ID]
				cfg := o.Configs[i]
				var ids []int
				if cfg.Verdict != "skip" || o.Force {
					if it.GPUs > pool.Size() {
						continue // never fits: run alone at the end
					}
					var ok bool
					if ids, ok = pool.Acquire(it.GPUs); !ok {
						continue
					}
				}
				queue = append(queue[:k], queue[k+1:]...)
				k--
				running++
				go func(i int, cfg plan.Config, ids []int) {
					stop, err := runOne(i, cfg, ids)
					finished <- done{ids, stop, err}
				}(i, cfg, ids)
			}
		}
		if running == 0 {
			break
		}
		d := <-finished
		running--
		pool.Release(d.ids)
		if d.err != nil && firstErr == nil {
			firstErr = d.err
		}
		if d.stop || d.err != nil {
			stopping = true
		}
	}
	if firstErr != nil {
		return firstErr
	}
	// Whatever could never fit the pool runs alone now (the executor reports why it fails).
	for _, it := range queue {
		if stopping || ctx.Err() != nil {
			mu.Lock()
			sum.Interrupted = true
			mu.Unlock()
			break
		}
		i := byID[it.ID]
		if stop, err := runOne(i, o.Configs[i], nil); err != nil || stop {
			return err
		}
	}
	return nil
}

// runConcurrent runs up to limit configurations at once (a cluster schedules
// them: the Slurm executor submits one job each and waits for it).
func runConcurrent(ctx context.Context, o Options, todo []int, limit int, runOne func(int, plan.Config, []int) (bool, error)) error {
	sem := make(chan struct{}, max(1, limit))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, i := range todo {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := runOne(i, o.Configs[i], nil); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return firstErr
}
