package modelinfo

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Components of a model's parameters, as the skip lists of quantized
// checkpoints name them.
const (
	CompEmbed     = "embed"
	CompHead      = "lm_head"
	CompAttention = "attention"
	CompDenseMLP  = "dense_mlp"
	CompExperts   = "experts"
	CompShared    = "shared_experts"
	CompRouter    = "router"
	CompOther     = "norms" // norms, biases: never quantized
	CompVision    = "vision"
)

// Parts are the parameter counts per component.
type Parts map[string]int64

// quantizable are the components a format quantizes unless its skip list says
// otherwise (embeddings, norms, the router and the output head stay 16-bit in
// every format servesweep knows; SGLang's ParallelLMHead and routers are built
// without a quant method).
var quantizable = []string{CompAttention, CompDenseMLP, CompExperts, CompShared}

// Quantization is the checkpoint's own quantization_config, summarised.
type Quantization struct {
	Method string `json:"method"`           // fp8, compressed-tensors, awq, gptq, bitsandbytes, mxfp4, modelopt...
	Format string `json:"format,omitempty"` // compressed-tensors format or ModelOpt quant_algo
	Bits   int    `json:"bits"`             // weight bits of quantized layers
	Float  bool   `json:"float,omitempty"`  // floating-point weights (FP8, FP4)
	NVFP4  bool   `json:"nvfp4,omitempty"`
	MXFP4  bool   `json:"mxfp4,omitempty"`
	// BlockSize is FP8's weight_block_size; GroupSize the INT4/FP4 group size.
	BlockSize []int `json:"block_size,omitempty"`
	GroupSize int   `json:"group_size,omitempty"`
	// BitsPerWeight counts the scales (and zero points) too.
	BitsPerWeight float64 `json:"bits_per_weight"`
	// Targets is "all linear" or "experts" (only the routed experts quantized).
	Targets string `json:"targets"`
	// Unquantized lists the components the skip list (modules_to_not_convert,
	// ignore, exclude_modules, llm_int8_skip_modules) keeps in 16 bit, with the
	// share of layers when not all.
	Unquantized []string `json:"unquantized,omitempty"`
	// Unknown is set for a method servesweep cannot size: its weights are
	// counted at 16 bit (an upper bound) and Warning says so.
	Unknown bool   `json:"unknown,omitempty"`
	Warning string `json:"warning,omitempty"`

	skipped map[string]float64 // component → share of its parameters kept in 16 bit
}

// Covers reports whether the format quantizes (at least part of) a component.
func (q *Quantization) Covers(comp string) bool {
	if q == nil || q.Unknown || !slices.Contains(quantizable, comp) {
		return false
	}
	if q.Targets == "experts" && comp != CompExperts {
		return false
	}
	return q.skipped[comp] < 1
}

type rawQuant struct {
	QuantMethod     string             `json:"quant_method"`
	Format          string             `json:"format"`
	QuantAlgo       string             `json:"quant_algo"`
	WeightBlockSize []int              `json:"weight_block_size"`
	Bits            int                `json:"bits"`
	GroupSize       int                `json:"group_size"`
	ZeroPoint       *bool              `json:"zero_point"`
	Sym             *bool              `json:"sym"`
	LoadIn4bit      bool               `json:"load_in_4bit"`
	LoadIn8bit      bool               `json:"load_in_8bit"`
	DoubleQuant     bool               `json:"bnb_4bit_use_double_quant"`
	ConfigGroups    map[string]ctGroup `json:"config_groups"`
	Ignore          []string           `json:"ignore"`
	NotConvert      []string           `json:"modules_to_not_convert"`
	IgnoredLayers   []string           `json:"ignored_layers"`
	Exclude         []string           `json:"exclude_modules"`
	SkipModules     []string           `json:"llm_int8_skip_modules"`
	Quantization    *rawQuant          `json:"quantization"` // ModelOpt hf_quant_config.json nests here
}

type ctGroup struct {
	Weights struct {
		NumBits   int    `json:"num_bits"`
		Type      string `json:"type"`
		Strategy  string `json:"strategy"`
		GroupSize int    `json:"group_size"`
	} `json:"weights"`
	Targets []string `json:"targets"`
}

