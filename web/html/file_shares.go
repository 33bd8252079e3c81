package html

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/fileshare"
	"portal/internal/i18n"
	fsview "portal/views/fileshare"
	"portal/views/paths"
	"portal/web/htmx"
	"portal/web/middleware"
)

// Overview is /{slug}/portal/overview: the customer's file-share sessions
// as a sortable, paged table (docs/design.md "Pages"). HTMX requests from the sort and
// page links get only the table.
func (h *Handlers) Overview(c echo.Context) error {
	ctx := c.Request().Context()
	p := middleware.Principal(c)
	ws := Workspace(c)
	notice := ""
	in, err := fileshare.ParseListQuery(func(k string) []string { return c.QueryParams()[k] })
	if err != nil {
		// A hand-edited or stale link: show the default view and say so
		// rather than an error page.
		notice = h.locale(c).T("fileshare.notice_bad_query")
		in = fileshare.ListInput{}
	}
	explicitLimit := in.Limit
	// The status filter is the page's own (issue 16.12): ParseListQuery,
	// shared with the API, never reads it, and an unknown value shows every
	// status rather than an error.
	in.Status = overviewStatus(c.QueryParam("status"))
	// The table and, on full pages, the earnings summary above it (which an
	// HTMX swap of the table leaves alone): one round trip for all of it.
	full := !htmx.IsRequest(c)
	page, earn, err := h.S.FileShares.Overview(ctx, p, in, full, time.Now())
	if err != nil {
		return err
	}
	props := overviewProps(h.locale(c), ws.Slug, ws.Name, page, explicitLimit, in.Status)
	props.Notice = notice
	if full {
		props.Earnings = earningsRows(h.locale(c), earn)
	}
	props.WorkspaceEmail, props.WorkspaceWebsite = deref(ws.Email), deref(ws.Website)
	c.Response().Header().Add("Vary", "HX-Request")
	if htmx.IsRequest(c) {
		return Render(c, http.StatusOK, fsview.Table(props))
	}
	return Render(c, http.StatusOK, fsview.Overview(h.Meta(c, "nav.overview", "overview"), props))
}

// sortColumn is a table column and, when sortable, its sort key and the
// direction a first click sorts by.
type sortColumn struct {
	key, label, sortKey string
	firstDesc           bool
}

var overviewColumns = []sortColumn{
	{key: "status", label: "fileshare.col_status", sortKey: "status"},
	{key: "file", label: "fileshare.col_file"},
	{key: "size", label: "fileshare.col_size"},
	{key: "downloads", label: "fileshare.col_downloads", sortKey: "download_count", firstDesc: true},
	{key: "price", label: "fileshare.col_price"},
	{key: "expires", label: "fileshare.col_expires"},
	{key: "created", label: "fileshare.col_shared", sortKey: "created_at", firstDesc: true},
}

// overviewStatus is the overview's status filter from its query value:
// a session status, else "" (every status).
func overviewStatus(v string) string {
	if slices.Contains(fileshare.SessionStatuses, v) {
		return v
	}
	return ""
}

