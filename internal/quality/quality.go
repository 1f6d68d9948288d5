// Package quality is servesweep's quality guard: a quantization or a kernel
// change can break a model silently, so every configuration of a sweep with a
// quality: section answers a fixed set of greedy prompts after its cases, and
// its generated tokens are compared with those of the model's reference
// configuration (the first of the model, or quality.reference): the token
// agreement rate and the first position where they diverge. An optional
// GSM8K-style dataset (JSONL of question and "… #### answer") is scored by
// exact match. Configurations below min_agreement or min_accuracy are flagged
// in the report and never recommended.
//
// Records are one JSON line per configuration in <run dir>/quality.jsonl,
// written as they are measured, so a resumed run compares against a reference
// measured before; the report recomputes every comparison from them.
package quality

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// File is the run directory's quality record file.
const File = "quality.jsonl"

// Defaults of the quality: section.
const (
	DefaultMaxTokens        = 32
	DefaultMinAgreement     = 0.9
	DefaultDatasetMaxTokens = 256
)

// Token sources: where an output's tokens come from. Two outputs compare
// token by token only when their sources agree; otherwise by characters.
const (
	SourceEngine    = "engine"    // token ids the engine returned
	SourceTokenizer = "tokenizer" // the model's tokenizer.json over the text
	SourceStream    = "stream"    // the pieces the engine streamed, one per update
	SourceText      = "text"      // the text's characters
)

// Output is one prompt's greedy generation.
type Output struct {
	Prompt int      `json:"prompt"` // index in the prompt set
	Text   string   `json:"text"`
	IDs    []int    `json:"ids,omitempty"`
	Pieces []string `json:"pieces,omitempty"`
	Source string   `json:"token_source"`
	Finish string   `json:"finish,omitempty"`
}

// Tokens returns the output's tokens as strings and their source.
func (o Output) Tokens() ([]string, string) {
	switch {
	case (o.Source == SourceEngine || o.Source == SourceTokenizer) && o.IDs != nil:
		out := make([]string, len(o.IDs))
		for i, id := range o.IDs {
			out[i] = strconv.Itoa(id)
		}
		return out, o.Source
	case o.Source == SourceStream && o.Pieces != nil:
		return o.Pieces, SourceStream
	}
	return chars(o.Text), SourceText
}

func chars(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// DatasetScore is a configuration's exact-match score on the dataset.
type DatasetScore struct {
	Path     string   `json:"path"`
	Items    int      `json:"items"`
	Correct  int      `json:"correct"`
	Accuracy float64  `json:"accuracy"`
	Answers  []string `json:"answers,omitempty"` // the answer extracted from each generation ("" none)
}

// Record is one configuration's quality run: one line of quality.jsonl.
type Record struct {
	RunID    string `json:"run_id"`
	ConfigID string `json:"config_id"`
	ModelKey string `json:"model_key"`
	// Reference is the configuration this one is compared with (itself for the reference).
	Reference    string   `json:"reference"`
	MinAgreement float64  `json:"min_agreement"`
	MinAccuracy  *float64 `json:"min_accuracy,omitempty"`
	// PromptSet fingerprints the prompts and token budgets: records compare
	// only when theirs are equal.
	PromptSet string        `json:"prompt_set"`
	MaxTokens int           `json:"max_tokens"`
	Outputs   []Output      `json:"outputs"`
	Dataset   *DatasetScore `json:"dataset,omitempty"`
	// Error says why the guard could not finish on this configuration.
	Error     string    `json:"error,omitempty"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`
}

// PromptSetID fingerprints what a quality run asks: prompts, token budgets, dataset.
func PromptSetID(prompts []string, maxTokens int, dataset string, items []Item, datasetMaxTokens int) string {
	b, _ := json.Marshal(struct {
		P  []string
		N  int
		D  string
		I  []Item
		DN int
	}{prompts, maxTokens, dataset, items, datasetMaxTokens})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:6])
}
