// Package locales embeds the message catalogs, one TOML file per locale
// (go-i18n v2 format, CLDR plural forms). internal/i18n loads them; the
// catalog test there checks that every locale has every message.
package locales

import "embed"

// FS holds en.toml, de.toml, fr.toml, es.toml, pt-BR.toml and ja.toml.
//
//go:embed *.toml
var FS embed.FS
