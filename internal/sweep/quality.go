package sweep

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/quality"
	"go.yaml.in/yaml/v3"
)

// Quality is the quality: section: the quality guard (package quality).
type Quality struct {
	// Reference is the configuration id every other configuration of its
	// model is compared with ("": each model's first configuration).
	Reference string `json:"reference,omitempty"`
	// Prompts are the greedy prompts (the built-in set by default).
	Prompts []string `json:"prompts"`
	// MaxTokens is each prompt's greedy output length.
	MaxTokens int `json:"max_tokens"`
	// MinAgreement is the lowest token agreement (0…1) a configuration may
	// have with the reference and still be recommended.
	MinAgreement float64 `json:"min_agreement"`
	// Dataset is a GSM8K-style JSONL file (resolved against the sweep file's
	// folder), Items its questions (the first Limit), scored by exact match.
	Dataset          string         `json:"dataset,omitempty"`
	Items            []quality.Item `json:"-"`
	Limit            int            `json:"limit,omitempty"`
	DatasetMaxTokens int            `json:"dataset_max_tokens,omitempty"`
	MinAccuracy      *float64       `json:"min_accuracy,omitempty"`

	file           string
	refLine, refCo int
}

var qualityKeys = []string{"reference", "prompts", "max_tokens", "min_agreement", "dataset", "limit", "dataset_max_tokens", "min_accuracy"}

func readQuality(p *parser, f *File, v *yaml.Node) (err error) {
	f.Quality, err = p.quality(v)
	return err
}

func (p *parser) quality(n *yaml.Node) (*Quality, error) {
	q := &Quality{Prompts: quality.Prompts, MaxTokens: quality.DefaultMaxTokens, MinAgreement: quality.DefaultMinAgreement,
		DatasetMaxTokens: quality.DefaultDatasetMaxTokens, file: p.file}
	var accNode *yaml.Node
	err := p.fields(n, "quality", qualityKeys, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "reference":
			q.Reference, err = p.str(v, "quality.reference")
			q.refLine, q.refCo = v.Line, v.Column
		case "prompts":
			q.Prompts, err = p.qualityPrompts(v)
		case "max_tokens":
			q.MaxTokens, err = p.positiveInt(v, "quality.max_tokens")
		case "min_agreement":
			q.MinAgreement, err = p.fraction(v, "quality.min_agreement", "the lowest share of greedy tokens that must agree with the reference")
		case "dataset":
			err = p.qualityDataset(v, q)
		case "limit":
			q.Limit, err = p.positiveInt(v, "quality.limit")
		case "dataset_max_tokens":
			q.DatasetMaxTokens, err = p.positiveInt(v, "quality.dataset_max_tokens")
		case "min_accuracy":
			var a float64
			a, err = p.fraction(v, "quality.min_accuracy", "the lowest share of dataset answers that must be right")
			q.MinAccuracy, accNode = &a, v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if accNode != nil && q.Dataset == "" {
		return nil, p.errAt(accNode, "quality.min_accuracy needs quality.dataset (a GSM8K-style JSONL file to score)")
	}
	if q.Limit > 0 && len(q.Items) > q.Limit {
		q.Items = q.Items[:q.Limit]
	}
	return q, nil
}

// fraction reads a number in [0, 1].
func (p *parser) fraction(n *yaml.Node, key, what string) (float64, error) {
	v, err := p.float(n, key)
	if err == nil && (v < 0 || v > 1) {
		err = p.errAt(n, "%s must be a fraction from 0 to 1 (%s), e.g. 0.9, got %v", key, what, v)
	}
	return v, err
}

// qualityPrompts reads prompts: a count of built-in prompts or a list of prompts.
func (p *parser) qualityPrompts(n *yaml.Node) ([]string, error) {
	if n.Kind == yaml.ScalarNode {
		k, err := p.positiveInt(n, "quality.prompts")
		if err == nil && k > len(quality.Prompts) {
			err = p.errAt(n, "quality.prompts: there are %d built-in prompts, %d asked (list your own prompts to have more)", len(quality.Prompts), k)
		}
		return quality.PromptSet(k), err
	}
	ps, err := p.strList(n, "quality.prompts")
	if err == nil && len(ps) == 0 {
		err = p.errAt(n, "quality.prompts must not be empty: a number of built-in prompts (up to %d) or a list of prompts", len(quality.Prompts))
	}
	for i, s := range ps {
		if err == nil && strings.TrimSpace(s) == "" {
			err = p.errAt(n.Content[i], "quality.prompts: prompt %d is empty", i+1)
		}
	}
	return ps, err
}

// qualityDataset reads and parses the dataset now, so a bad file fails at plan time.
func (p *parser) qualityDataset(n *yaml.Node, q *Quality) error {
	path, err := p.str(n, "quality.dataset")
	if err != nil {
		return err
	}
	if path == "" {
		return p.errAt(n, "quality.dataset must name a GSM8K-style JSONL file")
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(p.file), path)
	}
	if q.Items, err = quality.ReadDataset(path); err != nil {
		return p.errAt(n, "quality.dataset: %v", err)
	}
	q.Dataset = path
	return nil
}

// CheckReference says, at the reference's line and column, when it names no
// configuration of the plan.
func (q *Quality) CheckReference(ids []string) error {
	if q == nil || q.Reference == "" || slices.Contains(ids, q.Reference) {
		return nil
	}
	list := strings.Join(ids, ", ")
	if len(ids) > 8 {
		list = strings.Join(ids[:8], ", ") + fmt.Sprintf(" and %d more", len(ids)-8)
	}
	return &Error{File: q.file, Line: q.refLine, Column: q.refCo,
		Msg: fmt.Sprintf("quality.reference %q is not a configuration of this sweep (servesweep plan lists them: %s)", q.Reference, list)}
}

// PromptSetID fingerprints what the guard asks (see quality.PromptSetID).
func (q *Quality) PromptSetID() string {
	return quality.PromptSetID(q.Prompts, q.MaxTokens, q.Dataset, q.Items, q.DatasetMaxTokens)
}
