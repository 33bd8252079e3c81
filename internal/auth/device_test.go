package auth

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestD26_DeviceValueIsHMACBoundToThePrincipal: a device cookie value names
// principals with an HMAC keyed from the server secret; a changed id, a
// changed MAC, another server's secret or garbage proves nothing.
func TestD26_DeviceValueIsHMACBoundToThePrincipal(t *testing.T) {
	d := NewDevices([]byte("0123456789abcdef0123456789abcdef"))
	a, b := uuid.New(), uuid.New()
	v := d.Remember("", a)
	if got := d.Known(v); !slices.Equal(got, []uuid.UUID{a}) {
		t.Fatalf("Known(%q) = %v", v, got)
	}
	if !strings.HasPrefix(v, a.String()+".") || len(v) != 36+1+32 {
		t.Errorf("value %q: want <principal id>.<hmac>", v)
	}
	forged := []string{
		strings.Replace(v, a.String(), b.String(), 1),                                                        // someone else's id with my MAC
		v[:len(v)-1] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", v[len(v)-1])+1)%16]), // MAC changed
		b.String() + ".",
		b.String(),
		"garbage",
		NewDevices([]byte("another server's secret, 32 bytes!")).Remember("", a),
	}
	for _, f := range forged {
		if got := d.Known(f); len(got) != 0 {
			t.Errorf("Known(%q) = %v, want nothing", f, got)
		}
	}
	// Several principals in one browser; a forged entry among them is
	// dropped, the genuine ones kept.
	v2 := d.Remember(v+"_"+b.String()+".00000000000000000000000000000000", b)
	if got := d.Known(v2); !slices.Equal(got, []uuid.UUID{a, b}) {
		t.Fatalf("two principals: %v", got)
	}
	// Signing in again as a moves it to the end, without a duplicate.
	if got := d.Known(d.Remember(v2, a)); !slices.Equal(got, []uuid.UUID{b, a}) {
		t.Errorf("again as a: %v", got)
	}
	// At most MaxDevicePrincipals, the oldest forgotten.
	var ids []uuid.UUID
	val := ""
	for i := 0; i < MaxDevicePrincipals+2; i++ {
		id := uuid.New()
		ids = append(ids, id)
		val = d.Remember(val, id)
	}
	if got := d.Known(val); !slices.Equal(got, ids[2:]) {
		t.Errorf("cap: %d kept", len(got))
	}
}
