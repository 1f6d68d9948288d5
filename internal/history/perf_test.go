package history

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
)

// writeRun writes a run directory of one configuration with a performance
// model and one without, each with two passed cases and a failed one.
func writeRun(t *testing.T, id, engine, version string, dry bool) string {
	t.Helper()
	dir := t.TempDir()
	setup := perfmodel.Setup{Family: "llama", Device: perfmodel.Device{Name: "H100", MemGBps: 3350, PeakTFLOPS: 989, LinkGBps: 450, LinkLatencyUs: 8},
		Parallel: perfmodel.Parallel{TP: 2, EP: 1, DP: 1, KVBytes: 2}, Layers: 32, Hidden: 4096, Heads: 32, HeadDim: 128, SharedBytes: 16e9, ActiveParams: 8e9, KVBytesPerToken: 65536}
	meta := &rundir.Meta{RunID: id, Engine: engine, DryRun: dry, StartedAt: time.Now().UTC(),
		Configs: []plan.Config{{ID: "m--TP2", Perf: &perfmodel.Model{Setup: setup, Params: perfmodel.Defaults}}, {ID: "other--TP1"}}}
	if err := rundir.WriteMeta(dir, meta); err != nil {
		t.Fatal(err)
	}
	a, err := results.OpenAppender(filepath.Join(dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	f := func(v float64) *float64 { return &v }
	for _, cfg := range []string{"m--TP2", "other--TP1"} {
		for i, bs := range []int{1, 8, 16} {
			r := results.Result{RunID: id, ConfigID: cfg, Engine: engine, EngineVersion: version, Status: results.StatusOK, BatchSize: bs, InputLen: 1024, OutputLen: 128,
				ITLMs: f(5 + float64(bs)), TTFTS: f(0.05), OutputThroughput: f(1000 * float64(bs) / (5 + float64(bs)))}
			if i == 2 {
				r.Status, r.ITLMs = results.StatusFailed, nil
			}
			if err := a.Append(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestPerfPointsOnlyRealRunsWithAModel(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range []struct {
		id, engine, version string
		dry                 bool
	}{{"real", "sglang", "0.5.4", false}, {"dry", "sim", "sim-dev", true}} {
		if _, err := db.Record(writeRun(t, r.id, r.engine, r.version, r.dry)); err != nil {
			t.Fatal(err)
		}
	}
	pts, missing, err := db.PerfPoints(PointFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// The real run's passed cases of the modelled configuration; the other
	// configuration's two passed cases have no model.
	if len(pts) != 2 || missing != 2 {
		t.Fatalf("%d points, %d without a model: %+v", len(pts), missing, pts)
	}
	want := perfmodel.Key{Engine: "sglang", EngineVersion: "0.5.4", GPU: "H100", Family: "llama"}
	if p := pts[1]; p.Key != want || p.Group != "real/m--TP2" || p.Shape != (perfmodel.Shape{Batch: 8, InputLen: 1024, OutputLen: 128}) || p.ITLMs != 13 || p.Setup.Parallel.TP != 2 {
		t.Fatalf("point %+v", p)
	}
	if pts, _, _ := db.PerfPoints(PointFilter{Simulated: true}); len(pts) != 4 {
		t.Fatalf("with simulated runs: %d points", len(pts))
	}
	if pts, _, _ := db.PerfPoints(PointFilter{GPU: "h200"}); len(pts) != 0 {
		t.Fatalf("GPU filter let %d points through", len(pts))
	}
	if pts, _, _ := db.PerfPoints(PointFilter{GPU: "h100", Engine: "sglang"}); len(pts) != 2 {
		t.Fatalf("GPU filter is case-insensitive: %d points", len(pts))
	}
}

func TestCalibrationLookup(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, ok := db.Calibration("sglang", "0.5.4", "H200", "llama"); ok {
		t.Fatal("a calibration in an empty database")
	}
	save := func(version, at string, bw float64) {
		c := perfmodel.Calibration{Key: perfmodel.Key{Engine: "sglang", EngineVersion: version, GPU: "H200", Family: "llama"}, Params: perfmodel.Defaults, FittedAt: at}
		c.Params.BWEff = bw
		if err := db.SaveCalibration(c); err != nil {
			t.Fatal(err)
		}
	}
	save("0.5.3", "2025-01-01T00:00:00Z", 0.5)
	save("0.5.4", "2025-02-01T00:00:00Z", 0.6)
	save("0.5.5", "2025-03-01T00:00:00Z", 0.7)
	for _, c := range []struct {
		version string
		want    float64
	}{{"0.5.3", 0.5}, {"0.5.4", 0.6}, {"0.6.0", 0.7}, {"", 0.7}} {
		got, ok := db.Calibration("sglang", c.version, "h200", "llama")
		if !ok || got.Params.BWEff != c.want {
			t.Errorf("version %q: got %+v, want the fit with bw_eff %.1f", c.version, got, c.want)
		}
	}
	if _, ok := db.Calibration("vllm", "0.5.4", "H200", "llama"); ok {
		t.Fatal("another engine's calibration used")
	}
	// Refitting a key replaces it.
	save("0.5.4", "2025-04-01T00:00:00Z", 0.65)
	if got, _ := db.Calibration("sglang", "0.5.4", "H200", "llama"); got.Params.BWEff != 0.65 {
		t.Fatalf("refit not stored: %+v", got.Params)
	}
}
