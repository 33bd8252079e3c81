package signin

// PasskeyProps is the sign-in card's passkey button: the two JSON
// endpoints of the ceremony (static/js/passkey.js calls them).
type PasskeyProps struct {
	BeginURL  string
	FinishURL string
}
