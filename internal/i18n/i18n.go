// Package i18n owns the portal's languages (docs/design.md
// "Languages and time zones"): the six supported locales, choosing one
// from ?lang=, a cookie, Accept-Language or the workspace default, the
// message catalogs in locales/ (go-i18n v2 with CLDR plural rules), and
// the locale's forms of amounts, dates, numbers and file sizes. A request's
// Locale travels in its context so templ components reach it with T(ctx, …).
package i18n

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones named by browsers work on any host image

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"portal/locales"
)

// Default is the language of last resort, and the catalog every other
// locale is checked against.
const Default = "en"

// Locales are the supported languages, in the order the switcher lists them.
var Locales = []string{"en", "de", "fr", "es", "pt-BR", "ja"}

// names are each language's own name, for the switcher.
var names = map[string]string{
	"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español",
	"pt-BR": "Português (Brasil)", "ja": "日本語",
}

// Name is a language's name in that language ("Deutsch").
func Name(lang string) string { return names[lang] }

var tags = func() []language.Tag {
	out := make([]language.Tag, len(Locales))
	for i, l := range Locales {
		out[i] = language.MustParse(l)
	}
	return out
}()

var matcher = language.NewMatcher(tags)

// Valid reports whether lang is exactly one of Locales.
func Valid(lang string) bool {
	_, ok := names[lang]
	return ok
}

// Parse reads one language tag (a ?lang= value, a cookie, a stored
// default) into a supported locale: "de", "DE" and "de-AT" are "de",
// "pt" is "pt-BR". ok is false for anything else.
func Parse(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 35 {
		return "", false
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	return match(t)
}

// Match picks the best supported locale for an Accept-Language header,
// honouring weights and regional variants (de-AT → de, pt → pt-BR).
// ok is false when none of the header's languages is supported.
func Match(acceptLanguage string) (string, bool) {
	if acceptLanguage == "" || len(acceptLanguage) > 512 {
		return "", false
	}
	ts, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(ts) == 0 {
		return "", false
	}
	return match(ts...)
}

func match(ts ...language.Tag) (string, bool) {
	_, i, conf := matcher.Match(ts...)
	if conf < language.High {
		return "", false
	}
	// The matcher may offer English for a language it knows nothing about
	// ("tlh"); only a locale of one of the asked-for languages counts.
	got, _ := tags[i].Base()
	for _, t := range ts {
		if b, _ := t.Base(); b == got {
			return Locales[i], true
		}
	}
	return "", false
}

// Negotiate is the one order of choice (docs/design.md): an explicit
// choice (?lang= or its cookie), else Accept-Language, else the workspace
// default, else English.
func Negotiate(explicit, acceptLanguage, workspaceDefault string) string {
	if l, ok := Parse(explicit); ok {
		return l
	}
	if l, ok := Match(acceptLanguage); ok {
		return l
	}
	if Valid(workspaceDefault) {
		return workspaceDefault
	}
	return Default
}

// catalog is every locale's messages, loaded once from locales/.
type catalog struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
	files      map[string]*goi18n.MessageFile
	ids        map[string]bool // the English catalog's message ids
	// plain holds each message without data once localized, by
	// plainKey: the catalog never changes once loaded, and a page asks
	// for the same labels on every request (issue 15: go-i18n's lookup
	// was a tenth of the overview's CPU). Only ids the catalog has are
	// kept, so it is bounded by the catalog.
	plain sync.Map
}

type plainKey struct{ lang, id string }

var loadCatalog = sync.OnceValues(func() (*catalog, error) { return load(locales.FS) })

func load(fsys fs.FS) (*catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalog{bundle: b, localizers: map[string]*goi18n.Localizer{}, files: map[string]*goi18n.MessageFile{}}
	for _, l := range Locales {
		f, err := b.LoadMessageFileFS(fsys, l+".toml")
		if err != nil {
			return nil, fmt.Errorf("i18n: load %s: %w", l, err)
		}
		c.files[l] = f
		c.localizers[l] = goi18n.NewLocalizer(b, l, Default)
	}
	c.ids = map[string]bool{}
	for _, m := range c.files[Default].Messages {
		c.ids[m.ID] = true
	}
	return c, nil
}

// Locale is one request's language and time zone.
type Locale struct {
	Lang string
	// Zone is the viewer's time zone; ZoneKnown is false until the
	// browser has told the server (then pages render UTC and the script
	// re-renders each <time> in place).
	Zone      *time.Location
	ZoneKnown bool
}

