package workload

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ParseShareGPTConversations reads ShareGPT conversations (a JSON array or
// JSONL, as ParseShareGPT) for multi_turn replay: each conversation's
// exchanges in order, an exchange being a human/user turn and the
// gpt/assistant turn after it. Turns before the first human turn (a system
// prompt) are skipped; a conversation ends at the first turn out of that
// pattern (two human turns in a row, a value that is not a string, an empty
// prompt). Conversations without one whole exchange are dropped.
func ParseShareGPTConversations(name string, data []byte) ([][]Row, error) {
	var out [][]Row
	err := eachShareGPT(name, data, func(e *shareGPTEntry) {
		if ex := exchanges(e); len(ex) > 0 {
			out = append(out, ex)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no conversation with a human turn followed by an answer (ShareGPT: {\"conversations\": [{\"from\": \"human\", \"value\": ...}, {\"from\": \"gpt\", \"value\": ...}]})", name)
	}
	return out, nil
}

func exchanges(e *shareGPTEntry) []Row {
	c := e.Conversations
	i := 0
	for i < len(c) && !slices.Contains(humanRoles, strings.ToLower(c[i].From)) {
		i++
	}
	var out []Row
	for ; i+1 < len(c); i += 2 {
		if !slices.Contains(humanRoles, strings.ToLower(c[i].From)) || !slices.Contains(answerRole, strings.ToLower(c[i+1].From)) {
			break
		}
		var p, a string
		if json.Unmarshal(c[i].Value, &p) != nil || json.Unmarshal(c[i+1].Value, &a) != nil || strings.TrimSpace(p) == "" {
			break
		}
		out = append(out, Row{Prompt: p, Answer: a})
	}
	return out
}

// dialogOrder is the order in which conversations replay the file's: a
// permutation drawn from the seed alone, so every profile and every
// configuration replays the same conversations.
func dialogOrder(seed uint64, n int) []int {
	return rng(seed, math.MaxUint64-1, 0).Perm(n)
}

// dialog is the index in the file of the conversation that conversation c
// replays (from the start again when more are asked than the file holds).
func (s *Spec) dialog(c int) int {
	d := s.data
	return d.order[c%len(d.order)]
}

// turnsOf is the number of turns of conversation c: its dataset
// conversation's exchanges, at most Turns when set; Turns for random ids.
func (s *Spec) turnsOf(c int) int {
	if s.data == nil || len(s.data.convs) == 0 {
		return s.Turns
	}
	n := len(s.data.convs[s.dialog(c)])
	if s.Turns > 0 {
		n = min(n, s.Turns)
	}
	return n
}

// multiTurnRequests is the number of requests of a multi_turn workload.
func (s *Spec) multiTurnRequests() int {
	if s.data == nil || len(s.data.convs) == 0 {
		return s.Conversations * s.Turns
	}
	n := 0
	for c := range s.Conversations {
		n += s.turnsOf(c)
	}
	return n
}

// exchangeIDs is one encoded exchange of a dataset conversation.
type exchangeIDs struct {
	user, answer []int
}

func (p *Prepared) exchange(conv, t int) exchangeIDs {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := [2]int{conv, t}
	if e, ok := p.exchanges[k]; ok {
		return e
	}
	row := p.spec.data.convs[conv][t]
	e := exchangeIDs{user: p.enc.Encode(row.Prompt), answer: p.enc.Encode(row.Answer)}
	p.exchanges[k] = e
	return e
}

// dialogTurn builds turn t of conversation c from its dataset conversation:
// the shared prefix, every earlier exchange (human turn and answer) and this
// human turn. The output length is the dataset answer's (or output_len's
// draw); the answer kept in the history is the dataset's, cut or repeated
// to that length — the clients count generated tokens but return no text,
// so the answer the engine gave stands in as the one the dataset recorded.
func (f *Feed) dialogTurn(c, t int, history [][]int) (Request, [][]int) {
	s := f.p.spec
	ex := f.p.exchange(s.dialog(c), t)
	r := rng(s.Seed, f.stream, uint64(c)<<16|uint64(t))
	user := ex.user
	if s.InputLen != nil {
		user = fitIDs(user, s.InputLen.Draw(r))
	}
	out := max(len(ex.answer), 1)
	if s.OutputLen != nil {
		out = s.OutputLen.Draw(r)
	}
	answer := fitIDs(ex.answer, out)
	if len(answer) == 0 {
		answer = randomIDs(r, out)
	}
	prompt := f.historyPrompt(history, user)
	req := Request{Prompt: prompt, OutputLen: out, Conv: c, Turn: t, Turns: s.turnsOf(c)}
	if s.InputLen == nil && s.SharedPrefix == 0 {
		req.Text = dialogText(s.data.convs[s.dialog(c)], t)
	}
	return req, append(history, user, answer)
}

// dialogText is turn t's prompt as text: the earlier human turns and the
// dataset's answers, and human turn t, separated by blank lines (the word
// encoder gives the ids of the parts one after the other).
func dialogText(conv []Row, t int) string {
	var b strings.Builder
	for _, r := range conv[:t] {
		b.WriteString(r.Prompt)
		b.WriteString("\n\n")
		b.WriteString(r.Answer)
		b.WriteString("\n\n")
	}
	b.WriteString(conv[t].Prompt)
	return b.String()
}

// historyPrompt is the shared prefix, the history and the user's turn.
func (f *Feed) historyPrompt(history [][]int, user []int) []int {
	n := len(f.p.prefix) + len(user)
	for _, h := range history {
		n += len(h)
	}
	prompt := append(make([]int, 0, n), f.p.prefix...)
	for _, h := range history {
		prompt = append(prompt, h...)
	}
	return append(prompt, user...)
}