func overviewProps(l *i18n.Locale, slug, wsName string, page fileshare.Page, limit int64, status string) fsview.OverviewProps {
	primary := fileshare.DefaultSorting[0]
	if len(page.Sorting) > 0 {
		primary = page.Sorting[0]
	}
	primaryCol, primaryDesc := strings.TrimPrefix(primary, "-"), strings.HasPrefix(primary, "-")
	props := fsview.OverviewProps{
		WorkspaceName: wsName,
		Total:         page.Meta.Total,
		Page:          page.Meta.Page,
		Pages:         page.Meta.Pages,
		PastTheEnd:    page.Meta.Total > 0 && page.Meta.Page > page.Meta.Pages,
		FirstPageURL:  paths.OverviewPage(slug, page.Sorting, fileshare.DefaultSorting[0], 1, limit, status),
		Status:        status,
		AllURL:        paths.OverviewPage(slug, page.Sorting, fileshare.DefaultSorting[0], 1, limit, ""),
	}
	// A new filter starts again at page 1 and keeps the sort.
	props.Filters = append(props.Filters, fsview.FilterLink{Label: l.T("fileshare.filter_all"), URL: props.AllURL, Current: status == ""})
	for _, st := range fileshare.SessionStatuses {
		props.Filters = append(props.Filters, fsview.FilterLink{Status: st, Label: l.T("status." + st),
			URL: paths.OverviewPage(slug, page.Sorting, fileshare.DefaultSorting[0], 1, limit, st), Current: status == st})
	}
	for _, col := range overviewColumns {
		vc := fsview.Column{Key: col.key, Label: l.T(col.label)}
		if col.sortKey != "" {
			desc := col.firstDesc
			if col.sortKey == primaryCol {
				vc.AriaSort = "ascending"
				if primaryDesc {
					vc.AriaSort = "descending"
				}
				desc = !primaryDesc
			}
			k := col.sortKey
			if desc {
				k = "-" + k
			}
			// A new sort starts again at page 1.
			vc.URL = paths.OverviewPage(slug, []string{k}, fileshare.DefaultSorting[0], 1, limit, status)
		}
		props.Columns = append(props.Columns, vc)
	}
	now := time.Now()
	for _, s := range page.Data {
		props.Rows = append(props.Rows, sessionRow(l, slug, s, now))
	}
	cur, last := page.Meta.Page, page.Meta.Pages
	if cur > 1 && cur <= last {
		props.PrevURL = paths.OverviewPage(slug, page.Sorting, fileshare.DefaultSorting[0], cur-1, limit, status)
	}
	if cur < last {
		props.NextURL = paths.OverviewPage(slug, page.Sorting, fileshare.DefaultSorting[0], cur+1, limit, status)
	}
	// Page numbers: the first, the last and two either side of the current
	// one, with gaps shown as an ellipsis.
	nums := []int64{1}
	for n := max(cur-2, 2); n <= min(cur+2, last-1); n++ {
		nums = append(nums, n)
	}
	if last > 1 {
		nums = append(nums, last)
	}
	for i, n := range nums {
		if n > last {
			break
		}
		if i > 0 && n > nums[i-1]+1 {
			props.PageLinks = append(props.PageLinks, fsview.PageLink{Gap: true})
		}
		props.PageLinks = append(props.PageLinks, fsview.PageLink{Label: l.Int(n),
			URL: paths.OverviewPage(slug, page.Sorting, fileshare.DefaultSorting[0], n, limit, status), Current: n == cur})
	}
	return props
}

// sessionRow is one session as the views show it, in l's language, zone
// and number forms.
func sessionRow(l *i18n.Locale, slug string, s fileshare.Session, now time.Time) fsview.SessionRow {
	base := paths.SessionPage(slug, s.ID.String())
	r := fsview.SessionRow{
		ID:           s.ID.String(),
		Status:       s.Status,
		Size:         "—",
		Downloads:    downloads(l, s.DownloadCount, s.MaxDownloads),
		Price:        price(l, s.PriceCents, s.Currency),
		CreatedLabel: l.DateTime(s.CreatedAt),
		CreatedISO:   fsview.ISO(s.CreatedAt),
		DetailURL:    base,
		ActivityURL:  base + "/activity",
		CSVURL:       base + "/export.csv",
		ShortSlug:    s.ShortSlug,
	}
	if s.Title != nil {
		r.Title = *s.Title
	}
	if s.FileName != nil {
		r.FileName = *s.FileName
	}
	// A session is live while expires_at > now (G22).
	r.Expired = s.Status == "expired" || (s.ExpiresAt != nil && !s.ExpiresAt.After(now))
	if s.ExpiresAt != nil {
		r.ExpiresLabel = l.DateTime(*s.ExpiresAt)
		r.ExpiresISO = fsview.ISO(*s.ExpiresAt)
	}
	if s.FileSizeBytes != nil {
		r.Size = l.Size(*s.FileSizeBytes)
	}
	return r
}

// downloads is "used / max", with ∞ for an unlimited session (max 0).
func downloads(l *i18n.Locale, used, max int32) string {
	m := "∞"
	if max > 0 {
		m = l.Int(int64(max))
	}
	return l.Int(int64(used)) + " / " + m
}

// price is a session's price in l's form, "Free" when it has none.
func price(l *i18n.Locale, cents *int32, currency string) string {
	if cents == nil || *cents == 0 {
		return l.T("fileshare.free")
	}
	return money(l, int64(*cents), currency)
}

// earningsRows formats the earnings summary for l.
func earningsRows(l *i18n.Locale, earn []fileshare.Earnings) []fsview.EarningsRow {
	rows := make([]fsview.EarningsRow, 0, len(earn))
	for _, e := range earn {
		rows = append(rows, fsview.EarningsRow{
			Currency:  strings.ToUpper(e.Currency),
			Paid:      money(l, e.PaidCents, e.Currency),
			Fees:      money(l, e.FeeCents, e.Currency),
			Net:       money(l, e.NetCents, e.Currency),
			Downloads: l.Int(e.DownloadsThisMonth),
		})
	}
	return rows
}

// money is an amount as l writes it (CLDR), or the plain form for a
// currency CLDR does not know.
func money(l *i18n.Locale, minor int64, currency string) string {
	if s, ok := l.Money(minor, currency); ok {
		return s
	}
	return fsview.Money(minor, currency)
}

