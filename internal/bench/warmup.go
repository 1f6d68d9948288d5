package bench

import (
	"context"
	"fmt"
	"os"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/tokenizer"
)

// WarmupCases is SGLang's warmup (bench_one_batch_server.py run_benchmark):
// `for bs in batch_size: run_one_case(bs, input_len=1024, output_len=16)`, one
// case per batch size of the benchmark, in the order they first appear.
func WarmupCases(cases []plan.Case) []plan.Case {
	var out []plan.Case
	seen := map[int]bool{}
	for _, c := range cases {
		if !seen[c.BatchSize] {
			seen[c.BatchSize] = true
			out = append(out, plan.Case{BatchSize: c.BatchSize, InputLen: 1024, OutputLen: 16})
		}
	}
	return out
}

// warmup runs the warmup cases (the engine's own WarmupCase instead, when it
// has one). A failed warmup is a note; a dead server fails the cases.
func (s *Session) warmup(ctx context.Context) error {
	ws := WarmupCases(s.Config.Cases)
	if s.Settings.WarmupCase != nil {
		ws = []plan.Case{*s.Settings.WarmupCase}
	}
	for _, w := range ws {
		if _, err := s.measure(ctx, w); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if s.dead() {
				return s.failRest(0, err)
			}
			s.note("%s: warmup bs=%d in=%d out=%d failed: %v", s.Config.ID, w.BatchSize, w.InputLen, w.OutputLen, err)
		}
	}
	return nil
}

// setupPrompts chooses the prompts: the corpus through the model's own
// tokenizer.json when one is found (and not `prompts: random-ids`), random ids
// otherwise, with a note saying why.
func (s *Session) setupPrompts(ctx context.Context) {
	s.prompts = &randomPrompter{}
	mode := s.Settings.Prompts
	if mode == PromptsRandomIDs {
		return
	}
	if lp, ok := s.Client.(engine.LetterPrompts); ok && lp.LetterPrompts() {
		if mode == PromptsText {
			s.note("%s: prompts: text does not apply: the engine takes text and gets letters; using random ids", s.Config.ID)
		}
		return
	}
	if s.FindTokenizer == nil {
		s.note("%s: no tokenizer lookup; prompts are random ids", s.Config.ID)
		return
	}
	path, err := s.FindTokenizer(ctx, s.Config.Model)
	var tok *tokenizer.Tokenizer
	if err == nil {
		tok, err = tokenizer.LoadFile(path)
	}
	if err != nil {
		s.note("%s: prompts are random ids: %v", s.Config.ID, err)
		return
	}
	s.prompts = NewTextPrompter(tok)
}

func (s *Session) note(format string, args ...any) {
	if s.Notef != nil {
		s.Notef(format, args...)
		return
	}
	fmt.Fprintf(os.Stderr, "servesweep: "+format+"\n", args...)
}
