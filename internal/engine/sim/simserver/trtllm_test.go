package simserver

import (
	"strings"
	"testing"
)

// TestTRTLLMRequestValidation: the stand-in validates as CompletionRequest
// does (extra fields forbidden, model required, stream_options only with
// stream), so a client that would fail against trtllm-serve fails here too.
func TestTRTLLMRequestValidation(t *testing.T) {
	req, msg := parseTRTLLMRequest([]byte(`{"model":"m","prompt":[[1,2],[3]],"max_tokens":4,"min_tokens":4,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}}`))
	if msg != "" || len(req.prompts) != 2 || req.maxTokens != 4 || !req.usage || !req.continuous || !req.ignoreEOS {
		t.Fatalf("%+v %q", req, msg)
	}
	if req, msg := parseTRTLLMRequest([]byte(`{"model":"m","prompt":[5,6],"stream":true,"stream_options":{}}`)); msg != "" || len(req.prompts) != 1 || !req.usage || req.continuous {
		t.Fatalf("include_usage defaults to true: %+v %q", req, msg)
	}
	for body, want := range map[string]string{
		`{"model":"m","prompt":[[1]],"sampling_params":{}}`: "Extra inputs are not permitted",
		`{"prompt":[[1]]}`: "Field required",
		`{"model":"m","prompt":[[1]],"stream_options":{"include_usage":true}}`: "only be defined when stream is true",
		`{"model":"m","prompt":"text","stream":true}`:                          "token-id prompts",
		`{"model":"m","prompt":[[1]],"stream":true,"stream_options":{"x":1}}`:  "StreamOptions",
		`[`: "JSON decode error",
	} {
		if _, msg := parseTRTLLMRequest([]byte(body)); !strings.Contains(msg, want) {
			t.Fatalf("%s: %q, want %q", body, msg, want)
		}
	}
}

func FuzzTRTLLMRequest(f *testing.F) {
	f.Add([]byte(`{"model":"m","prompt":[[1,2],[3]],"max_tokens":4,"stream":true,"stream_options":{"continuous_usage_stats":true}}`))
	f.Add([]byte(`{"model":"m","prompt":[1],"max_tokens":-1}`))
	f.Add([]byte(`{"model":"","prompt":[[]],"stream_options":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, msg := parseTRTLLMRequest(b)
		if msg != "" {
			return
		}
		if req == nil || req.model == "" || len(req.prompts) == 0 || req.maxTokens < 1 || req.continuous && !req.usage {
			t.Fatalf("accepted %+v", req)
		}
	})
}
