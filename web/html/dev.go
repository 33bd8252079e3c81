package html

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/views/devmail"
)

// DevMail (GET /_dev/mail, development only) lists every message the
// portal sent, newest first, with its code (docs/design.md "Interface").
// Outside development the route does not exist.
func (h *Handlers) DevMail(c echo.Context) error {
	msgs := h.S.Mail.Outbox().Recent()
	out := make([]devmail.Mail, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, devmail.Mail{To: m.To, From: m.FromName + " <" + m.From + ">", Subject: m.Subject,
			Code: m.Code, SentAt: m.SentAt, Text: m.Text})
	}
	return Render(c, http.StatusOK, devmail.Page(h.Meta(c, "title.sent_mail", ""), out))
}
