package api

import "github.com/labstack/echo/v4"

func (h *Handlers) ListMembers(c echo.Context) error { return todo() }

func (h *Handlers) CreateMember(c echo.Context) error { return todo() }

func (h *Handlers) UpdateMember(c echo.Context) error { return todo() }

func (h *Handlers) DeleteMember(c echo.Context) error { return todo() }

