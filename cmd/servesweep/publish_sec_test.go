package main

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// authRecorder is a git host stand-in: it asks for Basic credentials on every
// request and records the Authorization headers it is sent.
type authRecorder struct {
	mu    sync.Mutex
	auths []string
	hits  int
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.hits++
	if h := r.Header.Get("Authorization"); h != "" {
		a.auths = append(a.auths, h)
	}
	a.mu.Unlock()
	w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
	http.Error(w, "authentication required", http.StatusUnauthorized)
}

func (a *authRecorder) got() ([]string, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auths...), a.hits
}

// TestPublishSendsTokensOnlyOverHTTPSToTheirHost: a token goes to the host it
// belongs to over https and nowhere else; plain http never carries one, nor
// credentials written into an http URL; credentials in an scp-style remote are
// not echoed.
func TestPublishSendsTokensOnlyOverHTTPSToTheirHost(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	p := writeSweep(t, "name: pub\nengine: sim\ninput_lens: [8]\noutput_lens: [4]\nwarmup: false\nmodels:\n  m: {path: org/m, extra_args: [--sim-time-scale, \"0.01\", --sim-startup-ms, \"1\"]}\n")
	if b, err := exec.Command(bin(), "run", p, "--out", run).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	const token = "ghp_publishtoken1234567890abcdef"
	publish := func(remote string, env ...string) string {
		t.Helper()
		cmd := exec.Command(bin(), "publish", run, "--git", remote)
		cmd.Env = append(os.Environ(), append([]string{"GIT_SSL_NO_VERIFY=1", "GIT_SSH_COMMAND=false", "GIT_ASKPASS=", "SSH_ASKPASS=",
			"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GITHUB_SERVER_URL="}, env...)...)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("publish to %s cannot succeed against the stand-in:\n%s", remote, out)
		}
		if strings.Contains(string(out), token) || strings.Contains(string(out), "hunter2") {
			t.Fatalf("publish printed a credential:\n%s", out)
		}
		return string(out)
	}

	plain := &authRecorder{}
	hs := httptest.NewServer(plain)
	defer hs.Close()
	host := strings.TrimPrefix(hs.URL, "http://")
	out := publish(hs.URL+"/data.git", "GITHUB_TOKEN="+token, "SERVESWEEP_GIT_TOKEN="+token, "SERVESWEEP_GIT_TOKEN_HOST="+host)
	if auths, hits := plain.got(); hits == 0 || len(auths) > 0 {
		t.Fatalf("plain http: %d requests, credentials sent %q", hits, auths)
	}
	if !strings.Contains(out, "not sent to a plain-http remote") {
		t.Fatalf("plain http: say why the token was not sent:\n%s", out)
	}
	_, hits0 := plain.got()
	out = publish("http://x-access-token:hunter2secret@" + host + "/data.git")
	if _, hits := plain.got(); hits != hits0 || !strings.Contains(out, "credentials in a plain-http URL") {
		t.Fatalf("credentials in an http URL must be refused before any request (%d requests):\n%s", hits-hits0, out)
	}

	tls := &authRecorder{}
	ts := httptest.NewTLSServer(tls)
	defer ts.Close()
	thost := strings.TrimPrefix(ts.URL, "https://")
	out = publish(ts.URL+"/data.git", "GITHUB_TOKEN="+token)
	if auths, hits := tls.got(); hits == 0 || len(auths) > 0 {
		t.Fatalf("https to a host the token does not belong to: %d requests, credentials sent %q\n%s", hits, auths, out)
	}
	publish(ts.URL+"/data.git", "SERVESWEEP_GIT_TOKEN="+token, "SERVESWEEP_GIT_TOKEN_HOST="+thost)
	auths, _ := tls.got()
	if len(auths) == 0 {
		t.Fatal("https to the token's own host must authenticate with it")
	}
	if b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(auths[0], "Basic ")); !strings.HasSuffix(string(b), ":"+token) {
		t.Fatalf("https to the token's own host: credentials %q", b)
	}

	out = publish("deploy:hunter2secret@127.0.0.1:data.git")
	if !strings.Contains(out, "***@127.0.0.1:data.git") {
		t.Fatalf("an scp-style remote's credentials must be masked:\n%s", out)
	}
}
