package proc

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A second Ctrl-C (KillNow) ends a stop's grace period at once, and later
// stops skip theirs.
func TestKillNowEndsTheGracePeriod(t *testing.T) {
	t.Cleanup(func() { hurry.Store(false) })
	start := func() *Process {
		log := filepath.Join(t.TempDir(), "log")
		p, err := Start([]string{"sh", "-c", `trap '' TERM; echo up; while :; do sleep 1; done`}, nil, log)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 200 && LogTail(log, 1) == ""; i++ { // the trap is set
			time.Sleep(10 * time.Millisecond)
		}
		return p
	}
	p := start()
	done := make(chan StopReport)
	go func() { done <- p.Stop(30*time.Second, 5*time.Second) }()
	var in []Stopping
	for i := 0; i < 200 && len(in) == 0; i++ {
		time.Sleep(10 * time.Millisecond)
		in = InGrace()
	}
	if len(in) != 1 || in[0].PID != p.PID || time.Until(in[0].KillAt) < 25*time.Second {
		t.Fatalf("InGrace: %+v", in)
	}
	t0 := time.Now()
	if k := KillNow(); len(k) != 1 || k[0].PID != p.PID {
		t.Fatalf("KillNow: %+v", k)
	}
	select {
	case rep := <-done:
		if !rep.Forced || len(rep.Leftover) != 0 || time.Since(t0) > 3*time.Second {
			t.Fatalf("stop after KillNow: %+v in %s", rep, time.Since(t0))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("KillNow did not end the grace period")
	}
	if len(InGrace()) != 0 {
		t.Fatal("stop still listed")
	}
	q := start()
	t0 = time.Now()
	if rep := q.Stop(30*time.Second, 5*time.Second); !rep.Forced || time.Since(t0) > 3*time.Second {
		t.Fatalf("a stop after KillNow waited out its grace: %+v %s", rep, time.Since(t0))
	}
}

func TestNameIsTheLogFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m--TP2")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := Start([]string{"true"}, nil, filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	p.Stop(time.Second, time.Second)
	if p.Name != "m--TP2" {
		t.Fatalf("name %q", p.Name)
	}
}
