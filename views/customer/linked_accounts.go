package customer

// LinkedAccountsProps is what the linked-accounts panel shows.
type LinkedAccountsProps struct {
	CSRFField        string
	CSRFToken        string
	Platforms        []LinkedPlatform // configured platforms: one connect button each
	Accounts         []LinkedAccount
	DisconnectAction string
	WorkspaceName    string // who recognises the linked account
	Notice           string // outcome of the last connect or disconnect
	NoticeKind       string // "success" or "error"
}

// LinkedPlatform is a platform the user may connect.
type LinkedPlatform struct {
	Key           string // "microsoft", "discord"
	Label         string // "Microsoft"
	ConnectAction string // form action starting the link
}

// LinkedAccount is one linked account.
type LinkedAccount struct {
	Key           string // "<platform>:<account_id>", posted to disconnect
	PlatformLabel string
	ID            string
	Username      string
}

// Name is the account's display name, its id when it has none.
func (a LinkedAccount) Name() string {
	if a.Username != "" {
		return a.Username
	}
	return a.ID
}

// Shown reports whether the settings page has the panel at all: with no
// platform configured and nothing linked there is nothing to do in it.
func (p LinkedAccountsProps) Shown() bool {
	return len(p.Platforms) > 0 || len(p.Accounts) > 0
}
