// Package stripefake is a small stateful imitation of the Stripe API
// endpoints the portal calls (customers, setup intents, payment method
// detach), as an httptest server for tests. stripe-mock checks request
// shapes but keeps no state and never declines; this fake plays the flows:
// succeeded, requires_action then confirm, decline, failed 3-D Secure,
// idempotent replays, and faults (a hanging server). Only tests import it.
package stripefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// Confirmation tokens with scripted outcomes; any other ctoken_ succeeds.
const (
	TokenRequiresAction = "ctoken_requires_action"
	TokenDecline        = "ctoken_decline"
)

// Call is one request the fake received.
type Call struct {
	Method, Path, IdempotencyKey string
}

type pm struct {
	ID, Customer, Brand, Last4 string
	ExpMonth, ExpYear          int
}

type si struct {
	ID, Status, Secret, Customer, PM, ReturnURL string
}

// Fake is the server and its state.
type Fake struct {
	*httptest.Server

	mu        sync.Mutex
	n         int
	calls     []Call
	customers map[string]map[string]any
	pms       map[string]*pm
	sis       map[string]*si
	replays   map[string][]byte // idempotency key → first response body
	hang      time.Duration
	// idemMu serialises keyed POSTs, so two concurrent requests with one
	// key give one object (Stripe answers the second with the first's
	// result, or a 409 while the first is in flight).
	idemMu sync.Mutex
}

