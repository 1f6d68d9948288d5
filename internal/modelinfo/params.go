package modelinfo

import (
	"encoding/json"
	"fmt"
	"strings"
)

// config is the union of the config.json keys the counting reads.
type config struct {
	Architectures []string `json:"architectures"`
	ModelType     string   `json:"model_type"`
	TorchDtype    string   `json:"torch_dtype"`

	Hidden       int   `json:"hidden_size"`
	Layers       int   `json:"num_hidden_layers"`
	Vocab        int   `json:"vocab_size"`
	Heads        int   `json:"num_attention_heads"`
	KVHeads      *int  `json:"num_key_value_heads"`
	HeadDim      int   `json:"head_dim"`
	Intermediate int   `json:"intermediate_size"`
	TieEmbed     *bool `json:"tie_word_embeddings"`

	// MLA (DeepSeek, Kimi)
	QLoraRank  *int `json:"q_lora_rank"`
	KVLoraRank int  `json:"kv_lora_rank"`
	QKNope     int  `json:"qk_nope_head_dim"`
	QKRope     int  `json:"qk_rope_head_dim"`
	VHeadDim   int  `json:"v_head_dim"`

	// MoE: DeepSeek/Kimi/GLM
	NRouted      int `json:"n_routed_experts"`
	NShared      int `json:"n_shared_experts"`
	FirstKDense  int `json:"first_k_dense_replace"`
	MoEInter     int `json:"moe_intermediate_size"`
	TopK         int `json:"num_experts_per_tok"`
	NextN        int `json:"num_nextn_predict_layers"`
	MoELayerFreq int `json:"moe_layer_freq"`
	// Qwen
	NumExperts        int   `json:"num_experts"`
	SharedExpertInter int   `json:"shared_expert_intermediate_size"`
	DecoderSparseStep int   `json:"decoder_sparse_step"`
	MLPOnlyLayers     []int `json:"mlp_only_layers"`
	// MiniMax, Mixtral
	NumLocalExperts int `json:"num_local_experts"`

	Quant json.RawMessage `json:"quantization_config"`

	TextConfig   *config         `json:"text_config"`
	VisionConfig json.RawMessage `json:"vision_config"`
}

type visionConfig struct {
	Hidden       int     `json:"hidden_size"`
	Layers       int     `json:"num_hidden_layers"`
	GlobalLayers int     `json:"num_global_layers"`
	Intermediate int     `json:"intermediate_size"`
	PatchSize    int     `json:"patch_size"`
	NumChannels  int     `json:"num_channels"`
	ImageSize    int     `json:"image_size"`
	MaxNumTiles  int     `json:"max_num_tiles"`
	VisionOutDim int     `json:"vision_output_dim"`
	SupportedAR  [][]int `json:"supported_aspect_ratios"`
}

// Parse derives Info from config.json bytes: the text config (of a
// multimodal one too), plausibility of its sizes, attention (MLA or GQA),
// experts by naming family (DeepSeek/Kimi/GLM, Qwen, MiniMax/Mixtral),
// parameter counts per component, the vision tower, and the weight bytes of
// its quantization.
func Parse(data []byte) (*Info, error) {
	c, top, err := textConfig(data)
	if err != nil {
		return nil, err
	}
	if err := plausible(c); err != nil {
		return nil, err
	}
	info := &Info{Hidden: c.Hidden, Layers: c.Layers, Vocab: c.Vocab, Heads: c.Heads, Intermediate: c.Intermediate, ModelType: top.ModelType}
	if len(top.Architectures) > 0 {
		info.Architecture = top.Architectures[0]
	}
	info.KVHeads = c.Heads
	if c.KVHeads != nil {
		info.KVHeads = *c.KVHeads
	}
	info.HeadDim = c.HeadDim
	if info.HeadDim == 0 {
		info.HeadDim = c.Hidden / c.Heads
	}
	attn := attentionParams(c, info)
	ex := expertParams(c, info)
	countParams(c, top, info, attn, ex)
	visionParams(top, info)
	info.WeightDtype = strings.TrimPrefix(c.TorchDtype, "torch.")
	if info.WeightDtype == "" {
		info.WeightDtype = "bfloat16"
	}
	q, err := parseQuant(c.Quant, c.Layers)
	if err != nil {
		return nil, err
	}
	info.Quantization = q
	info.WeightBytes = quantizedBytes(info.Parts, q, dtypeBytes(info.WeightDtype))
	info.KVBytesPerToken = info.KVBytesPerTokenPerGPU(1, 2)
	return info, nil
}

