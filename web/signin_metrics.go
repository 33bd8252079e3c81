package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// signInMetrics adds the mail queue depth and sign-in outcomes to /metrics
// (docs/design.md "Interface", "Operations").
func (s *Server) signInMetrics() {
	if s.svc.SignIn == nil || s.svc.Mail == nil {
		return
	}
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_signin_outcomes_total", Help: "Sign-in requests and code exchanges by step and outcome.",
	}, []string{"step", "outcome"})
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "portal_mail_queue_depth", Help: "Mail and cleanup jobs waiting to be worked.",
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
}
