// Package demo owns the demo data set of `portal seed --demo` and `portal
// dev`: one workspace in each sign-in mode, individual and team customers,
// members of every role, file-share sessions in every status with downloads
// and payments, and a public share for the workspace endpoint. Seeding is
// idempotent: every row is found by a natural key before it is inserted, so
// a second run changes nothing.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/member/roster"
)

// Workspace describes a seeded workspace for the printout.
type Workspace struct {
	Slug        string
	Name        string
	MemberModel bool
	Logins      []Login
}

// Login is a demo sign-in address and what it shows.
type Login struct {
	Email string
	About string
}

type customerSpec struct {
	key, email, name, typ string
	billingAddress        string // JSON or ""
	members               []memberSpec
}

type memberSpec struct{ email, name, role string }

type workspaceSpec struct {
	slug, name, email, website, accent, socials string
	memberModel                                 bool
	customers                                   []customerSpec
	// sessions: customer key → how many sessions, cycling through statuses.
	sessions []sessionOwner
	logins   []Login
}

type sessionOwner struct {
	customer string
	count    int
}

// The data set. Addresses use example domains (RFC 2606), so no mail can
// reach anyone even with a real SMTP server configured.
var workspaces = []workspaceSpec{
	{
		slug: "acme", name: "Acme Inc.", email: "support@acme.example.com", website: "https://acme.example.com",
		accent: "#4f46e5", socials: `[{"platform":"x","url":"https://x.com/acme"},{"platform":"github","url":"https://github.com/acme"}]`,
		customers: []customerSpec{
			{key: "alice", email: "alice@example.com", name: "Alice Anderson", typ: "individual",
				billingAddress: `{"line1":"1 Infinite Loop","city":"Cupertino","state":"US-CA","postal_code":"95014","country":"US"}`},
			{key: "bob", email: "bob@example.com", name: "Bob Brown", typ: "individual"},
			{key: "globex", email: "ops@globex.example.com", name: "Globex Ops", typ: "team",
				billingAddress: `{"line1":"Kungsgatan 1","city":"Stockholm","postal_code":"111 43","country":"SE"}`,
				members:        []memberSpec{{"hank@example.com", "Hank Scorpio", "owner"}, {"frank@example.com", "Frank Grimes", "billing_manager"}, {"homer@example.com", "Homer Simpson", "member"}}},
		},
		sessions: []sessionOwner{{"alice", 8}, {"bob", 2}, {"globex", 6}},
		logins: []Login{
			{"alice@example.com", "individual customer, sessions in every status, billing details"},
			{"bob@example.com", "individual customer, a few sessions"},
			{"ops@globex.example.com", "team customer (legacy mode signs in as the customer)"},
		},
	},
	{
		slug: "teamco", name: "Teamco", email: "hello@teamco.example.com", website: "https://teamco.example.com",
		accent: "#0f766e", socials: `[]`, memberModel: true,
		customers: []customerSpec{
			{key: "design", email: "design@teamco.example.com", name: "Design Studio", typ: "team",
				billingAddress: `{"line1":"10 Downing St","city":"London","postal_code":"SW1A 2AA","country":"GB"}`,
				members: []memberSpec{{"olivia@example.com", "Olivia Owner", "owner"}, {"bill@example.com", "Bill Billing", "billing_manager"},
					{"mia@example.com", "Mia Member", "member"}, {"pat@example.com", "Pat Shared", "member"}}},
			{key: "research", email: "research@teamco.example.com", name: "Research Lab", typ: "team",
				members: []memberSpec{{"rita@example.com", "Rita Owner", "owner"}, {"pat@example.com", "Pat Shared", "billing_manager"}}},
			{key: "ivy", email: "ivy@example.com", name: "Ivy Individual", typ: "individual",
				members: []memberSpec{{"ivy@example.com", "Ivy Individual", "owner"}}},
		},
		sessions: []sessionOwner{{"design", 8}, {"research", 3}, {"ivy", 2}},
		logins: []Login{
			{"olivia@example.com", "owner of the Design Studio team"},
			{"bill@example.com", "billing manager of Design Studio"},
			{"mia@example.com", "plain member of Design Studio (no billing, no team admin)"},
			{"pat@example.com", "member of two teams: shows the account picker"},
			{"rita@example.com", "owner of the Research Lab team"},
			{"ivy@example.com", "individual customer (owner of her own account)"},
		},
	},
}

// statuses cycles through every file-share status.
var statuses = []string{"active", "completed", "created", "expired", "destroyed", "reported"}

