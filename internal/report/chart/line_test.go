package chart

import (
	"math"
	"strings"
	"testing"
)

// frontier is synthetic: per configuration, a concurrency ladder 1..256 gives
// tok/s per user falling and tok/s per GPU rising; the frontier joins the best.
func frontier() LineChart {
	lc := LineChart{
		Title: "Throughput against interactivity", Class: "frontier",
		X: Axis{Label: "output tok/s per user", Unit: "tok/s", Log: true},
		Y: Axis{Label: "output tok/s per GPU", Unit: "tok/s/GPU"},
	}
	var front []Point
	for k, name := range []string{"TP4 + flashinfer_cutlass", "TP8 + flashinfer_cutlass", longName} {
		s := Series{Name: name, Markers: true}
		for c := 1.0; c <= 256; c *= 2 {
			user := 120 / (1 + 0.02*c*float64(k+1))
			s.Points = append(s.Points, Point{X: user, Y: user * c / float64(4*(k+1))})
		}
		if k == 0 {
			front = s.Points
		}
		lc.Series = append(lc.Series, s)
	}
	lc.Series = append(lc.Series, Series{Name: "Pareto frontier", Points: front, Emphasis: true})
	return lc
}

func TestLinesFrontierOnLogScale(t *testing.T) {
	lc := frontier()
	svg, err := Lines(lc)
	if err != nil {
		t.Fatal(err)
	}
	tel, err := Lines(telemetry())
	if err != nil {
		t.Fatal(err)
	}
	preview(t, "lines", svg, tel)
	n := parse(t, svg)
	xt := checkTicks(t, n, "x", 2)
	for _, tk := range xt { // 1-2-5 steps on a log axis spanning ~1.5 decades
		if tk != "1" && tk != "2" && tk != "5" && !strings.HasPrefix(tk, "1") && !strings.HasPrefix(tk, "2") && !strings.HasPrefix(tk, "5") {
			t.Errorf("log tick %q is not a 1-2-5 step", tk)
		}
	}
	if !has(xt, "10") || !has(xt, "100") {
		t.Errorf("log x ticks %q lack 10 and 100", xt)
	}
	checkTicks(t, n, "y", 3)
	plot, legend := n.texts("plot", false), n.texts("legend", false)
	for _, want := range []string{"output tok/s per user (tok/s)", "output tok/s per GPU (tok/s/GPU)"} {
		if !has(plot, want) {
			t.Errorf("plot lacks the axis title %q", want)
		}
	}
	for _, s := range lc.Series {
		if !has(legend, s.Name) {
			t.Errorf("legend lacks %q: %q", s.Name, legend)
		}
	}
	if a, _ := Lines(frontier()); a != svg {
		t.Fatal("the same input drew two different SVGs")
	}
}

// telemetry is a synthetic time series: value against seconds.
func telemetry() LineChart {
	lc := LineChart{Title: "GPU power", Class: "telemetry", X: Axis{Label: "time", Unit: "s"}, Y: Axis{Label: "power", Unit: "W"}, Height: 180}
	for g := 0; g < 2; g++ {
		s := Series{Name: []string{"GPU 0", "GPU 1"}[g]}
		for i := 0; i <= 60; i++ {
			s.Points = append(s.Points, Point{X: float64(i) * 0.5, Y: 300 + 200*math.Sin(float64(i)/8+float64(g)) + float64(50*g)})
		}
		lc.Series = append(lc.Series, s)
	}
	return lc
}

func TestLinesTimeSeries(t *testing.T) {
	svg, err := Lines(telemetry())
	if err != nil {
		t.Fatal(err)
	}
	n := parse(t, svg)
	xt := checkTicks(t, n, "x", 4)
	if xt[0] != "0" || xt[len(xt)-1] != "30" {
		t.Errorf("time ticks %q: want 0 … 30 s", xt)
	}
	checkTicks(t, n, "y", 4)
	if plot := n.texts("plot", false); !has(plot, "time (s)") || !has(plot, "power (W)") {
		t.Fatalf("axis titles with units missing: %q", plot)
	}
	if legend := n.texts("legend", false); !has(legend, "GPU 0") || !has(legend, "GPU 1") {
		t.Fatalf("legend = %q", legend)
	}
}

func TestLinesRefuseWhatTheyCannotDraw(t *testing.T) {
	lc := frontier()
	lc.Series[1].Points[3].X = -1
	if _, err := Lines(lc); err == nil || !strings.Contains(err.Error(), "TP8") {
		t.Fatalf("x ≤ 0 on a log axis: want an error naming the series, got %v", err)
	}
	lc = telemetry()
	lc.Series[0].Points[0].Y = math.Inf(1)
	if _, err := Lines(lc); err == nil {
		t.Fatal("+Inf: want an error")
	}
	if out, err := Lines(LineChart{Series: []Series{{Name: "empty"}}}); out != "" || err != nil {
		t.Fatalf("no points: %q, %v", out, err)
	}
}

func TestLinearTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 30, "0|5|10|15|20|25|30"},
		{0, 43.1, "0|10|20|30|40"},
		{7.2, 12.3, "8|9|10|11|12"},
		{0, 1, "0|0.2|0.4|0.6|0.8|1.0"},
		{0, 0.013, "0|0.0025|0.0050|0.0075|0.0100|0.0125"},
		{0, 2.5e7, "0|5e+06|1e+07|1.5e+07|2e+07|2.5e+07"},
	} {
		var labels []string
		for _, tk := range (linearTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, "|"); got != c.want {
			t.Errorf("ticks(%g, %g) = %s, want %s", c.lo, c.hi, got, c.want)
		}
	}
}
