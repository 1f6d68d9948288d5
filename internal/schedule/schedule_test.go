package schedule

import (
	"slices"
	"testing"
)

func TestPoolNeverOversubscribesAndPrefersBlocks(t *testing.T) {
	p := NewPool(8, nil)
	a, _ := p.Acquire(4)
	b, _ := p.Acquire(2)
	c, _ := p.Acquire(2)
	if !slices.Equal(a, []int{0, 1, 2, 3}) || !slices.Equal(b, []int{4, 5}) || !slices.Equal(c, []int{6, 7}) {
		t.Fatalf("blocks %v %v %v", a, b, c)
	}
	if _, ok := p.Acquire(1); ok {
		t.Fatal("a full pool must refuse")
	}
	p.Release(b)
	d, ok := p.Acquire(2)
	if !ok || !slices.Equal(d, []int{4, 5}) {
		t.Fatalf("reuse %v", d)
	}
	if _, ok := p.Acquire(9); ok {
		t.Fatal("more GPUs than the host has")
	}
}

func TestPoolPrefersNVLink(t *testing.T) {
	topo := [][]string{{"X", "SYS", "NV18", "SYS"}, {"SYS", "X", "SYS", "NV18"}, {"NV18", "SYS", "X", "SYS"}, {"SYS", "NV18", "SYS", "X"}}
	p := NewPool(4, topo)
	p.Acquire(1) // takes GPU 0
	set, _ := p.Acquire(2)
	if !slices.Equal(set, []int{1, 3}) {
		t.Fatalf("want the NVLink pair 1–3, got %v", set)
	}
}

func TestMakespan(t *testing.T) {
	items := []Item{{"tp8", 8, 100}, {"tp4a", 4, 60}, {"tp4b", 4, 60}, {"tp2a", 2, 30}, {"tp2b", 2, 30}, {"tp1a", 1, 20}, {"tp1b", 1, 20}}
	ex := Makespan(items, 8, false)
	pk := Makespan(items, 8, true)
	// Longest first: TP8 alone (100 s), then both TP4s (60 s), then the TP2s and TP1s together (30 s).
	if ex != 320 || pk != 190 {
		t.Fatalf("exclusive %v packed %v", ex, pk)
	}
}
