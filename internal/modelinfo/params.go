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

// Parse derives Info from config.json bytes.
func Parse(data []byte) (*Info, error) {
	var c config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("config.json is not valid JSON: %v", err)
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
		return nil, fmt.Errorf("config.json lacks hidden_size, num_hidden_layers, vocab_size or num_attention_heads")
	}
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
			return nil, fmt.Errorf("config.json: %s = %d is not a plausible value", v.name, v.value)
		}
	}
	if c.KVHeads != nil && (*c.KVHeads < 0 || *c.KVHeads > 1<<14) {
		return nil, fmt.Errorf("config.json: num_key_value_heads = %d is not a plausible value", *c.KVHeads)
	}
	if c.QLoraRank != nil && (*c.QLoraRank < 0 || *c.QLoraRank > 1<<16) {
		return nil, fmt.Errorf("config.json: q_lora_rank = %d is not a plausible value", *c.QLoraRank)
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
	h := int64(c.Hidden)
	tie := c.TieEmbed != nil && *c.TieEmbed

	// Attention per layer.
	var attn int64
	if c.KVLoraRank > 0 {
		info.Attention, info.KVLoraRank, info.QKRopeDim = "MLA", c.KVLoraRank, c.QKRope
		info.HeadDim = c.QKNope + c.QKRope
		nq := int64(c.Heads)
		qk := int64(c.QKNope + c.QKRope)
		if c.QLoraRank != nil && *c.QLoraRank > 0 {
			q := int64(*c.QLoraRank)
			attn += h*q + q*nq*qk
		} else {
			attn += h * nq * qk
		}
		attn += h*int64(c.KVLoraRank+c.QKRope) + int64(c.KVLoraRank)*nq*int64(c.QKNope+c.VHeadDim) + nq*int64(c.VHeadDim)*h
	} else {
		info.Attention = "GQA"
		d := int64(info.HeadDim)
		attn = h*int64(c.Heads)*d + 2*h*int64(info.KVHeads)*d + int64(c.Heads)*d*h
	}
	norms := 2 * h

	// Experts.
	experts, perExpert, shared := 0, int64(0), int64(0)
	switch {
	case c.NRouted > 0: // DeepSeek, Kimi, GLM
		experts, perExpert = c.NRouted, 3*h*int64(c.MoEInter)
		shared = int64(c.NShared) * 3 * h * int64(c.MoEInter)
		info.SharedExperts, info.MoEIntermediate = c.NShared, c.MoEInter
	case c.NumExperts > 0: // Qwen
		experts, perExpert = c.NumExperts, 3*h*int64(c.MoEInter)
		shared = 3 * h * int64(c.SharedExpertInter)
		info.MoEIntermediate = c.MoEInter
		if c.SharedExpertInter > 0 {
			info.SharedExperts = 1
		}
	case c.NumLocalExperts > 0: // MiniMax, Mixtral: intermediate_size is per expert
		experts, perExpert = c.NumLocalExperts, 3*h*int64(c.Intermediate)
		info.MoEIntermediate = c.Intermediate
	}
	info.Experts, info.ExpertsPerToken = experts, c.TopK
	dense := 3 * h * int64(c.Intermediate)

	// Which layers are MoE.
	moeLayers := 0
	for l := 0; l < c.Layers; l++ {
		if experts > 0 && isMoELayer(c, l) {
			moeLayers++
		}
	}
	denseLayers := c.Layers - moeLayers
	if experts > 0 {
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
	router := h * int64(experts)
	layerCommon := attn + norms
	info.TotalParams = embed + head + h + int64(c.Layers)*layerCommon + int64(denseLayers)*dense +
		int64(moeLayers)*(int64(experts)*perExpert+router+shared)
	info.ActiveNonEmbedding = h + int64(c.Layers)*layerCommon + int64(denseLayers)*dense +
		int64(moeLayers)*(int64(c.TopK)*perExpert+router+shared)
	if experts == 0 {
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
		CompExperts: int64(moeLayers) * int64(experts) * perExpert, CompShared: int64(moeLayers) * shared, CompRouter: int64(moeLayers) * router,
		CompOther: h + int64(c.Layers)*norms}
	if c.NextN > 0 {
		info.MTPParams = int64(c.NextN) * (layerCommon + int64(experts)*perExpert + router + shared + 2*h*h)
	}
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

	// Dtype, quantization, bytes.
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
