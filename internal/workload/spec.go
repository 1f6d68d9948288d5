// Package workload describes what a serving-load profile sends: random ids
// (servesweep's default), a dataset (ShareGPT-format JSON/JSONL or plain text),
// multi-turn conversations that reuse their history (and an optional prefix
// shared by every request) to exercise prefix caching, or a trace of arrivals
// replayed at its own pace or scaled. A Spec is read from the sweep file's
// `workload:` section (FromNode, with file:line:column errors); Prepare and
// Feed turn it into a deterministic, seeded stream of requests: prompt ids,
// output length, arrival offset (traces), conversation and turn.
package workload

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Types a workload may have.
const (
	Random    = "random"
	Dataset   = "dataset"
	MultiTurn = "multi_turn"
	Trace     = "trace"
)

// Types lists the workload types in the order the README gives them.
var Types = []string{Random, Dataset, MultiTurn, Trace}

// Dataset formats.
const (
	ShareGPT = "sharegpt"
	Text     = "text"
)

// Length distributions.
const (
	Fixed     = "fixed"
	LogNormal = "lognormal"
	Uniform   = "uniform"
	Normal    = "normal"
)

// Defaults of the dataset filters: vLLM's is_valid_sequence
// (vllm/benchmarks/datasets.py: min_len 4, max_prompt_len 1024, max_total_len 2048).
const (
	DefaultSeed        = 42
	DefaultMinLen      = 4
	DefaultMaxInputLen = 1024
	DefaultMaxTotalLen = 2048
	DefaultBlockSize   = 512 // the Mooncake trace's hash_ids block size
	DefaultTurns       = 4
	DefaultConvs       = 8
)

// Length is how a request's input or output length is drawn: a fixed
// number, or a distribution clamped to [Min, Max] (Max 0: no upper bound).
type Length struct {
	Dist string  `json:"dist"`
	Mean float64 `json:"mean,omitempty"`
	Std  float64 `json:"std,omitempty"`
	Min  int     `json:"min,omitempty"`
	Max  int     `json:"max,omitempty"`
}

// Spec is a parsed, validated `workload:` section.
type Spec struct {
	Type string `json:"type"`
	Seed uint64 `json:"seed"`
	// InputLen and OutputLen draw each request's lengths; nil means the
	// cases' (input, output) pairs (random, multi_turn), the prompt's own
	// length and the answer's (dataset), or the trace's lengths.
	InputLen  *Length `json:"input_len,omitempty"`
	OutputLen *Length `json:"output_len,omitempty"`
	// SharedPrefix is a number of ids every request starts with (a system
	// prompt shared by all requests and conversations).
	SharedPrefix int `json:"shared_prefix,omitempty"`

	// Path is the dataset, multi_turn or trace file (resolved against the
	// sweep file's folder); Format is sharegpt or text (dataset).
	Path   string `json:"path,omitempty"`
	Format string `json:"format,omitempty"`
	// Filters of dataset rows taken as they are (no input_len).
	MinLen      int `json:"min_len,omitempty"`
	MaxInputLen int `json:"max_input_len,omitempty"`
	MaxTotalLen int `json:"max_total_len,omitempty"`

	// Conversations × Turns (multi_turn). With Path, the conversations
	// replay the file's ShareGPT conversations and Turns (0: all) caps each.
	Conversations int `json:"conversations,omitempty"`
	Turns         int `json:"turns,omitempty"`

	// Speed scales a trace's pace when the sweep has no load: section
	// (2: twice as fast); BlockSize is the ids per hash_ids entry.
	Speed     float64 `json:"speed,omitempty"`
	BlockSize int     `json:"block_size,omitempty"`

	// FileSHA256 is the hash of the dataset or trace file's contents.
	FileSHA256 string `json:"file_sha256,omitempty"`

	data *fileData // the parsed file (nil until read)
}

// Default is the workload of a sweep without a `workload:` section: random
// ids at the cases' lengths, today's load mode.
func Default() *Spec { return &Spec{Type: Random, Seed: DefaultSeed} }

// Fingerprint is a stable hash of the spec and its file's contents: two
// loads with the same fingerprint sent the same stream of requests.
func (s *Spec) Fingerprint() string {
	c := *s
	c.Path = "" // the file's contents count, not where it lies
	b, _ := json.Marshal(c)
	h := sha256.Sum256(b)
	return s.Type + "-" + hex.EncodeToString(h[:8])
}

// CaseInput reports whether requests take their input length from the
// cases' input lengths (random and multi_turn without input_len): a load
// profile then runs once per input length.
func (s *Spec) CaseInput() bool {
	return (s.Type == Random || s.Type == MultiTurn && s.Path == "") && s.InputLen == nil
}

// CaseOutput is CaseInput for output lengths.
func (s *Spec) CaseOutput() bool {
	return (s.Type == Random || s.Type == MultiTurn && s.Path == "") && s.OutputLen == nil
}

// HasText reports whether requests are made from a file's text (dataset,
// multi_turn from a ShareGPT file), so an encoder turns text into ids.
func (s *Spec) HasText() bool {
	return s.Type == Dataset || s.Type == MultiTurn && s.Path != ""
}
