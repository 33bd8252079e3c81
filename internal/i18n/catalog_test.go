package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// repoRoot is the folder holding go.mod, above the test's own (testkit
// cannot be used here: it imports the mail package, which imports i18n).
func repoRoot() (string, error) {
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
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// pluralForms are the CLDR plural categories each language distinguishes
// for whole numbers (CLDR 46: French, Spanish and Portuguese have "many"
// for millions).
var pluralForms = map[string][]string{
	"en": {"one", "other"}, "de": {"one", "other"},
	"fr": {"one", "many", "other"}, "es": {"one", "many", "other"}, "pt-BR": {"one", "many", "other"},
	"ja": {"other"},
}

// dynamicPrefixes are ids the code builds at run time (a field-error code,
// a status): an id under one of them counts as used.
var dynamicPrefixes = []string{"fielderr.", "status.", "role.", "nav."}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func msgForms(m *goi18n.Message) map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// TestCatalog: every message id exists in every locale, with the same
// placeholders, the plural forms its language needs (and no others), and
// no locale has ids English lacks.
func TestCatalog(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	byID := func(l string) map[string]*goi18n.Message {
		out := map[string]*goi18n.Message{}
		for _, m := range c.files[l].Messages {
			out[m.ID] = m
		}
		return out
	}
	en := byID(Default)
	if len(en) < 20 {
		t.Fatalf("English catalog has only %d messages", len(en))
	}
	for _, l := range Locales {
		msgs := byID(l)
		for id, ref := range en {
			m, ok := msgs[id]
			if !ok {
				t.Errorf("%s: missing %s", l, id)
				continue
			}
			refForms, gotForms := msgForms(ref), msgForms(m)
			plural := len(refForms) > 1 || refForms["one"] != ""
			want := placeholders(ref.Other)
			for form, text := range gotForms {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s %s.%s: empty", l, id, form)
				}
				got := placeholders(text)
				// A singular form may spell out "1" instead of {{.Count}}.
				if form != "other" {
					got = slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s == "Count" })
					wantNoCount := slices.DeleteFunc(slices.Clone(want), func(s string) bool { return s == "Count" })
					if !slices.Equal(got, wantNoCount) {
						t.Errorf("%s %s.%s: placeholders %v, English has %v", l, id, form, got, want)
					}
					continue
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s %s: placeholders %v, English has %v", l, id, got, want)
				}
			}
			if plural {
				var have []string
				for f := range gotForms {
					have = append(have, f)
				}
				slices.Sort(have)
				need := slices.Clone(pluralForms[l])
				slices.Sort(need)
				if !slices.Equal(have, need) {
					t.Errorf("%s %s: plural forms %v, %s needs %v", l, id, have, l, need)
				}
			} else if len(gotForms) != 1 || gotForms["other"] == "" {
				t.Errorf("%s %s: plural forms where English has one text", l, id)
			}
		}
		for id := range msgs {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %s is not in the English catalog", l, id)
			}
		}
	}
}

// TestCatalogIDsUsed: every id in the catalog is named somewhere in the
// code (views, handlers, mail), or sits under a prefix the code builds at
// run time; and every id the code names exists.
func TestCatalogIDsUsed(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", ".git", ".data", "vendor", "locales":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_templ.go") {
			return nil
		}
		if strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			src.Write(b)
			src.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code := src.String()
	for id := range c.ids {
		if slices.ContainsFunc(dynamicPrefixes, func(p string) bool { return strings.HasPrefix(id, p) }) {
			continue
		}
		if !strings.Contains(code, `"`+id+`"`) {
			t.Errorf("%s is in the catalog but no code names it", id)
		}
	}
	// Ids named in T/N calls must exist.
	call := regexp.MustCompile(`\b(?:i18n\.)?[TN]\((?:ctx|c|l|loc|r)[^"]*"([a-z_]+\.[a-z0-9_.]+)"`)
	for _, m := range call.FindAllStringSubmatch(code, -1) {
		if !c.ids[m[1]] {
			t.Errorf("code names %s, which the catalog lacks", m[1])
		}
	}
}
