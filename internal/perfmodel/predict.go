package perfmodel

import (
	"math"

	"github.com/servesweep/servesweep/internal/stats"
)

// Model is a configuration's Setup with the Params that turn its bounds into
// predictions, and the calibration they come from (nil: uncalibrated defaults).
type Model struct {
	Setup       Setup   `json:"setup"`
	Params      Params  `json:"params"`
	Calibration *CalRef `json:"calibration,omitempty"`
}

// CalRef names the calibration a model's Params come from and its spread.
type CalRef struct {
	// Label says which fit: "sglang 0.5.4 on H200, deepseek_v3 (48 cases, 3 runs)".
	Label string `json:"label"`
	// SigmaITL and SigmaTTFT are the residual standard deviations of log
	// time of the fit (ln units: 0.1 ≈ 10%).
	SigmaITL  float64 `json:"sigma_itl"`
	SigmaTTFT float64 `json:"sigma_ttft"`
	// N is the number of measurements fitted, Free the parameters fitted.
	N    int `json:"n"`
	Free int `json:"free"`
	// HeldOutMAPE is the fit's error on runs left out of it, per metric (%).
	HeldOutMAPE map[string]float64 `json:"held_out_mape_pct,omitempty"`
}

// Uncalibrated is how a prediction from the default efficiencies says so.
const Uncalibrated = "uncalibrated: physical bounds × default efficiencies"

// Source says where a model's Params come from.
func (m Model) Source() string {
	if m.Calibration == nil {
		return Uncalibrated
	}
	return "calibrated: " + m.Calibration.Label
}

// CasePrediction is the prediction of one benchmark case, each figure with
// its interval (95% prediction interval of a calibrated fit; the span of the
// optimistic and pessimistic defaults when uncalibrated).
type CasePrediction struct {
	Shape
	ITLMs                float64 `json:"itl_ms"`
	ITLMsLow             float64 `json:"itl_ms_low"`
	ITLMsHigh            float64 `json:"itl_ms_high"`
	OutputThroughput     float64 `json:"output_throughput"`
	OutputThroughputLow  float64 `json:"output_throughput_low"`
	OutputThroughputHigh float64 `json:"output_throughput_high"`
	TTFTS                float64 `json:"ttft_s"`
	TTFTSLow             float64 `json:"ttft_s_low"`
	TTFTSHigh            float64 `json:"ttft_s_high"`
	// ITLBoundMs is the HBM-bandwidth bound of this case's decode step.
	ITLBoundMs float64 `json:"itl_bound_ms"`
}

// Case predicts one benchmark case.
func (m Model) Case(c Shape) CasePrediction {
	s, ctx := m.Setup, c.DecodeContext()
	itl := m.Params.DecodeTimeMs(s, c.Batch, ctx)
	ttft := m.Params.PrefillTimeMs(s, c.Batch, c.InputLen) / 1e3
	p := CasePrediction{Shape: c, ITLMs: itl, TTFTS: ttft, ITLBoundMs: s.DecodeBoundMs(c.Batch, ctx)}
	if cal := m.Calibration; cal != nil {
		qi, qt := cal.spread(cal.SigmaITL), cal.spread(cal.SigmaTTFT)
		p.ITLMsLow, p.ITLMsHigh = itl*math.Exp(-qi), itl*math.Exp(qi)
		p.TTFTSLow, p.TTFTSHigh = ttft*math.Exp(-qt), ttft*math.Exp(qt)
	} else {
		p.ITLMsLow, p.ITLMsHigh = Optimistic.DecodeTimeMs(s, c.Batch, ctx), Pessimistic.DecodeTimeMs(s, c.Batch, ctx)
		p.TTFTSLow, p.TTFTSHigh = Optimistic.PrefillTimeMs(s, c.Batch, c.InputLen)/1e3, Pessimistic.PrefillTimeMs(s, c.Batch, c.InputLen)/1e3
	}
	// The bench's own definition: output throughput = 1000·bs / ITL.
	bs := float64(max(1, c.Batch))
	p.OutputThroughput, p.OutputThroughputLow, p.OutputThroughputHigh = 1000*bs/p.ITLMs, 1000*bs/p.ITLMsHigh, 1000*bs/p.ITLMsLow
	return p
}

// spread is the half-width, in ln units, of a 95% prediction interval for a
// new measurement: t quantile × σ × √(1 + p/n) (the fit's own parameter
// uncertainty approximated by p/n).
func (c *CalRef) spread(sigma float64) float64 {
	df := max(1, c.N-c.Free)
	return stats.TCritical95(df) * sigma * math.Sqrt(1+float64(c.Free)/float64(max(1, c.N)))
}

// Prediction is a configuration's prediction: its first case's figures at the
// top level (the JSON contract of plan --predict), every case in Cases.
type Prediction struct {
	CasePrediction
	// OutputCostPer1M is the cost of 1M output tokens at the configuration's
	// GPU-hour price (nil without a price), with its interval.
	OutputCostPer1M     *float64 `json:"output_cost_per_1m,omitempty"`
	OutputCostPer1MLow  *float64 `json:"output_cost_per_1m_low,omitempty"`
	OutputCostPer1MHigh *float64 `json:"output_cost_per_1m_high,omitempty"`
	// Source says which calibration the prediction used, or that it is uncalibrated.
	Source     string           `json:"source"`
	Calibrated bool             `json:"calibrated"`
	Cases      []CasePrediction `json:"cases"`
}

// Predict predicts every case; hourly is the configuration's price per hour
// (GPU-hour price × GPUs; 0 for none).
func (m Model) Predict(cases []Shape, hourly float64) Prediction {
	p := Prediction{Source: m.Source(), Calibrated: m.Calibration != nil}
	for _, c := range cases {
		p.Cases = append(p.Cases, m.Case(c))
	}
	if len(p.Cases) == 0 {
		p.Cases = []CasePrediction{m.Case(Shape{Batch: 1, InputLen: 1, OutputLen: 1})}
	}
	p.CasePrediction = p.Cases[0]
	if hourly > 0 {
		cost := func(tps float64) *float64 { v := 1e6 / tps / 3600 * hourly; return &v }
		p.OutputCostPer1M, p.OutputCostPer1MLow, p.OutputCostPer1MHigh = cost(p.OutputThroughput), cost(p.OutputThroughputHigh), cost(p.OutputThroughputLow)
	}
	return p
}
