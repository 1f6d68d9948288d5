package tokenizer

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/servesweep/servesweep/internal/testmodel"
)

// qwenPattern is Qwen2/Qwen3's Split regex; llamaPattern Llama-3's (digits in threes).
const (
	qwenPattern  = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	llamaPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// deepseekWords is DeepSeek-V3's third Split pattern.
const deepseekWords = `[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_` + "`" + `{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// handTokenizer is a small byte-level BPE in the layout of Qwen3's and
// Llama-3's tokenizer.json: Split(regex) then ByteLevel without regex, byte
// tokens with id = byte value, six merges, and a BOS template.
func handTokenizer(t *testing.T, pattern string, bos bool) *Tokenizer {
	vocab := map[string]int{}
	for b := 0; b < 256; b++ {
		vocab[string(byteToRune[b])] = b
	}
	merges := [][2]string{{"h", "e"}, {"Ġ", "t"}, {"Ġt", "he"}, {"a", "t"}, {"Ġ", "c"}, {"Ġc", "at"}}
	for i, m := range merges {
		vocab[m[0]+m[1]] = 256 + i
	}
	tj := map[string]any{
		"added_tokens": []map[string]any{{"id": 262, "content": "<|bos|>", "special": true}},
		"normalizer":   map[string]any{"type": "NFC"},
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]any{"Regex": pattern}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
		}},
		"model": map[string]any{"type": "BPE", "vocab": vocab, "merges": merges, "ignore_merges": false},
	}
	if bos {
		tj["post_processor"] = map[string]any{"type": "Sequence", "processors": []any{
			map[string]any{"type": "ByteLevel"},
			map[string]any{"type": "TemplateProcessing",
				"single":         []any{map[string]any{"SpecialToken": map[string]any{"id": "<|bos|>", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}},
				"special_tokens": map[string]any{"<|bos|>": map[string]any{"id": "<|bos|>", "ids": []int{262}, "tokens": []string{"<|bos|>"}}}},
		}}
	}
	b, _ := json.Marshal(tj)
	tok, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestHandCheckedEncoding: "the cat  sat" splits into "the", " cat", " ",
// " sat" (the double space leaves its first space alone through \s+(?!\S));
// "the" → t + he, " cat" → Ġcat (at merges first: rank 3 < Ġc's 4),
// " " → Ġ (id 32), " sat" → Ġ s at.
func TestHandCheckedEncoding(t *testing.T) {
	tok := handTokenizer(t, qwenPattern, true)
	got := tok.Encode("the cat  sat")
	want := []int{262, 't', 256, 261, ' ', ' ', 's', 259}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if s := tok.Decode(got, true); s != "the cat  sat" {
		t.Fatalf("decode %q", s)
	}
	if s := tok.Decode(got, false); s != "<|bos|>the cat  sat" {
		t.Fatalf("decode with specials %q", s)
	}
	// The added token in the text is one id, not its bytes.
	if got := tok.EncodeOrdinary("a<|bos|>b"); !reflect.DeepEqual(got, []int{'a', 262, 'b'}) {
		t.Fatalf("added token: %v", got)
	}
}

func pieces(t *testing.T, pattern, s string) []string {
	p, err := parseSplit(preJSON{Type: "Split", Behavior: "Isolated", Pattern: struct {
		Regex  *string `json:"Regex"`
		String *string `json:"String"`
	}{Regex: &pattern}})
	if err != nil {
		t.Fatal(err)
	}
	return p[0].split(nil, s)
}

// TestSplitRegexes checks the look-ahead patterns split as Hugging Face's
// tokenizers (Oniguruma) does, on cases worked out by hand.
func TestSplitRegexes(t *testing.T) {
	cases := []struct {
		pattern, in string
		want        []string
	}{
		{qwenPattern, "Hello world", []string{"Hello", " world"}},
		{qwenPattern, "I'm here", []string{"I", "'m", " here"}},
		{qwenPattern, "WE'LL go", []string{"WE", "'LL", " go"}},
		{qwenPattern, "year 2024!", []string{"year", " ", "2", "0", "2", "4", "!"}},
		{llamaPattern, "12345", []string{"123", "45"}},
		{qwenPattern, "a  b", []string{"a", " ", " b"}},
		{qwenPattern, "end.\n\nNext", []string{"end", ".\n\n", "Next"}},
		{qwenPattern, "x \n y", []string{"x", " \n", " y"}},
		{qwenPattern, "tail   ", []string{"tail", "   "}},
		{gpt2Pattern, "Hello  world's 42", []string{"Hello", " ", " world", "'s", " 42"}},
		// DeepSeek-V3's Split patterns (digits in threes; CJK runs; punctuation-led words).
		{`\p{N}{1,3}`, "in 1776", []string{"in ", "177", "6"}},
		{`[一-龥\u3040-ゟ゠-ヿ]+`, "a日本語b", []string{"a", "日本語", "b"}},
		{deepseekWords, "Hello, world.txt (x)", []string{"Hello", ",", " world", ".txt", " (", "x", ")"}},
	}
	for _, c := range cases {
		if got := pieces(t, c.pattern, c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

// TestTestModelTokenizer: servesweep testmodel's tokenizer maps ASCII bytes to
// their own ids and merges é (C3 A9) into id 256.
func TestTestModelTokenizer(t *testing.T) {
	dir := t.TempDir()
	if _, err := testmodel.Write("llama", "tiny", dir, 1); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("héllo"); !reflect.DeepEqual(got, []int{'h', testmodel.MergeID, 'l', 'l', 'o'}) {
		t.Fatalf("héllo: %v", got)
	}
	text := "We hold these truths to be self-evident, that all men are created equal."
	got := tok.Encode(text)
	if len(got) != len(text) {
		t.Fatalf("%d ids for %d ASCII bytes", len(got), len(text))
	}
	for i := range got {
		if got[i] != int(text[i]) {
			t.Fatalf("id %d is %d, want byte %d", i, got[i], text[i])
		}
	}
	if tok.Decode(got, true) != text {
		t.Fatal("round trip")
	}
}

func TestRefusesOtherTokenizers(t *testing.T) {
	for name, js := range map[string]string{
		"not json":     `{`,
		"unigram":      `{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"Unigram","vocab":{"a":0}}}`,
		"no bytelevel": `{"pre_tokenizer":{"type":"Metaspace"},"model":{"type":"BPE","vocab":{"a":0}}}`,
		"bad regex":    `{"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"("},"behavior":"Isolated"},{"type":"ByteLevel"}]},"model":{"type":"BPE","vocab":{"a":0}}}`,
		"lowercase":    `{"normalizer":{"type":"Lowercase"},"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0}}}`,
		"bad merge":    `{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0},"merges":["ab"]}}`,
	} {
		if _, err := Parse([]byte(js)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %v", name, err)
		}
	}
}

// FuzzEncode: encoding never panics, every id is known, and decoding gives the
// text back (byte-level BPE is lossless; the hand tokenizer's NFC is identity
// on the fuzzer's inputs only when they are ASCII, so round trips are checked there).
func FuzzEncode(f *testing.F) {
	f.Add("When in the Course of human events")
	tok := handTokenizer(&testing.T{}, llamaPattern, true)
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.EncodeOrdinary(s)
		for _, id := range ids {
			if id < 0 || id > 262 {
				t.Fatalf("id %d", id)
			}
		}
		if utf8.ValidString(s) && tok.Decode(ids, false) != s {
			t.Fatalf("round trip of %q gave %q", s, tok.Decode(ids, false))
		}
	})
}

// FuzzParse: any bytes either load as a tokenizer that encodes without
// panicking, or fail with one line.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Parse(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %v", err)
			}
			return
		}
		tok.Decode(tok.Encode("Four score and seven years ago, 1863.\n"), true)
	})
}
