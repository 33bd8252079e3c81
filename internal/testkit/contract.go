package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// ContractFile is the OpenAPI contract's path relative to the repository root.
const ContractFile = "docs/customer-portal.openapi.json"

// Contract is the loaded OpenAPI 3.1 contract.
type Contract struct {
	Doc  *openapi3.T
	Path string // the file it was loaded from
}

var contract struct {
	once sync.Once
	c    *Contract
	err  error
}

// LoadContract returns the repository's contract, loaded once per process.
func LoadContract(t testing.TB) *Contract {
	t.Helper()
	contract.once.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			contract.err = err
			return
		}
		contract.c, contract.err = LoadContractFile(filepath.Join(root, ContractFile))
	})
	if contract.err != nil {
		t.Fatalf("testkit: %v", contract.err)
	}
	return contract.c
}

// LoadContractFile loads and checks an OpenAPI document.
func LoadContractFile(path string) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("%s: openapi %q, want 3.1", path, doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", path, err)
	}
	return &Contract{Doc: doc, Path: path}, nil
}

// RepoRoot finds the repository root: the nearest directory at or above the
// working directory (a package's directory, under go test) with a go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// ValidateResponse checks a response against the repository's contract; see
// Contract.ValidateResponse.
func ValidateResponse(t testing.TB, method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	LoadContract(t).ValidateResponse(t, method, path, status, header, body)
}

// ValidateSchema checks body against #/components/schemas/<name> of the
// repository's contract.
func ValidateSchema(t testing.TB, schemaName string, body []byte) {
	t.Helper()
	LoadContract(t).ValidateSchema(t, schemaName, body)
}

// ValidateResponse fails the test unless the contract documents status for
// the operation at method and path (a concrete path such as
// /api/customer-portal/members/7c3e... or a template with {id}; a query
// string is ignored) and body matches the schema documented for it and the
// response's Content-Type. A response the contract documents without a
// body schema only has its status checked.
//
// A status the contract does not document fails the test too. For statuses
// the project decided on without the contract listing them (401, 403, 429,
// 503...), validate the body with ValidateSchema instead.
func (c *Contract) ValidateResponse(t testing.TB, method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	if err := c.CheckResponse(method, path, status, header, body); err != nil {
		t.Errorf("contract: %v", err)
	}
}

// ValidateSchema fails the test unless body matches the named component schema.
func (c *Contract) ValidateSchema(t testing.TB, schemaName string, body []byte) {
	t.Helper()
	if err := c.CheckSchema(schemaName, body); err != nil {
		t.Errorf("contract: %v", err)
	}
}

