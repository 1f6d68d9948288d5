package report

import (
	"strings"
	"testing"
)

// TestFrontierSVG: the HTML frontier chart names every configuration in its
// legend, the Pareto frontier, and both axes with units.
func TestFrontierSVG(t *testing.T) {
	f := frontierReport().Frontier[0]
	svg, err := frontierSVG(f)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	for _, want := range []string{"Pareto frontier", "output tok/s per user (tok/s)", "output tok/s per GPU", `class="chart frontier`} {
		if !strings.Contains(s, want) {
			t.Errorf("frontier chart lacks %q", want)
		}
	}
	for _, p := range f.Points {
		name := p.Display
		if name == "" {
			name = p.ConfigID
		}
		if !strings.Contains(s, name) {
			t.Errorf("frontier chart lacks configuration %q", name)
		}
	}
}
