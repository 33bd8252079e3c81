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
	Swap      bool   // an HTMX response: the notice goes out of band into #flash
	CSRFField string
	CSRFToken string
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
