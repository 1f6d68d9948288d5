package main

import (
	"html"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	domChartRe = regexp.MustCompile(`(?s)<svg class="chart ([a-z]+)"[^>]*>.*?</svg>`)
	domTextRe  = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	domTicksRe = regexp.MustCompile(`data-([xy])-ticks="([^"]*)"`)
)

// domTexts are the texts Chromium has in a chart's plot group and in its legend group.
func domTexts(svg string) (plot, legend map[string]bool) {
	plot, legend = map[string]bool{}, map[string]bool{}
	i := strings.Index(svg, `<g class="legend"`)
	if i < 0 {
		i = len(svg)
	}
	for _, m := range domTextRe.FindAllStringSubmatch(svg[:i], -1) {
		plot[html.UnescapeString(m[1])] = true
	}
	for _, m := range domTextRe.FindAllStringSubmatch(svg[i:], -1) {
		legend[html.UnescapeString(m[1])] = true
	}
	return plot, legend
}

// checkRenderedCharts asserts, on the DOM Chromium rendered, that the bar and
// Pareto charts draw their tick labels, axis titles with units, and a legend
// that names every configuration in full.
func checkRenderedCharts(t *testing.T, dom string, names []string) {
	t.Helper()
	charts := map[string]string{}
	for _, m := range domChartRe.FindAllStringSubmatch(dom, -1) {
		charts[m[1]] = m[0]
	}
	if charts["bars"] == "" || charts["pareto"] == "" {
		t.Fatalf("rendered page lacks the bar or the Pareto chart (found %d charts)", len(charts))
	}
	for kind, svg := range charts {
		plot, legend := domTexts(svg)
		axes := domTicksRe.FindAllStringSubmatch(svg, -1)
		if len(axes) != 2 {
			t.Fatalf("%s chart: want tick lists for x and y, got %d", kind, len(axes))
		}
		for _, m := range axes {
			ticks := strings.Split(html.UnescapeString(m[2]), "|")
			if len(ticks) < 2 {
				t.Errorf("%s chart: %s axis has only %q", kind, m[1], ticks)
			}
			for _, tk := range ticks {
				for _, line := range strings.Split(tk, "\n") {
					if !plot[line] {
						t.Errorf("%s chart: tick label %q of the %s axis is not drawn", kind, line, m[1])
					}
				}
			}
		}
		if !plot["ITL (ms)"] {
			t.Errorf("%s chart: no axis titled \"ITL (ms)\"", kind)
		}
		if len(legend) == 0 {
			t.Errorf("%s chart has no legend", kind)
		}
	}
	_, legend := domTexts(charts["pareto"])
	for i, n := range names {
		num := string(rune('1' + i))
		if !legend[num+"  "+n] && !legend[num+"  "+n+" (Pareto-optimal)"] {
			t.Errorf("Pareto legend lacks configuration %s %q: %v", num, n, legend)
		}
	}
	if plot, _ := domTexts(charts["bars"]); !plot[names[0]] {
		t.Errorf("bar chart's y axis lacks the name %q", names[0])
	}
	if _, legend := domTexts(charts["bars"]); !legend["95% confidence interval of the mean"] {
		t.Errorf("bar chart legend lacks the whisker entry (repeats: 2): %v", legend)
	}
}

// screenshot renders page in headless Chromium into the test's artifact
// directory (kept by `go test -artifacts -outputdir DIR`) and checks that
// the picture is not blank.
func screenshot(t *testing.T, page string) string {
	t.Helper()
	shot := filepath.Join(t.ArtifactDir(), "report.png")
	runChromium(t, "file://"+page, "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
		"--window-size=1200,1600", "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b, inked := img.Bounds(), 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xd000 || g < 0xd000 || bl < 0xd000 {
				inked++
			}
		}
	}
	if b.Dx() != 1200 || inked < 500 {
		t.Fatalf("screenshot %s is %dx%d with %d inked samples: the page did not render", shot, b.Dx(), b.Dy(), inked)
	}
	return shot
}
