// Package static embeds the portal's own assets (css/, js/, img/) and the
// npm-vendored files make copies into vendor/ (git-ignored).
package static

import "embed"

//go:embed all:css all:js all:img all:vendor
var FS embed.FS
