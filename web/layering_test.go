package web_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"portal/internal/testkit"
)

// TestLayering holds the dependency rules of the tree for every package
// under web/ and views/, by the imports each package's own (non-test) files
// name: sqlc's rows stay inside the services (no package here imports
// internal/db/dbgen), and views stay pure (no database package at all,
// no echo, no web package). Indirect dependencies through a service are fine: that is the
// arrow pointing inward.
func TestLayering(t *testing.T) {
	root, err := testkit.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string][]string{
		// web may classify database errors (internal/db) but never sees a row.
		"web":   {"portal/internal/db/dbgen"},
		"views": {"portal/internal/db/dbgen", "portal/internal/db", "github.com/labstack/echo/v4", "portal/web"},
	}
	checked := 0
	for top, banned := range forbidden {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && strings.HasSuffix(d.Name(), "test") {
				return filepath.SkipDir // test support (webtest): fixtures may write rows
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			checked++
			rel, _ := filepath.Rel(root, path)
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				for _, b := range banned {
					if p == b || (b == "portal/web" && strings.HasPrefix(p, "portal/web/")) {
						t.Errorf("%s imports %s", rel, p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 50 {
		t.Fatalf("only %d files checked: the walk missed the tree", checked)
	}
}