// textConfig reads config.json; for a multimodal config its text_config
// (inheriting the dtype and quantization of the top level).
func textConfig(data []byte) (config, config, error) {
	var c config
	if err := json.Unmarshal(data, &c); err != nil {
		return c, c, fmt.Errorf("config.json is not valid JSON: %v", err)
	}
	top := c
	if c.TextConfig != nil && c.Hidden == 0 {
		tc := *c.TextConfig
		if tc.TorchDtype == "" {
			tc.TorchDtype = c.TorchDtype
		}
		if len(tc.Quant) == 0 {
			tc.Quant = c.Quant
		}
		c = tc
	}
	if c.Hidden <= 0 || c.Layers <= 0 || c.Vocab <= 0 || c.Heads <= 0 {
		return c, top, fmt.Errorf("config.json lacks hidden_size, num_hidden_layers, vocab_size or num_attention_heads")
	}
	return c, top, nil
}

// plausible rejects sizes no model has (fuzzing found configs that looped for seconds).
func plausible(c config) error {
	for _, v := range []struct {
		name  string
		value int
		limit int
	}{{"hidden_size", c.Hidden, 1 << 20}, {"num_hidden_layers", c.Layers, 1 << 14}, {"vocab_size", c.Vocab, 1 << 24},
		{"num_attention_heads", c.Heads, 1 << 14}, {"intermediate_size", c.Intermediate, 1 << 22}, {"moe_intermediate_size", c.MoEInter, 1 << 22},
		{"experts", max(c.NRouted, c.NumExperts, c.NumLocalExperts), 1 << 16}, {"head_dim", c.HeadDim, 1 << 14},
		{"kv_lora_rank", c.KVLoraRank, 1 << 16}, {"qk_nope_head_dim", c.QKNope, 1 << 14}, {"qk_rope_head_dim", c.QKRope, 1 << 14},
		{"v_head_dim", c.VHeadDim, 1 << 14}, {"num_experts_per_tok", c.TopK, 1 << 16}, {"first_k_dense_replace", c.FirstKDense, 1 << 14},
		{"n_shared_experts", c.NShared, 1 << 10}, {"shared_expert_intermediate_size", c.SharedExpertInter, 1 << 22},
		{"num_nextn_predict_layers", c.NextN, 1 << 6}} {
		if v.value < 0 || v.value > v.limit {
			return fmt.Errorf("config.json: %s = %d is not a plausible value", v.name, v.value)
		}
	}
	if c.KVHeads != nil && (*c.KVHeads < 0 || *c.KVHeads > 1<<14) {
		return fmt.Errorf("config.json: num_key_value_heads = %d is not a plausible value", *c.KVHeads)
	}
	if c.QLoraRank != nil && (*c.QLoraRank < 0 || *c.QLoraRank > 1<<16) {
		return fmt.Errorf("config.json: q_lora_rank = %d is not a plausible value", *c.QLoraRank)
	}
	return nil
}

// attentionParams sets the attention kind and returns its parameters per layer.
func attentionParams(c config, info *Info) int64 {
	h := int64(c.Hidden)
	if c.KVLoraRank > 0 { // MLA (DeepSeek, Kimi)
		info.Attention, info.KVLoraRank, info.QKRopeDim = "MLA", c.KVLoraRank, c.QKRope
		info.HeadDim = c.QKNope + c.QKRope
		nq := int64(c.Heads)
		qk := int64(c.QKNope + c.QKRope)
		var attn int64
		if c.QLoraRank != nil && *c.QLoraRank > 0 {
			q := int64(*c.QLoraRank)
			attn += h*q + q*nq*qk
		} else {
			attn += h * nq * qk
		}
		return attn + h*int64(c.KVLoraRank+c.QKRope) + int64(c.KVLoraRank)*nq*int64(c.QKNope+c.VHeadDim) + nq*int64(c.VHeadDim)*h
	}
	info.Attention = "GQA"
	d := int64(info.HeadDim)
	return h*int64(c.Heads)*d + 2*h*int64(info.KVHeads)*d + int64(c.Heads)*d*h
}

// experts is the expert layout of a MoE model.
type experts struct {
	n                 int
	perExpert, shared int64
}

// expertParams reads the expert layout by naming family.
func expertParams(c config, info *Info) experts {
	h := int64(c.Hidden)
	var e experts
	switch {
	case c.NRouted > 0: // DeepSeek, Kimi, GLM
		e = experts{c.NRouted, 3 * h * int64(c.MoEInter), int64(c.NShared) * 3 * h * int64(c.MoEInter)}
		info.SharedExperts, info.MoEIntermediate = c.NShared, c.MoEInter
	case c.NumExperts > 0: // Qwen
		e = experts{c.NumExperts, 3 * h * int64(c.MoEInter), 3 * h * int64(c.SharedExpertInter)}
		info.MoEIntermediate = c.MoEInter
		if c.SharedExpertInter > 0 {
			info.SharedExperts = 1
		}
	case c.NumLocalExperts > 0: // MiniMax, Mixtral: intermediate_size is per expert
		e = experts{n: c.NumLocalExperts, perExpert: 3 * h * int64(c.Intermediate)}
		info.MoEIntermediate = c.Intermediate
	}
	info.Experts, info.ExpertsPerToken = e.n, c.TopK
	return e
}

