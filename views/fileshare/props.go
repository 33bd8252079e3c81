package fileshare

// SessionRow is one file-share session, already formatted for display.
type SessionRow struct {
	ID           string
	Status       string
	Title        string // may be empty
	FileName     string // may be empty
	Size         string
	Downloads    string
	Price        string
	Expired      bool
	ExpiresLabel string // "" when the session never expires
	ExpiresISO   string
	CreatedLabel string
	CreatedISO   string
	DetailURL    string
	ActivityURL  string
	CSVURL       string
	ShortSlug    string
}

// Heading is what a session is called on screen: its title, else its file
// name, else its short slug.
func (r SessionRow) Heading() string {
	switch {
	case r.Title != "":
		return r.Title
	case r.FileName != "":
		return r.FileName
	}
	return r.ShortSlug
}

// Column is a table header; sortable ones link to the other direction.
type Column struct {
	Key      string
	Label    string
	URL      string // "" when not sortable
	AriaSort string // "ascending", "descending" or "" when not the sort column
}

// PageLink is one link of the pager.
type PageLink struct {
	Label   string
	URL     string
	Current bool
	Gap     bool // an ellipsis between page numbers
}

// OverviewProps is the overview page's table.
type OverviewProps struct {
	WorkspaceName string
	Columns       []Column
	Rows          []SessionRow
	Total         int64
	Page          int64
	Pages         int64
	PrevURL       string
	NextURL       string
	PageLinks     []PageLink
	Notice        string // shown above the table, e.g. after a bad sort link
	PastTheEnd    bool   // page > pages while there are sessions
	FirstPageURL  string

	// WorkspaceEmail and WorkspaceWebsite (either may be empty) are where
	// the empty state sends a customer who expects a share.
	WorkspaceEmail, WorkspaceWebsite string

	// Earnings is the summary above the list, one entry per currency; empty
	// when the customer has no completed payments (no summary is shown).
	Earnings []EarningsRow

	// Status is the status filter in effect ("" = every status); Filters
	// are its links, "All" first. Both are for the page only: the API has
	// no such filter.
	Status  string
	Filters []FilterLink
	// AllURL is the overview without the status filter (same sort).
	AllURL string
}

// FilterLink is one choice of the overview's status filter.
type FilterLink struct {
	Status  string // "" for "All"
	Label   string
	URL     string
	Current bool
}

// EarningsRow is one currency of the earnings summary, formatted.
type EarningsRow struct {
	Currency  string // upper-case code, "USD"
	Paid      string
	Fees      string
	Net       string
	Downloads string
}

// DownloadRow is one download on the timeline.
type DownloadRow struct {
	Slot  string // its number among the share's downloads: "Download 3 of 10"
	Max   string
	At    string
	AtISO string
}

// PaymentRow is one payment.
type PaymentRow struct {
	Amount     string
	Fee        string
	Status     string
	BuyerName  string
	BuyerEmail string
	At         string
	AtISO      string
}

// ActivityProps is a session with its downloads and payments.
type ActivityProps struct {
	Session     SessionRow
	Downloads   []DownloadRow
	Payments    []PaymentRow
	OverviewURL string
}
