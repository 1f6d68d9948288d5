package telemetry_test

import (
	"context"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/engine/sim/simserver"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// simScale is the sim's time scale: 1 (real time), so that 12 ms steps stay far above
// the scheduling jitter of a loaded 2-core machine.
const simScale = 1.0

// startSim runs a sim server in this process; extra args are added to the
// model's, and it returns the base URL once the server is ready.
func startSim(t *testing.T, extra ...string) string {
	t.Helper()
	port, err := proc.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--model-path", "sim/m", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--sim-itl-ms", "12",
		"--sim-ttft-per-token-us", "300", "--sim-jitter", "0", "--sim-time-scale", strconv.FormatFloat(simScale, 'g', -1, 64), "--sim-startup-ms", "1"}, extra...)
	o, err := simserver.ParseArgs(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); simserver.Run(ctx, o, io.Discard, "test") }()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	c := sglang.NewClient(base)
	for i := 0; c.Ready(ctx) != nil; i++ {
		if i > 200 {
			t.Fatal("sim not ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return base
}

// TestScraperAgainstSim measures batch-1 requests through SGLang's client
// while the recorder scrapes the sim's /metrics: the server's TTFT and ITL
// medians (from the histograms' increase over the case) agree with the
// client's within the report's tolerance, and the gauges saw the requests.
func TestScraperAgainstSim(t *testing.T) {
	base := startSim(t, "--enable-metrics")
	var out sink
	ctx := context.Background()
	r := telemetry.Start(ctx, "sim-1", telemetry.Options{Settings: telemetry.Settings{Period: 10 * time.Millisecond, Emit: out.emit},
		Scraper: telemetry.NewScraper(base, sglang.MetricsSpec), NoGPU: "no GPU"})
	c := sglang.NewClient(base)
	r.Begin(ctx, telemetry.Segment{Case: telemetry.CaseLabel(1, 1000, 24)})
	var ttfts, gaps []float64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 3 { // three concurrent streams: the running gauge must see them
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := c.Generate(ctx, engine.GenerateRequest{InputIDs: [][]int{make([]int, 1000)}, OutputLen: 24})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			a := st.Arrivals[0]
			ttfts = append(ttfts, a[0].At.Seconds()*1e3/simScale)
			for i := 1; i < len(a); i++ {
				gaps = append(gaps, (a[i].At-a[i-1].At).Seconds()*1e3/simScale)
			}
		}()
	}
	wg.Wait()
	r.End(ctx)
	r.Close()
	sums := telemetry.Summarize(out.all())
	if len(sums) != 1 || sums[0].Server == nil || sums[0].Server.TTFT == nil || sums[0].Server.ITL == nil {
		t.Fatalf("%+v", sums)
	}
	s := sums[0].Server
	if s.TTFT.Count != 3 || s.ITL.Count != 3*23 {
		t.Fatalf("server saw %v first tokens and %v gaps, want 3 and 69", s.TTFT.Count, s.ITL.Count)
	}
	cTTFT, cITL := median(ttfts), median(gaps)
	t.Logf("TTFT p50 server %.1f ms in (%.0f, %.0f], client %.1f ms; ITL p50 server %.2f ms in (%.0f, %.0f], client %.2f ms",
		s.TTFT.P50, s.TTFT.P50Lo, s.TTFT.P50Hi, cTTFT, s.ITL.P50, s.ITL.P50Lo, s.ITL.P50Hi, cITL)
	if !telemetry.TTFTTolerance.Agrees(*s.TTFT, cTTFT, simScale) || !telemetry.ITLTolerance.Agrees(*s.ITL, cITL, simScale) {
		t.Fatal("server and client disagree")
	}
	if s.Running == nil || s.Running.Peak < 2 || s.KVUsage == nil || s.KVUsage.Peak <= 0 {
		t.Fatalf("gauges: running %+v kv %+v", s.Running, s.KVUsage)
	}
	if s.GenTokens == nil || *s.GenTokens != 3*24 {
		t.Fatalf("generation tokens %v", s.GenTokens)
	}
	// The client disagreeing with the server is flagged: an ITL three times what the server saw.
	if telemetry.ITLTolerance.Agrees(*s.ITL, 3*cITL, simScale) {
		t.Fatal("a tripled client ITL must be flagged")
	}
}

// TestSimMetricsNeedEnableFlag: like SGLang, no --enable-metrics, no /metrics.
func TestSimMetricsNeedEnableFlag(t *testing.T) {
	base := startSim(t)
	_, err := telemetry.NewScraper(base, sglang.MetricsSpec).Scrape(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "--enable-metrics") {
		t.Fatalf("got %v", err)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// TestEdgesOnlyKeepsScrapesOutOfTheCase: a case's segment scrapes the server
// at its two edges only, however many periods it lasts.
func TestEdgesOnlyKeepsScrapesOutOfTheCase(t *testing.T) {
	base := startSim(t, "--enable-metrics")
	var out sink
	ctx := context.Background()
	r := telemetry.Start(ctx, "c", telemetry.Options{Settings: telemetry.Settings{Period: 10 * time.Millisecond, Emit: out.emit},
		Scraper: telemetry.NewScraper(base, sglang.MetricsSpec), NoGPU: "no GPU"})
	r.Begin(ctx, telemetry.Segment{Case: "bs=1 in=8 out=8", EdgesOnly: true})
	time.Sleep(100 * time.Millisecond)
	r.End(ctx)
	r.Close()
	n := 0
	for _, s := range out.all() {
		if s.Source == telemetry.SourceServer {
			n++
			if s.Edge == "" {
				t.Fatalf("periodic server sample inside an edges-only segment: %+v", s)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d server samples, want the 2 edges", n)
	}
}
