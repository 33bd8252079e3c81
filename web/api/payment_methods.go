package api

import "github.com/labstack/echo/v4"

func (h *Handlers) ListPaymentMethods(c echo.Context) error { return todo() }

func (h *Handlers) CreatePaymentMethod(c echo.Context) error { return todo() }

func (h *Handlers) ConfirmPaymentMethod(c echo.Context) error { return todo() }

func (h *Handlers) DeletePaymentMethod(c echo.Context) error { return todo() }

func (h *Handlers) SetDefaultPaymentMethod(c echo.Context) error { return todo() }

func (h *Handlers) StripeWebhook(c echo.Context) error { return todo() }

