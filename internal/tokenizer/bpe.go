package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// bpe is tokenizers' BPE model (tokenizers/src/models/bpe/model.rs) over
// byte-level symbols: a word starts as one symbol per rune and the adjacent
// pair with the lowest merge rank is merged (leftmost first) until no pair has
// a rank.
type bpe struct {
	vocab        map[string]int
	ranks        map[[2]string]int
	ignoreMerges bool
	unk          int // -1: none
	mu           sync.Mutex
	cache        map[string][]int
}

type bpeJSON struct {
	Type         string            `json:"type"`
	Vocab        map[string]int    `json:"vocab"`
	Merges       []json.RawMessage `json:"merges"`
	IgnoreMerges bool              `json:"ignore_merges"`
	UnkToken     *string           `json:"unk_token"`
	ByteFallback bool              `json:"byte_fallback"`
}

func parseBPE(raw json.RawMessage) (*bpe, error) {
	var m bpeJSON
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("model: %v", err)
	}
	if m.Type != "" && m.Type != "BPE" {
		return nil, fmt.Errorf("model %q is not BPE", m.Type)
	}
	if len(m.Vocab) == 0 {
		return nil, fmt.Errorf("model has no vocab")
	}
	b := &bpe{vocab: m.Vocab, ranks: make(map[[2]string]int, len(m.Merges)), ignoreMerges: m.IgnoreMerges, unk: -1, cache: map[string][]int{}}
	if m.UnkToken != nil {
		if id, ok := m.Vocab[*m.UnkToken]; ok {
			b.unk = id
		}
	}
	for i, raw := range m.Merges {
		pair, err := parseMerge(raw)
		if err != nil {
			return nil, fmt.Errorf("merge %d: %v", i, err)
		}
		if _, ok := b.ranks[pair]; !ok {
			b.ranks[pair] = i
		}
	}
	return b, nil
}

// parseMerge reads a merge written as "a b" (older files) or ["a", "b"].
func parseMerge(raw json.RawMessage) ([2]string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		a, b, ok := strings.Cut(s, " ")
		if !ok {
			return [2]string{}, fmt.Errorf("%q is not two tokens", s)
		}
		return [2]string{a, b}, nil
	}
	var pair []string
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
		return [2]string{}, fmt.Errorf("%s is not a pair of tokens", raw)
	}
	return [2]string{pair[0], pair[1]}, nil
}

// encode appends the ids of one pre-tokenized word.
func (b *bpe) encode(out []int, word string) []int {
	if b.ignoreMerges {
		if id, ok := b.vocab[word]; ok {
			return append(out, id)
		}
	}
	b.mu.Lock()
	ids, ok := b.cache[word]
	b.mu.Unlock()
	if ok {
		return append(out, ids...)
	}
	ids = b.merge(word)
	b.mu.Lock()
	if len(b.cache) > 1<<16 {
		b.cache = map[string][]int{}
	}
	b.cache[word] = ids
	b.mu.Unlock()
	return append(out, ids...)
}

func (b *bpe) merge(word string) []int {
	syms := make([]string, 0, len(word))
	for _, r := range word {
		syms = append(syms, string(r))
	}
	for len(syms) > 1 {
		best, bestRank := -1, 0
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := b.ranks[[2]string{syms[i], syms[i+1]}]; ok && (best < 0 || r < bestRank) {
				if _, inVocab := b.vocab[syms[i]+syms[i+1]]; inVocab {
					best, bestRank = i, r
				}
			}
		}
		if best < 0 {
			break
		}
		syms[best] += syms[best+1]
		syms = append(syms[:best+1], syms[best+2:]...)
	}
	ids := make([]int, 0, len(syms))
	for _, s := range syms {
		if id, ok := b.vocab[s]; ok {
			ids = append(ids, id)
		} else if b.unk >= 0 {
			ids = append(ids, b.unk)
		}
	}
	return ids
}
