package filesharing_test

// Temporary contract validator until testkit.ValidateResponse lands.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

var (
	contractOnce sync.Once
	contractDoc  *openapi3.T
	contractRtr  routers.Router
	contractErr  error
)

func validateResponse(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	contractOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		path := filepath.Join(filepath.Dir(file), "..", "..", "docs", "customer-portal.openapi.json")
		if _, err := os.Stat(path); err != nil {
			path = "/work/shared/spec/customer-portal.openapi.json"
		}
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		if err != nil {
			contractErr = err
			return
		}
		doc.Servers = nil
		contractDoc = doc
		contractRtr, contractErr = gorillamux.NewRouter(doc)
	})
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	r := req.Clone(context.Background())
	r.URL.Scheme, r.URL.Host = "", ""
	route, params, err := contractRtr.FindRoute(r)
	if err != nil {
		t.Fatalf("contract: no route for %s %s: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Options: &openapi3filter.Options{IncludeResponseStatus: false}}
	out.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("contract: %s %s → %d: %v\nbody: %s", req.Method, req.URL.String(), rec.Code, err, rec.Body.String())
	}
}