// New is a Locale for lang (unsupported → English) in zone (nil → UTC).
func New(lang string, zone *time.Location) *Locale {
	if !Valid(lang) {
		lang = Default
	}
	l := &Locale{Lang: lang, Zone: time.UTC}
	if zone != nil {
		l.Zone, l.ZoneKnown = zone, true
	}
	return l
}

// Zone loads a browser's IANA time zone name ("Europe/Berlin"); ok is false
// for anything time.LoadLocation does not know, and for local-file tricks.
func Zone(name string) (*time.Location, bool) {
	if name == "" || len(name) > 64 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") || name == "Local" {
		return nil, false
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return z, true
}

type ctxKey struct{}

// WithLocale puts l in ctx for the views and the mail renderer.
func WithLocale(ctx context.Context, l *Locale) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

var fallback = New(Default, nil)

// From returns ctx's Locale, English in UTC when none was set.
func From(ctx context.Context) *Locale {
	if ctx != nil {
		if l, ok := ctx.Value(ctxKey{}).(*Locale); ok && l != nil {
			return l
		}
	}
	return fallback
}

// T is message id in ctx's language; data fills its {{.Placeholders}}.
func T(ctx context.Context, id string, data ...map[string]any) string {
	return From(ctx).T(id, data...)
}

// N is message id in its plural form for count (CLDR rules); data may
// also use {{.Count}}.
func N(ctx context.Context, id string, count int, data ...map[string]any) string {
	return From(ctx).N(id, count, data...)
}

// T is message id in l's language. A missing message shows its id, which
// the catalog test makes impossible to ship.
func (l *Locale) T(id string, data ...map[string]any) string {
	if len(data) == 0 {
		return l.plain(id)
	}
	return l.localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: merge(data)})
}

// plain is T without data, localized once per language and id.
func (l *Locale) plain(id string) string {
	c, err := loadCatalog()
	if err != nil {
		return id
	}
	lang := l.Lang
	lz := c.localizers[lang]
	if lz == nil {
		lang, lz = Default, c.localizers[Default]
	}
	k := plainKey{lang, id}
	if s, ok := c.plain.Load(k); ok {
		return s.(string)
	}
	s, err := lz.Localize(&goi18n.LocalizeConfig{MessageID: id})
	if err != nil || s == "" {
		return id // not kept: an unknown id must not grow the map
	}
	c.plain.Store(k, s)
	return s
}

// N is message id's plural form for count.
func (l *Locale) N(id string, count int, data ...map[string]any) string {
	d := merge(data)
	if d == nil {
		d = map[string]any{}
	}
	if _, ok := d["Count"]; !ok {
		d["Count"] = l.Int(int64(count))
	}
	return l.localize(&goi18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: d})
}

func (l *Locale) localize(lc *goi18n.LocalizeConfig) string {
	c, err := loadCatalog()
	if err != nil {
		return lc.MessageID
	}
	lz := c.localizers[l.Lang]
	if lz == nil {
		lz = c.localizers[Default]
	}
	s, err := lz.Localize(lc)
	if err != nil || s == "" {
		return lc.MessageID
	}
	return s
}

func merge(data []map[string]any) map[string]any {
	switch len(data) {
	case 0:
		return nil
	case 1:
		return data[0]
	}
	out := map[string]any{}
	for _, d := range data {
		for k, v := range d {
			out[k] = v
		}
	}
	return out
}

// Has reports whether the catalog defines id (for error codes that may or
// may not have a page message).
func Has(id string) bool {
	c, err := loadCatalog()
	if err != nil {
		return false
	}
	return c.ids[id]
}

// Texts are every message of lang's catalog, id → its texts (each plural
// form), for tests that look for untranslated English on a page.
func Texts(lang string) map[string][]string {
	c, err := loadCatalog()
	if err != nil {
		return nil
	}
	f, ok := c.files[lang]
	if !ok {
		return nil
	}
	out := map[string][]string{}
	for _, m := range f.Messages {
		for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
			if s != "" {
				out[m.ID] = append(out[m.ID], s)
			}
		}
	}
	return out
}

// Chosen is the language a request chose, when one was put in ctx (a page,
// or an API request whose Accept-Language names a supported language);
// ok is false otherwise, and the workspace default applies.
func Chosen(ctx context.Context) (string, bool) {
	if ctx == nil {
		return "", false
	}
	l, ok := ctx.Value(ctxKey{}).(*Locale)
	if !ok || l == nil {
		return "", false
	}
	return l.Lang, true
}
