package testkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const (
	wsID    = "5f0e8a43-9a4c-4d6e-8f3b-2c1d0e9f8a7b"
	shareID = "0b7c1e2d-3f4a-4b5c-9d6e-7f8a9b0c1d2e"
	priceID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	mediaID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	created = "2025-01-02T03:04:05Z"
)

// workspaceData is a valid CustomerWorkspaceData: nullable fields both null
// and set, one price of each discriminated kind.
func workspaceData() map[string]any {
	price := func(kind string) map[string]any {
		p := map[string]any{
			"created_at": created, "modified_at": nil, "id": priceID,
			"source": "catalog", "amount_type": kind, "price_currency": "eur",
			"is_archived": false, "share_id": shareID,
		}
		switch kind {
		case "fixed":
			p["price_amount"] = 1500
		case "custom":
			p["minimum_amount"], p["maximum_amount"], p["preset_amount"] = 100, nil, 500
		}
		return p
	}
	return map[string]any{
		"workspace": map[string]any{
			"created_at": created, "modified_at": "2025-02-03T04:05:06.123456+01:00",
			"id": wsID, "name": "Acme", "slug": "acme", "avatar_url": nil,
			"customer_portal_settings": map[string]any{"usage": map[string]any{"show": true}},
			"workspace_features":       map[string]any{"member_model_enabled": false},
		},
		"shares": []any{map[string]any{
			"id": shareID, "created_at": created, "modified_at": nil,
			"name": "Report", "description": nil, "visibility": "public",
			"is_archived": false, "workspace_id": wsID,
			"prices": []any{price("fixed"), price("custom"), price("free")},
			"medias": []any{map[string]any{
				"id": mediaID, "workspace_id": wsID, "name": "r.pdf", "path": "a/r.pdf",
				"mime_type": "application/pdf", "size": 1234, "storage_version": nil,
				"checksum_etag": nil, "checksum_sha256_base64": nil, "checksum_sha256_hex": nil,
				"last_modified_at": nil, "version": nil, "service": "product_media",
				"is_uploaded": true, "created_at": created,
				"size_readable": "1.2 kB", "public_url": "https://cdn.portal.test/r.pdf",
			}},
		}},
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var jsonHeader = http.Header{"Content-Type": {"application/json; charset=utf-8"}}

func TestContractValidWorkspaceDataPasses(t *testing.T) {
	body := mustJSON(t, workspaceData())
	ValidateSchema(t, "CustomerWorkspaceData", body)
	ValidateResponse(t, "GET", "/api/customer-portal/workspaces/acme", 200, jsonHeader, body)
	ValidateResponse(t, "get", "/api/customer-portal/workspaces/{slug}?x=1", 200, jsonHeader, body)
}

// Each mutation breaks one rule of the 3.1 schema and must be caught.
func TestContractInvalidWorkspaceDataFails(t *testing.T) {
	c := LoadContract(t)
	shares := func(d map[string]any) map[string]any { return d["shares"].([]any)[0].(map[string]any) }
	prices := func(d map[string]any) []any { return shares(d)["prices"].([]any) }
	for _, tc := range []struct {
		name   string
		mutate func(map[string]any)
		want   string // in the error
	}{
		{"missing required field", func(d map[string]any) { delete(d, "shares") }, "shares"},
		{"missing nested required nullable", func(d map[string]any) { delete(d["workspace"].(map[string]any), "avatar_url") }, "avatar_url"},
		{"wrong enum", func(d map[string]any) { shares(d)["visibility"] = "secret" }, "secret"},
		{"null where not nullable", func(d map[string]any) { shares(d)["name"] = nil }, "name"},
		{"wrong type", func(d map[string]any) { shares(d)["is_archived"] = "no" }, "is_archived"},
		{"not a uuid4", func(d map[string]any) { shares(d)["id"] = "42" }, "42"},
		{"uuid of another version", func(d map[string]any) { shares(d)["id"] = "5f0e8a43-9a4c-1d6e-8f3b-2c1d0e9f8a7b" }, "UUID"},
		{"bad date-time", func(d map[string]any) { d["workspace"].(map[string]any)["created_at"] = "yesterday" }, "yesterday"},
		{"bad nullable date-time", func(d map[string]any) { shares(d)["modified_at"] = "2025-13-01T00:00:00Z" }, "modified_at"},
		{"const mismatch", func(d map[string]any) { shares(d)["medias"].([]any)[0].(map[string]any)["service"] = "avatar" }, "service"},
		{"discriminated price missing its field", func(d map[string]any) { delete(prices(d)[0].(map[string]any), "price_amount") }, "price_amount"},
		{"unknown price kind", func(d map[string]any) { prices(d)[2].(map[string]any)["amount_type"] = "bogus" }, "amount_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := workspaceData()
			tc.mutate(d)
			body := mustJSON(t, d)
			err := c.CheckSchema("CustomerWorkspaceData", body)
			if err == nil {
				t.Fatalf("invalid body passed: %s", body)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not mention %q:\n%v", tc.want, err)
			}
			if err := c.CheckResponse("GET", "/api/customer-portal/workspaces/acme", 200, jsonHeader, body); err == nil {
				t.Errorf("CheckResponse passed it")
			}
		})
	}
}

// failRecorder stands in for a test, to show the Validate helpers fail it.
type failRecorder struct {
	testing.TB
	msgs []string
}

func (f *failRecorder) Errorf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}
func (f *failRecorder) Fatalf(format string, args ...any) { f.Errorf(format, args...) }
func (f *failRecorder) Helper()                           {}

