package cli

import (
	"fmt"
	"strings"

	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/spf13/cobra"
)

type modelInfoOptions struct {
	JSON         bool
	ModelConfigs []string
}

func newModelInfoCmd(env Env) *cobra.Command {
	var o modelInfoOptions
	cmd := &cobra.Command{
		Use:   "model-info MODEL",
		Short: "Show a model's parameters, experts, attention, KV cache and weight size from its config.json",
		Long: `model-info reads MODEL's config.json — a local directory (or a file in it),
a Hugging Face id found in the local cache ($HF_HOME/hub or
~/.cache/huggingface/hub), a --model-configs folder, or the Hub when online
(HF_TOKEN is sent, never printed; HF_HUB_OFFLINE=1 stays offline;
HF_ENDPOINT picks another Hub) — and prints what pre-flight checks use.`,
		Example: `  servesweep model-info deepseek-ai/DeepSeek-V3 --model-configs examples/hf-configs
  servesweep model-info ./models/deepseek-v3-tiny --json`,
		Args: exactArgs(1, "a model (directory or Hugging Face id)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			info, err := locator(env, o.ModelConfigs).Load(cmd.Context(), args[0])
			if err != nil {
				return usageError{err}
			}
			if o.JSON {
				return printJSON(env, info)
			}
			writeModelInfo(env, info)
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	cmd.Flags().StringSliceVar(&o.ModelConfigs, "model-configs", nil, "folders with <org>--<name>/config.json files")
	return cmd
}

func writeModelInfo(env Env, i *modelinfo.Info) {
	w := env.Stdout
	b := func(n int64) string {
		if n < 1e9 {
			return fmt.Sprintf("%.2fM", float64(n)/1e6)
		}
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	}
	fmt.Fprintf(w, "source         %s\n", i.Source)
	fmt.Fprintf(w, "architecture   %s (%s)\n", i.Architecture, i.ModelType)
	fmt.Fprintf(w, "parameters     %s total, %s active per token (model-card convention: output projection, no input-embedding lookup)\n", b(i.TotalParams), b(i.ActiveParams))
	if i.ActiveNonEmbedding != i.ActiveParams || i.ActiveWithEmbedding != i.ActiveParams {
		fmt.Fprintf(w, "               %s active without embeddings or head, %s with both\n", b(i.ActiveNonEmbedding), b(i.ActiveWithEmbedding))
	}
	fmt.Fprintf(w, "layers         %d (hidden %d, vocab %d)\n", i.Layers, i.Hidden, i.Vocab)
	fmt.Fprintf(w, "attention      %s, %d heads, %d KV heads, head dim %d\n", i.Attention, i.Heads, i.KVHeads, i.HeadDim)
	if i.IsMoE() {
		fmt.Fprintf(w, "experts        %d routed (+%d shared), %d per token, intermediate %d, %d dense layers\n", i.Experts, i.SharedExperts, i.ExpertsPerToken, i.MoEIntermediate, i.DenseLayers)
	}
	fmt.Fprintf(w, "KV cache       %d bytes/token at TP1 (16-bit)\n", i.KVBytesPerToken)
	q := "none"
	if i.Quantization != nil {
		q = fmt.Sprintf("%s, %d-bit", i.Quantization.Method, i.Quantization.Bits)
		qi := i.Quantization
		if qi.Format != "" {
			q += " " + qi.Format
		}
		if len(qi.BlockSize) > 0 {
			q += fmt.Sprintf(", block %v", qi.BlockSize)
		}
		if qi.GroupSize > 0 {
			q += fmt.Sprintf(", group %d", qi.GroupSize)
		}
		q += fmt.Sprintf(", %.3g bits/weight with scales, on %s", qi.BitsPerWeight, qi.Targets)
		if len(qi.Unquantized) > 0 {
			q += "; 16-bit: " + strings.Join(qi.Unquantized, ", ")
		}
		if qi.Warning != "" {
			q += "; WARNING: " + qi.Warning
		}
	}
	fmt.Fprintf(w, "weights        %s, quantization %s, %.1f GB\n", i.WeightDtype, q, float64(i.WeightBytes)/1e9)
}
