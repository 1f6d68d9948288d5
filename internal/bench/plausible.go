package bench

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/results"
)

// KindImplausible marks a case whose server reported numbers that cannot be
// believed (a time scale of 5e-324, negative token counts): a failure with
// the reason, never ±Inf or NaN in the results.
const KindImplausible = "implausible_numbers"

// Bounds of a simulated server's time scale (the sim runs 1e-6..1e6 × modelled time).
const minTimeScale, maxTimeScale = 1e-6, 1e6

// implausibleInfo says why what the server said about itself cannot be used, or "".
func implausibleInfo(info engine.ServerInfo) string {
	ts := info.TimeScale
	if math.IsNaN(ts) || math.IsInf(ts, 0) || ts < 0 || ts > 0 && (ts < minTimeScale || ts > maxTimeScale) {
		return fmt.Sprintf("the server reported sim_time_scale %g, outside %g..%g", ts, minTimeScale, maxTimeScale)
	}
	return ""
}

// checkPlausible turns a measured result into a failure when the server's
// numbers are implausible or any figure came out ±Inf or NaN (which JSON
// cannot carry): the case is kept, with the reason, and without the numbers.
func checkPlausible(r *results.Result, info engine.ServerInfo) {
	var why []string
	if w := implausibleInfo(info); w != "" {
		why = append(why, w)
	}
	for i := range r.PromptTokens {
		if r.PromptTokens[i] < 0 || i < len(r.CompletionTokens) && r.CompletionTokens[i] < 0 {
			why = append(why, fmt.Sprintf("request %d reported a negative token count", i))
			break
		}
	}
	if bad := clearNonFinite(reflect.ValueOf(r).Elem(), ""); len(bad) > 0 {
		why = append(why, "not finite: "+strings.Join(bad, ", "))
	}
	if len(why) == 0 {
		return
	}
	r.LatencyS, r.TTFTS, r.InputThroughput, r.OutputThroughput, r.OverallThroughput, r.ITLMs = nil, nil, nil, nil, nil, nil
	r.InputCostPer1M, r.OutputCostPer1M, r.AccLength, r.TokenTimesMs = nil, nil, nil, nil
	r.Status, r.FailureKind = results.StatusFailed, KindImplausible
	r.Error = "implausible numbers from the server: " + strings.Join(why, "; ")
}

// clearNonFinite zeroes (or nils) every ±Inf/NaN float reachable in v and
// returns their JSON-ish names.
func clearNonFinite(v reflect.Value, name string) []string {
	var bad []string
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			v.SetFloat(0)
			return []string{name}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			if b := clearNonFinite(v.Elem(), name); len(b) > 0 && v.CanSet() {
				v.Set(reflect.Zero(v.Type()))
				return b
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if b := clearNonFinite(v.Index(i), name); len(b) > 0 && len(bad) == 0 {
				bad = b
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			n := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
			if n == "" {
				n = t.Field(i).Name
			}
			bad = append(bad, clearNonFinite(v.Field(i), n)...)
		}
	}
	return bad
}
