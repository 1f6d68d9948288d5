package executor

import (
	"context"
	"fmt"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/tokenizer"
)

// QualityJob is the quality guard's work on one configuration: greedy
// prompts (and an optional dataset) answered after the cases and load
// profiles, while the server still runs.
// It travels to a Slurm job in job.json (all but Emit).
type QualityJob struct {
	Prompts          []string       `json:"prompts"`
	MaxTokens        int            `json:"max_tokens"`
	Items            []quality.Item `json:"items,omitempty"`
	Dataset          string         `json:"dataset,omitempty"`
	DatasetMaxTokens int            `json:"dataset_max_tokens,omitempty"`
	// Base holds the record's identity and thresholds: run, configuration,
	// model, reference, min_agreement, min_accuracy, prompt set.
	Base quality.Record `json:"base"`
	// Reference is the reference's record when it was measured before (this
	// run or the one a resume continues); progress compares with it at once.
	Reference *quality.Record `json:"reference,omitempty"`
	// Emit receives the record (appended to quality.jsonl).
	Emit func(quality.Record) error `json:"-"`
}

// runQuality runs the job's quality guard on a server whose cases passed.
func (x *execution) runQuality(ctx context.Context, runErr error) {
	q := x.job.Quality
	if q == nil || runErr != nil || ctx.Err() != nil || x.p.HasExited() {
		return
	}
	RunQuality(ctx, x.client, q, x.cfg.Model, TokenizerFinder(x.job.Settings.TokenizerDirs), x.job.Settings.RequestTimeout, x.progress)
}

// RunQuality answers q's prompts and dataset with client, emits the record
// and says on progress how it compares with the reference, when known.
func RunQuality(ctx context.Context, client engine.Client, q *QualityJob, model string, find func(context.Context, string) (string, error), timeout time.Duration, progress func(string, ...any)) {
	id := q.Base.ConfigID
	comp, ok := client.(engine.Completer)
	if !ok {
		progress("%s: quality guard: this engine's client cannot return greedy outputs; not measured", id)
		return
	}
	rec := q.Base
	rec.StartedAt, rec.MaxTokens = time.Now().UTC(), q.MaxTokens
	tok := tokenizerFor(ctx, model, find)
	for i, p := range q.Prompts {
		c, err := comp.Complete(ctx, engine.CompleteRequest{Prompt: p, MaxTokens: q.MaxTokens, Timeout: timeout})
		if err != nil {
			rec.Error = fmt.Sprintf("prompt %d: %v", i+1, err)
			break
		}
		rec.Outputs = append(rec.Outputs, output(i, c, tok))
	}
	if rec.Error == "" && len(q.Items) > 0 {
		rec.Dataset, rec.Error = score(ctx, comp, q, timeout)
	}
	rec.EndedAt = time.Now().UTC()
	if ctx.Err() != nil {
		return // interrupted: a resume runs the configuration, and its guard, again
	}
	_ = q.Emit(rec) // a write failure stops the sweep through the runner
	progress("%s: quality guard: %s", id, summary(rec, q.Reference))
}

// output records one completion with its tokens: the engine's ids, else the
// model's tokenizer over the text, else the streamed pieces, else the text.
func output(i int, c engine.Completion, tok *tokenizer.Tokenizer) quality.Output {
	o := quality.Output{Prompt: i, Text: c.Text, Finish: c.Finish, Source: quality.SourceText}
	switch {
	case c.IDs != nil:
		o.IDs, o.Source = c.IDs, quality.SourceEngine
	case tok != nil:
		o.IDs, o.Source = tok.EncodeOrdinary(c.Text), quality.SourceTokenizer
	case c.Pieces != nil:
		o.Pieces, o.Source = c.Pieces, quality.SourceStream
	}
	return o
}

// tokenizerFor loads the model's tokenizer.json when there is one servesweep reads.
func tokenizerFor(ctx context.Context, model string, find func(context.Context, string) (string, error)) *tokenizer.Tokenizer {
	if find == nil {
		return nil
	}
	path, err := find(ctx, model)
	if err != nil || path == "" {
		return nil
	}
	t, err := tokenizer.LoadFile(path)
	if err != nil {
		return nil
	}
	return t
}

// score answers the dataset's questions and counts the exact matches.
func score(ctx context.Context, comp engine.Completer, q *QualityJob, timeout time.Duration) (*quality.DatasetScore, string) {
	d := &quality.DatasetScore{Path: q.Dataset, Items: len(q.Items)}
	for i, it := range q.Items {
		c, err := comp.Complete(ctx, engine.CompleteRequest{Prompt: quality.Prompt(it), MaxTokens: q.DatasetMaxTokens, Timeout: timeout})
		if err != nil {
			return nil, fmt.Sprintf("dataset question %d: %v", i+1, err)
		}
		a := quality.ExtractAnswer(c.Text)
		d.Answers = append(d.Answers, a)
		if a != "" && a == it.Gold {
			d.Correct++
		}
	}
	d.Accuracy = float64(d.Correct) / float64(d.Items)
	return d, ""
}

// summary is the progress line's verdict.
func summary(rec quality.Record, ref *quality.Record) string {
	s := fmt.Sprintf("%d prompts × %d tokens in %.1fs", len(rec.Outputs), rec.MaxTokens, rec.EndedAt.Sub(rec.StartedAt).Seconds())
	if d := rec.Dataset; d != nil {
		s += fmt.Sprintf(", dataset %d/%d right (%.1f%%)", d.Correct, d.Items, 100*d.Accuracy)
	}
	if rec.ConfigID == rec.Reference {
		return s + "; the reference of " + rec.ModelKey
	}
	res := quality.Judge(rec, ref)
	if res.Agreement != nil {
		s += fmt.Sprintf("; %.1f%% token agreement with %s", 100**res.Agreement, rec.Reference)
		if res.FirstDivergence != nil {
			s += fmt.Sprintf(" (first divergence at token %d)", *res.FirstDivergence)
		}
	} else if ref == nil {
		s += "; reference " + rec.Reference + " not measured yet (the report compares)"
	}
	if res.Flagged {
		s += " — FLAGGED, never recommended: " + res.Note
	} else if res.Note != "" && ref != nil {
		s += " (" + res.Note + ")"
	}
	return s
}
