package chart

import (
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// node is a parsed SVG element.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// texts are the <text> contents under the group of the given class.
func (n node) texts(group string, in bool) []string {
	in = in || (n.XMLName.Local == "g" && n.attr("class") == group)
	var out []string
	if in && n.XMLName.Local == "text" {
		out = append(out, n.Text)
	}
	for _, k := range n.Kids {
		out = append(out, k.texts(group, in)...)
	}
	return out
}

// parse checks that the chart is one well-formed <svg> element and returns it.
func parse(t *testing.T, svg string) node {
	t.Helper()
	var n node
	if err := xml.Unmarshal([]byte(svg), &n); err != nil {
		t.Fatalf("chart is not well-formed XML: %v\n%.600s", err, svg)
	}
	if n.XMLName.Local != "svg" {
		t.Fatalf("root element is %q, not svg", n.XMLName.Local)
	}
	return n
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// preview writes the charts into one page under the test's artifact directory
// (kept with `go test -artifacts`), for a person or a browser to look at.
func preview(t *testing.T, name string, svgs ...string) {
	t.Helper()
	p := filepath.Join(t.ArtifactDir(), name+".html")
	page := "<!DOCTYPE html><meta charset=utf-8><style>svg{max-width:100%;height:auto;display:block;margin:8px}</style>" + strings.Join(svgs, "\n")
	if err := os.WriteFile(p, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("preview: %s", p)
}

// checkTicks asserts that the ticks the chart reports are drawn as text in the plot.
func checkTicks(t *testing.T, n node, axis string, min int) []string {
	t.Helper()
	ticks := strings.Split(n.attr("data-"+axis+"-ticks"), "|")
	if len(ticks) < min || ticks[0] == "" {
		t.Fatalf("%s axis: want at least %d tick labels, got %q", axis, min, ticks)
	}
	drawn := n.texts("plot", false)
	for _, tk := range ticks {
		for _, line := range strings.Split(tk, "\n") {
			if !has(drawn, line) {
				t.Errorf("%s tick label %q is not drawn (plot texts: %q)", axis, line, drawn)
			}
		}
	}
	return ticks
}

func nan() float64 { return math.NaN() }

func chartTexts(n node) (plot, legend []string) {
	return n.texts("plot", false), n.texts("legend", false)
}