// sessionID reads the {id} of a page URL; anything that is not a UUID is
// simply not found, like another customer's id.
func sessionID(c echo.Context) (uuid.UUID, error) {
	raw := c.Param("id")
	id, err := uuid.Parse(raw)
	if err != nil || len(raw) != 36 {
		return uuid.Nil, apperr.NotFound("")
	}
	return id, nil
}

func (h *Handlers) activity(c echo.Context) (fileshare.Activity, fsview.ActivityProps, error) {
	id, err := sessionID(c)
	if err != nil {
		return fileshare.Activity{}, fsview.ActivityProps{}, err
	}
	a, err := h.S.FileShares.Activity(c.Request().Context(), middleware.Principal(c), id)
	if err != nil {
		return fileshare.Activity{}, fsview.ActivityProps{}, err
	}
	slug := Workspace(c).Slug
	l := h.locale(c)
	p := fsview.ActivityProps{Session: sessionRow(l, slug, a.Session, time.Now()), OverviewURL: paths.Page(slug, "overview")}
	for _, d := range a.Downloads {
		p.Downloads = append(p.Downloads, fsview.DownloadRow{Slot: strconv.Itoa(int(d.SlotNumber)), Max: strconv.Itoa(int(a.Session.MaxDownloads)),
			At: l.DateTime(d.CreatedAt), AtISO: fsview.ISO(d.CreatedAt)})
	}
	for _, pay := range a.Payments {
		row := fsview.PaymentRow{Amount: money(l, int64(pay.AmountCents), pay.Currency),
			Fee: money(l, int64(pay.PlatformFeeCents), pay.Currency), Status: pay.Status,
			At: l.DateTime(pay.CreatedAt), AtISO: fsview.ISO(pay.CreatedAt)}
		if pay.BuyerName != nil {
			row.BuyerName = *pay.BuyerName
		}
		if pay.BuyerEmail != nil {
			row.BuyerEmail = *pay.BuyerEmail
		}
		p.Payments = append(p.Payments, row)
	}
	return a, p, nil
}

// SessionDetail is /{slug}/portal/sessions/{id}: one session with its
// download timeline and payments; anyone else's id is the 404 page.
func (h *Handlers) SessionDetail(c echo.Context) error {
	_, p, err := h.activity(c)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, fsview.Session(h.Meta(c, p.Session.Heading(), "overview"), p))
}

// SessionActivity is the overview's expanded row (an HTMX fragment). A
// plain request goes to the session page, which shows the same lists.
func (h *Handlers) SessionActivity(c echo.Context) error {
	_, p, err := h.activity(c)
	if err != nil {
		return err
	}
	if !htmx.IsRequest(c) {
		return c.Redirect(http.StatusSeeOther, p.Session.DetailURL)
	}
	c.Response().Header().Add("Vary", "HX-Request")
	return Render(c, http.StatusOK, fsview.Activity(p))
}

// SessionCSV is /{slug}/portal/sessions/{id}/export.csv: the session's
// downloads and payments as one CSV file. It is machine-readable in every
// page language (docs/design.md "Languages and time zones"): English column
// names, ISO 8601 UTC times, amounts as integer minor units (cents; yen for
// JPY) beside the ISO currency code.
func (h *Handlers) SessionCSV(c echo.Context) error {
	a, _, err := h.activity(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	write := func(cells ...string) {
		for i := range cells {
			cells[i] = csvSafe(cells[i])
		}
		_ = w.Write(cells)
	}
	write("type", "id", "created_at", "slot_number", "status", "amount_minor", "platform_fee_minor", "currency",
		"buyer_name", "buyer_email", "stripe_checkout_session_id", "stripe_payment_intent_id")
	for _, d := range a.Downloads {
		write("download", d.ID.String(), fsview.ISO(d.CreatedAt), strconv.Itoa(int(d.SlotNumber)), "", "", "", "", "", "", "", "")
	}
	for _, p := range a.Payments {
		write("payment", p.ID.String(), fsview.ISO(p.CreatedAt), "", p.Status,
			strconv.FormatInt(int64(p.AmountCents), 10), strconv.FormatInt(int64(p.PlatformFeeCents), 10),
			strings.ToUpper(p.Currency), deref(p.BuyerName), deref(p.BuyerEmail),
			deref(p.StripeCheckoutSessionID), deref(p.StripePaymentIntentID))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return apperr.Internal("html.SessionCSV", err)
	}
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set(echo.HeaderContentDisposition, `attachment; filename="file-share-`+fileNamePart(a.Session.ShortSlug)+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvSafe defuses formula injection: a spreadsheet evaluates a cell that
// starts with = + - @ (or a tab/CR that hides one), so those get a leading
// quote and are shown as text. Buyer names and emails come from buyers.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fileNamePart keeps only characters that need no quoting in a header.
func fileNamePart(s string) string {
	out := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, s)
	if out == "" {
		return "activity"
	}
	return out
}