// parseQuant reads quantization_config (or ModelOpt's hf_quant_config.json).
// Formats: fp8 (block / channel / tensor), compressed-tensors (INT4/INT8 packed,
// FP8, NVFP4, MXFP4), mxfp4, modelopt (NVFP4, FP8), awq, gptq, bitsandbytes.
func parseQuant(raw json.RawMessage, layers int) (*Quantization, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var qc rawQuant
	if err := json.Unmarshal(raw, &qc); err != nil {
		return nil, fmt.Errorf("quantization_config: %v", err)
	}
	if qc.Quantization != nil && qc.QuantMethod == "" { // {"producer": ..., "quantization": {"quant_algo": ...}}
		inner := *qc.Quantization
		inner.QuantMethod = "modelopt"
		qc = inner
	}
	q := &Quantization{Method: qc.QuantMethod, Targets: "all linear"}
	sizeFormat(q, &qc)
	skip := slices.Concat(qc.Ignore, qc.NotConvert, qc.IgnoredLayers, qc.Exclude, qc.SkipModules)
	q.skipped = skippedShares(skip, layers)
	if q.Targets != "experts" && q.skipped[CompExperts] < 1 && q.skipped[CompAttention] >= 1 && q.skipped[CompDenseMLP] >= 1 && q.skipped[CompShared] >= 1 {
		q.Targets = "experts" // Kimi-style: everything but the routed experts in the skip list
	}
	for _, c := range quantizable {
		if q.Unknown {
			break
		}
		if s := q.skipped[c]; !q.Covers(c) {
			q.Unquantized = append(q.Unquantized, c)
		} else if s > 0 {
			q.Unquantized = append(q.Unquantized, fmt.Sprintf("%s (%.0f%% of layers)", c, 100*s))
		}
	}
	return q, nil
}

// sizeFormat fills bits, bits per weight and targets for each known format.
func sizeFormat(q *Quantization, qc *rawQuant) {
	switch strings.ToLower(qc.QuantMethod) {
	case "fp8", "fbgemm_fp8", "w8a8_fp8":
		q.Bits, q.Float, q.BlockSize, q.BitsPerWeight = 8, true, qc.WeightBlockSize, 8
		if len(qc.WeightBlockSize) == 2 && qc.WeightBlockSize[0] > 0 && qc.WeightBlockSize[1] > 0 {
			q.BitsPerWeight += 32 / float64(qc.WeightBlockSize[0]*qc.WeightBlockSize[1]) // one fp32 scale per block
		}
	case "compressed-tensors":
		compressedTensors(q, qc)
	case "mxfp4":
		q.Bits, q.Float, q.MXFP4, q.GroupSize, q.BitsPerWeight = 4, true, true, 32, 4+8.0/32 // E8M0 scale per 32
		q.Targets = "experts"
	case "modelopt", "modelopt_fp4", "modelopt_fp8":
		algo := strings.ToUpper(qc.QuantAlgo)
		q.Format = algo
		switch {
		case strings.Contains(algo, "FP4"), qc.QuantMethod == "modelopt_fp4":
			q.Bits, q.Float, q.NVFP4, q.GroupSize, q.BitsPerWeight = 4, true, true, 16, 4+8.0/16 // FP8 scale per 16
		case strings.Contains(algo, "FP8"), qc.QuantMethod == "modelopt_fp8":
			q.Bits, q.Float, q.BitsPerWeight = 8, true, 8
		default:
			unknownFormat(q, "modelopt quant_algo "+qc.QuantAlgo)
		}
	case "awq", "gptq", "awq_marlin", "gptq_marlin":
		if qc.Bits <= 0 || qc.Bits > 8 {
			unknownFormat(q, fmt.Sprintf("%s with bits %d", qc.QuantMethod, qc.Bits))
			return
		}
		q.Bits, q.GroupSize = qc.Bits, qc.GroupSize
		q.BitsPerWeight = float64(qc.Bits)
		if g := qc.GroupSize; g > 0 {
			q.BitsPerWeight += (16 + float64(qc.Bits)) / float64(g) // fp16 scale + packed zero per group
		}
	case "bitsandbytes":
		switch {
		case qc.LoadIn4bit:
			q.Bits, q.GroupSize, q.BitsPerWeight = 4, 64, 4+32.0/64 // fp32 absmax per 64
			if qc.DoubleQuant {
				q.BitsPerWeight = 4 + 8.0/64 + 32.0/(64*256)
			}
		case qc.LoadIn8bit:
			q.Bits, q.BitsPerWeight = 8, 8
		default:
			unknownFormat(q, "bitsandbytes without load_in_4bit/load_in_8bit")
		}
	default:
		unknownFormat(q, qc.QuantMethod)
	}
}

func unknownFormat(q *Quantization, what string) {
	q.Unknown, q.Bits, q.BitsPerWeight = true, 16, 16
	q.Warning = fmt.Sprintf("quantization %q is not a format servesweep can size: weights counted at 16 bit (an upper bound)", what)
}

