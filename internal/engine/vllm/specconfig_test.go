package vllm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine/rules"
	"github.com/servesweep/servesweep/internal/modelinfo"
)

func TestParseSpecConfig(t *testing.T) {
	sc, err := ParseSpecConfig(`{"method": "eagle3", "model": "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B", "num_speculative_tokens": 3.0, "draft_tensor_parallel_size": 1, "disable_by_batch_size": 4}`)
	if err != nil || sc.Method != "eagle3" || *sc.NumSpeculativeTokens != 3 || *sc.DraftTP != 1 || len(sc.Unknown) != 1 || sc.Unknown[0] != "disable_by_batch_size" {
		t.Fatalf("%+v %v", sc, err)
	}
	for _, bad := range []string{``, `[]`, `null`, `"eagle"`, `{"num_speculative_tokens": 2.5}`, `{"method": 3}`, `{"model": "x"} {}`, `{"prompt_lookup_max": "5"}`} {
		if _, err := ParseSpecConfig(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	for in, want := range map[string]string{`{"model": "ngram"}`: "ngram", `{"method": "deepseek_mtp"}`: "mtp", `{"model": "yuhuili/EAGLE-LLaMA3-Instruct-8B"}`: "eagle",
		`{"model": "org/small-llama"}`: "draft_model", `{"method": "[ngram]"}`: "ngram", `{"method": null, "model": "AngelSlim/Qwen3-8B_eagle3"}`: "eagle3"} {
		sc, err := ParseSpecConfig(in)
		if err != nil || sc.ResolvedMethod() != want {
			t.Errorf("%s: %q %v, want %s", in, sc.ResolvedMethod(), err, want)
		}
	}
}

// FuzzParseSpecConfig: the parser never panics, accepts only JSON objects,
// and what it accepts it accepts again the same way.
func FuzzParseSpecConfig(f *testing.F) {
	f.Add(`{"method": "eagle", "model": "m", "num_speculative_tokens": 3}`)
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseSpecConfig(s)
		if err != nil {
			return
		}
		if !json.Valid([]byte(s)) || !strings.HasPrefix(strings.TrimSpace(s), "{") {
			t.Fatalf("accepted %q, not a JSON object", s)
		}
		again, err := ParseSpecConfig(s)
		if err != nil || again.ResolvedMethod() != sc.ResolvedMethod() || len(again.Unknown) != len(sc.Unknown) {
			t.Fatalf("not deterministic: %q", s)
		}
		if sc.ResolvedMethod() == "" {
			t.Fatalf("no method for %q", s)
		}
	})
}

func vctx(arch string, mtp bool, tp int, cfg string) *rules.Ctx {
	info := &modelinfo.Info{Architecture: arch, Heads: 64, KVHeads: 8}
	if mtp {
		info.MTPParams = 1
	}
	var args []string
	if cfg != "" {
		args = []string{"--speculative-config", cfg}
	}
	return &rules.Ctx{Cfg: rules.Config{TP: tp, GPUs: tp, Args: args}, Info: info, TP: tp, EP: 1}
}

