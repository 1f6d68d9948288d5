package report

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// TelemetryReport is the telemetry section: per case and load profile, the
// server's own view beside the client's, and the GPUs' energy.
type TelemetryReport struct {
	Segments []TelemetrySegment `json:"segments"`
	// Notes say why a configuration has no server or GPU samples.
	Notes []string `json:"notes,omitempty"`
	// TTFTTolerance and ITLTolerance define agreement (telemetry.Tolerance).
	TTFTTolerance telemetry.Tolerance `json:"ttft_tolerance"`
	ITLTolerance  telemetry.Tolerance `json:"itl_tolerance"`
	// PowerPrice is USD per kWh (power_price; 0: not priced).
	PowerPrice float64 `json:"power_price"`
}

// TelemetrySegment is one case's or load profile's telemetry.
type TelemetrySegment struct {
	telemetry.Summary
	// Client medians over the same segment, in ms (nil: no client figure).
	ClientTTFTP50Ms *float64 `json:"client_ttft_p50_ms,omitempty"`
	ClientITLP50Ms  *float64 `json:"client_itl_p50_ms,omitempty"`
	// TTFTAgrees and ITLAgrees compare the client's median with the
	// server's (nil: nothing to compare).
	TTFTAgrees *bool `json:"ttft_agrees,omitempty"`
	ITLAgrees  *bool `json:"itl_agrees,omitempty"`
	// OutputTokens the client received in the segment.
	OutputTokens float64 `json:"output_tokens"`
	// Energy per output token, output tokens per kWh, and the power's cost
	// per 1M output tokens at power_price (nil without GPU samples).
	JPerToken      *float64 `json:"j_per_token,omitempty"`
	TokensPerKWh   *float64 `json:"tokens_per_kwh,omitempty"`
	PowerCostPer1M *float64 `json:"power_cost_per_1m,omitempty"`
	// CostPer1M is the case's GPU-hour output cost plus PowerCostPer1M.
	CostPer1M *float64 `json:"cost_per_1m_with_power,omitempty"`
	// Series are the segment's samples in time order (no histograms), for
	// time-series charts: t, source, gpu and values.
	Series []telemetry.Sample `json:"series,omitempty"`
}

// readTelemetry reads telemetry.jsonl and joins each segment with the
// client's results; nothing when the run recorded no telemetry.
func (r *Report) readTelemetry(dir string) {
	ss, err := results.ReadLinesWarn[telemetry.Sample](filepath.Join(dir, telemetry.File), func(w string) { r.Warnings = append(r.Warnings, w) })
	if err != nil || len(ss) == 0 {
		return
	}
	t := &TelemetryReport{TTFTTolerance: telemetry.TTFTTolerance, ITLTolerance: telemetry.ITLTolerance, PowerPrice: r.Meta.PowerPrice}
	for _, p := range telemetry.Problems(ss) {
		t.Notes = append(t.Notes, r.display(p.ConfigID)+": "+p.Source+": "+p.Error)
	}
	cases, loads := r.clientIndex()
	for _, s := range telemetry.Summarize(ss) {
		seg := TelemetrySegment{Summary: s, Series: stripHistograms(s.Samples)}
		if s.Profile == "" {
			if x, ok := cases[s.Key]; ok {
				seg.fromCase(x)
			}
		} else if l, ok := loads[s.Key]; ok {
			seg.fromLoad(l)
		}
		seg.energy(t.PowerPrice)
		t.Segments = append(t.Segments, seg)
	}
	r.Telemetry = t
}

// clientIndex keys the client's case and load results as telemetry keys them.
func (r *Report) clientIndex() (map[telemetry.Key]results.Result, map[telemetry.Key]load.Result) {
	cases := map[telemetry.Key]results.Result{}
	for _, c := range r.Configs {
		for _, x := range c.Rows {
			if x.Status == results.StatusOK {
				cases[telemetry.Key{ConfigID: x.ConfigID, Case: telemetry.CaseLabel(x.BatchSize, x.InputLen, x.OutputLen), Repeat: x.Repeat}] = x
			}
		}
	}
	loads := map[telemetry.Key]load.Result{}
	for _, l := range r.Load {
		loads[telemetry.Key{ConfigID: l.ConfigID, Case: telemetry.LoadLabel(l.InputLen, l.OutputLen), Profile: load.ProfileLabel(l.Profile)}] = l
	}
	return cases, loads
}

func stripHistograms(ss []telemetry.Sample) []telemetry.Sample {
	out := make([]telemetry.Sample, len(ss))
	for i, s := range ss {
		s.Histograms = nil
		out[i] = s
	}
	return out
}

// fromCase takes the client's figures from a case result: each request's
// first-token time and the gaps between its tokens.
func (seg *TelemetrySegment) fromCase(x results.Result) {
	var ttfts, gaps []float64
	for _, times := range x.TokenTimesMs {
		if len(times) == 0 {
			continue
		}
		ttfts = append(ttfts, times[0])
		for i := 1; i < len(times); i++ {
			gaps = append(gaps, times[i]-times[i-1])
		}
	}
	for _, n := range x.CompletionTokens {
		seg.OutputTokens += float64(n)
	}
	seg.compare(median(ttfts), median(gaps), x.SimTimeScale)
	if x.OutputCostPer1M != nil {
		c := *x.OutputCostPer1M
		seg.CostPer1M = &c
	}
}

func (seg *TelemetrySegment) fromLoad(l load.Result) {
	seg.OutputTokens = l.OutputThroughput * l.DurationS
	if l.Completed > 0 {
		seg.compare(l.TTFTMs.P50, l.ITLMs.P50, l.TimeScale)
	}
}

