package quality

import "fmt"

// Result is a configuration's quality verdict, as the report carries it
// (report --format json: configs[].quality).
type Result struct {
	// Reference is the configuration compared with (the configuration itself
	// for the reference).
	Reference string `json:"reference"`
	// Agreement is the token agreement rate with the reference, 0…1 (nil when
	// it could not be compared: the reference was not measured).
	Agreement *float64 `json:"agreement"`
	// FirstDivergence is the earliest token position where any prompt's
	// output differs from the reference's (nil: none differs).
	FirstDivergence *int     `json:"first_divergence"`
	MinAgreement    float64  `json:"min_agreement"`
	Prompts         int      `json:"prompts"`
	PromptsDiverged int      `json:"prompts_diverged"`
	TokensCompared  int      `json:"tokens_compared"`
	TokenSource     string   `json:"token_source,omitempty"`
	Accuracy        *float64 `json:"accuracy,omitempty"`
	MinAccuracy     *float64 `json:"min_accuracy,omitempty"`
	DatasetItems    int      `json:"dataset_items,omitempty"`
	// Flagged configurations are below a threshold, or the guard failed on
	// them: the report never recommends them.
	Flagged bool `json:"flagged"`
	// Note says why a configuration is flagged or could not be compared.
	Note string `json:"note,omitempty"`
}

// Latest keeps each configuration's last record (a configuration run again
// on resume appends a newer one).
func Latest(recs []Record) map[string]Record {
	out := map[string]Record{}
	for _, r := range recs {
		out[r.ConfigID] = r
	}
	return out
}

// Evaluate judges every configuration with a record against its reference's
// latest record.
func Evaluate(recs []Record) map[string]Result {
	latest := Latest(recs)
	out := map[string]Result{}
	for id, r := range latest {
		var ref *Record
		if x, ok := latest[r.Reference]; ok {
			ref = &x
		}
		out[id] = Judge(r, ref)
	}
	return out
}

// Judge compares r with its reference's record (nil: not measured).
func Judge(r Record, ref *Record) Result {
	res := Result{Reference: r.Reference, MinAgreement: r.MinAgreement, MinAccuracy: r.MinAccuracy, Prompts: len(r.Outputs)}
	if r.Error != "" {
		res.Flagged, res.Note = true, "the quality guard could not finish: "+r.Error
		return res
	}
	if d := r.Dataset; d != nil {
		acc := d.Accuracy
		res.Accuracy, res.DatasetItems = &acc, d.Items
	}
	switch {
	case r.Reference == r.ConfigID:
		one := 1.0
		res.Agreement, res.TokensCompared = &one, tokens(r.Outputs)
		res.TokenSource = sourceOf(r.Outputs)
	case ref == nil:
		res.Note = "reference " + r.Reference + " has no quality record (it failed or has not run): agreement unknown"
	case ref.Error != "":
		res.Note = "reference " + r.Reference + " has no outputs (" + ref.Error + "): agreement unknown"
	case ref.PromptSet != r.PromptSet:
		res.Note = "reference " + r.Reference + " answered other prompts (the quality: section changed between runs): agreement unknown"
	default:
		a := Compare(ref.Outputs, r.Outputs)
		res.Agreement, res.FirstDivergence = &a.Rate, a.FirstDivergence
		res.PromptsDiverged, res.TokensCompared, res.TokenSource = a.Diverged, a.Compared, a.Source
	}
	var why []string
	if res.Agreement != nil && *res.Agreement < r.MinAgreement {
		why = append(why, fmt.Sprintf("token agreement %.1f%% with %s is below min_agreement %.1f%%", 100**res.Agreement, r.Reference, 100*r.MinAgreement))
	}
	if res.Accuracy != nil && r.MinAccuracy != nil && *res.Accuracy < *r.MinAccuracy {
		why = append(why, fmt.Sprintf("dataset accuracy %.1f%% is below min_accuracy %.1f%%", 100**res.Accuracy, 100**r.MinAccuracy))
	}
	if len(why) > 0 {
		res.Flagged = true
		res.Note = why[0]
		if len(why) > 1 {
			res.Note += "; " + why[1]
		}
	}
	return res
}

func tokens(outs []Output) int {
	n := 0
	for _, o := range outs {
		t, _ := o.Tokens()
		n += len(t)
	}
	return n
}

func sourceOf(outs []Output) string {
	s := ""
	for _, o := range outs {
		_, src := o.Tokens()
		if s != "" && s != src {
			return "mixed"
		}
		s = src
	}
	return s
}

// Config is what References needs of a planned configuration.
type Config struct {
	ID, ModelKey string
	// Runs is false for configurations that will not run (pre-flight skip).
	Runs bool
}

// References maps every configuration to its model's reference: explicit
// (a configuration id) for its own model, else the model's first
// configuration that runs.
func References(cfgs []Config, explicit string) map[string]string {
	refOf := map[string]string{}
	for _, c := range cfgs {
		if c.ID == explicit {
			refOf[c.ModelKey] = c.ID
		}
	}
	for _, c := range cfgs {
		if _, ok := refOf[c.ModelKey]; !ok && c.Runs {
			refOf[c.ModelKey] = c.ID
		}
	}
	out := map[string]string{}
	for _, c := range cfgs {
		if r, ok := refOf[c.ModelKey]; ok {
			out[c.ID] = r
		}
	}
	return out
}
