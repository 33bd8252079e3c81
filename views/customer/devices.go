package customer

import (
	"time"
)

// DevicesProps is the "Sign-in and devices" section of the settings page
// (issue 18): the principal's live browser sessions and recent sign-ins.
type DevicesProps struct {
	CSRFField           string
	CSRFToken           string
	Devices             []DeviceRow
	SignOutOthersAction string
	// Events are the recent sign-ins, newest first (nil hides the table).
	Events []SignInEventRow
}

// DeviceRow is one live browser session.
type DeviceRow struct {
	Name          string // "Chrome on macOS"
	Kind          string // "desktop", "mobile", "tablet" or ""
	IP            string // masked: "203.0.113.x", "" when unknown
	Method        string // "with a code", "with a passkey", "with a link"
	SignedInAt    time.Time
	LastActiveAt  time.Time
	Current       bool
	SignOutAction string
}

// SignInEventRow is one entry of the sign-in history: a sign-in, or a
// summary of failed attempts ("4 wrong codes from 203.0.113.x").
type SignInEventRow struct {
	At      time.Time
	Success bool
	What    string // "Signed in with a code", "4 wrong codes"
	Device  string
	IP      string
}

// others counts the sessions besides the current one.
func (p DevicesProps) others() int {
	n := 0
	for _, d := range p.Devices {
		if !d.Current {
			n++
		}
	}
	return n
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }
