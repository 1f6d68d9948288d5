package perfmodel

import (
	"fmt"
	"math"
	"sort"
)

// Key is what a calibration is fitted for: one engine version on one device
// for one model family.
type Key struct {
	Engine        string `json:"engine"`
	EngineVersion string `json:"engine_version"`
	GPU           string `json:"gpu"`
	Family        string `json:"family"`
}

func (k Key) String() string {
	v := k.EngineVersion
	if v == "" {
		v = "(version unknown)"
	}
	return fmt.Sprintf("%s %s on %s, %s", k.Engine, v, k.GPU, k.Family)
}

// Point is one measured case of a real run: the configuration's Setup, the
// case and what was measured (0: not measured).
type Point struct {
	Key   Key
	Run   string // run id
	Group string // one server launch (run id + configuration id): left out together
	Setup Setup
	Shape Shape

	ITLMs            float64
	TTFTS            float64
	OutputThroughput float64
}

// Metrics a calibration reports its error on.
var Metrics = []string{"itl_ms", "ttft_s", "output_throughput"}

// Calibration is a fit of Params to a key's points.
type Calibration struct {
	Key
	Params Params `json:"params"`
	// SigmaITL and SigmaTTFT are the residual standard deviations of ln time.
	SigmaITL  float64 `json:"sigma_itl"`
	SigmaTTFT float64 `json:"sigma_ttft"`
	N         int     `json:"n"` // measured cases
	Configs   int     `json:"configs"`
	Runs      int     `json:"runs"`
	Free      int     `json:"free"` // parameters fitted
	// InSampleMAPE is the error on the fitted points, HeldOut on points left
	// out of the fit, per metric (%).
	InSampleMAPE map[string]float64 `json:"in_sample_mape_pct"`
	HeldOut      HeldOut            `json:"held_out"`
	FittedAt     string             `json:"fitted_at,omitempty"`
}

// HeldOut is a cross-validated error.
type HeldOut struct {
	Method string             `json:"method"`
	MAPE   map[string]float64 `json:"mape_pct"`
	N      int                `json:"n"`
}

// Ref is what a prediction carries of the calibration it used.
func (c Calibration) Ref() *CalRef {
	return &CalRef{Label: fmt.Sprintf("%s (%d cases, %d runs)", c.Key, c.N, c.Runs), SigmaITL: c.SigmaITL, SigmaTTFT: c.SigmaTTFT,
		N: c.N, Free: c.Free, HeldOutMAPE: c.HeldOut.MAPE}
}

// priorWeight is how strongly a fit holds each parameter near its default,
// relative to one measurement 5% off: a parameter the data do not determine
// (LayerUs against StepMs for one model, CommScale at TP1) stays at its
// default; one they do moves freely.
const priorWeight = 0.05

// Fit finds the Params that minimise the squared error of ln ITL and ln TTFT
// over points (least squares on log time), each parameter held loosely near
// its default by a prior whose width is a quarter of its documented range.
func Fit(points []Point) Params {
	start := Defaults.vec()
	lo, hi := Optimistic.vec(), Pessimistic.vec()
	phi0, width := make([]float64, len(start)), make([]float64, len(start))
	for j := range start {
		phi0[j] = math.Log(start[j])
		width[j] = math.Abs(math.Log(hi[j]/lo[j])) / 4
	}
	resid := func(phi []float64) []float64 {
		p := fromVec(expAll(phi))
		out := make([]float64, 0, 2*len(points)+len(phi))
		for _, pt := range points {
			if pt.ITLMs > 0 {
				out = append(out, math.Log(pt.ITLMs)-math.Log(p.DecodeTimeMs(pt.Setup, pt.Shape.Batch, pt.Shape.DecodeContext())))
			}
			if pt.TTFTS > 0 {
				out = append(out, math.Log(pt.TTFTS*1e3)-math.Log(p.PrefillTimeMs(pt.Setup, pt.Shape.Batch, pt.Shape.InputLen)))
			}
		}
		for j := range phi {
			out = append(out, priorWeight*(phi[j]-phi0[j])/width[j])
		}
		return out
	}
	project := func(phi []float64) {
		for j := range phi {
			phi[j] = math.Min(math.Max(phi[j], math.Log(1e-4)), math.Min(math.Log(paramMax[j]), math.Log(1e6)))
		}
	}
	return fromVec(expAll(leastSquares(resid, phi0, project)))
}

func expAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Exp(x)
	}
	return out
}

