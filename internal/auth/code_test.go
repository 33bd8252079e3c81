package auth

import "testing"

func TestNewCodeIsUniformlyCrockford(t *testing.T) {
	seen := map[rune]int{}
	for i := 0; i < 4000; i++ {
		c := NewCode()
		if len(c) != CodeLength {
			t.Fatalf("length %d", len(c))
		}
		for _, r := range c {
			seen[r]++
		}
		if n, ok := NormalizeCode(c); !ok || n != c {
			t.Fatalf("canonical code %q does not normalize to itself", c)
		}
	}
	if len(seen) != 32 {
		t.Errorf("%d distinct symbols, want 32", len(seen))
	}
	for _, bad := range "ILOU" {
		if seen[bad] > 0 {
			t.Errorf("symbol %q drawn", bad)
		}
	}
}

func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"ABCD-2345", "abcd 2345", "ooii-ll00", "", "ÄÖ", "----------"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := NormalizeCode(s)
		if !ok {
			return
		}
		if len(out) != CodeLength {
			t.Fatalf("%q → %q", s, out)
		}
		if again, ok := NormalizeCode(out); !ok || again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
	})
}
