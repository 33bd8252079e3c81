package html

import (
	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/customer"
	"portal/internal/i18n"
	"portal/internal/member"
	"portal/internal/oauthaccount"
	"portal/internal/validate"
	"portal/web/httperr"
)

// detailIDs name the catalog message that says a service's error detail in
// the customer's language. The JSON API keeps the contract's English text
// (docs/design.md "Languages and time zones"); pages key on that text,
// which the services spell as constants.
var detailIDs = map[string]string{
	httperr.MsgFormExpired:          "error.form_expired",
	httperr.MsgBadQuery:             "error.bad_query",
	auth.MsgBillingForbidden:        "error.billing_forbidden",
	auth.MsgInsufficientRole:        "error.insufficient_role",
	member.MsgNotTeam:               "error.not_team",
	member.MsgNotFound:              "error.member_not_found",
	member.MsgAddOwner:              "error.add_owner",
	member.MsgOwnRole:               "error.own_role",
	member.MsgOnlyOwnerCan:          "error.only_owner_can",
	member.MsgExactlyOneOwner:       "error.exactly_one_owner",
	member.MsgRemoveSelf:            "error.remove_self",
	member.MsgRemoveOnlyOwner:       "error.remove_only_owner",
	oauthaccount.MsgAuthorizeFailed: "error.oauth_authorize",
	oauthaccount.MsgTokenFailed:     "error.oauth_token",
	oauthaccount.MsgProfileFailed:   "error.oauth_profile",
	oauthaccount.MsgInvalidState:    "error.oauth_state",
	customer.MsgInvalidUSState:      "fielderr.invalid_us_state",
	customer.MsgInvalidCAProvince:   "fielderr.invalid_ca_province",
	validate.MsgBadText:             "fielderr.invalid_text",
}

// detail is a service error's detail in l's language; fallback names the
// message for a detail the catalog does not know.
func detail(l *i18n.Locale, text, fallback string) string {
	if l.Lang == i18n.Default && text != "" {
		// English pages keep the service's own words (the API's too).
		return text
	}
	if id, ok := detailIDs[text]; ok {
		return l.T(id)
	}
	return l.T(fallback)
}

// fieldMsg is a form field's error in l's language, chosen by its stable
// code (fielderr.<code>) in every language, English included: the
// service's own text is the API contract's and may be a validator's
// ("value is not a valid email address: An email address must have an
// @-sign."), which is not how a page speaks to a customer (issue 16.11).
// A code the catalog does not word falls back to the service's text.
func fieldMsg(l *i18n.Locale, f apperr.FieldError) string {
	if id := "fielderr." + string(f.Code); f.Code != "" && i18n.Has(id) {
		return l.T(id)
	}
	if l.Lang == i18n.Default && f.Msg != "" {
		return f.Msg
	}
	if id, ok := detailIDs[f.Msg]; ok {
		return l.T(id)
	}
	return l.T("fielderr.invalid")
}
