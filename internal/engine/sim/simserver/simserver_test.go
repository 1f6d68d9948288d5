package simserver

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"
)

func TestParseArgsAcceptsEngineFlags(t *testing.T) {
	o, err := ParseArgs([]string{"--model-path", "org/m", "--tp-size", "8", "--moe-runner-backend", "flashinfer_trtllm",
		"--trust-remote-code", "--mem-fraction-static", "0.8", "--sim-itl-ms=9", "--ep-size", "2"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if o.TP != 8 || o.EP != 2 || o.ITLMs != 9 || o.Extra["trust-remote-code"] != "true" || o.Extra["mem-fraction-static"] != "0.8" {
		t.Fatalf("%+v", o)
	}
	for _, bad := range [][]string{{"--tp-size", "4"}, {"--model-path", "m", "--sim-fault", "meteor"}, {"--model-path", "m", "--tp-size", "x"}} {
		if _, err := ParseArgs(bad, func(string) string { return "" }); err == nil {
			t.Fatalf("%v must fail", bad)
		}
	}
}

func TestSlowdownFromEnvironment(t *testing.T) {
	env := map[string]string{"SERVESWEEP_SIM_SLOWDOWN": "1.15", "SERVESWEEP_SIM_SLOWDOWN_MATCH": "DeepSeek"}
	get := func(k string) string { return env[k] }
	a, _ := ParseArgs([]string{"--model-path", "deepseek-ai/DeepSeek-V3"}, get)
	b, _ := ParseArgs([]string{"--model-path", "Qwen/Qwen3"}, get)
	if a.Slowdown != 1.15 || b.Slowdown != 1 {
		t.Fatalf("slowdown %v %v", a.Slowdown, b.Slowdown)
	}
	if r := SpeedOf(a).DecodeStepMs / SpeedOf(Options{ModelPath: a.ModelPath, TP: 1, EP: 1, Slowdown: 1}).DecodeStepMs; r < 1.149 || r > 1.151 {
		t.Fatalf("ratio %v", r)
	}
}

func TestSpeedModel(t *testing.T) {
	base := Options{ModelPath: "m", TP: 4, EP: 1, Slowdown: 1}
	tp8 := base
	tp8.TP = 8
	if SpeedOf(tp8).DecodeStepMs >= SpeedOf(base).DecodeStepMs {
		t.Fatal("TP8 must decode faster than TP4 in the model")
	}
	trt, cut := base, base
	trt.MoEBackend, cut.MoEBackend = "flashinfer_trtllm", "flashinfer_cutlass"
	if SpeedOf(trt).DecodeStepMs >= SpeedOf(cut).DecodeStepMs {
		t.Fatal("trtllm must be the low-latency backend at batch 1")
	}
	if SpeedOf(tp8).Shares["communication"] <= SpeedOf(base).Shares["communication"] {
		t.Fatal("communication share must grow with TP")
	}
}

func TestTraceFilesAreSGLangNamedChromeTraces(t *testing.T) {
	if got := TraceFileName("bs1", "1764.5", 3, 2, 1, "DECODE"); got != "bs1-1764.5-TP-3-EP-1-DECODE.trace.json.gz" {
		t.Fatal(got)
	}
	dir := t.TempDir()
	s := &Server{opts: Options{ModelPath: "m", TP: 2, EP: 1, TimeScale: 0.001, MoEBackend: "flashinfer_trtllm"}}
	s.speed = SpeedOf(s.opts)
	s.log = log.New(io.Discard, "", 0)
	s.writeTraces(&profileReq{OutputDir: dir, NumSteps: "3", ProfileByStage: true, ProfilePrefix: "p"}, 1, 16, 1000, []float64{100, 110, 105, 120})
	files, _ := filepath.Glob(filepath.Join(dir, "*.trace.json.gz"))
	if len(files) != 4 {
		t.Fatalf("want 2 ranks × 2 stages, got %v", files)
	}
	for _, f := range files {
		fh, _ := os.Open(f)
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			TraceEvents []struct {
				Ph, Cat, Name string
				Dur           float64
			} `json:"traceEvents"`
			DistributedInfo struct {
				WorldSize int `json:"world_size"`
			} `json:"distributedInfo"`
		}
		if err := json.NewDecoder(zr).Decode(&doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		fh.Close()
		kernels, steps := 0, 0
		for _, e := range doc.TraceEvents {
			if e.Cat == "kernel" && e.Dur > 0 {
				kernels++
			}
			if e.Cat == "gpu_user_annotation" {
				steps++
			}
		}
		if kernels == 0 || steps == 0 || doc.DistributedInfo.WorldSize != 2 {
			t.Fatalf("%s: %d kernels, %d steps, world %d", f, kernels, steps, doc.DistributedInfo.WorldSize)
		}
	}
}
