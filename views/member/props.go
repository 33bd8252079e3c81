// Package member holds the team page: members with their roles, add a
// member, change a role, remove with confirmation.
package member

// Row is one member of the table.
type Row struct {
	ID           string
	Name         string
	Email        string
	Role         string
	IsSelf       bool
	RoleAction   string
	RemoveAction string
	SignInLink   string
	Error        string // a rule violation for this row
}

// IsOwner reports whether this row is the team's owner: nobody changes or
// removes the owner from the table (ownership is handed over from another
// row), so the row offers neither.
func (r Row) IsOwner() bool { return r.Role == "owner" }

// Label is how the member is named: name, else email.
func (r Row) Label() string {
	if r.Name != "" {
		return r.Name
	}
	return r.Email
}

// AddForm is the add-member form's values and errors.
type AddForm struct {
	Email  string
	Name   string
	Role   string
	Errors map[string]string // email, name, role
	Error  string
	// Notice says the values were kept from before the session ended.
	Notice string
}

func (f AddForm) err(k string) string {
	if f.Errors == nil {
		return ""
	}
	return f.Errors[k]
}

// TeamProps is /{slug}/portal/team.
type TeamProps struct {
	Allowed   bool
	Heading   string // the refusal's heading ("" = the default)
	Reason    string // why the team cannot be managed here
	Members   []Row
	Form      AddForm
	AddAction string
	Notice    string // success message after an HTMX action
	// ViewerIsOwner offers the Owner choice (a handover, confirmed); a
	// billing manager is offered only what they may do.
	ViewerIsOwner bool
	ViewerName    string // how the viewer is named in the handover question
	TeamName      string
	Swap          bool // an HTMX response: the notice goes out of band into #flash
	CSRFField     string
	CSRFToken     string
}

// RemoveProps is the no-JavaScript confirmation step before a removal.
type RemoveProps struct {
	Member    Row
	CancelURL string
	CSRFField string
	CSRFToken string
}

// RoleLabel names a role for people.
func RoleLabel(r string) string {
	switch r {
	case "owner":
		return "Owner"
	case "billing_manager":
		return "Billing manager"
	case "member":
		return "Member"
	}
	return r
}

// TransferProps is the no-JavaScript confirmation step before handing
// ownership over.
type TransferProps struct {
	Member     Row
	ViewerName string
	TeamName   string
	CancelURL  string
	CSRFField  string
	CSRFToken  string
}

// roleChoices are the roles the viewer may give this row: the owner may
// hand ownership over (confirmed); a billing manager may not, so the
// choice is not offered. Your own row shows your role, disabled.
func roleChoices(p TeamProps, r Row) []string {
	if r.IsSelf {
		return []string{r.Role}
	}
	if p.ViewerIsOwner {
		return []string{"owner", "billing_manager", "member"}
	}
	return []string{"billing_manager", "member"}
}
