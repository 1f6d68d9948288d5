package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/testmodel"
	"github.com/spf13/cobra"
)

type testmodelOptions struct {
	Arch, Size, Out string
	Margin          string
	Seed            uint64
}

func newTestmodelCmd(env Env) *cobra.Command {
	var o testmodelOptions
	cmd := &cobra.Command{
		Use:   "testmodel --arch ARCH --size SIZE --out DIR",
		Short: "Write a random-weight model Ollama can serve (for demos and tests)",
		Long: `testmodel writes a random-weight model: a Hugging Face directory for
deepseek-v3 (MLA + MoE + shared expert) and llama, a GGUF file for qwen3-moe.
Sizes: tiny and small for CPUs; medium (≈0.5 B parameters as an MoE, head
dimension 64) and large (≈4 B as an MoE, head dimension 128, Qwen3-30B-A3B's
layer shapes) for GPUs, streamed to disk at disk speed.
Its weights make EOS unreachable and never repeat a token, so every request
runs to exactly num_predict tokens; a prompt of N printable ASCII bytes is
exactly N tokens. Its config.json is a real Hugging Face config.
--margin small puts a runner-up token just below every greedy choice (by
1–4 × 2⁻⁷ of the winner's output weight): f16 still follows the cycle, but
quantization (q8_0, q4_K_M) flips some choices, so the quality guard
(quality: in a sweep file) has something to catch.
Prints the path to give 'ollama create' (FROM <path>).`,
		Example: `  servesweep testmodel --arch deepseek-v3 --size tiny --out models/deepseek-v3-tiny
  servesweep testmodel --arch qwen3-moe --size medium --out models/qwen3-moe-medium
  servesweep testmodel --arch llama --size tiny --margin small --out models/llama-tiny-small-margin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(testmodel.Archs, o.Arch) {
				return usagef("--arch must be one of %s", strings.Join(testmodel.Archs, ", "))
			}
			if !slices.Contains(testmodel.Sizes, o.Size) {
				return usagef("--size must be one of %s", strings.Join(testmodel.Sizes, ", "))
			}
			if !slices.Contains(testmodel.Margins, o.Margin) {
				return usagef("--margin must be one of %s", strings.Join(testmodel.Margins, ", "))
			}
			if o.Out == "" {
				return usagef("--out DIR is required")
			}
			p, err := testmodel.WriteMargin(o.Arch, o.Size, o.Margin, o.Out, o.Seed)
			if err != nil {
				return err
			}
			s, _ := testmodel.ShapeOf(o.Arch, o.Size)
			total, active := s.Params(o.Arch)
			fmt.Fprintf(env.Stderr, "servesweep: %s %s: %.3g parameters, %.3g read per token (%d layers, hidden %d, head dim %d)\n",
				o.Arch, o.Size, float64(total), float64(active), s.Layers, s.Hidden, s.HeadDim)
			fmt.Fprintln(env.Stdout, p)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Arch, "arch", "", "architecture: deepseek-v3, qwen3-moe or llama")
	f.StringVar(&o.Size, "size", "tiny", "size: tiny (~1M params), small, medium (~0.5B) or large (~4B)")
	f.StringVar(&o.Out, "out", "", "output directory")
	f.StringVar(&o.Margin, "margin", "wide", "logit margins: wide (every quantization keeps the greedy cycle) or small (quantization flips some greedy tokens)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed of the weights")
	return cmd
}