// New starts a fake; it is closed when the test ends.
func New(t interface{ Cleanup(func()) }) *Fake {
	f := &Fake{customers: map[string]map[string]any{}, pms: map[string]*pm{}, sis: map[string]*si{}, replays: map[string][]byte{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Hang makes every request wait d before answering (a hung Stripe).
func (f *Fake) Hang(d time.Duration) {
	f.mu.Lock()
	f.hang = d
	f.mu.Unlock()
}

// Calls returns the requests received so far.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Count counts calls whose "METHOD path" starts with prefix.
func (f *Fake) Count(prefix string) int {
	n := 0
	for _, c := range f.Calls() {
		if strings.HasPrefix(c.Method+" "+c.Path, prefix) {
			n++
		}
	}
	return n
}

// SetupIntentsCreated is how many distinct SetupIntents exist.
func (f *Fake) SetupIntentsCreated() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sis)
}

// CompleteAction plays the customer's 3-D Secure answer on a SetupIntent
// (the part Stripe.js does in the browser).
func (f *Fake) CompleteAction(id string, approve bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sis[id]
	if s == nil {
		panic("stripefake: no setup intent " + id)
	}
	if approve {
		s.Status = "succeeded"
		f.pms[s.PM].Customer = s.Customer
	} else {
		s.Status = "requires_payment_method"
		s.PM = ""
	}
}

// AddSetupIntent creates a succeeded SetupIntent for a customer directly
// (another customer's, for ownership tests).
func (f *Fake) AddSetupIntent(customer string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.newPM(customer)
	s := &si{ID: f.id("seti"), Status: "succeeded", Customer: customer, PM: p.ID}
	s.Secret = s.ID + "_secret_x"
	f.sis[s.ID] = s
	return s.ID
}

// DefaultPaymentMethod is a customer's invoice_settings default.
func (f *Fake) DefaultPaymentMethod(customer string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.customers[customer]; c != nil {
		s, _ := c["default_pm"].(string)
		return s
	}
	return ""
}

// Attached reports whether a payment method is attached to a customer.
func (f *Fake) Attached(pmID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pms[pmID]
	return p != nil && p.Customer != ""
}

func (f *Fake) id(prefix string) string {
	f.n++
	return fmt.Sprintf("%s_fake%04d", prefix, f.n)
}

func (f *Fake) newPM(customer string) *pm {
	p := &pm{ID: f.id("pm"), Customer: customer, Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2034}
	f.pms[p.ID] = p
	return p
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	hang := f.hang
	f.calls = append(f.calls, Call{Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key")})
	f.mu.Unlock()
	// Read the body first: once it is consumed, net/http notices the
	// client hanging up and cancels r.Context(), which ends a hang.
	_ = r.ParseForm()
	if hang > 0 {
		select {
		case <-time.After(hang):
		case <-r.Context().Done():
			return
		}
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer sk_") {
		writeErr(w, 401, "invalid_request_error", "", "Invalid API Key provided.")
		return
	}
	_ = r.ParseForm()
	key := r.Header.Get("Idempotency-Key")
	if r.Method == http.MethodPost && key != "" {
		f.idemMu.Lock()
		defer f.idemMu.Unlock()
		f.mu.Lock()
		body, ok := f.replays[key]
		f.mu.Unlock()
		if ok {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			_, _ = w.Write(body)
			return
		}
		rec := httptest.NewRecorder()
		f.route(rec, r)
		if rec.Code < 500 {
			f.mu.Lock()
			f.replays[key] = rec.Body.Bytes()
			f.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	f.route(w, r)
}

func (f *Fake) route(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "customers":
		c := map[string]any{"id": f.id("cus"), "object": "customer", "email": r.PostForm.Get("email"), "name": r.PostForm.Get("name"),
			"metadata": map[string]string{"rapidly_customer_id": r.PostForm.Get("metadata[rapidly_customer_id]"), "workspace_id": r.PostForm.Get("metadata[workspace_id]")}}
		f.customers[c["id"].(string)] = c
		writeJSON(w, c)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[1] == "customers":
		c := f.customers[parts[2]]
		if c == nil {
			writeErr(w, 404, "invalid_request_error", "resource_missing", "No such customer: '"+parts[2]+"'")
			return
		}
		if v := r.PostForm.Get("invoice_settings[default_payment_method]"); v != "" {
			p := f.pms[v]
			if p == nil || p.Customer != parts[2] {
				writeErr(w, 400, "invalid_request_error", "resource_missing", "No such PaymentMethod: '"+v+"'")
				return
			}
			c["default_pm"] = v
		}
		for _, k := range []string{"name", "email"} {
			if v, ok := r.PostForm[k]; ok {
				c[k] = v[0]
			}
		}
		writeJSON(w, c)
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "setup_intents":
		f.createSI(w, r)
	case r.Method == http.MethodGet && len(parts) == 3 && parts[1] == "setup_intents":
		s := f.sis[parts[2]]
		if s == nil {
			writeErr(w, 404, "invalid_request_error", "resource_missing", "No such setupintent: '"+parts[2]+"'")
			return
		}
		writeJSON(w, f.siJSON(s))
	case r.Method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_methods" && parts[3] == "detach":
		p := f.pms[parts[2]]
		if p == nil || p.Customer == "" {
			writeErr(w, 400, "invalid_request_error", "payment_method_unexpected_state",
				"The payment method you provided is not attached to a customer so detachment is impossible.")
			return
		}
		p.Customer = ""
		writeJSON(w, f.pmJSON(p))
	default:
		writeErr(w, 404, "invalid_request_error", "", "Unrecognized request URL ("+r.Method+": "+r.URL.Path+").")
	}
}

func (f *Fake) createSI(w http.ResponseWriter, r *http.Request) {
	token := r.PostForm.Get("confirmation_token")
	cus := r.PostForm.Get("customer")
	if f.customers[cus] == nil {
		writeErr(w, 400, "invalid_request_error", "resource_missing", "No such customer: '"+cus+"'")
		return
	}
	if !strings.HasPrefix(token, "ctoken_") {
		writeErr(w, 400, "invalid_request_error", "resource_missing", "No such confirmationtoken: '"+token+"'")
		return
	}
	if r.PostForm.Get("confirm") != "true" || r.PostForm.Get("automatic_payment_methods[enabled]") != "true" || r.PostForm.Get("return_url") == "" {
		writeErr(w, 400, "invalid_request_error", "parameter_missing", "The portal must confirm with automatic payment methods and a return_url.")
		return
	}
	if token == TokenDecline {
		writeErr(w, 402, "card_error", "card_declined", "Your card was declined.")
		return
	}
	p := f.newPM("")
	s := &si{ID: f.id("seti"), Customer: cus, PM: p.ID, ReturnURL: r.PostForm.Get("return_url")}
	s.Secret = s.ID + "_secret_" + fmt.Sprint(f.n)
	if token == TokenRequiresAction {
		s.Status = "requires_action"
	} else {
		s.Status = "succeeded"
		p.Customer = cus
	}
	f.sis[s.ID] = s
	writeJSON(w, f.siJSON(s))
}

func (f *Fake) siJSON(s *si) map[string]any {
	out := map[string]any{"id": s.ID, "object": "setup_intent", "status": s.Status, "client_secret": s.Secret,
		"customer": s.Customer, "payment_method": nil, "usage": "off_session"}
	if s.PM != "" {
		out["payment_method"] = f.pmJSON(f.pms[s.PM])
	}
	if s.Status == "requires_action" {
		out["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{}}
	}
	return out
}

func (f *Fake) pmJSON(p *pm) map[string]any {
	var cus any
	if p.Customer != "" {
		cus = p.Customer
	}
	return map[string]any{"id": p.ID, "object": "payment_method", "type": "card", "customer": cus,
		"card": map[string]any{"brand": p.Brand, "last4": p.Last4, "exp_month": p.ExpMonth, "exp_year": p.ExpYear, "funding": "credit"}}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": typ, "code": code, "message": msg}})
}

// Event builds a webhook event of the API version stripe-go v76 reads,
// signed with secret as Stripe signs them: the payload and its
// Stripe-Signature header.
func Event(secret, id, typ string, object, previous map[string]any) ([]byte, string) {
	data := map[string]any{"object": object}
	if previous != nil {
		data["previous_attributes"] = previous
	}
	payload, _ := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "livemode": false, "data": data})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret})
	return payload, signed.Header
}

// SetupIntentObject is a SetupIntent as webhook events carry it.
func (f *Fake) SetupIntentObject(id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sis[id]
	out := map[string]any{"id": s.ID, "object": "setup_intent", "status": s.Status, "customer": s.Customer, "payment_method": s.PM}
	return out
}
