package api

import "github.com/labstack/echo/v4"

func (h *Handlers) GetCustomer(c echo.Context) error { return todo() }

func (h *Handlers) UpdateCustomer(c echo.Context) error { return todo() }

