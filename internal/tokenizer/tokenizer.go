// Package tokenizer encodes text with a Hugging Face tokenizer.json of the
// byte-level BPE kind (GPT-2 style: DeepSeek-V3, Qwen3, Llama-3, MiniMax-M2 and
// servesweep's test models), so benchmark prompts are exactly the token ids
// the model's own tokenizer makes of real text.
//
// It follows the tokenizers library (huggingface/tokenizers): added tokens are
// split off first, then the pre-tokenizer (Split with the file's regex, ByteLevel,
// Digits, or a Sequence of them) cuts the text, each piece is mapped byte →
// printable rune and merged by BPE rank, and the post-processor adds the
// template's special tokens (Llama-3's and DeepSeek's BOS). The Split regexes
// use look-ahead (`\s+(?!\S)`), which Go's regexp lacks; they run on
// github.com/dlclark/regexp2, a backtracking engine with the same syntax.
//
// Not supported, and refused at load with a clear error: non-BPE models,
// tokenizers without a ByteLevel step (SentencePiece-style byte_fallback),
// normalizers other than NFC/NFKC (applied only as far as the text is ASCII:
// servesweep's corpus is), and inverted splits.
package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Tokenizer is a loaded byte-level BPE tokenizer.
type Tokenizer struct {
	// Source is where it was loaded from.
	Source string

	pre      []preTokenizer
	bpe      *bpe
	added    []addedToken // sorted longest first
	template []templatePart
	idToTok  map[int]string
	special  map[int]bool
	byteDec  map[rune]byte
}

type addedToken struct {
	ID      int    `json:"id"`
	Content string `json:"content"`
	Special bool   `json:"special"`
}

// templatePart is one element of TemplateProcessing's "single" template:
// special-token ids, or the sequence itself (ids == nil).
type templatePart struct {
	ids []int
}

type fileJSON struct {
	AddedTokens   []addedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Model         json.RawMessage `json:"model"`
}

// LoadFile reads and parses a tokenizer.json.
func LoadFile(path string) (*Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	t.Source = path
	return t, nil
}

// Parse parses the bytes of a tokenizer.json.
func Parse(data []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a tokenizer.json: %v", err)
	}
	if err := checkNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	pre, err := parsePre(f.PreTokenizer)
	if err != nil {
		return nil, err
	}
	byteLevel := false
	for _, p := range pre {
		if _, ok := p.(*byteLevelPre); ok {
			byteLevel = true
		}
	}
	if !byteLevel {
		return nil, fmt.Errorf("not a byte-level BPE tokenizer (no ByteLevel pre-tokenizer)")
	}
	model, err := parseBPE(f.Model)
	if err != nil {
		return nil, err
	}
	t := &Tokenizer{pre: pre, bpe: model, idToTok: map[int]string{}, special: map[int]bool{}, byteDec: map[rune]byte{}}
	for tok, id := range model.vocab {
		t.idToTok[id] = tok
	}
	for _, a := range f.AddedTokens {
		if a.Content == "" {
			continue
		}
		t.added = append(t.added, a)
		t.idToTok[a.ID] = a.Content
		t.special[a.ID] = a.Special
	}
	sort.SliceStable(t.added, func(i, j int) bool { return len(t.added[i].Content) > len(t.added[j].Content) })
	if t.template, err = parsePost(f.PostProcessor); err != nil {
		return nil, err
	}
	for b, r := range byteToRune {
		t.byteDec[r] = byte(b)
	}
	return t, nil
}