// countParams counts total and active parameters and the parts per component.
func countParams(c, top config, info *Info, attn int64, ex experts) {
	h := int64(c.Hidden)
	tie := c.TieEmbed != nil && *c.TieEmbed
	norms := 2 * h
	dense := 3 * h * int64(c.Intermediate)

	// Which layers are MoE.
	moeLayers := 0
	for l := 0; l < c.Layers; l++ {
		if ex.n > 0 && isMoELayer(c, l) {
			moeLayers++
		}
	}
	denseLayers := c.Layers - moeLayers
	if ex.n > 0 {
		info.DenseLayers = denseLayers
	}
	embed := int64(c.Vocab) * h
	head := embed
	if tie {
		head = 0
	}
	if c.ModelType == "mllama_text_model" || top.ModelType == "mllama" {
		embed = int64(c.Vocab+8) * h // cross-attention special tokens
	}
	router := h * int64(ex.n)
	layerCommon := attn + norms
	info.TotalParams = embed + head + h + int64(c.Layers)*layerCommon + int64(denseLayers)*dense +
		int64(moeLayers)*(int64(ex.n)*ex.perExpert+router+ex.shared)
	info.ActiveNonEmbedding = h + int64(c.Layers)*layerCommon + int64(denseLayers)*dense +
		int64(moeLayers)*(int64(c.TopK)*ex.perExpert+router+ex.shared)
	if ex.n == 0 {
		info.ActiveNonEmbedding = info.TotalParams - embed - head
	}
	// Model cards count active parameters without the input-embedding lookup (a
	// one-row table read, no matmul) but with the output projection (the tied
	// embedding matrix when tie_word_embeddings).
	outProj := head
	if tie {
		outProj = embed
	}
	info.ActiveParams = info.ActiveNonEmbedding + outProj
	info.ActiveWithEmbedding = info.ActiveNonEmbedding + embed + head
	info.Parts = Parts{CompEmbed: embed, CompHead: head, CompAttention: int64(c.Layers) * attn, CompDenseMLP: int64(denseLayers) * dense,
		CompExperts: int64(moeLayers) * int64(ex.n) * ex.perExpert, CompShared: int64(moeLayers) * ex.shared, CompRouter: int64(moeLayers) * router,
		CompOther: h + int64(c.Layers)*norms}
	if c.NextN > 0 {
		info.MTPParams = int64(c.NextN) * (layerCommon + int64(ex.n)*ex.perExpert + router + ex.shared + 2*h*h)
	}
}

// visionParams adds a vision tower (Llama 3.2 Vision) to the totals.
func visionParams(top config, info *Info) {
	h := int64(info.Hidden)
	if len(top.VisionConfig) > 0 {
		var v visionConfig
		if json.Unmarshal(top.VisionConfig, &v) == nil && v.Hidden > 0 && v.Hidden < 1<<16 && v.Layers+v.GlobalLayers < 1<<12 &&
			v.Intermediate < 1<<20 && v.PatchSize < 1<<10 && v.ImageSize < 1<<16 && v.MaxNumTiles < 1<<8 && v.NumChannels < 1<<6 && v.VisionOutDim < 1<<20 {
			vh := int64(v.Hidden)
			layers := int64(v.Layers + v.GlobalLayers)
			info.Vision = layers*(4*vh*vh+2*vh*int64(v.Intermediate)) + int64(v.NumChannels*v.PatchSize*v.PatchSize)*vh +
				int64(v.VisionOutDim)*h
			if v.PatchSize > 0 && v.ImageSize > 0 {
				patches := int64((v.ImageSize/v.PatchSize)*(v.ImageSize/v.PatchSize) + 1)
				info.Vision += int64(len(v.SupportedAR)+1) * int64(v.MaxNumTiles) * patches * vh // tile position embeddings
			}
			info.TotalParams += info.Vision
			info.Parts[CompVision] = info.Vision
		}
	}

}

func isMoELayer(c config, l int) bool {
	if c.NRouted > 0 {
		freq := max(1, c.MoELayerFreq)
		return l >= c.FirstKDense && (l-c.FirstKDense)%freq == 0
	}
	for _, m := range c.MLPOnlyLayers {
		if m == l {
			return false
		}
	}
	step := max(1, c.DecoderSparseStep)
	return (l+1)%step == 0
}

func dtypeBytes(d string) int64 {
	switch d {
	case "float32":
		return 4
	case "float8_e4m3fn", "float8":
		return 1
	}
	return 2
}
