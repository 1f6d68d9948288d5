package telemetry

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/servesweep/servesweep/internal/engine"
)

// Scrape is what one read of a Prometheus endpoint gave, by neutral name.
type Scrape struct {
	Values     map[string]float64
	Histograms map[string]Histogram
}

// Parse reads Prometheus text exposition from r and picks the families spec
// names: for each neutral name, the first of its families present. Gauges
// and counters of several series (ranks, label sets) are summed, or averaged
// for engine.MeanMetrics; histograms are merged bucket by bucket.
func Parse(r io.Reader, spec engine.MetricsSpec) (Scrape, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return Scrape{}, fmt.Errorf("not Prometheus text: %w", err)
	}
	out := Scrape{Values: map[string]float64{}, Histograms: map[string]Histogram{}}
	for name, families := range spec.Names {
		for _, fam := range families {
			mf, ok := fams[fam]
			if !ok || len(mf.GetMetric()) == 0 {
				continue
			}
			if slices.Contains(engine.HistogramMetrics, name) {
				if h, ok := mergeHistograms(mf); ok {
					out.Histograms[name] = h
				}
			} else if v, ok := scalar(mf, slices.Contains(engine.MeanMetrics, name)); ok {
				out.Values[name] = v
			}
			break
		}
	}
	return out, nil
}

// scalar is the sum (or mean) of a gauge, counter or untyped family's finite values.
func scalar(mf *dto.MetricFamily, mean bool) (float64, bool) {
	sum, n := 0.0, 0
	for _, m := range mf.GetMetric() {
		var v float64
		switch {
		case m.Gauge != nil:
			v = m.GetGauge().GetValue()
		case m.Counter != nil:
			v = m.GetCounter().GetValue()
		case m.Untyped != nil:
			v = m.GetUntyped().GetValue()
		default:
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		sum += v
		n++
	}
	if n == 0 {
		return 0, false
	}
	if mean {
		return sum / float64(n), true
	}
	return sum, true
}

// mergeHistograms adds up the series of a histogram family; series whose
// bounds differ from the first one's are left out (they cannot be merged).
func mergeHistograms(mf *dto.MetricFamily) (Histogram, bool) {
	var out Histogram
	first := true
	for _, m := range mf.GetMetric() {
		h := m.GetHistogram()
		if h == nil {
			continue
		}
		upper, counts := finiteBuckets(h)
		if first {
			out = Histogram{Upper: upper, Counts: counts}
			first = false
		} else if !slices.Equal(upper, out.Upper) {
			continue
		} else {
			for i := range counts {
				out.Counts[i] += counts[i]
			}
		}
		out.Count += float64(h.GetSampleCount())
		if s := h.GetSampleSum(); !math.IsNaN(s) && !math.IsInf(s, 0) {
			out.Sum += s
		}
	}
	return out, !first
}

// finiteBuckets are a histogram's buckets below +Inf, sorted by bound.
func finiteBuckets(h *dto.Histogram) ([]float64, []float64) {
	bs := append([]*dto.Bucket{}, h.GetBucket()...)
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].GetUpperBound() < bs[j].GetUpperBound() })
	var upper, counts []float64
	for _, b := range bs {
		u := b.GetUpperBound()
		if math.IsInf(u, 0) || math.IsNaN(u) {
			continue
		}
		upper = append(upper, u)
		counts = append(counts, float64(b.GetCumulativeCount()))
	}
	return upper, counts
}
