# Huiyin — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve spa test lint lint-frontend test-sqlite test-postgres test-frontend test-e2e browser openapi bench clean
NPM_STAMP := frontend/node_modules/.ci-stamp
# Debian's Chromium drives the end-to-end tests; no browser build is ever downloaded.
CHROMIUM ?= /usr/bin/chromium

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make run: set everything up on SQLite and serve on http://127.0.0.1:8000
run: install spa
	$(BIN)/huiyin db upgrade
	$(BIN)/huiyin seed-demo
	$(BIN)/huiyin serve --host $(HOST) --port $(PORT) --no-migrate

## make spa: build the single-page app into frontend/dist (served at /) when npm is present
spa:
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(NPM_STAMP) && cd frontend && npm run build; \
	else \
		echo "npm not found: serving the API only (install Node.js 20+ for the web app)"; \
	fi

$(NPM_STAMP): frontend/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js 20.19+ (the SPA's tests need it)"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

## make test: lint (ruff, mypy, ESLint), the SPA's checks, the whole suite on SQLite and (when it answers) on
## PostgreSQL, then the end-to-end tests in Chromium
test: install lint test-frontend test-sqlite test-postgres test-e2e

lint: install lint-frontend
	$(BIN)/ruff check backend tests bench migrations
	$(BIN)/ruff format --check backend tests bench migrations/env.py
	$(BIN)/mypy

## the SPA: ESLint with eslint-plugin-vue and vuejs-accessibility (frontend/eslint.config.js)
lint-frontend: $(NPM_STAMP)
	cd frontend && npm run lint

test-sqlite: install
	HUIYIN_TEST_DB=sqlite $(BIN)/pytest

test-postgres: install
	@if $(BIN)/python -m tests.pg_probe; then \
		HUIYIN_TEST_DB=postgres $(BIN)/pytest; \
	else \
		echo "SKIPPED: no PostgreSQL answers at 127.0.0.1:5432; the PostgreSQL pass did not run"; \
	fi

## the SPA: generated API types match openapi.json, type check, Vitest unit tests
test-frontend: $(NPM_STAMP)
	cd frontend && npm run check:api && npm run typecheck && npm test

## the real backend on a fresh database, the production build, Debian's Chromium
test-e2e: install browser $(NPM_STAMP)
	cd frontend && npm run build && HUIYIN_CHROMIUM=$(CHROMIUM) npm run test:e2e

browser:
	@if [ ! -x "$(CHROMIUM)" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium (and CJK fonts) for the end-to-end tests"; \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		$$sudo apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
		|| { $$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends chromium fonts-noto-cjk; }; \
	fi
	@test -x "$(CHROMIUM)" || { echo "no Chromium at $(CHROMIUM): install Debian's chromium (or set CHROMIUM=/path/to/chromium)"; exit 1; }

openapi: install
	$(BIN)/huiyin openapi > openapi.json

bench: install
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.sweeps

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
