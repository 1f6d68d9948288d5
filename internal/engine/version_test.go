package engine

import "testing"

func TestParseVersion(t *testing.T) {
	for in, want := range map[string][3]int{"0.5.4.post1": {0, 5, 4}, "v0.17.4": {0, 17, 4}, "0.10.2+cu128": {0, 10, 2}, "0.5.10rc0": {0, 5, 10}, "1.2": {1, 2, 0}} {
		v, ok := ParseVersion(in)
		if !ok || v.Parts != want {
			t.Errorf("ParseVersion(%q) = %v %v, want %v", in, v.Parts, ok, want)
		}
	}
	for _, bad := range []string{"", "dev", "5", "v", "abc.def"} {
		if _, ok := ParseVersion(bad); ok {
			t.Errorf("%q should not parse", bad)
		}
	}
	v, _ := ParseVersion("0.5.10")
	if !v.AtLeast("0.5.4") || v.AtLeast("0.5.11") || !v.AtLeast("0.5.10") {
		t.Fatal("0.5.10 compares numerically, not as text")
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"0.5.4.post1", "v0.17.4", "1.2.3.4.5", "99999999.1", "0..1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseVersion(s)
		if ok && (v.Less(v) || !v.AtLeast(s)) {
			t.Fatalf("%q: a version must equal itself", s)
		}
	})
}
