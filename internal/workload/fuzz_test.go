package workload

import (
	"context"
	"strings"
	"testing"
)

// FuzzShareGPT: any bytes give rows with a prompt each, or an error; never a panic.
func FuzzShareGPT(f *testing.F) {
	f.Add([]byte(`{"conversations": [{"from": "human", "value": "hi there"}, {"from": "gpt", "value": "hello"}]}`))
	f.Add([]byte(`[{"conversations": [{"from": "system", "value": "s"}, {"from": "user", "value": "q"}, {"from": "assistant", "value": "a"}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseShareGPT("f.jsonl", data)
		if err == nil && len(rows) == 0 {
			t.Fatal("no error and no rows")
		}
		for _, r := range rows {
			if r.Prompt == "" {
				t.Fatal("a row without a prompt")
			}
		}
	})
}

// FuzzShareGPTConversations: any bytes give conversations of whole
// exchanges, each with a prompt, or an error; never a panic.
func FuzzShareGPTConversations(f *testing.F) {
	f.Add([]byte(`{"conversations": [{"from": "human", "value": "a"}, {"from": "gpt", "value": "b"}, {"from": "human", "value": "c"}, {"from": "gpt", "value": "d"}]}`))
	f.Add([]byte(`[{"conversations": [{"from": "system", "value": "s"}, {"from": "user", "value": "q"}, {"from": "user", "value": "r"}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		convs, err := ParseShareGPTConversations("f.jsonl", data)
		if err == nil && len(convs) == 0 {
			t.Fatal("no error and no conversations")
		}
		for _, c := range convs {
			if len(c) == 0 {
				t.Fatal("a conversation without an exchange")
			}
			for _, r := range c {
				if strings.TrimSpace(r.Prompt) == "" {
					t.Fatal("an exchange without a prompt")
				}
			}
		}
	})
}

// FuzzTrace: records are valid and ordered by timestamp, or an error.
func FuzzTrace(f *testing.F) {
	f.Add([]byte(`{"timestamp": 0, "input_length": 10, "output_length": 4, "hash_ids": [1, 2]}` + "\n" + `{"timestamp": 5.5, "input_length": 3, "output_length": 2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ParseTrace("t.jsonl", data)
		if err != nil {
			return
		}
		for i, r := range recs {
			if r.InputLength < 1 || r.OutputLength < 1 || r.Timestamp < 0 || i > 0 && r.Timestamp < recs[i-1].Timestamp {
				t.Fatalf("record %d: %+v", i, r)
			}
		}
	})
}

// FuzzWorkloadYAML: a workload section parses to a spec whose feed gives
// requests of the drawn lengths, or to an error with a position; never a panic.
func FuzzWorkloadYAML(f *testing.F) {
	f.Add([]byte("type: random\ninput_len: {dist: lognormal, mean: 50, std: 20, max: 200}\n"))
	f.Add([]byte("type: multi_turn\nconversations: 2\nturns: 2\ninput_len: 8\noutput_len: 4\n"))
	f.Add([]byte("type: dataset\npath: public-domain-sharegpt.jsonl\n"))
	f.Add([]byte("type: multi_turn\npath: public-domain-sharegpt.jsonl\nconversations: 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("w.yaml", data, dataDir)
		if err != nil {
			return
		}
		if big(s.InputLen) || big(s.OutputLen) || s.SharedPrefix > 1<<12 || s.Turns > 8 || s.Conversations > 1<<12 {
			return // valid, but too large to draw in a fuzzing loop
		}
		p, err := s.Prepare(nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fd := p.Feed(1, 16, 4)
		for range 3 {
			r, ok := fd.Take(ctx)
			if !ok {
				return
			}
			if r.OutputLen < 1 || s.OutputLen != nil && (r.OutputLen < s.OutputLen.Min || s.OutputLen.Max > 0 && r.OutputLen > s.OutputLen.Max) {
				t.Fatalf("output length %d outside %+v", r.OutputLen, s.OutputLen)
			}
			if in := len(r.Prompt) - s.SharedPrefix; s.Type == Random && s.InputLen != nil && (in < s.InputLen.Min || s.InputLen.Max > 0 && in > s.InputLen.Max) {
				t.Fatalf("input length %d outside %+v", in, s.InputLen)
			}
			fd.Done(r)
		}
	})
}

func big(l *Length) bool {
	return l != nil && (l.Max == 0 || l.Max > 1<<12 || l.Min > 1<<12)
}
