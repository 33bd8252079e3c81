package static

import (
	"regexp"
	"strings"
	"testing"
)

func TestMinifyCSS(t *testing.T) {
	for in, want := range map[string]string{
		"a { color: red; }\n":                            "a{color: red}",
		"/* c */ .a  >  .b ,\n .c { x: 1 } /* d */":      ".a>.b,.c{x: 1}",
		".a :hover { width: calc(100vw - 2rem); }":       ".a :hover{width: calc(100vw - 2rem)}",
		`td::before { content: attr(x) ":  /* no */"; }`: `td::before{content: attr(x) ":  /* no */"}`,
		".a + .b ~ .c { margin: 0 auto }":                ".a + .b ~ .c{margin: 0 auto}",
		"@media (min-width: 48rem) { .a { b: c; } }":     "@media (min-width: 48rem){.a{b: c}}",
		"a{b:c}/* unclosed":                              "a{b:c}",
	} {
		if got := minifyCSS(in); got != want {
			t.Errorf("minifyCSS(%q) = %q, want %q", in, got, want)
		}
	}
}

// The inlined stylesheet is portal.css minus comments and spare
// whitespace, and nothing else: with every comment and space taken out of
// both (and the ; a closing brace makes spare), they are the same text.
func TestCSS_InlinedIsMinifiedPortalCSS(t *testing.T) {
	raw, err := FS.ReadFile("css/portal.css")
	if err != nil {
		t.Fatal(err)
	}
	min := CSS("css/portal.css")
	if strings.Contains(min, "/*") || strings.Contains(min, "\n") || strings.Contains(min, "  ") {
		t.Errorf("inlined stylesheet keeps comments or spare whitespace")
	}
	if len(min) > len(raw)*85/100 {
		t.Errorf("minified to %d of %d bytes", len(min), len(raw))
	}
	comments, spaces := regexp.MustCompile(`(?s)/\*.*?\*/`), regexp.MustCompile(`\s+`)
	bare := func(s string) string {
		return strings.ReplaceAll(spaces.ReplaceAllString(comments.ReplaceAllString(s, ""), ""), ";}", "}")
	}
	if bare(string(raw)) != bare(min) {
		t.Error("minifying changed more than comments and whitespace")
	}
}
