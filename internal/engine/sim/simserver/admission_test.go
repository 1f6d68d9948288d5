package simserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAdmissionQueuesPastTheBound: with --max-running-requests 2 no more
// than two requests run at once; the rest wait their turn and all finish.
func TestAdmissionQueuesPastTheBound(t *testing.T) {
	o, err := ParseArgs([]string{"--model-path", "m", "--max-running-requests", "2"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	adm, err := newAdmission(o)
	if err != nil || cap(adm) != 2 {
		t.Fatalf("admission %v, %v", cap(adm), err)
	}
	var running, peak, done atomic.Int32
	h := adm.wrap(func(w http.ResponseWriter, r *http.Request) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		done.Add(1)
	})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h(httptest.NewRecorder(), httptest.NewRequest("POST", "/generate", nil))
		}()
	}
	wg.Wait()
	if peak.Load() != 2 || done.Load() != 6 {
		t.Fatalf("peak %d running (want 2), %d done (want 6)", peak.Load(), done.Load())
	}
	if a, _ := newAdmission(Options{Extra: map[string]string{}}); a != nil {
		t.Fatal("no bound: admit everything")
	}
	for _, v := range []string{"0", "x", "-3"} {
		if _, err := newAdmission(Options{Extra: map[string]string{"max-num-seqs": v}}); err == nil || !strings.Contains(err.Error(), "--max-num-seqs must be a positive integer") {
			t.Errorf("max-num-seqs %q: %v", v, err)
		}
	}
}