// TestSpeculativeConfigRules covers each --speculative-config rule both ways.
func TestSpeculativeConfigRules(t *testing.T) {
	const ds, qw = "DeepseekV3ForCausalLM", "Qwen3MoeForCausalLM"
	cases := []struct {
		name, rule string
		c          *rules.Ctx
		want, msg  string
	}{
		{"absent", "speculative config method", vctx(qw, false, 1, ""), rules.NA, ""},
		{"not JSON", "speculative config method", vctx(qw, false, 1, `{method: eagle}`), rules.Skip, "must be a JSON object"},
		{"eagle3", "speculative config method", vctx(qw, false, 1, `{"method":"eagle3","model":"d","num_speculative_tokens":3}`), rules.Pass, "eagle3"},
		{"unknown method", "speculative config method", vctx(qw, false, 1, `{"method":"lookahead"}`), rules.Skip, "not one of vLLM's"},
		{"deprecated mtp", "speculative config method", vctx(ds, true, 8, `{"method":"deepseek_mtp","num_speculative_tokens":1}`), rules.Warn, "write mtp"},
		{"tensor_parallel_size", "speculative config method", vctx(qw, false, 1, `{"method":"eagle","model":"d","tensor_parallel_size":1}`), rules.Skip, "draft_tensor_parallel_size"},
		{"unknown key", "speculative config method", vctx(qw, false, 1, `{"method":"ngram","num_speculative_tokens":3,"acceptance_method":"x"}`), rules.Warn, "acceptance_method"},

		{"tokens ok", "speculative tokens and draft model", vctx(qw, false, 1, `{"method":"eagle","model":"d","num_speculative_tokens":3}`), rules.Pass, "3 speculative tokens"},
		{"zero tokens", "speculative tokens and draft model", vctx(qw, false, 1, `{"method":"ngram","num_speculative_tokens":0}`), rules.Skip, "greater than zero"},
		{"eagle without model", "speculative tokens and draft model", vctx(qw, false, 1, `{"method":"eagle","num_speculative_tokens":3}`), rules.Skip, "without speculative model"},
		{"ngram without tokens", "speculative tokens and draft model", vctx(qw, false, 1, `{"method":"ngram"}`), rules.Skip, "must be provided"},
		{"model without tokens", "speculative tokens and draft model", vctx(qw, false, 1, `{"model":"d"}`), rules.Warn, "n_predict"},
		{"suffix", "speculative tokens and draft model", vctx(qw, false, 1, `{"method":"suffix"}`), rules.Pass, "24"},

		{"mtp on DeepSeek", "mtp drafts with the model's MTP layers", vctx(ds, true, 8, `{"method":"mtp","num_speculative_tokens":1}`), rules.Pass, "MTP layers"},
		{"mtp on Qwen3", "mtp drafts with the model's MTP layers", vctx(qw, false, 8, `{"method":"mtp","num_speculative_tokens":1}`), rules.Skip, "has none"},
		{"mtp 3 tokens", "mtp drafts with the model's MTP layers", vctx(ds, true, 8, `{"method":"mtp","num_speculative_tokens":3}`), rules.Warn, "lower acceptance"},
		{"not mtp", "mtp drafts with the model's MTP layers", vctx(qw, false, 8, `{"method":"ngram","num_speculative_tokens":3}`), rules.NA, ""},

		{"ngram window", "ngram prompt lookup window", vctx(qw, false, 1, `{"method":"ngram","num_speculative_tokens":3,"prompt_lookup_max":4,"prompt_lookup_min":2}`), rules.Pass, "2..4"},
		{"ngram window reversed", "ngram prompt lookup window", vctx(qw, false, 1, `{"method":"ngram","num_speculative_tokens":3,"prompt_lookup_max":2,"prompt_lookup_min":4}`), rules.Skip, "prompt_lookup_min 4 > prompt_lookup_max 2"},
		{"ngram window zero", "ngram prompt lookup window", vctx(qw, false, 1, `{"method":"ngram","num_speculative_tokens":3,"prompt_lookup_max":0}`), rules.Skip, "≥ 1"},
		{"not ngram", "ngram prompt lookup window", vctx(qw, false, 1, `{"method":"eagle","model":"d","num_speculative_tokens":3}`), rules.NA, ""},

		{"draft TP 1", "draft tensor parallel size", vctx(qw, false, 8, `{"method":"eagle","model":"d","num_speculative_tokens":3,"draft_tensor_parallel_size":1}`), rules.Pass, "TP1"},
		{"draft TP 4 of 8", "draft tensor parallel size", vctx(qw, false, 8, `{"method":"eagle","model":"d","num_speculative_tokens":3,"draft_tensor_parallel_size":4}`), rules.Skip, "1 or the target's"},
		{"draft TP unset", "draft tensor parallel size", vctx(qw, false, 8, `{"method":"eagle","model":"d","num_speculative_tokens":3}`), rules.NA, ""},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			var got *rules.Outcome
			for _, r := range (Engine{}).Rules() {
				if r.Name == k.rule {
					if r.Source == "" || r.Versions == "" {
						t.Fatal("rule without provenance")
					}
					o := r.Check(k.c)
					got = &o
				}
			}
			if got == nil || got.Result != k.want || !strings.Contains(got.Msg, k.msg) {
				t.Fatalf("%s: got %+v, want %s containing %q", k.rule, got, k.want, k.msg)
			}
		})
	}
	e := Engine{}
	if e.Speculation([]string{"--speculative-config", `{"method":"eagle3","model":"d","num_speculative_tokens":3}`}) != "eagle3" || e.Speculation(nil) != "" ||
		!e.SpeculativeFlag("--speculative-config") || e.SpeculativeFlag("--max-num-seqs") {
		t.Fatal("Speculator")
	}
}