// CheckResponse is ValidateResponse returning the problem instead.
func (c *Contract) CheckResponse(method, path string, status int, header http.Header, body []byte) error {
	tmpl, op, err := c.Operation(method, path)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("%s %s (%s) -> %d", strings.ToUpper(method), path, tmpl, status)
	resp := op.Responses.Status(status)
	if resp == nil {
		resp = op.Responses.Value(strconv.Itoa(status/100) + "XX")
	}
	if resp == nil {
		resp = op.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		codes := make([]string, 0, op.Responses.Len())
		for code := range op.Responses.Map() {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		return fmt.Errorf("%s: status not documented (documented: %s); for a decided-but-undocumented status use ValidateSchema", where, strings.Join(codes, ", "))
	}
	content := resp.Value.Content
	if len(content) == 0 {
		// The contract says nothing about this response's body (many of its
		// error statuses are documented by description alone), except that
		// HTTP itself forbids one here.
		if len(body) > 0 && (status == http.StatusNoContent || status == http.StatusNotModified) {
			return fmt.Errorf("%s: a %d response has no body, got %d bytes", where, status, len(body))
		}
		return nil
	}
	ct := header.Get("Content-Type")
	if ct == "" {
		return fmt.Errorf("%s: no Content-Type (documented: %s)", where, mediaTypes(content))
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("%s: Content-Type %q: %w", where, ct, err)
	}
	media := content.Get(mt)
	if media == nil {
		return fmt.Errorf("%s: Content-Type %s not documented (documented: %s)", where, mt, mediaTypes(content))
	}
	if media.Schema == nil || media.Schema.Value == nil {
		return nil
	}
	name := media.Schema.Ref
	if name == "" {
		name = "inline schema"
	}
	return validateJSON(where+" "+name, media.Schema.Value, body)
}

func mediaTypes(content openapi3.Content) string {
	keys := make([]string, 0, len(content))
	for k := range content {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// CheckSchema is ValidateSchema returning the problem instead.
func (c *Contract) CheckSchema(schemaName string, body []byte) error {
	ref := c.Doc.Components.Schemas[schemaName]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("no schema %q in #/components/schemas", schemaName)
	}
	return validateJSON(schemaName, ref.Value, body)
}

// Operation finds the operation for method at path, returning its path template.
func (c *Contract) Operation(method, path string) (string, *openapi3.Operation, error) {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestScore := "", -1
	var bestItem *openapi3.PathItem
	for tmpl, item := range c.Doc.Paths.Map() {
		tsegs := strings.Split(strings.Trim(tmpl, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		score := 0
		for i, ts := range tsegs {
			switch {
			case ts == segs[i]:
				score++ // literal segments outrank parameters: /members/me over /members/{id}
			case strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") && segs[i] != "":
			default:
				score = -1
			}
			if score < 0 {
				break
			}
		}
		if score > bestScore || (score == bestScore && tmpl < best) {
			best, bestScore, bestItem = tmpl, score, item
		}
	}
	if bestItem == nil {
		return "", nil, fmt.Errorf("no path in the contract matches %s", path)
	}
	op := bestItem.GetOperation(strings.ToUpper(method))
	if op == nil {
		var methods []string
		for m := range bestItem.Operations() {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		return best, nil, fmt.Errorf("contract has no %s %s (only %s)", strings.ToUpper(method), best, strings.Join(methods, ", "))
	}
	return best, op, nil
}

// validateJSON validates body against schema as JSON Schema 2020-12, the
// dialect of OpenAPI 3.1 ({"type": "null"} branches, const, numeric
// exclusiveMinimum...).
func validateJSON(what string, schema *openapi3.Schema, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s: body is not JSON: %w: %.200q", what, err, body)
	}
	if err := schema.VisitJSON(v, schemaOptions()...); err != nil {
		return fmt.Errorf("%s: %w\nbody: %.2000s", what, conciseSchemaError(err), body)
	}
	return nil
}

// conciseSchemaError prefers the JSON Schema validator's own reports, short
// trees of "at '/json/pointer': what is wrong" lines, over kin-openapi's
// wrapping of them, which repeats the schema and the value at every level.
func conciseSchemaError(err error) error {
	var reports []string
	collectReports(err, &reports)
	if len(reports) == 0 {
		return err // kin-openapi's own (3.0-style) validator answered
	}
	// A report nested in another one says nothing new.
	var keep []string
	for i, r := range reports {
		dup := false
		for j, o := range reports {
			if i != j && (strings.Contains(o, r) && o != r || o == r && j < i) {
				dup = true
				break
			}
		}
		if !dup {
			keep = append(keep, r)
		}
	}
	return fmt.Errorf("%w:\n%s", errSchemaMismatch, strings.Join(keep, "\n"))
}

// collectReports walks err's tree for *jsonschema.ValidationError values,
// matched by behaviour (Error and GoString) so that testkit need not import
// the validator kin-openapi happens to use. kin-openapi unwraps a failure
// with sub-failures to those, so the reports of the leaves are what remains
// reachable; each still carries its own subtree.
func collectReports(err error, out *[]string) {
	switch e := err.(type) { //nolint:errorlint // walks the tree itself, one level at a time
	case nil:
		return
	case interface {
		error
		GoString() string
	}:
		msg := e.Error()
		if first, rest, ok := strings.Cut(msg, "\n"); ok && strings.HasPrefix(first, "jsonschema validation failed") {
			msg = rest
		}
		*out = append(*out, msg)
		return
	case openapi3.MultiError:
		for _, sub := range e {
			collectReports(sub, out)
		}
		return
	case interface{ Unwrap() []error }:
		for _, sub := range e.Unwrap() {
			collectReports(sub, out)
		}
		return
	}
	collectReports(errors.Unwrap(err), out)
}

// errSchemaMismatch marks a body that does not match its schema.
var errSchemaMismatch = errors.New("body does not match the schema")

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
var uuid4RE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)

// formatFunc adapts a func to openapi3.StringFormatValidator.
type formatFunc func(string) error

func (f formatFunc) Validate(s string) error { return f(s) }

func schemaOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.EnableJSONSchema2020(),
		openapi3.VisitAsResponse(),
		openapi3.MultiErrors(),
		// The contract's formats (date-time is built into kin-openapi).
		// Per validation rather than openapi3.DefineStringFormat, which
		// would change kin-openapi's global state for the whole binary.
		openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
			"uuid4": formatFunc(func(s string) error {
				if !uuid4RE.MatchString(s) {
					return fmt.Errorf("not a version 4 UUID: %q", s)
				}
				return nil
			}),
			"uuid": formatFunc(func(s string) error {
				if !uuidRE.MatchString(s) {
					return fmt.Errorf("not a UUID: %q", s)
				}
				return nil
			}),
			"email": formatFunc(func(s string) error {
				if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
					return fmt.Errorf("not an email address: %q", s)
				}
				return nil
			}),
		}),
	}
}
