package ollama

import (
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
)

func TestGPUsPerConfiguration(t *testing.T) {
	cases := []struct {
		spec engine.LaunchSpec
		want int
	}{
		{engine.LaunchSpec{}, 1},
		{engine.LaunchSpec{Args: []string{"--num-gpu", "99"}}, 1},
		{engine.LaunchSpec{Args: []string{"--num-gpu=0"}}, 0},
		{engine.LaunchSpec{Args: []string{"--num-gpu", "0", "--num-thread", "8"}}, 0},
		{engine.LaunchSpec{Args: []string{"--num-gpu", "7"}, NoGPU: true}, 0},
		{engine.LaunchSpec{TP: 2, Args: []string{"--num-gpu", "20"}}, 2},
	}
	for _, c := range cases {
		if got := (Engine{}).GPUs(c.spec); got != c.want {
			t.Errorf("GPUs(%v, no GPU %v) = %d, want %d", c.spec.Args, c.spec.NoGPU, got, c.want)
		}
	}
}
