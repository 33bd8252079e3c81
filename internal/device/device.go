// Package device names the browser behind a User-Agent header for the
// devices page ("Chrome on macOS"), with a maintained parser. The name is
// for people only: nothing is decided by it.
package device

import (
	"portal/internal/i18n"
	"sync"

	"github.com/medama-io/go-useragent"
	"github.com/medama-io/go-useragent/agents"
)

// parser is built once, on first use (it loads its tables into memory).
var parser = sync.OnceValue(useragent.NewParser)

// Kind is the device's form, for the icon: "desktop", "mobile", "tablet"
// or "" when unknown.
type Kind string

// Device kinds.
const (
	Desktop Kind = "desktop"
	Mobile  Kind = "mobile"
	Tablet  Kind = "tablet"
)

// Info is what the devices page says about a browser.
type Info struct {
	Name string // "Chrome on macOS", "Firefox", "Unknown browser"
	Kind Kind
}

// osNames spells operating systems the way their makers do.
var osNames = map[agents.OS]string{
	agents.OSMacOS: "macOS", agents.OSIOS: "iOS", agents.OSChromeOS: "ChromeOS",
}

// Describe names the browser and system of a User-Agent header in English.
func Describe(ua string) Info { return DescribeIn(i18n.New(i18n.Default, nil), ua) }

// DescribeIn names the browser and system of a User-Agent header in l's
// language; browser and system names are proper names and stay as they are.
func DescribeIn(l *i18n.Locale, ua string) Info {
	if ua == "" {
		return Info{Name: l.T("device.unknown")}
	}
	a := parser().Parse(ua)
	browser, os := string(a.Browser()), string(a.OS())
	if n, ok := osNames[a.OS()]; ok {
		os = n
	}
	info := Info{}
	switch {
	case a.IsTablet():
		info.Kind = Tablet
	case a.IsMobile():
		info.Kind = Mobile
	case a.IsDesktop():
		info.Kind = Desktop
	}
	switch {
	case browser != "" && os != "":
		info.Name = l.T("device.browser_on_os", map[string]any{"Browser": browser, "OS": os})
	case browser != "":
		info.Name = browser
	case os != "":
		info.Name = l.T("device.browser_on", map[string]any{"OS": os})
	default:
		info.Name = l.T("device.unknown")
	}
	return info
}
