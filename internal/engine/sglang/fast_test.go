package sglang

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// fastPathSeeds are events on which a fast reader can go wrong: keys at the
// wrong depth, other spellings, odd numbers, invalid JSON.
var fastPathSeeds = []string{
	`{"text":"a","meta_info":{"id":"x","finish_reason":null,"prompt_tokens":8,"completion_tokens":1,"sent_ns":5},"index":1}`,
	`{"index":0,"meta_info":{"finish_reason":null,"prompt_tokens":8,"completion_tokens":2,"index":1}}`,
	`{"index":0,"output_ids":[{"index":1}],"meta_info":{"finish_reason":null,"completion_tokens":2,"x":{"completion_tokens":4}}}`,
	`{"Index":1,"meta_info":{"finish_reason":null,"completion_tokens":1}}`,
	`{"index":1,"META_INFO":{"finish_reason":null,"completion_tokens":1},"meta_info":{"finish_reason":null,"completion_tokens":3}}`,
	`{"index":0,"meta_info":{"finish_reason":null,"completion_tokens":1.5}}`,
	`{"index":0,"meta_info":{"finish_reason":null,"completion_tokens":1,"prompt_tokens":-8}}`,
	`{"index":0,"meta_info":{"finish_reason":null,"completion_tokens":1,"spec_accept_length":2.5}}`,
	`{"index":0,"meta_info":{"finish_reason":null,"completion_tokens":1,"completion_tokens":2}}`,
	`{"index":0,"meta_info":{"finish_reason":null,"completion_tokens":1}} {"index":1}`,
	`{"index":0,"meta_info":{"finish_reason":null,"completion_tokens":1},x}`,
	`{"index":0,"meta_info":{"finish_reason":null,"completion_tokens":1,"prompt_\u0074okens":4}}`,
	`{"index":0,"error":null,"meta_info":{"finish_reason":null,"completion_tokens":1}}`,
	`{"index":0,"meta_info":{"finish_reason":{"type":"length"},"completion_tokens":4}}`,
}

// FuzzFastPath feeds the same bytes to the fast path and to the full decoder:
// whatever the fast path accepts, it must read exactly as the decoder does,
// and a stream read with and without it must come out the same.
func FuzzFastPath(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if ff, ok := fastEvent(data); ok {
			var ev event
			if err := json.Unmarshal(data, &ev); err != nil {
				t.Fatalf("the fast path accepted what the decoder rejects (%v): %s", err, data)
			}
			m := ev.MetaInfo
			if len(ev.Error) > 0 && string(ev.Error) != "null" || m == nil || m.FinishReason != nil {
				t.Fatalf("the fast path accepted an error, final or meta-less event: %s", data)
			}
			spec := m.SpecAcceptLength != nil
			if ff.index != ev.Index || ff.completion != m.CompletionTokens || ff.prompt != m.PromptTokens || ff.sentNs != m.SentNs ||
				ff.hasSpec != spec || spec && ff.spec != *m.SpecAcceptLength {
				t.Fatalf("fast %+v, decoder index %d meta %+v: %s", ff, ev.Index, *m, data)
			}
		}
		stream := append(append([]byte("data: "), data...), "\n\ndata: [DONE]\n\n"...)
		a, errA := readStream(bytes.NewReader(stream), time.Now(), 2, 1, true)
		b, errB := readStream(bytes.NewReader(stream), time.Now(), 2, 1, false)
		if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
			t.Fatalf("fast path error %v, decoder error %v: %s", errA, errB, data)
		}
		if !sameStream(a, b) {
			t.Fatalf("fast path and decoder read different streams: %s", data)
		}
	})
}

func sameStream(a, b *engine.Stream) bool {
	if (a.Spec == nil) != (b.Spec == nil) || a.Spec != nil && *a.Spec != *b.Spec {
		return false
	}
	for i := range a.Arrivals {
		if a.Output[i] != b.Output[i] || a.Prompt[i] != b.Prompt[i] || a.Finish[i] != b.Finish[i] || len(a.Arrivals[i]) != len(b.Arrivals[i]) {
			return false
		}
		for j := range a.Arrivals[i] {
			if a.Arrivals[i][j].Tokens != b.Arrivals[i][j].Tokens || a.Arrivals[i][j].Sent != b.Arrivals[i][j].Sent {
				return false
			}
		}
	}
	return true
}
