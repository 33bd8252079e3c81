package layout

import (
	"context"
	"html"
	"io"
	"strings"

	"github.com/a-h/templ"

	"portal/internal/i18n"
)

// Rich is catalog message id as HTML: the translation's own text escaped,
// and each placeholder replaced by the HTML in parts, which the caller
// builds with El (so a bold address or a marked-up name can sit wherever
// the language puts it).
func Rich(ctx context.Context, id string, parts map[string]string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		marks := make(map[string]any, len(parts))
		var pairs []string
		for name, frag := range parts {
			mark := "\x00" + name + "\x00"
			marks[name] = mark
			pairs = append(pairs, html.EscapeString(mark), frag)
		}
		text := html.EscapeString(i18n.T(ctx, id, marks))
		_, err := io.WriteString(w, strings.NewReplacer(pairs...).Replace(text))
		return err
	})
}

// El is one element around escaped text, for Rich's parts; attrs are
// constant attribute text written by the view (never user input).
func El(tag, attrs, text string) string {
	if attrs != "" {
		attrs = " " + attrs
	}
	return "<" + tag + attrs + ">" + html.EscapeString(text) + "</" + tag + ">"
}

// Anchor is an <a> for Rich's parts: href is sanitized as templ does for
// attributes (javascript: and the like become about:invalid) and escaped.
func Anchor(href, text string) string {
	return `<a href="` + html.EscapeString(string(templ.URL(href))) + `">` + html.EscapeString(text) + "</a>"
}
