// Package htmlcheck is for the views' tests: it renders a templ component
// twice, with benign and with hostile user data, and checks that the
// hostile data changed nothing but text — the element tree, the attribute
// names and the scripts are the same, no URL attribute turned into a
// javascript: link, and the hostile strings read back as plain text. Only
// tests import it.
package htmlcheck

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Render renders c into a parsed document (a full page or a fragment).
func Render(t testing.TB, c templ.Component) *html.Node {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	if bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(buf.Bytes())), []byte("<!doctype")) {
		doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		return doc
	}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(bytes.NewReader(buf.Bytes()), body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	root := &html.Node{Type: html.DocumentNode}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root
}

// Skeleton is the document without its text: one line per element with
// its depth, tag and attribute names in order.
func Skeleton(n *html.Node) []string {
	var out []string
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if n.Type == html.ElementNode {
			keys := make([]string, len(n.Attr))
			for i, a := range n.Attr {
				keys[i] = a.Key
			}
			out = append(out, fmt.Sprintf("%d <%s %s>", depth, n.Data, strings.Join(keys, " ")))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return out
}

// Texts returns every text node and every attribute value.
func Texts(n *html.Node) []string {
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			out = append(out, n.Data)
		case html.ElementNode:
			for _, a := range n.Attr {
				out = append(out, a.Val)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// Contains reports whether s is inside one text node or attribute value.
func Contains(n *html.Node, s string) bool {
	for _, v := range Texts(n) {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// Readable reports whether s survives HTML parsing unchanged, so Contains
// can be asked about it: the parser rewrites NUL, CR, other controls and
// invalid UTF-8 (as browsers do), which is not an escaping failure.
func Readable(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "hx-get": true, "hx-post": true,
	"hx-put": true, "hx-patch": true, "hx-delete": true, "poster": true, "cite": true, "data": true}

// dangerousURL reports whether a browser would run or inline v: the URL
// parser drops tabs and newlines anywhere and leading spaces/controls.
func dangerousURL(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	v = strings.ToLower(strings.TrimLeft(v, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:")
}

// Same checks that hostile renders like benign up to text: the same
// skeleton, no event-handler attribute, every <script> and <style> carrying
// the page's nonce (so none came from the data), and no URL attribute a
// browser would execute.
func Same(t testing.TB, benign, hostile *html.Node, nonce string) {
	t.Helper()
	b, h := Skeleton(benign), Skeleton(hostile)
	if len(b) != len(h) {
		t.Fatalf("hostile data changed the element tree: %d elements, want %d\nhostile: %s", len(h), len(b), strings.Join(h, "\n"))
	}
	for i := range b {
		if b[i] != h[i] {
			t.Fatalf("hostile data changed element %d: %q, want %q", i, h[i], b[i])
		}
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" || n.Data == "style" {
				if attr(n, "nonce") != nonce {
					t.Fatalf("<%s> without the page's nonce", n.Data)
				}
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Fatalf("event handler attribute %s=%q", a.Key, a.Val)
				}
				if urlAttrs[a.Key] && dangerousURL(a.Val) {
					t.Fatalf("%s=%q would run script", a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(hostile)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// Verbatim fails when a hostile value does not read back where its benign
// stand-in was shown. Each pair is {benign, hostile}; values that would not
// survive as text anyway (see Readable) are not checked.
func Verbatim(t testing.TB, benign, hostile *html.Node, pairs ...[2]string) {
	t.Helper()
	for _, c := range pairs {
		if Readable(c[1]) && Contains(benign, c[0]) && !Contains(hostile, c[1]) {
			t.Fatalf("%q is not shown verbatim", c[1])
		}
	}
}

// NonEmpty keeps a fuzzed value from switching a view's "if x != \"\""
// branches, which would change the tree for a reason other than escaping.
func NonEmpty(s string) string {
	if s == "" {
		return "x"
	}
	return s
}

// Seeds are the hostile strings every view fuzz target starts from.
var Seeds = []string{
	"<script>alert(1)</script>",
	`"><img src=x onerror=alert(1)>`,
	`' onmouseover='alert(1)`,
	"</textarea></title></style><script>alert(1)</script>",
	"javascript:alert(1)",
	"=cmd|' /C calc'!A0",
	"'; DROP TABLE customers;--",
	"%3Cscript%3Ealert(1)%3C%2Fscript%3E",
	"&lt;b&gt;not bold&lt;/b&gt; &amp; &#x3C;",
	"\u202eevil.exe\u202dtxt.pdf",
	"раypal (Cyrillic р and а)",
	"Ada\x00Lovelace",
	"line\r\nbreak\ttab\u00a0nbsp\u2028sep",
	"<!-- comment --><![CDATA[x]]>",
	"{{ template }} ${x} #{y}",
	strings.Repeat("Ｗ", 300),
}
