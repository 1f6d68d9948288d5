package chart

import (
	"strconv"
	"strings"
	"testing"
)

var longName = "num-thread=1 + quantization=q4_K_M + context-length=32768 + flash-attention=on + kv-cache-type=q8_0 + batch=512"

func itlBars() BarChart {
	return BarChart{
		Title: "ITL per configuration", Class: "bars",
		Value: Axis{Label: "ITL", Unit: "ms"},
		Bars: []Bar{
			{Label: "num-thread=1 + quantization=f16", Value: 41.27, CI: true, Low: 39.9, High: 43.1},
			{Label: "num-thread=2 + quantization=q8_0", Value: 18.5, CI: true, Low: 18.1, High: 19.4},
			{Label: longName, Value: 25},
		},
	}
}

func TestBarsNameEveryConfigurationInFull(t *testing.T) {
	svg, err := Bars(itlBars())
	if err != nil {
		t.Fatal(err)
	}
	preview(t, "bars", svg)
	n := parse(t, svg)
	if n.attr("class") != "chart bars" {
		t.Fatalf("class = %q", n.attr("class"))
	}
	// the y ticks are the names, first bar on top (ticks run bottom-up)
	names := checkTicks(t, n, "y", 3)
	if got := strings.ReplaceAll(names[len(names)-1], "\n", ""); got != "num-thread=1 + quantization=f16" {
		t.Fatalf("top bar is %q, want the first configuration", got)
	}
	for _, b := range itlBars().Bars {
		found := false
		for _, tk := range names {
			if strings.ReplaceAll(tk, "\n", " ") == b.Label {
				found = true
			}
		}
		if !found {
			t.Errorf("name %q is not on the y axis in full (ticks: %q)", b.Label, names)
		}
	}
	if strings.Contains(svg, "…") || strings.Contains(svg, "...") {
		t.Fatal("a name was shortened")
	}
	if !strings.Contains(names[0], "\n") {
		t.Fatalf("the %d-character name should wrap onto lines, got %q", len(longName), names[0])
	}
	xt := checkTicks(t, n, "x", 3)
	if xt[0] != "0" {
		t.Fatalf("the value axis starts at %q, want 0", xt[0])
	}
	plot := n.texts("plot", false)
	for _, want := range []string{"ITL (ms)", "ITL per configuration", "41.27", "18.50", "25.00"} {
		if !has(plot, want) {
			t.Errorf("plot lacks the text %q: %q", want, plot)
		}
	}
	legend := n.texts("legend", false)
	if !has(legend, "mean") || !has(legend, "95% confidence interval of the mean") {
		t.Fatalf("legend = %q", legend)
	}
}

func TestBarsWhiskersFollowTheInterval(t *testing.T) {
	// with a whisker the value label sits right of the interval's upper end
	// (43.1), so the axis must reach past it; without intervals, no CI legend.
	b := itlBars()
	svg, err := Bars(b)
	if err != nil {
		t.Fatal(err)
	}
	ticks := strings.Split(parse(t, svg).attr("data-x-ticks"), "|")
	top, _ := strconv.ParseFloat(ticks[len(ticks)-1], 64)
	if top < 40 {
		t.Fatalf("x ticks %q do not reach the whisker's end 43.1", ticks)
	}
	for i := range b.Bars {
		b.Bars[i].CI = false
	}
	svg, err = Bars(b)
	if err != nil {
		t.Fatal(err)
	}
	if legend := parse(t, svg).texts("legend", false); has(legend, "95% confidence interval of the mean") {
		t.Fatalf("no bar has an interval, yet the legend names one: %q", legend)
	}
}

func TestBarsAreDeterministicAndRefuseNaN(t *testing.T) {
	a, _ := Bars(itlBars())
	b, _ := Bars(itlBars())
	if a != b {
		t.Fatal("the same input drew two different SVGs")
	}
	if strings.Contains(a, "http://") || strings.Contains(a, "https://") || strings.Contains(a, "id=") {
		t.Fatal("the SVG must load nothing and carry no generated ids")
	}
	if s, err := Bars(BarChart{}); s != "" || err != nil {
		t.Fatalf("no bars: got %q, %v", s, err)
	}
	bad := itlBars()
	bad.Bars[1].Value = nan()
	if _, err := Bars(bad); err == nil || !strings.Contains(err.Error(), "num-thread=2") {
		t.Fatalf("NaN value: want an error naming the bar, got %v", err)
	}
}

func TestDegenerateInputsStillDraw(t *testing.T) {
	// all-zero bars, one point, identical points: ranges of zero width
	if svg, err := Bars(BarChart{Value: Axis{Label: "ITL", Unit: "ms"}, Bars: []Bar{{Label: "only", Value: 0}}}); err != nil || svg == "" {
		t.Fatalf("zero bar: %v", err)
	}
	same := []ScatterPoint{{Label: "a", X: 2, Y: 3}, {Label: "b", X: 2, Y: 3, Highlight: true}}
	if svg, err := Scatter(ScatterChart{X: Axis{Label: "x"}, Y: Axis{Label: "y", Log: true}, Points: same}); err != nil || svg == "" {
		t.Fatalf("identical points: %v", err)
	} else {
		parse(t, svg)
	}
	one := LineChart{X: Axis{Label: "t", Unit: "s", Log: true}, Y: Axis{Label: "v"}, Series: []Series{{Name: "s", Points: []Point{{X: 5, Y: 1}}, Markers: true}}}
	if svg, err := Lines(one); err != nil || svg == "" {
		t.Fatalf("one point: %v", err)
	}
}
