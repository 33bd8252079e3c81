package web_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"

	"portal/internal/config"
	"portal/internal/testkit"
	"portal/views/paths"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// TestPagePathsResolve: every page URL that views/paths builds, and every
// named page route reversed, lands on a registered page route of the real
// route table (development mode with the card sandbox, so every page
// exists).
func TestPagePathsResolve(t *testing.T) {
	// Development with the card sandbox: every page route is registered.
	e := webtest.NewServer(t, webtest.Options{BaseURL: "http://portal.test", Config: func(c *config.Config) {
		c.Env, c.Payments = "development", "sandbox"
	}}).Web.E

	named := map[string]string{} // name → route path
	pages := map[string]bool{}   // "METHOD path" of page routes
	for _, r := range e.Routes() {
		if strings.HasPrefix(r.Name, "page.") {
			named[r.Name] = r.Path
		}
		pages[r.Method+" "+r.Path] = true
	}
	resolve := func(method, url string) string {
		t.Helper()
		path, _, _ := strings.Cut(url, "?")
		c := e.NewContext(nil, nil)
		e.Router().Find(method, path, c)
		if !pages[method+" "+c.Path()] || c.Path() == "/*" || c.Path() == "" {
			t.Errorf("%s %s resolves to no page route (%q)", method, url, c.Path())
		}
		return c.Path()
	}

	// Every route name in views/paths is registered, and reverses to itself.
	for _, name := range []string{paths.Entry, paths.Request, paths.RequestSubmit, paths.Authenticate, paths.AuthSubmit,
		paths.Resend, paths.SignOut, paths.Continue, paths.ContinueSubmit, paths.Overview, paths.Session,
		paths.SessionActivity, paths.SessionCSV, paths.Settings, paths.SettingsSave, paths.OAuthConnect,
		paths.OAuthDisconnect, paths.DeviceSignOut, paths.DevicesOthers,
		paths.PasskeyBegin, paths.PasskeyFinish, paths.PasskeyAdd, paths.PasskeyAdded, paths.PasskeyRenameR, paths.PasskeyRemoveR,
		paths.PasskeyReverifR, paths.Billing, paths.BillingAddCard, paths.BillingConfirm, paths.BillingReturn,
		paths.BillingDefault, paths.BillingDelete, paths.Team, paths.TeamAdd, paths.TeamRole, paths.TeamRemove,
		paths.SandboxThreeDS, paths.DevMail, paths.TimeZone} {
		route, ok := named[name]
		if !ok {
			t.Errorf("route %s is not registered", name)
			continue
		}
		params := make([]any, strings.Count(route, ":"))
		for i := range params {
			params[i] = "x" + uuid.NewString()[:8]
		}
		url := e.Reverse(name, params...)
		method := http.MethodGet
		if !pages["GET "+route] {
			method = http.MethodPost
		}
		if got := resolve(method, url); got != route {
			t.Errorf("%s: %s resolves to %q, want %q", name, url, got, route)
		}
	}

	// Every URL the handlers and views build.
	id := uuid.NewString()
	for _, u := range []string{
		paths.Portal("acme"), paths.Page("acme", ""), paths.SignIn("acme"), paths.Page("acme", "authenticate"),
		paths.Page("acme", "continue"), paths.Page("acme", "overview"), paths.SettingsPage("acme"),
		paths.BillingPage("acme", ""), paths.BillingPage("acme", "/return?setup_intent=x"), paths.TeamPage("acme", ""),
		paths.SessionPage("acme", id), paths.SessionPage("acme", id) + "/activity", paths.SessionPage("acme", id) + "/export.csv",
		paths.OverviewPage("acme", []string{"status", "-created_at"}, "-created_at", 2, 50, "active"),
		paths.OverviewPage("acme", nil, "-created_at", 0, 0, ""),
	} {
		resolve(http.MethodGet, u)
	}
	for _, u := range []string{
		paths.Page("acme", "sign-out"), paths.Page("acme", "authenticate/resend"),
		paths.BillingPage("acme", "/cards"), paths.BillingPage("acme", "/confirm"),
		paths.BillingPage("acme", "/cards/"+id+"/default"), paths.BillingPage("acme", "/cards/"+id+"/delete"),
		paths.TeamPage("acme", "/members"), paths.TeamPage("acme", "/members/"+id+"/role"),
		paths.TeamPage("acme", "/members/"+id+"/remove"), paths.SettingsPage("acme") + "/oauth/disconnect",
		paths.TimeZonePage("acme"),
		paths.DeviceSignOutPage("acme", id), paths.DevicesOthersPage("acme"),
		paths.PasskeySignInBegin("acme"), paths.PasskeySignInFinish("acme"), paths.PasskeyAddBegin("acme"),
		paths.PasskeyAddFinish("acme"), paths.PasskeyRename("acme", id), paths.PasskeyRemove("acme", id),
		paths.PasskeyReverify("acme"),
	} {
		resolve(http.MethodPost, u)
	}
}
