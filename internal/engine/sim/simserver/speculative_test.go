package simserver

import (
	"encoding/json"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func parseSim(t *testing.T, args ...string) Options {
	t.Helper()
	o, err := ParseArgs(append([]string{"--model-path", "m"}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestSpecOf(t *testing.T) {
	if m, err := specOf(parseSim(t)); m != nil || err != nil {
		t.Fatalf("no flags: %+v %v", m, err)
	}
	if m, _ := specOf(parseSim(t, "--speculative-algorithm", "none", "--speculative-num-steps", "5")); m != nil {
		t.Fatalf("none speculates: %+v", m)
	}
	m, err := specOf(parseSim(t, "--speculative-algorithm", "EAGLE"))
	if err != nil || m.steps != 3 || m.topk != 1 || m.verify != 4 || m.p != 0.7 {
		t.Fatalf("EAGLE defaults: %+v %v", m, err)
	}
	// A chain drafts num_steps + 1 tokens whatever --speculative-num-draft-tokens says (SGLang adjusts it).
	m, _ = specOf(parseSim(t, "--speculative-algorithm", "EAGLE3", "--speculative-num-steps", "5", "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "9"))
	if m.verify != 6 || m.p != 0.75 {
		t.Fatalf("%+v", m)
	}
	m, _ = specOf(parseSim(t, "--speculative-algorithm", "NGRAM", "--sim-effective", "speculative_eagle_topk=10"))
	if m.verify != 12 || m.steps != 8 || m.topk != 1 || m.draftCost != 0 {
		t.Fatalf("NGRAM: %+v", m)
	}
	// What pre-flight predicts (--sim-effective) wins over the flags.
	m, _ = specOf(parseSim(t, "--speculative-algorithm", "NEXTN", "--sim-effective", "speculative_num_steps=2", "--sim-effective", "speculative_eagle_topk=4", "--sim-effective", "speculative_num_draft_tokens=8"))
	if m.steps != 2 || m.topk != 4 || m.verify != 8 {
		t.Fatalf("%+v", m)
	}
	m, _ = specOf(parseSim(t, "--speculative-config", `{"method":"mtp","num_speculative_tokens":2}`, "--sim-spec-accept-prob", "0.5"))
	if m.algo != "mtp" || m.steps != 2 || m.verify != 3 || m.p != 0.5 {
		t.Fatalf("vLLM: %+v", m)
	}
	for _, bad := range [][]string{{"--speculative-algorithm", "EAGLE", "--speculative-num-steps", "x"}, {"--speculative-config", "{"},
		{"--speculative-algorithm", "EAGLE", "--sim-spec-accept-prob", "1.5"}, {"--speculative-algorithm", "EAGLE", "--speculative-num-steps", "1000"}} {
		if _, err := ParseArgs(append([]string{"--model-path", "m"}, bad...), func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// specGenerate runs one non-streaming /generate of bs prompts and returns the
// modelled latency (µs) and the first request's meta_info.
func specGenerate(t *testing.T, o Options, bs, out int, seed uint64) (float64, map[string]any, *Server) {
	t.Helper()
	o.TimeScale, o.Jitter, o.StartupMs, o.FaultAfter, o.Fault = 1e-5, 0, 0, 1<<30, "none"
	s := &Server{opts: o, speed: SpeedOf(o), start: time.Now(), log: log.New(io.Discard, "", 0), rng: rand.New(rand.NewPCG(seed, 7))}
	srv := httptest.NewServer(http.HandlerFunc(s.generate))
	defer srv.Close()
	ids := make([][]int, bs)
	for i := range ids {
		ids[i] = make([]int, 128)
	}
	body, _ := json.Marshal(map[string]any{"input_ids": ids, "sampling_params": map[string]any{"max_new_tokens": out}})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if bs == 1 {
		raw = append(append([]byte("["), raw...), ']')
	}
	var evs []struct {
		Meta map[string]any `json:"meta_info"`
	}
	if err := json.Unmarshal(raw, &evs); err != nil || len(evs) != bs {
		t.Fatalf("%d events: %v", len(evs), err)
	}
	return evs[0].Meta["e2e_latency"].(float64) * 1e6, evs[0].Meta, s
}

// TestSpeculationWinsAtLowBatchAndLosesPastACrossover: the same server with
// and without EAGLE, batch 1 and batch 64, with SGLang's meta_info fields.
func TestSpeculationWinsAtLowBatchAndLosesPastACrossover(t *testing.T) {
	base := parseSim(t, "--tp-size", "1")
	spec := parseSim(t, "--tp-size", "1", "--speculative-algorithm", "EAGLE", "--speculative-num-steps", "3", "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "4")
	m, _ := specOf(spec)
	const out = 400
	var speedup [2]float64
	for i, bs := range []int{1, 64} {
		b, bmeta, _ := specGenerate(t, base, bs, out, 1)
		sp, meta, srv := specGenerate(t, spec, bs, out, 2)
		speedup[i] = b / sp
		if _, ok := bmeta["spec_accept_length"]; ok {
			t.Fatal("no speculation, but an accept length")
		}
		acc, verify := meta["spec_accept_length"].(float64), meta["spec_verify_ct"].(float64)
		if math.Abs(acc-float64(out)/verify) > 1e-9 || math.Abs(acc-m.ExpectedAcceptLength()) > 0.25 {
			t.Fatalf("bs %d: accept length %.3f over %v verifies, model %.3f", bs, acc, verify, m.ExpectedAcceptLength())
		}
		if r := meta["spec_accept_rate"].(float64); r <= 0 || r >= 1 {
			t.Fatalf("accept rate %v", r)
		}
		if a := srv.spec.avg(); math.Abs(a-acc) > 1e-9 {
			t.Fatalf("server average %v, request %v", a, acc)
		}
	}
	if speedup[0] < 1.5 || speedup[1] > 0.95 {
		t.Fatalf("speedup %.2f at batch 1 and %.2f at batch 64: want > 1.5 and < 0.95", speedup[0], speedup[1])
	}
	t.Logf("EAGLE 3×1→4: speedup %.2f× at batch 1, %.2f× at batch 64; expected accept length %.2f", speedup[0], speedup[1], m.ExpectedAcceptLength())
}
