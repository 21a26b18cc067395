# Huiyin — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve spa test lint test-sqlite test-postgres openapi bench clean

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
		cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	else \
		echo "npm not found: serving the API only (install Node.js 20+ for the web app)"; \
	fi

## make test: lint, then the whole suite on SQLite and (when it answers) on PostgreSQL
test: install lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check backend tests bench migrations
	$(BIN)/ruff format --check backend tests bench migrations/env.py
	$(BIN)/mypy

test-sqlite: install
	HUIYIN_TEST_DB=sqlite $(BIN)/pytest

test-postgres: install
	@if $(BIN)/python -m tests.pg_probe; then \
		HUIYIN_TEST_DB=postgres $(BIN)/pytest; \
	else \
		echo "SKIPPED: no PostgreSQL answers at 127.0.0.1:5432; the PostgreSQL pass did not run"; \
	fi

openapi: install
	$(BIN)/huiyin openapi > openapi.json

bench: install
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.sweeps

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
