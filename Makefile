# Portal — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
SQLC_VERSION := v1.31.1
SQLC := $(shell command -v sqlc 2>/dev/null || echo $(HOME)/go/bin/sqlc)
# golangci-lint is pinned and built from the Go module proxy into ./bin, so
# every machine lints with the same checks.
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(CURDIR)/bin/golangci-lint-$(GOLANGCI_LINT_VERSION)

.PHONY: help run test test-deps build generate generate-check lint vendor bench lighthouse screenshots clean mutants

help: ## Show the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

vendor: static/vendor/htmx.min.js ## Copy npm front-end files into static/vendor

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

static/vendor/htmx.min.js: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/axe-core/axe.min.js static/vendor/axe.min.js

build: vendor ## Build bin/portal
	$(GO) build -o bin/portal ./cmd/portal

run: build ## Run the portal with a private database and demo data
	./bin/portal dev

test-deps: ## Install what the tests need when missing (apt as root; stripe-mock into bin/)
	@.ci/deps

test: vendor test-deps ## Run every test with the race detector (real PostgreSQL; a private cluster when TEST_DATABASE_URL is unset)
	PATH="$(CURDIR)/bin:$$PATH" $(GO) test -race -count=1 -timeout 20m ./...

$(SQLC):
	$(GO) install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION)

generate: $(SQLC) ## Regenerate sqlc and templ code
	rm -f internal/db/dbgen/*.sql.go  # a query file moved or removed leaves no stale code
	$(SQLC) generate
	$(GO) tool templ fmt views
	$(GO) tool templ generate -path views -log-level warn

generate-check: generate ## Fail when generated code differs from what is committed
	@git diff --exit-code -- internal/db/dbgen views || (echo "generated code is stale: run make generate and commit" && exit 1)
	@test -z "$$(git status --porcelain -- internal/db/dbgen views | grep '^??')" || (echo "untracked generated files: run make generate and commit" && exit 1)

$(GOLANGCI_LINT):
	mkdir -p $(CURDIR)/bin
	GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(CURDIR)/bin/golangci-lint $@

lint: $(GOLANGCI_LINT) ## gofmt, go vet and golangci-lint (.golangci.yml)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GOLANGCI_LINT) run ./...

screenshots: vendor ## Write PNGs of every page (1280/375 px, light/dark) to docs/screenshots
	mkdir -p docs/screenshots
	rm -f docs/screenshots/*.png  # pages renamed or gone leave no stale pictures
	PORTAL_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestEveryPage ./web/e2e/

mutants: vendor ## Break each security rule in testdata/mutants and check a test notices (minutes; not part of test)
	$(GO) run ./cmd/mutants

bench: vendor ## Measure the server against a bare net/http baseline
	$(GO) run ./cmd/portalbench

# Lighthouse has its own package.json and lockfile under .ci/lighthouse, so
# make vendor and make test never install it.
.ci/lighthouse/node_modules/.package-lock.json: .ci/lighthouse/package.json .ci/lighthouse/package-lock.json
	cd .ci/lighthouse && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

lighthouse: vendor .ci/lighthouse/node_modules/.package-lock.json ## Lighthouse (mobile) on sign-in, overview, settings, billing, team; fails below 100 (CHROME_PATH, default /usr/bin/chromium)
	$(GO) run ./cmd/portalbench lighthouse $(ARGS)

clean: ## Remove build output (keeps .data)
	rm -rf bin static/vendor/*.js
