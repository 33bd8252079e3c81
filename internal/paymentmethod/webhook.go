package paymentmethod

import (
	"context"

	"github.com/jackc/pgx/v5"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/payments"
)

// HandleStripeEvent applies one verified Stripe webhook event (the source of
// truth when a browser never came back from 3-D Secure). Events are
// deduplicated by id in the same transaction as their effect, so a
// redelivery changes nothing.
func (s *Service) HandleStripeEvent(ctx context.Context, ev *payments.Event) error {
	var si *payments.SetupIntent
	if ev.Type == "setup_intent.succeeded" && s.provider != nil && s.provider.Name() == payments.ProcessorStripe {
		// Re-read rather than trust the payload: it has the card expanded
		// and the current state. A failure answers 502, and Stripe retries.
		var err error
		if si, err = s.provider.RetrieveSetupIntent(ctx, ev.ObjectID); err != nil {
			return err
		}
	}
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		n, err := q.InsertStripeEvent(ctx, dbgen.InsertStripeEventParams{ID: ev.ID, Type: ev.Type})
		if err != nil || n == 0 {
			return err
		}
		switch ev.Type {
		case "payment_method.detached":
			rows, err := q.SoftDeletePaymentMethodsByProcessorID(ctx, dbgen.SoftDeletePaymentMethodsByProcessorIDParams{
				Processor: payments.ProcessorStripe, ProcessorID: ev.ObjectID})
			if err != nil {
				return err
			}
			for _, r := range rows {
				if err := q.ClearDefaultPaymentMethodEverywhere(ctx, &r.ID); err != nil {
					return err
				}
			}
		case "setup_intent.succeeded":
			if si == nil || si.Status != payments.StatusSucceeded || si.PaymentMethod == nil || si.Customer == "" {
				return nil
			}
			cust, err := q.GetCustomerByStripeID(ctx, &si.Customer)
			if db.IsNotFound(err) {
				return nil // not one of ours (another app on the same account)
			}
			if err != nil {
				return err
			}
			_, err = upsert(ctx, q, cust.ID, payments.ProcessorStripe, si.PaymentMethod)
			return err
		}
		// setup_intent.setup_failed and the rest: nothing local.
		return nil
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return err
		}
		return dbError("stripe webhook", err)
	}
	return nil
}
