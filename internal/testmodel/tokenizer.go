package testmodel

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// Token ids of the one-byte tokenizer: ids 0..255 are bytes, 256 is the one
// merge (two non-ASCII bytes, which never fires on ASCII prompts), then BOS, EOS.
const (
	MergeID = 256
	BOSID   = 257
	EOSID   = 258
	Vocab   = 259
)

// byteToUnicode is GPT-2's reversible byte → printable rune mapping.
func byteToUnicode() [256]rune {
	var m [256]rune
	n := 0
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF {
			m[b] = rune(b)
		} else {
			m[b] = rune(256 + n)
			n++
		}
	}
	return m
}

// TokenStrings returns the vocabulary in id order, as GGUF and tokenizer.json spell it.
func TokenStrings() []string {
	m := byteToUnicode()
	out := make([]string, Vocab)
	for b := 0; b < 256; b++ {
		out[b] = string(m[b])
	}
	out[MergeID] = string(m[0xC3]) + string(m[0xA9])
	out[BOSID] = "<|bos|>"
	out[EOSID] = "<|eos|>"
	return out
}

// Merges is the single BPE merge.
func Merges() []string {
	m := byteToUnicode()
	return []string{string(m[0xC3]) + " " + string(m[0xA9])}
}

func writeTokenizer(dir string) error {
	toks := TokenStrings()
	vocab := map[string]int{}
	for i := 0; i < MergeID+1; i++ {
		vocab[toks[i]] = i
	}
	tj := map[string]any{
		"version":    "1.0",
		"truncation": nil,
		"padding":    nil,
		"added_tokens": []map[string]any{
			{"id": BOSID, "content": toks[BOSID], "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
			{"id": EOSID, "content": toks[EOSID], "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
		},
		"normalizer":     nil,
		"pre_tokenizer":  map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
		"post_processor": nil,
		"decoder":        map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil,
			"end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false, "vocab": vocab, "merges": Merges()},
	}
	if err := writeJSON(filepath.Join(dir, "tokenizer.json"), tj); err != nil {
		return err
	}
	tc := map[string]any{
		"bos_token": toks[BOSID], "eos_token": toks[EOSID], "add_bos_token": false, "add_eos_token": false,
		"model_max_length": 8192, "tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": false,
	}
	return writeJSON(filepath.Join(dir, "tokenizer_config.json"), tc)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
