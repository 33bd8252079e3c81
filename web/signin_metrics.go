package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// signInMetrics adds the mail queue depth and sign-in outcomes to the
// metrics. Neither tells a known sign-in address from an unknown one (D24):
// a request has the one outcome "accepted", and the depth counts only mail
// waiting after a failed delivery (mail.Queue.Depth).
func (s *Server) signInMetrics() {
	if s.svc.SignIn == nil || s.svc.Mail == nil {
		return
	}
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_signin_outcomes_total", Help: "Sign-in requests and code exchanges by step and outcome.",
	}, []string{"step", "outcome"})
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "portal_mail_queue_depth", Help: "Sign-in mails waiting for another delivery attempt after a failed one.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := s.svc.Mail.Depth(ctx, s.svc.Pool)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	s.metrics.reg.MustRegister(outcomes, depth)
	s.svc.SignIn.Outcome = func(step, outcome string) { outcomes.WithLabelValues(step, outcome).Inc() }
	if s.svc.Passkeys != nil {
		// Passkey sign-ins, including the unknown credentials no sign-in
		// history can hold (issue 18).
		s.svc.Passkeys.Outcome = func(outcome string) { outcomes.WithLabelValues("passkey", outcome).Inc() }
	}
}
