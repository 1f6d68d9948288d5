package executor

import (
	"context"
	"fmt"
	"strconv"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// openGPUSampler opens the GPU sampler (NVML); tests replace it with a fake.
var openGPUSampler = gpu.OpenSampler

// withMetricsFlag adds the engine's metrics switch (SGLang's
// --enable-metrics) to argv when telemetry is on and argv lacks it.
func (x *execution) withMetricsFlag(argv []string) []string {
	if !x.job.Telemetry.On() {
		return argv
	}
	spec, ok := engine.MetricsOf(x.job.Engine)
	if !ok || spec.EnableFlag == "" || engine.HasFlag(argv, spec.EnableFlag) {
		return argv
	}
	return append(argv, spec.EnableFlag)
}

// startTelemetry starts the configuration's recorder (when the job records
// telemetry) and returns ctx carrying it for the case and load hooks. It says
// in the progress log what it samples, and why a source has nothing.
func (x *execution) startTelemetry(ctx context.Context) context.Context {
	set := x.job.Telemetry
	if !set.On() {
		return ctx
	}
	o := telemetry.Options{Settings: set, Notef: x.progress}
	server, gpus := "", ""
	if spec, ok := engine.MetricsOf(x.job.Engine); ok {
		o.Scraper = telemetry.NewScraper("http://"+x.host+":"+strconv.Itoa(x.rec.Port), spec)
		server = o.Scraper.URL
	} else {
		o.NoServer = x.job.Engine.Name() + " serves no Prometheus metrics: GPU samples only"
		server = "none (" + o.NoServer + ")"
	}
	switch s, err := x.gpuSampler(); {
	case err != nil:
		o.NoGPU = err.Error()
		gpus = "none (" + o.NoGPU + ")"
	default:
		o.Sampler, o.GPUs = s, x.gpuIDs
		gpus = fmt.Sprintf("%v through NVML", x.gpuIDs)
	}
	x.progress("%s: telemetry every %s: server metrics %s; GPUs %s", x.cfg.ID, set.Period, server, gpus)
	return telemetry.With(ctx, telemetry.Start(ctx, x.cfg.ID, o))
}

// gpuSampler opens NVML for the configuration's GPUs; an error says why
// there is nothing to sample.
func (x *execution) gpuSampler() (gpu.Sampler, error) {
	// The sim uses no GPU, even where a packed schedule or Slurm assigned it some.
	if len(x.gpuIDs) == 0 || x.job.Engine.Simulated() && x.l.GPUs == nil {
		why := "no GPU sampled: the configuration runs on the CPU"
		if x.l.GPUs == nil {
			why = "no GPU sampled: none found on this host (or a dry run)"
		}
		return nil, fmt.Errorf("%s", why)
	}
	s, err := openGPUSampler()
	if err != nil {
		return nil, fmt.Errorf("no GPU sampled: %w", err)
	}
	return s, nil
}

// hookCases makes every measured case a telemetry segment: it begins as the
// case's request is about to be sent and ends when its result is recorded.
// The server is scraped at those two edges only: a scrape inside the timed
// request would add its CPU time to a latency measured to the millisecond.
func (x *execution) hookCases(ctx context.Context, sess *bench.Session) {
	rec := telemetry.From(ctx)
	if rec == nil {
		return
	}
	sess.OnCase = func(c plan.Case, rep int) {
		rec.Begin(ctx, telemetry.Segment{Case: telemetry.CaseLabel(c.BatchSize, c.InputLen, c.OutputLen), Repeat: rep, EdgesOnly: true})
	}
	emit := sess.Emit
	sess.Emit = func(r results.Result) error {
		rec.End(ctx)
		return emit(r)
	}
}