func compressedTensors(q *Quantization, qc *rawQuant) {
	q.Format = qc.Format
	names := make([]string, 0, len(qc.ConfigGroups))
	for n := range qc.ConfigGroups {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		unknownFormat(q, "compressed-tensors without config_groups")
		return
	}
	g := qc.ConfigGroups[names[0]]
	w := g.Weights
	if w.NumBits <= 0 || w.NumBits > 16 {
		unknownFormat(q, fmt.Sprintf("compressed-tensors with num_bits %d", w.NumBits))
		return
	}
	q.Bits, q.GroupSize, q.Float = w.NumBits, w.GroupSize, w.Type == "float"
	q.BitsPerWeight = float64(w.NumBits)
	switch {
	case q.Float && w.NumBits == 4 && w.GroupSize == 16:
		q.NVFP4, q.BitsPerWeight = true, 4+8.0/16
	case q.Float && w.NumBits == 4 && w.GroupSize == 32:
		q.MXFP4, q.BitsPerWeight = true, 4+8.0/32
	case (w.Strategy == "group" || w.Strategy == "") && w.GroupSize > 0:
		q.BitsPerWeight += 16 / float64(w.GroupSize) // bf16 scale per group
	}
	for _, t := range g.Targets {
		if strings.Contains(t, "expert") {
			q.Targets = "experts"
		}
	}
}

// samples are representative module names per component, with N for the layer.
var samples = map[string][]string{
	CompEmbed:     {"model.embed_tokens"},
	CompHead:      {"lm_head"},
	CompAttention: {"model.layers.N.self_attn.q_proj", "model.layers.N.self_attn.o_proj", "model.layers.N.self_attn.kv_a_proj_with_mqa"},
	CompDenseMLP:  {"model.layers.N.mlp.gate_proj", "model.layers.N.mlp.down_proj", "model.layers.N.mlp.gate_up_proj"},
	CompExperts:   {"model.layers.N.mlp.experts.0.gate_proj", "model.layers.N.block_sparse_moe.experts.0.w1", "model.layers.N.mlp.experts.w13_weight"},
	CompShared:    {"model.layers.N.mlp.shared_experts.gate_proj", "model.layers.N.mlp.shared_expert.gate_proj"},
	CompRouter:    {"model.layers.N.mlp.gate", "model.layers.N.block_sparse_moe.gate"},
}

var layerIndex = regexp.MustCompile(`layers\.(\d+)\.`)

// skippedShares maps each component to the share of its layers a skip list
// keeps unquantized. Entries are module names ("lm_head", "gate",
// "model.layers.3.mlp.gate"), globs ("model.layers.*.self_attn*") or
// compressed-tensors regexes ("re:.*self_attn.*").
func skippedShares(skip []string, layers int) map[string]float64 {
	out := map[string]float64{}
	perLayer := map[string]map[string]bool{}
	for _, e := range skip {
		for comp, names := range samples {
			layer, matched := matchEntry(e, names)
			switch {
			case !matched:
			case layer == "":
				out[comp] = 1
			default:
				if perLayer[comp] == nil {
					perLayer[comp] = map[string]bool{}
				}
				perLayer[comp][layer] = true
			}
		}
	}
	for comp, set := range perLayer {
		if out[comp] < 1 && layers > 0 {
			out[comp] = min(1, float64(len(set))/float64(layers))
		}
	}
	return out
}

// matchEntry reports whether a skip-list entry names a component, and the
// layer it is limited to ("" for every layer).
func matchEntry(entry string, names []string) (string, bool) {
	if rx, ok := strings.CutPrefix(entry, "re:"); ok {
		re, err := regexp.Compile("^(?:" + rx + ")")
		if err != nil {
			return "", false
		}
		for _, n := range names {
			if re.MatchString(strings.ReplaceAll(n, "N", "0")) {
				return "", true
			}
		}
		return "", false
	}
	layer := ""
	if m := layerIndex.FindStringSubmatch(entry); m != nil {
		layer = m[1]
		entry = layerIndex.ReplaceAllString(entry, "layers.N.")
	}
	glob := strings.Contains(entry, "*")
	for _, n := range names {
		if glob {
			if ok, _ := globMatch(entry, n); ok {
				return layer, true
			}
			continue
		}
		// A module path or a dotted segment of one ("self_attn", "gate", "mlp.gate"),
		// never a part of a name ("gate" does not match "gate_proj").
		if strings.Contains("."+n+".", "."+entry+".") {
			return layer, true
		}
	}
	return "", false
}

// globMatch matches ModelOpt-style globs where * spans dots too.
func globMatch(pattern, name string) (bool, error) {
	re, err := regexp.Compile("^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$")
	if err != nil {
		return false, err
	}
	return re.MatchString(name) || re.MatchString("model."+name), nil
}

// quantizedBytes sizes the weights: each component at 16 bit unless the format
// quantizes it, then at the format's bits per weight.
func quantizedBytes(parts Parts, q *Quantization, dtypeBytes int64) int64 {
	if q == nil {
		var total int64
		for _, n := range parts {
			total += n
		}
		return total * dtypeBytes
	}
	var bits float64
	for comp, n := range parts {
		if !q.Covers(comp) {
			bits += float64(n) * 16
			continue
		}
		share := q.skipped[comp]
		bits += float64(n) * (share*16 + (1-share)*q.BitsPerWeight)
	}
	return int64(bits / 8)
}
