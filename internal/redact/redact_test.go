package redact

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"HF_TOKEN": true, "GITHUB_TOKEN": true, "--api-key": true, "OPENAI_API_KEY": true, "AWS_SECRET_ACCESS_KEY": true,
		"--ssl-keyfile-password": true, "hftoken": true, "--hf-token": true, "DB_PASSWD": true, "--admin-api-key": true,
		"--max-total-tokens": false, "--tokenizer-path": false, "CUDA_VISIBLE_DEVICES": false, "--mem-fraction-static": false,
		"prompt_tokens": false, "token_times_ms": false, "--ssl-keyfile": false, "OLLAMA_NUM_PARALLEL": false,
	} {
		if IsSecretName(name) != want {
			t.Errorf("IsSecretName(%q) = %v, want %v", name, !want, want)
		}
	}
}

func TestArgsAndEnv(t *testing.T) {
	got := Args([]string{"sglang", "--api-key", "k1", "--tp", "2", "--api-key=k2", "--hf-token", "--trust-remote-code", "--x", "hf_abcdefghijklmnopqrstuvwxyz"})
	want := []string{"sglang", "--api-key", Mask, "--tp", "2", "--api-key=" + Mask, "--hf-token", "--trust-remote-code", "--x", Mask}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Args: %q", got)
	}
	e := Env(map[string]string{"HF_TOKEN": "x", "CUDA_VISIBLE_DEVICES": "0"})
	if e["HF_TOKEN"] != Mask || e["CUDA_VISIBLE_DEVICES"] != "0" {
		t.Fatalf("Env: %v", e)
	}
	s := Secrets(map[string]string{"HF_TOKEN": "x1"}, []string{"--api-key", "k1", "--api-key=k2", "--tp", "2"})
	if strings.Join(s, ",") != "x1,k1,k2" {
		t.Fatalf("Secrets: %q", s)
	}
}

func TestJSONMasksOnlySecrets(t *testing.T) {
	Register("registered-secret-value")
	in := `{"model_key":"m","prompt_tokens":[3,4],"env":{"HF_TOKEN":"abc","PATH":"/bin"},` +
		`"command":["sim","--api-key","k",7,"--tp","2","--hf-token=zz"],"server_params":{"--api-key":"k"},` +
		"\n" + `"log_tail":"started with registered-secret-value\n", "effective":{"api_key":"k","api-key":"k"}, "s":"\"esc\""}` + "\n"
	out := string(JSON([]byte(in)))
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON any more: %v\n%s", err, out)
	}
	for _, leak := range []string{`"abc"`, `"k"`, "zz", "registered-secret-value"} {
		if strings.Contains(out, leak) {
			t.Fatalf("%s leaked:\n%s", leak, out)
		}
	}
	for _, keep := range []string{`"model_key":"m"`, `"prompt_tokens":[3,4]`, `"PATH":"/bin"`, `"--tp","2"`, `7,`, "\n" + `"log_tail"`, `"s":"\"esc\""`} {
		if !strings.Contains(out, keep) {
			t.Fatalf("%s changed:\n%s", keep, out)
		}
	}
	clean := []byte(`{"a":"b","c":[1,"--tp","2"]}`)
	if got := JSON(clean); &got[0] != &clean[0] {
		t.Fatal("a document without secrets must come back as it is")
	}
}

func TestStreamMasksAcrossWrites(t *testing.T) {
	Register("s3cr3t-value-ABA")
	text := "line one s3cr3t-value-ABA\nserver_args=ServerArgs(api_key='s3cr3t-value-ABA') s3cr3t-value-AB end s3cr3t-value-ABA"
	for chunk := 1; chunk <= len(text); chunk++ {
		var out bytes.Buffer
		s := NewStream(&out)
		for i := 0; i < len(text); i += chunk {
			s.Write([]byte(text[i:min(len(text), i+chunk)]))
		}
		s.Close()
		if want := strings.ReplaceAll(text, "s3cr3t-value-ABA", Mask); out.String() != want {
			t.Fatalf("chunks of %d: %q", chunk, out.String())
		}
	}
}

func FuzzJSON(f *testing.F) {
	Register("fuzz-secret")
	f.Add([]byte(`{"env":{"HF_TOKEN":"x"},"command":["a","--api-key","fuzz-secret"]}`))
	f.Add([]byte(`["--api-key=fuzz-secret", {"k": "\"fuzz-secret\\"}]`))
	f.Add([]byte(`{"a":"unterminated`))
	f.Add([]byte(`{"fuzz-secret": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out := JSON(data) // must not panic on anything
		if !json.Valid(data) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("valid JSON became invalid: %q -> %q", data, out)
		}
		var v any
		json.Unmarshal(out, &v)
		if leaks(v, "fuzz-secret") {
			t.Fatalf("registered secret left in %q", out)
		}
	})
}

// leaks reports whether a decoded JSON value holds secret in any string.
func leaks(v any, secret string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, secret)
	case []any:
		for _, e := range x {
			if leaks(e, secret) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.Contains(k, secret) || leaks(e, secret) {
				return true
			}
		}
	}
	return false
}
