package simserver

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
)

// greedyIDs are the token ids the sim "generates" for request i of a
// non-streamed /generate, as SGLang's answer carries them in output_ids: a
// deterministic function of the prompt, the same on every configuration, so
// the quality guard of a dry run finds full agreement.
func greedyIDs(req *generateReq, i, n int) []int {
	h := fnv.New64a()
	h.Write(promptBytes(req, i))
	x := h.Sum64()
	ids := make([]int, n)
	for k := range ids {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		ids[k] = int(x % 32000)
	}
	return ids
}

// promptBytes is request i's prompt as sent: its element of a batch (a list
// of id lists or of strings), else the whole input_ids or text.
func promptBytes(req *generateReq, i int) []byte {
	raw := req.InputIDs
	if len(raw) == 0 {
		raw = req.Text
	}
	var many []json.RawMessage
	if json.Unmarshal(raw, &many) == nil && i < len(many) {
		if t := bytes.TrimSpace(many[i]); len(t) > 0 && (t[0] == '[' || t[0] == '"') {
			return many[i]
		}
	}
	return raw
}
