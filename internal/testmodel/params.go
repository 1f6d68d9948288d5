package testmodel

// Params counts a generated model's weights: all of them, and those one token
// reads in a forward pass (the routed experts it uses, not all of them). The
// embedding is counted in total only (a lookup reads one row).
func (s Shape) Params(arch string) (total, active int64) {
	h := int64(s.Hidden)
	head := int64(Vocab) * h            // output head
	embed := int64(Vocab)*h + h         // embedding and final norm
	expert := 3 * h * int64(s.MoEInter) // gate, up, down
	var attn, dense, shared, router int64
	switch arch {
	case "deepseek-v3":
		qk := int64(s.NopeDim + s.RopeDim)
		heads := int64(s.Heads)
		attn = int64(s.QLoraRank)*h + int64(s.QLoraRank) + heads*qk*int64(s.QLoraRank) +
			int64(s.KVLoraRank+s.RopeDim)*h + int64(s.KVLoraRank) + heads*int64(s.NopeDim+s.VDim)*int64(s.KVLoraRank) +
			h*heads*int64(s.VDim) + 2*h
		dense = 3 * h * int64(s.Intermediate)
		shared = expert * int64(s.SharedExperts)
		router = int64(s.Experts)*h + int64(s.Experts)
	default:
		hd, kv := int64(s.HeadDim), int64(s.kvHeads())
		attn = 2*h*int64(s.Heads)*hd + 2*kv*hd*h + 2*h
		if arch == "qwen3-moe" {
			attn += 2 * hd // q and k norms
			router = int64(s.Experts) * h
		}
		dense = 3 * h * int64(s.Intermediate)
	}
	total, active = embed+head, head
	for l := 0; l < s.Layers; l++ {
		switch {
		case arch == "llama" || arch == "deepseek-v3" && l < s.DenseLayers:
			total += attn + dense
			active += attn + dense
		default:
			total += attn + router + shared + expert*int64(s.Experts)
			active += attn + router + shared + expert*int64(s.ExpertsUsed)
		}
	}
	return total, active
}