var files = []struct {
	title, name string
	size        int64
}{
	{"Quarterly report", "q3-report.pdf", 2_483_112},
	{"Brand assets", "brand-kit.zip", 48_201_733},
	{"Product photos", "photos.zip", 131_072_004},
	{"Contract draft", "contract-v2.docx", 88_412},
	{"Launch video", "launch.mp4", 734_003_200},
	{"Dataset sample", "sample.csv", 5_242_880},
	{"Design mockups", "mockups.fig", 12_582_912},
	{"Audit log export", "audit.json", 431_221},
}

// Seed writes the demo data set, in one transaction, and describes it.
// Concurrent runs are serialised by an advisory lock, so they cannot both
// insert the same rows.
func Seed(ctx context.Context, pool *pgxpool.Pool) ([]Workspace, error) {
	now := time.Now().UTC().Truncate(time.Second)
	var out []Workspace
	err := db.WithTx(ctx, pool, func(q *dbgen.Queries, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('portal demo seed'))`); err != nil {
			return fmt.Errorf("seed: lock: %w", err)
		}
		for _, w := range workspaces {
			if err := seedWorkspace(ctx, q, w, now); err != nil {
				return fmt.Errorf("seed %s: %w", w.slug, err)
			}
			out = append(out, Workspace{Slug: w.slug, Name: w.name, MemberModel: w.memberModel, Logins: w.logins})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func seedWorkspace(ctx context.Context, q *dbgen.Queries, w workspaceSpec, now time.Time) error {
	ws, err := q.GetWorkspaceBySlugAnyState(ctx, w.slug)
	wsID := ws.ID
	switch {
	case db.IsNotFound(err):
		wsID, err = q.SeedInsertWorkspace(ctx, dbgen.SeedInsertWorkspaceParams{Name: w.name, Slug: w.slug, Email: &w.email,
			Website: &w.website, AccentColor: &w.accent, Socials: json.RawMessage(w.socials),
			MemberModelEnabled: w.memberModel, SeatBasedPricingEnabled: w.memberModel})
		if err != nil {
			return err
		}
	case err != nil:
		return err
	}
	customers := map[string]uuid.UUID{}
	for _, c := range w.customers {
		id, err := seedCustomer(ctx, q, wsID, c)
		if err != nil {
			return err
		}
		customers[c.key] = id
	}
	n := 0
	for _, so := range w.sessions {
		for i := range so.count {
			n++
			if err := seedSession(ctx, q, wsID, customers[so.customer], w.slug, n, i, now); err != nil {
				return err
			}
		}
	}
	return seedShare(ctx, q, wsID, w.slug, now)
}

func seedCustomer(ctx context.Context, q *dbgen.Queries, wsID uuid.UUID, c customerSpec) (uuid.UUID, error) {
	id, err := q.SeedFindCustomer(ctx, dbgen.SeedFindCustomerParams{WorkspaceID: wsID, Email: c.email})
	if db.IsNotFound(err) {
		p := dbgen.SeedInsertCustomerParams{WorkspaceID: wsID, Email: c.email, Name: &c.name, Type: &c.typ}
		ext := "demo-" + c.key
		p.ExternalID = &ext
		if c.billingAddress != "" {
			p.BillingAddress = json.RawMessage(c.billingAddress)
			p.BillingName = &c.name
		}
		id, err = q.SeedInsertCustomer(ctx, p)
	}
	if err != nil {
		return uuid.Nil, err
	}
	for _, m := range c.members {
		// A member that is already there stays as it is.
		if _, _, err := roster.Add(ctx, q, roster.Input{CustomerID: id, WorkspaceID: wsID, Email: m.email,
			Name: &m.name, Role: m.role}); err != nil {
			return uuid.Nil, err
		}
	}
	return id, nil
}

// seedSession inserts the n-th session of the workspace (the i-th of its
// customer) with downloads and payments that fit its status.
func seedSession(ctx context.Context, q *dbgen.Queries, wsID, customerID uuid.UUID, slug string, n, i int, now time.Time) error {
	short := fmt.Sprintf("demo-%s-%02d", slug, n)
	if _, err := q.SeedFindFileShareSession(ctx, short); err == nil {
		return nil
	} else if !db.IsNotFound(err) {
		return err
	}
	status := statuses[i%len(statuses)]
	f := files[(n+i)%len(files)]
	created := now.Add(-time.Duration(40-n) * 24 * time.Hour).Add(time.Duration(n) * 37 * time.Minute)
	ttl := int32(7 * 24 * 3600)
	p := dbgen.SeedInsertFileShareSessionParams{
		WorkspaceID: wsID, CustomerID: customerID, ShortSlug: short, LongSlug: short + "-" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(short)).String()[:18],
		Status: status, Currency: "usd", Title: &f.title, FileName: &f.name, FileSizeBytes: &f.size, TtlSeconds: &ttl, CreatedAt: created,
	}
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	var downloads int
	type pay struct {
		status string
		amount int32
	}
	var pays []pay
	price := int32(0)
	switch status {
	case "created":
		p.MaxDownloads, p.ExpiresAt = 5, at(7*24*time.Hour)
	case "active":
		price = 900 + int32(n)*100
		p.MaxDownloads, downloads, p.ActivatedAt, p.ExpiresAt = 10, 3, at(-48*time.Hour), at(3*24*time.Hour)
		pays = []pay{{"completed", price}, {"completed", price}, {"pending", price}}
	case "completed":
		price, p.Currency = 2500, "eur"
		p.MaxDownloads, downloads, p.ActivatedAt, p.CompletedAt, p.ExpiresAt = 2, 2, at(-5*24*time.Hour), at(-24*time.Hour), at(2*24*time.Hour)
		pays = []pay{{"completed", price}, {"refunded", price}}
	case "expired":
		p.MaxDownloads, downloads, p.ActivatedAt, p.ExpiresAt = 3, 1, at(-9*24*time.Hour), at(-2*24*time.Hour)
		price = 500
		pays = []pay{{"failed", price}}
	case "destroyed":
		p.MaxDownloads, p.ActivatedAt, p.ExpiresAt = 1, at(-6*24*time.Hour), at(-3*24*time.Hour)
	case "reported":
		p.MaxDownloads, downloads, p.ActivatedAt, p.ExpiresAt = 0, 4, at(-4*24*time.Hour), at(24*time.Hour)
	}
	if price > 0 {
		p.PriceCents = &price
	}
	p.DownloadCount = int32(downloads)
	id, err := q.SeedInsertFileShareSession(ctx, p)
	if err != nil {
		return err
	}
	for d := 1; d <= downloads; d++ {
		if err := q.SeedInsertDownload(ctx, dbgen.SeedInsertDownloadParams{SessionID: id, SlotNumber: int32(d),
			CreatedAt: created.Add(time.Duration(d) * 3 * time.Hour)}); err != nil {
			return err
		}
	}
	buyers := []struct{ email, name string }{{"carol@example.net", "Carol Buyer"}, {"dave@example.net", "Dave Buyer"}, {"erin@example.net", "Erin Buyer"}}
	for k, py := range pays {
		cs := fmt.Sprintf("cs_demo_%s_%d", short, k)
		pi := fmt.Sprintf("pi_demo_%s_%d", short, k)
		b := buyers[k%len(buyers)]
		if err := q.SeedInsertPayment(ctx, dbgen.SeedInsertPaymentParams{SessionID: id, CustomerID: &customerID, Status: py.status,
			AmountCents: py.amount, Currency: p.Currency, PlatformFeeCents: py.amount / 20, StripeCheckoutSessionID: &cs,
			StripePaymentIntentID: &pi, BuyerEmail: &b.email, BuyerName: &b.name, CreatedAt: created.Add(time.Duration(k+1) * time.Hour)}); err != nil {
			return err
		}
	}
	return nil
}

// seedShare adds the public share of the workspace endpoint: a fixed, a
// pay-what-you-want and a free price, and a media file.
func seedShare(ctx context.Context, q *dbgen.Queries, wsID uuid.UUID, slug string, now time.Time) error {
	const name = "Starter kit"
	if _, err := q.SeedFindShare(ctx, dbgen.SeedFindShareParams{WorkspaceID: wsID, Name: name}); err == nil {
		return nil
	} else if !db.IsNotFound(err) {
		return err
	}
	desc := "Templates, fonts and a getting-started guide."
	share, err := q.SeedInsertShare(ctx, dbgen.SeedInsertShareParams{WorkspaceID: wsID, Name: name, Description: &desc})
	if err != nil {
		return err
	}
	i32 := func(v int32) *int32 { return &v }
	for k, p := range []dbgen.SeedInsertPriceParams{
		{AmountType: "fixed", PriceAmount: i32(1500)},
		{AmountType: "custom", MinimumAmount: i32(500), MaximumAmount: i32(10000), PresetAmount: i32(2500)},
		{AmountType: "free"},
	} {
		p.ShareID, p.CreatedAt = share, now.Add(time.Duration(k)*time.Second)
		if err := q.SeedInsertPrice(ctx, p); err != nil {
			return err
		}
	}
	sum := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	file, err := q.SeedInsertFile(ctx, dbgen.SeedInsertFileParams{WorkspaceID: wsID, Name: "cover.svg",
		Path: "demo/" + slug + "/cover.svg", MimeType: "image/svg+xml", Size: 2048, ChecksumSha256Hex: &sum})
	if err != nil {
		return err
	}
	return q.SeedInsertShareMedia(ctx, dbgen.SeedInsertShareMediaParams{ShareID: share, FileID: file, Position: 0})
}
