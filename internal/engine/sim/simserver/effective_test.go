package simserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const fp8Line = "Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts."

func TestParseArgsRehearsal(t *testing.T) {
	o, err := ParseArgs([]string{"--model-path", "m", "--tp-size", "2", "--moe-runner-backend", "flashinfer_cutlass",
		"--sim-effective", "moe_runner_backend=triton", "--sim-effective=attention_backend=fa3", "--sim-effective", "note=a=b",
		"--sim-log-line", fp8Line, "--sim-log-line=second line"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if o.MoEBackend != "flashinfer_cutlass" || o.Effective["moe_runner_backend"] != "triton" || o.Effective["attention_backend"] != "fa3" ||
		o.Effective["note"] != "a=b" || len(o.LogLines) != 2 || o.LogLines[0] != fp8Line {
		t.Fatalf("%+v", o)
	}
	if o.ran().MoEBackend != "triton" || SpeedOf(o.ran()).DecodeStepMs == SpeedOf(o).DecodeStepMs {
		t.Fatal("a rehearsed MoE fallback runs at the speed of the backend that ran")
	}
	for _, bad := range [][]string{{"--sim-effective", "triton"}, {"--sim-effective", "=x"}, {"--sim-log-line", "a\nb"}, {"--sim-effective"}} {
		if _, err := ParseArgs(append([]string{"--model-path", "m"}, bad...), func(string) string { return "" }); err == nil {
			t.Fatalf("%q must be refused", bad)
		}
	}
}

func TestEffectiveInfoNamesSettingsAsSGLang(t *testing.T) {
	o, err := ParseArgs([]string{"--model-path", "m", "--tp-size", "4", "--kv-cache-dtype", "fp8_e4m3", "--mem-fraction-static", "0.8",
		"--enable-dp-attention", "--cuda-graph-max-bs", "64", "--sim-effective", "cuda_graph_max_bs=32", "--chunked-prefill-size", "inf"},
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	info := o.effectiveInfo()
	want := map[string]any{"tp_size": 4, "moe_runner_backend": "auto", "kv_cache_dtype": "fp8_e4m3", "mem_fraction_static": 0.8,
		"enable_dp_attention": true, "cuda_graph_max_bs": 32, "chunked_prefill_size": "inf", "dp_size": 1}
	for k, v := range want {
		if info[k] != v {
			t.Fatalf("%s = %#v, want %#v", k, info[k], v)
		}
	}
	if _, err := json.Marshal(info); err != nil {
		t.Fatalf("/server_info must stay JSON: %v", err)
	}
}

// syncBuffer is a log writer the server and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServerReportsAndLogsTheRehearsedFallback(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	o, err := ParseArgs([]string{"--model-path", "m", "--tp-size", "2", "--port", fmt.Sprint(port), "--moe-runner-backend", "flashinfer_cutlass",
		"--sim-startup-ms", "0", "--sim-effective", "moe_runner_backend=triton", "--sim-log-line", fp8Line}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logw := &syncBuffer{}
	go Run(ctx, o, logw, "test")
	var info map[string]any
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/server_info", port))
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&info)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if info["moe_runner_backend"] != "triton" || info["tp_size"] != 2.0 || info["version"] != "sim-test" {
		t.Fatalf("%v", info)
	}
	log := logw.String()
	for r := 0; r < 2; r++ {
		if !strings.Contains(log, fmt.Sprintf(" TP%d] %s\n", r, fp8Line)) {
			t.Fatalf("rank %d did not log the line as SGLang would:\n%s", r, log)
		}
	}
	if !strings.Contains(log, `moe="flashinfer_cutlass"`) {
		t.Fatalf("the sim's own line names the asked backend:\n%s", log)
	}
}