// checkNormalizer accepts no normalizer or Unicode normal forms (identity on ASCII).
func checkNormalizer(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var n struct {
		Type        string            `json:"type"`
		Normalizers []json.RawMessage `json:"normalizers"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return fmt.Errorf("normalizer: %v", err)
	}
	switch n.Type {
	case "NFC", "NFKC":
		return nil
	case "Sequence":
		for _, s := range n.Normalizers {
			if err := checkNormalizer(s); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("normalizer %q is not supported (byte-level BPE tokenizers use none, NFC or NFKC)", n.Type)
}

// parsePost reads the post-processor's single-sequence template.
func parsePost(raw json.RawMessage) ([]templatePart, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var p struct {
		Type          string            `json:"type"`
		Processors    []json.RawMessage `json:"processors"`
		Single        []json.RawMessage `json:"single"`
		SpecialTokens map[string]struct {
			IDs []int `json:"ids"`
		} `json:"special_tokens"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("post_processor: %v", err)
	}
	switch p.Type {
	case "ByteLevel":
		return nil, nil // offsets only
	case "Sequence":
		var out []templatePart
		for _, s := range p.Processors {
			t, err := parsePost(s)
			if err != nil {
				return nil, err
			}
			if t != nil {
				out = t
			}
		}
		return out, nil
	case "TemplateProcessing":
		var out []templatePart
		for _, el := range p.Single {
			var e struct {
				SpecialToken *struct{ ID string } `json:"SpecialToken"`
				Sequence     *struct{ ID string } `json:"Sequence"`
			}
			if err := json.Unmarshal(el, &e); err != nil {
				return nil, fmt.Errorf("post_processor template: %v", err)
			}
			switch {
			case e.SpecialToken != nil:
				st, ok := p.SpecialTokens[e.SpecialToken.ID]
				if !ok {
					return nil, fmt.Errorf("post_processor template names %q, which special_tokens lacks", e.SpecialToken.ID)
				}
				out = append(out, templatePart{ids: st.IDs})
			case e.Sequence != nil:
				out = append(out, templatePart{})
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("post_processor %q is not supported", p.Type)
}

// Encode returns the ids of text as tokenizer.encode(text) gives them, with
// the post-processor's special tokens (add_special_tokens=True).
func (t *Tokenizer) Encode(text string) []int {
	body := t.EncodeOrdinary(text)
	if len(t.template) == 0 {
		return body
	}
	var out []int
	for _, p := range t.template {
		if p.ids == nil {
			out = append(out, body...)
		} else {
			out = append(out, p.ids...)
		}
	}
	return out
}

// EncodeOrdinary encodes text without the template's special tokens.
func (t *Tokenizer) EncodeOrdinary(text string) []int {
	var out []int
	for text != "" {
		at, tok := t.nextAdded(text)
		out = t.encodePlain(out, text[:at])
		if tok == nil {
			break
		}
		out = append(out, tok.ID)
		text = text[at+len(tok.Content):]
	}
	return out
}

// nextAdded finds the first added token in text (the longest at that place).
func (t *Tokenizer) nextAdded(text string) (int, *addedToken) {
	best, at := -1, len(text)
	for i := range t.added {
		if j := strings.Index(text[:min(len(text), at+len(t.added[i].Content))], t.added[i].Content); j >= 0 && (j < at || best < 0) {
			best, at = i, j
		}
	}
	if best < 0 {
		return len(text), nil
	}
	return at, &t.added[best]
}

func (t *Tokenizer) encodePlain(out []int, text string) []int {
	if text == "" {
		return out
	}
	pieces := []string{text}
	for _, p := range t.pre {
		var next []string
		for _, s := range pieces {
			next = p.split(next, s)
		}
		pieces = next
	}
	for _, w := range pieces {
		out = t.bpe.encode(out, w)
	}
	return out
}

// Decode turns ids back into text; specials are dropped when skipSpecial.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) string {
	var b strings.Builder
	for _, id := range ids {
		tok, ok := t.idToTok[id]
		if !ok {
			continue
		}
		if _, isAdded := t.special[id]; isAdded {
			if !(skipSpecial && t.special[id]) {
				b.WriteString(tok)
			}
			continue
		}
		for _, r := range tok {
			if c, ok := t.byteDec[r]; ok {
				b.WriteByte(c)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// VocabSize is the number of ids the tokenizer knows (vocabulary and added tokens).
func (t *Tokenizer) VocabSize() int { return len(t.idToTok) }