func (seg *TelemetrySegment) compare(ttft, itl, timeScale float64) {
	if !math.IsNaN(ttft) {
		seg.ClientTTFTP50Ms = &ttft
		if s := seg.Server; s != nil && s.TTFT != nil {
			ok := telemetry.TTFTTolerance.Agrees(*s.TTFT, ttft, timeScale)
			seg.TTFTAgrees = &ok
		}
	}
	if !math.IsNaN(itl) {
		seg.ClientITLP50Ms = &itl
		if s := seg.Server; s != nil && s.ITL != nil {
			ok := telemetry.ITLTolerance.Agrees(*s.ITL, itl, timeScale)
			seg.ITLAgrees = &ok
		}
	}
}

// energy derives J per output token, tokens per kWh and the power's cost per
// 1M output tokens (J/token × 1e6 / 3.6e6 J/kWh × USD/kWh).
func (seg *TelemetrySegment) energy(price float64) {
	g := seg.GPU
	if g == nil || g.EnergyJ <= 0 || seg.OutputTokens <= 0 {
		seg.CostPer1M = nil
		return
	}
	j := g.EnergyJ / seg.OutputTokens
	perKWh := 3.6e6 / j
	cost := j * 1e6 / 3.6e6 * price
	seg.JPerToken, seg.TokensPerKWh, seg.PowerCostPer1M = &j, &perKWh, &cost
	if seg.CostPer1M != nil {
		total := *seg.CostPer1M + cost
		seg.CostPer1M = &total
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// telemetryMarkdown writes the telemetry section: one row per case and load
// profile, server beside client, and the energy figures.
func (r *Report) telemetryMarkdown(b *strings.Builder) {
	t := r.Telemetry
	if t == nil {
		return
	}
	b.WriteString("### Telemetry and energy\n\n")
	fmt.Fprintf(b, "Server figures are the engine's own Prometheus histograms over each case (their increase from its start to its end); client figures come from the streamed arrivals. "+
		"⚠ marks a client median outside the server's median bucket widened by %.0f%% and %g ms (TTFT) or %g ms (ITL). Energy is NVML's counter (or power × time) over the case, per output token.\n\n",
		100*t.TTFTTolerance.Rel, t.TTFTTolerance.AbsMs, t.ITLTolerance.AbsMs)
	b.WriteString("| configuration | case | TTFT p50 server (bucket) / client (ms) | ITL p50 server (bucket) / client (ms) | running peak / mean | queued peak / mean | KV use peak / mean | GPU power mean (W) | energy (J) | J/token | tokens/kWh | power $/1M | $/1M with power |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	flagged := 0
	for _, s := range t.Segments {
		label := s.Case
		if s.Profile != "" {
			label = "load " + s.Profile + " " + s.Case
		} else if s.Repeat > 0 {
			label += fmt.Sprintf(" #%d", s.Repeat+1)
		}
		var srv telemetry.ServerSummary
		if s.Server != nil {
			srv = *s.Server
		}
		ttft, f1 := vsCell(srv.TTFT, s.ClientTTFTP50Ms, s.TTFTAgrees)
		itl, f2 := vsCell(srv.ITL, s.ClientITLP50Ms, s.ITLAgrees)
		if f1 || f2 {
			flagged++
		}
		power, energy := "-", "-"
		if s.GPU != nil {
			power, energy = fmt.Sprintf("%.0f", s.GPU.PowerW.Mean), fmt.Sprintf("%.1f (%s)", s.GPU.EnergyJ, s.GPU.EnergySource)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.display(s.ConfigID), label, ttft, itl,
			statCell(srv.Running, 1, "%.0f", "%.1f"), statCell(srv.Queued, 1, "%.0f", "%.1f"), statCell(srv.KVUsage, 100, "%.1f%%", "%.1f%%"),
			power, energy, optCell(s.JPerToken, "%.3f"), optCell(s.TokensPerKWh, "%.0f"), optCell(s.PowerCostPer1M, "$%.4f"), optCell(s.CostPer1M, "$%.4f"))
	}
	b.WriteString("\n")
	if flagged > 0 {
		fmt.Fprintf(b, "⚠ In %d case(s) the client and the server disagree: the client (or the network) adds time the server does not see, or the server counts other requests.\n\n", flagged)
	}
	if t.PowerPrice == 0 {
		b.WriteString("Power is not priced (`power_price` unset: it is inside `gpu_hour_price`).\n\n")
	}
	for _, n := range t.Notes {
		b.WriteString("- " + n + "\n")
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n")
	}
}

// vsCell is "server (lo–hi] / client", with ⚠ when they disagree.
func vsCell(q *telemetry.Quantiles, client *float64, agrees *bool) (string, bool) {
	s := "-"
	if q != nil {
		hi := fmt.Sprintf("%g", q.P50Hi)
		if math.IsInf(q.P50Hi, 1) {
			hi = "∞"
		}
		s = fmt.Sprintf("%.1f (%g–%s]", q.P50, q.P50Lo, hi)
	}
	if client != nil {
		s += fmt.Sprintf(" / %.1f", *client)
	}
	flag := agrees != nil && !*agrees
	if flag {
		s += " ⚠"
	}
	return s, flag
}

func statCell(st *telemetry.Stat, scale float64, peak, mean string) string {
	if st == nil {
		return "-"
	}
	return fmt.Sprintf(peak+" / "+mean, st.Peak*scale, st.Mean*scale)
}

func optCell(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}
