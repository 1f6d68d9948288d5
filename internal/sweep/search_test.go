package sweep

import (
	"strings"
	"testing"
)

func TestSearchKey(t *testing.T) {
	base := "engine: sim\nmodels:\n  m: {path: m/m}\n"
	f, err := Parse("s.yaml", []byte(base+"search: {strategy: halving, budget_gpu_hours: 2.5, max_configs: 10}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.StrategyOf() != "halving" || f.Search.BudgetGPUHours != 2.5 || f.Search.MaxConfigs != 10 {
		t.Errorf("search = %+v", f.Search)
	}
	if f, err := Parse("s.yaml", []byte(base+"search:\n  strategy: bayes\n  max_configs: 12\n")); err != nil || f.StrategyOf() != "bayes" || f.Search.MaxConfigs != 12 {
		t.Errorf("bayes: %+v %v", f, err)
	}
	if f, err := Parse("s.yaml", []byte(base)); err != nil || f.StrategyOf() != "grid" {
		t.Errorf("default strategy: %v %v", f, err)
	}
	for src, want := range map[string]string{
		"search: {strategy: random}":     "must be one of grid, halving, bayes",
		"search: {budget_gpu_hours: -1}": "positive number of GPU-hours",
		"search: {max_configs: 0}":       "max_configs",
		"search: {stratgy: halving}":     "did you mean",
	} {
		_, err := Parse("s.yaml", []byte(base+src+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", src, err, want)
		}
	}
}
