package api

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/customer"
)

// tricky are strings whose JSON encoding differs from their bytes: quotes,
// backslashes, control characters, HTML-sensitive characters, U+2028/9,
// invalid UTF-8, multi-byte characters.
var tricky = []string{
	"", "plain", `quo"te`, `back\slash`, "tab\tnew\nline\rcr\bff\f", "\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "line\u2028para\u2029", "bad\xffutf8\xc3", "Zoë 東京 😀", "\xe2\x80",
	"ünïcödé & <b>", strings.Repeat("a", 300),
}

func strp(s string) *string { return &s }

// encodingJSON is what c.JSON wrote: encoding/json with HTML escaping, as
// echo's default serializer (json.Encoder) makes it, minus its newline.
func encodingJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCustomerAppendJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return tricky[rng.IntN(len(tricky))] }
	maybe := func() *string {
		if rng.IntN(3) == 0 {
			return nil
		}
		return strp(pick())
	}
	created := time.Date(2026, 12, 8, 2, 3, 4, 0, time.UTC)
	for i := range 2000 {
		mod := created.Add(time.Duration(rng.Int64N(1e15)))
		p := customer.Profile{
			ID:            uuid.New(),
			CreatedAt:     created.In(time.FixedZone("x", 3600*rng.IntN(5))),
			Email:         pick(),
			EmailVerified: rng.IntN(2) == 0,
			Name:          maybe(),
			BillingName:   maybe(),
			Type:          maybe(),
		}
		if i%2 == 0 {
			p.ModifiedAt = &mod
		}
		if i%3 != 0 {
			p.BillingAddress = &customer.Address{Line1: maybe(), Line2: maybe(), PostalCode: maybe(), City: maybe(), State: maybe(), Country: pick()}
		}
		if i%4 != 0 {
			p.OAuthAccounts = map[string]customer.OAuthAccount{}
			for range rng.IntN(4) {
				p.OAuthAccounts[pick()] = customer.OAuthAccount{AccountID: pick(), AccountUsername: maybe()}
			}
		}
		c := NewCustomer(p)
		want := encodingJSON(t, c)
		if got := string(c.AppendJSON(nil)); got != want {
			t.Fatalf("profile %d:\n got %s\nwant %s", i, got, want)
		}
		// A nil map (NewCustomer never makes one) is null, as encoding/json.
		c.OAuthAccounts = nil
		if got, want := string(c.AppendJSON(nil)), encodingJSON(t, c); got != want {
			t.Fatalf("nil map:\n got %s\nwant %s", got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendString(nil, s)), encodingJSON(t, s); got != want {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	})
}

func TestAppendTimeMatchesMarshalJSON(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 999, time.UTC), // below a microsecond: no fraction
		time.Date(2026, 1, 2, 3, 4, 5, 1000, time.FixedZone("y", -7200)),
		time.Date(1999, 12, 31, 23, 59, 59, 123456789, time.UTC),
	} {
		want, _ := Time(tm).MarshalJSON()
		if got := appendTime(nil, tm); string(got) != string(want) {
			t.Errorf("%v: got %s want %s", tm, got, want)
		}
	}
}

// TestWriteCustomerAnswersAsCJSON: the hand-encoded answer has the headers,
// status and bytes (trailing newline included) c.JSON gave, and ?pretty
// still indents.
func TestWriteCustomerAnswersAsCJSON(t *testing.T) {
	p := customer.Profile{ID: uuid.New(), CreatedAt: time.Now(), Email: "a<b>@example.com", Name: strp("Zoë"),
		OAuthAccounts: map[string]customer.OAuthAccount{"github": {AccountID: "1", AccountUsername: strp("z")}}}
	e := echo.New()
	for _, target := range []string{"/customers/me", "/customers/me?x=1", "/customers/me?pretty"} {
		answer := func(fn func(c echo.Context) error) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			if err := fn(e.NewContext(httptest.NewRequest(http.MethodGet, target, nil), w)); err != nil {
				t.Fatal(err)
			}
			return w
		}
		got := answer(func(c echo.Context) error { return writeCustomer(c, http.StatusCreated, NewCustomer(p)) })
		want := answer(func(c echo.Context) error { return c.JSON(http.StatusCreated, NewCustomer(p)) })
		if got.Code != want.Code || got.Body.String() != want.Body.String() || !reflect.DeepEqual(got.Header(), want.Header()) {
			t.Errorf("%s:\n got %d %v %q\nwant %d %v %q", target, got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
		}
	}
}
