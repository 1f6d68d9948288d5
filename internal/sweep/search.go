package sweep

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SearchStrategies are the strategies `search:` accepts.
var SearchStrategies = []string{"grid", "halving", "bayes"}

// Search is the sweep's `search:` section: how configurations are chosen.
type Search struct {
	// Strategy is grid (every configuration, in order), halving
	// (successive halving: short probes, the worse part dropped each round)
	// or bayes (a Gaussian process over the server flags proposes each
	// launch by expected improvement).
	Strategy string `json:"strategy"`
	// BudgetGPUHours stops launching once this many GPU-hours are spent (0: none).
	BudgetGPUHours float64 `json:"budget_gpu_hours,omitempty"`
	// MaxConfigs is the most configurations launched at all, probes included (0: all).
	MaxConfigs int `json:"max_configs,omitempty"`
}

// StrategyOf is f's search strategy: grid unless `search:` says otherwise.
func (f *File) StrategyOf() string {
	if f.Search == nil || f.Search.Strategy == "" {
		return "grid"
	}
	return f.Search.Strategy
}

func readSearch(p *parser, f *File, v *yaml.Node) error {
	s := &Search{Strategy: "grid"}
	err := p.fields(v, "search", []string{"strategy", "budget_gpu_hours", "max_configs"}, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "strategy":
			if s.Strategy, err = p.str(v, key); err == nil && !slices.Contains(SearchStrategies, s.Strategy) {
				err = p.errAt(v, "search strategy must be one of %s, got %q", strings.Join(SearchStrategies, ", "), s.Strategy)
			}
		case "budget_gpu_hours":
			if s.BudgetGPUHours, err = p.float(v, key); err == nil && s.BudgetGPUHours <= 0 {
				err = p.errAt(v, "budget_gpu_hours must be a positive number of GPU-hours")
			}
		case "max_configs":
			s.MaxConfigs, err = p.positiveInt(v, key)
		}
		return err
	})
	f.Search = s
	return err
}