func TestContractHelpersFailTheTest(t *testing.T) {
	d := workspaceData()
	delete(d, "workspace")
	rec := &failRecorder{TB: t}
	ValidateSchema(rec, "CustomerWorkspaceData", mustJSON(t, d))
	if len(rec.msgs) != 1 || !strings.Contains(rec.msgs[0], "workspace") {
		t.Fatalf("ValidateSchema reported %q", rec.msgs)
	}
}

func TestContractResponses(t *testing.T) {
	c := LoadContract(t)
	member := mustJSON(t, map[string]any{
		"created_at": created, "modified_at": nil, "id": wsID,
		"email": "a@example.com", "name": nil, "role": "billing_manager",
	})
	ok := []struct {
		method, path string
		status       int
		header       http.Header
		body         []byte
	}{
		{"PATCH", "/api/customer-portal/members/" + wsID, 200, jsonHeader, member},
		{"DELETE", "/api/customer-portal/members/" + wsID, 204, http.Header{}, nil},
		// Documented without a body schema: any body is accepted.
		{"DELETE", "/api/customer-portal/members/" + wsID, 403, jsonHeader, []byte(`{"detail":"no"}`)},
		{"GET", "/api/customer-portal/workspaces/nope", 404, jsonHeader, []byte(`{"error":"ResourceNotFound","detail":"Not found"}`)},
	}
	for _, tc := range ok {
		if err := c.CheckResponse(tc.method, tc.path, tc.status, tc.header, tc.body); err != nil {
			t.Errorf("%s %s %d: %v", tc.method, tc.path, tc.status, err)
		}
	}
	// A literal path outranks a parameter at the same position.
	if tmpl, _, err := c.Operation("POST", "/api/customer-portal/payment-methods/confirm"); err != nil || tmpl != "/api/customer-portal/payment-methods/confirm" {
		t.Errorf("literal match: %s %v", tmpl, err)
	}

	for _, tc := range []struct {
		method, path string
		status       int
		header       http.Header
		body         []byte
		want         string
	}{
		{"GET", "/api/customer-portal/workspaces/acme", 429, jsonHeader, []byte(`{}`), "not documented"},
		{"PUT", "/api/customer-portal/workspaces/acme", 200, jsonHeader, []byte(`{}`), "no PUT"},
		{"GET", "/api/customer-portal/nothing-here", 200, jsonHeader, []byte(`{}`), "no path"},
		{"PATCH", "/api/customer-portal/members/" + wsID, 200, http.Header{"Content-Type": {"text/html"}}, member, "text/html"},
		{"PATCH", "/api/customer-portal/members/" + wsID, 200, jsonHeader, []byte(`{"oops"`), "not JSON"},
		{"DELETE", "/api/customer-portal/members/" + wsID, 204, http.Header{}, []byte(`{}`), "no body"},
	} {
		err := c.CheckResponse(tc.method, tc.path, tc.status, tc.header, tc.body)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s %d: got %v, want an error about %q", tc.method, tc.path, tc.status, err, tc.want)
		}
	}
}

// CustomerPortalMember uses no 2020-only keyword, which sends kin-openapi
// down another validation path than CustomerWorkspaceData; 3.1 nullability
// must hold there too.
func TestContractMemberSchema(t *testing.T) {
	c := LoadContract(t)
	valid := func() map[string]any {
		return map[string]any{
			"created_at": created, "modified_at": nil, "id": wsID,
			"email": "a@example.com", "name": nil, "role": "member",
		}
	}
	if err := c.CheckSchema("CustomerPortalMember", mustJSON(t, valid())); err != nil {
		t.Fatal(err)
	}
	m := valid()
	m["name"], m["modified_at"] = "Ann", created
	if err := c.CheckSchema("CustomerPortalMember", mustJSON(t, m)); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(map[string]any){
		"name not string or null": func(m map[string]any) { m["name"] = 5 },
		"bad nullable date":       func(m map[string]any) { m["modified_at"] = "soon" },
		"role not in enum":        func(m map[string]any) { m["role"] = "king" },
		"missing email":           func(m map[string]any) { delete(m, "email") },
		"missing nullable name":   func(m map[string]any) { delete(m, "name") },
		"id not uuid4":            func(m map[string]any) { m["id"] = "abc" },
	} {
		m := valid()
		mutate(m)
		if err := c.CheckSchema("CustomerPortalMember", mustJSON(t, m)); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
}
