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
	Seed            uint64
}

func newTestmodelCmd(env Env) *cobra.Command {
	var o testmodelOptions
	cmd := &cobra.Command{
		Use:   "testmodel --arch ARCH --size SIZE --out DIR",
		Short: "Write a random-weight model Ollama can serve (for demos and tests)",
		Long: `testmodel writes a small random-weight model: a Hugging Face directory for
deepseek-v3 (MLA + MoE + shared expert) and llama, a GGUF file for qwen3-moe.
Its weights make EOS unreachable and never repeat a token, so every request
runs to exactly num_predict tokens; a prompt of N printable ASCII bytes is
exactly N tokens. Its config.json is a real Hugging Face config.
Prints the path to give 'ollama create' (FROM <path>).`,
		Example: `  servesweep testmodel --arch deepseek-v3 --size tiny --out models/deepseek-v3-tiny
  servesweep testmodel --arch qwen3-moe --size small --out models/qwen3-moe-small`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(testmodel.Archs, o.Arch) {
				return usagef("--arch must be one of %s", strings.Join(testmodel.Archs, ", "))
			}
			if !slices.Contains(testmodel.Sizes, o.Size) {
				return usagef("--size must be one of %s", strings.Join(testmodel.Sizes, ", "))
			}
			if o.Out == "" {
				return usagef("--out DIR is required")
			}
			p, err := testmodel.Write(o.Arch, o.Size, o.Out, o.Seed)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, p)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Arch, "arch", "", "architecture: deepseek-v3, qwen3-moe or llama")
	f.StringVar(&o.Size, "size", "tiny", "size: tiny (~1M params) or small")
	f.StringVar(&o.Out, "out", "", "output directory")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed of the weights")
	return cmd
}