// predicted is what p predicts for a point's measured metrics.
func predicted(p Params, pt Point) map[string]float64 {
	itl := p.DecodeTimeMs(pt.Setup, pt.Shape.Batch, pt.Shape.DecodeContext())
	return map[string]float64{"itl_ms": itl, "ttft_s": p.PrefillTimeMs(pt.Setup, pt.Shape.Batch, pt.Shape.InputLen) / 1e3,
		"output_throughput": 1000 * float64(max(1, pt.Shape.Batch)) / itl}
}

func measured(pt Point) map[string]float64 {
	return map[string]float64{"itl_ms": pt.ITLMs, "ttft_s": pt.TTFTS, "output_throughput": pt.OutputThroughput}
}

// mape accumulates absolute percentage errors per metric.
type mape struct {
	sum map[string]float64
	n   map[string]int
}

func newMAPE() *mape { return &mape{sum: map[string]float64{}, n: map[string]int{}} }

func (m *mape) add(p Params, pt Point) {
	pred, obs := predicted(p, pt), measured(pt)
	for _, k := range Metrics {
		if obs[k] > 0 {
			m.sum[k] += math.Abs(pred[k]-obs[k]) / obs[k] * 100
			m.n[k]++
		}
	}
}

func (m *mape) result() map[string]float64 {
	out := map[string]float64{}
	for k, s := range m.sum {
		out[k] = s / float64(m.n[k])
	}
	return out
}

// Calibrate fits Params to one key's points and measures the fit's error on
// held-out points: leave one configuration (server launch) out when there are
// several, else leave one point out; at most 10 folds.
func Calibrate(key Key, points []Point) (Calibration, error) {
	usable := 0
	for _, pt := range points {
		if pt.ITLMs > 0 || pt.TTFTS > 0 {
			usable++
		}
	}
	if usable < 3 {
		return Calibration{}, fmt.Errorf("%s: %d measured cases; a fit needs at least 3", key, usable)
	}
	c := Calibration{Key: key, Params: Fit(points), N: usable, Free: len(paramNames)}
	groups, runs := map[string]bool{}, map[string]bool{}
	in := newMAPE()
	var rITL, rTTFT []float64
	for _, pt := range points {
		groups[pt.Group], runs[pt.Run] = true, true
		in.add(c.Params, pt)
		pred := predicted(c.Params, pt)
		if pt.ITLMs > 0 {
			rITL = append(rITL, math.Log(pt.ITLMs/pred["itl_ms"]))
		}
		if pt.TTFTS > 0 {
			rTTFT = append(rTTFT, math.Log(pt.TTFTS/pred["ttft_s"]))
		}
	}
	c.Configs, c.Runs, c.InSampleMAPE = len(groups), len(runs), in.result()
	c.SigmaITL, c.SigmaTTFT = residualSigma(rITL), residualSigma(rTTFT)
	c.HeldOut = crossValidate(points)
	return c, nil
}

// residualSigma is the standard deviation of ln residuals, with the three
// degrees of freedom each metric's fit effectively spends (a bandwidth or
// FLOP slope, a fixed cost, the communication) taken off.
func residualSigma(r []float64) float64 {
	if len(r) == 0 {
		return 0
	}
	ss := 0.0
	for _, v := range r {
		ss += v * v
	}
	return math.Sqrt(ss / float64(max(1, len(r)-3)))
}

// crossValidate refits without each fold and scores the fold.
func crossValidate(points []Point) HeldOut {
	fold := map[string]int{}
	var names []string
	for _, pt := range points {
		if _, ok := fold[pt.Group]; !ok {
			fold[pt.Group] = 0
			names = append(names, pt.Group)
		}
	}
	sort.Strings(names)
	key := func(i int, pt Point) string { return pt.Group }
	method := "leave one configuration out"
	if len(names) < 2 {
		names = nil
		for i := range points {
			names = append(names, fmt.Sprint(i))
		}
		key = func(i int, _ Point) string { return fmt.Sprint(i) }
		method = "leave one case out (one configuration only)"
	}
	k := min(10, len(names))
	for i, n := range names {
		fold[n] = i % k
	}
	if k < len(names) {
		method += fmt.Sprintf(", %d folds", k)
	}
	out := newMAPE()
	for f := 0; f < k; f++ {
		var train, test []Point
		for i, pt := range points {
			if fold[key(i, pt)] == f {
				test = append(test, pt)
			} else {
				train = append(train, pt)
			}
		}
		if len(train) == 0 {
			continue
		}
		p := Fit(train)
		for _, pt := range test {
			out.add(p, pt)
		}
	}
	h := HeldOut{Method: method, MAPE: out.result()}
	for _, n := range out.n {
		h.N = max(h.N, n)
	}
	return h
}
