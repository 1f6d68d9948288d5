package quality

// Agreement is how far a configuration's greedy outputs follow the reference's.
type Agreement struct {
	// Rate is matched / compared: the share of token positions, over all
	// prompts, where both generated the same token. A position one of the two
	// did not reach (a shorter output) counts as compared and not matched.
	Rate     float64 `json:"agreement"`
	Matched  int     `json:"tokens_matched"`
	Compared int     `json:"tokens_compared"`
	// FirstDivergence is the earliest token position (0-based, over all
	// prompts) where the two differ; nil when every output is identical.
	FirstDivergence *int `json:"first_divergence"`
	// PerPrompt is each prompt's first divergence (nil: identical).
	PerPrompt []*int `json:"per_prompt_divergence"`
	// Diverged counts the prompts whose outputs differ.
	Diverged int `json:"prompts_diverged"`
	// Source is the token source compared (engine, tokenizer, stream or text).
	Source string `json:"token_source"`
}

// Sequences compares two token sequences: positions matched, positions
// compared (the longer length) and the first divergence (-1: identical).
func Sequences(ref, got []string) (matched, compared, first int) {
	n := min(len(ref), len(got))
	first = -1
	for i := 0; i < n; i++ {
		if ref[i] == got[i] {
			matched++
		} else if first < 0 {
			first = i
		}
	}
	if first < 0 && len(ref) != len(got) {
		first = n
	}
	return matched, max(len(ref), len(got)), first
}

// Compare compares got with ref prompt by prompt (matched by prompt index; a
// prompt one side lacks is compared with an empty output). Tokens compare in
// the source both sides share; when they differ, by characters of the text.
func Compare(ref, got []Output) Agreement {
	byPrompt := map[int]Output{}
	for _, o := range got {
		byPrompt[o.Prompt] = o
	}
	a := Agreement{}
	for _, r := range ref {
		rt, rs := r.Tokens()
		var gt []string // a prompt without output: nothing matches
		if g, ok := byPrompt[r.Prompt]; ok {
			var gs string
			if gt, gs = g.Tokens(); gs != rs {
				rt, gt, rs = chars(r.Text), chars(g.Text), SourceText
			}
		}
		if a.Source == "" || a.Source == rs {
			a.Source = rs
		} else {
			a.Source = "mixed"
		}
		m, c, f := Sequences(rt, gt)
		a.Matched += m
		a.Compared += c
		if f < 0 {
			a.PerPrompt = append(a.PerPrompt, nil)
			continue
		}
		a.PerPrompt = append(a.PerPrompt, &f)
		a.Diverged++
		if a.FirstDivergence == nil || f < *a.FirstDivergence {
			a.FirstDivergence = &f
		}
	}
	a.Rate = 1
	if a.Compared > 0 {
		a.Rate = float64(a.Matched) / float64(a.Compared)
	}
	return a
}
