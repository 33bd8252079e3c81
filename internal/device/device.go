// Package device names the browser behind a User-Agent header for the
// devices page ("Chrome on macOS"), with a maintained parser. The name is
// for people only: nothing is decided by it.
package device

import (
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

// Describe names the browser and system of a User-Agent header.
func Describe(ua string) Info {
	if ua == "" {
		return Info{Name: "Unknown browser"}
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
		info.Name = browser + " on " + os
	case browser != "":
		info.Name = browser
	case os != "":
		info.Name = "A browser on " + os
	default:
		info.Name = "Unknown browser"
	}
	return info
}
