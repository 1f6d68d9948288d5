package prefetch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPrefetchOnceAndInBackground(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	hf := filepath.Join(dir, "hf")
	os.WriteFile(hf, []byte("#!/bin/sh\necho \"$@\" >> "+log+"\nsleep 0.3\n"), 0o755)
	p := &Prefetcher{Command: []string{hf, "download"}}
	ctx := context.Background()
	p.Start(ctx, "org/next") // prefetch while something else runs
	time.Sleep(50 * time.Millisecond)
	r := p.Wait(ctx, "org/next")
	if r.Err != nil || r.Seconds < 0.25 || r.Source != hf+" download" {
		t.Fatalf("%+v", r)
	}
	p.Wait(ctx, "org/next")
	b, _ := os.ReadFile(log)
	if strings.Count(string(b), "download org/next") != 1 {
		t.Fatalf("downloaded more than once: %q", b)
	}
	if r := p.Wait(ctx, dir); r.Err != nil || r.Source != "local path" {
		t.Fatalf("local: %+v", r)
	}
	if r := p.Wait(ctx, "/no/such/model"); r.Err == nil {
		t.Fatal("a missing local path must fail")
	}
	off := &Prefetcher{Offline: true}
	if r := off.Wait(ctx, "org/x"); r.Err != nil || !strings.Contains(r.Source, "offline") {
		t.Fatalf("offline: %+v", r)
	}
	bad := &Prefetcher{Command: []string{"sh", "-c", "echo 401 Unauthorized; exit 1", "x"}}
	if r := bad.Wait(ctx, "org/gated"); r.Err == nil || !strings.Contains(r.Err.Error(), "401") {
		t.Fatalf("failure: %+v", r)
	}
}
