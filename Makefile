# Developer entry points. `make run` and `make test` are all a newcomer needs;
# both go through `make install`, which is fast when nothing changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=
BENCH_ARGS  ?=
PROD_PORT   ?= 8000
INSTANCES   ?= 2
SERVE_ARGS  ?=

PO_FILES := $(wildcard app/translations/*/LC_MESSAGES/*.po)

.PHONY: help install translations instance vendor run serve-prod test test-postgres test-system test-all bench constraints clean

help:
	@echo "make run            install, migrate, seed demo data, serve on http://$(HOST):$(PORT)"
	@echo "make serve-prod     the production topology: nginx on :$(PROD_PORT), $(INSTANCES) gevent instances, Redis"
	@echo "make test           install and run the default test suite"
	@echo "make test-postgres  tests against a real PostgreSQL (TEST_DATABASE_URL or a throwaway server)"
	@echo "make test-system    real servers and concurrent clients (pytest -m system; needs nginx, redis-server)"
	@echo "make test-all       every suite: default, slow, postgres, browser, redis"
	@echo "make bench          load benchmark (gunicorn + wrk), prints a table"
	@echo "make constraints    re-pin constraints.txt after changing pyproject.toml"
	@echo "make clean          remove the venv, caches, compiled catalogs and bench output (keeps instance/)"

# --- install -----------------------------------------------------------------
install: $(STAMP) translations instance vendor

# The browser's Socket.IO client, pinned in package.json/package-lock.json, copied into
# static/vendor (git-ignored). Without npm the pages work as before, without live updates.
VENDOR_JS := static/vendor/socket.io.min.js
vendor: $(VENDOR_JS)

$(VENDOR_JS): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && \
	  mkdir -p static/vendor && \
	  cp node_modules/socket.io-client/dist/socket.io.min.js $@ && \
	  echo "static/vendor: socket.io-client $$(node -p 'require("./node_modules/socket.io-client/package.json").version')"; \
	else \
	  echo "npm is not installed: pages will work without live updates (the bell and question pages update on reload)."; \
	  echo "Install Node.js and npm (Debian: apt-get install npm), then run make install again."; \
	fi

# Reinstalls only when pyproject.toml or constraints.txt changed (or the venv is new).
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Python 3.11 or newer is required as '$(PYTHON)' (found: $$($(PYTHON) --version 2>&1))." >&2; \
	  echo "Use: make PYTHON=/path/to/python3.11 ..." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

# Compiled .mo files are not committed; a broken .po fails the build loudly.
translations: $(STAMP)
	@if [ -n "$(PO_FILES)" ]; then $(BIN)/pybabel compile -d app/translations; fi

instance:
	@mkdir -p instance

# --- run ---------------------------------------------------------------------
run: install
	$(FLASK) db upgrade
	$(FLASK) qa seed-demo
	@echo
	@echo "  Serving on http://$(HOST):$(PORT)/  (Socket.IO at /socket.io/, Ctrl-C to stop)"
	@test -f $(VENDOR_JS) || echo "  (no static/vendor/socket.io.min.js: live updates are off until npm installs it)"
	@echo
	$(FLASK) run --host $(HOST) --port $(PORT)

# nginx + N gunicorn gevent instances + Redis (deploy/serve.py, docs/deploy.md). Ctrl-C stops all.
serve-prod: install
	$(BIN)/python deploy/serve.py --host $(HOST) --port $(PROD_PORT) --instances $(INSTANCES) $(SERVE_ARGS)

# --- tests -------------------------------------------------------------------
# The default suite deselects slow/postgres/browser/redis (pyproject addopts).
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	$(BIN)/pytest -m postgres $(PYTEST_ARGS)

# SQLite unless TEST_DATABASE_URL names a PostgreSQL server.
test-system: install
	$(BIN)/pytest -m system $(PYTEST_ARGS)

# -m "" lifts the default deselection.
test-all: install
	$(BIN)/pytest -m "" $(PYTEST_ARGS)

# --- benchmarks --------------------------------------------------------------
bench: install
	$(BIN)/python bench/load/run.py $(BENCH_ARGS)

# --- maintenance -------------------------------------------------------------
# Resolve pyproject.toml afresh in a scratch venv and pin everything it pulled in.
constraints:
	@rm -rf .constraints-venv
	$(PYTHON) -m venv .constraints-venv
	.constraints-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@{ echo "# Every transitive dependency of qaforum[dev], pinned. Used as: pip install -c constraints.txt -e '.[dev]'"; \
	   echo "# Regenerate after changing pyproject.toml: make constraints (pip freeze of a venv built from pyproject)."; \
	   .constraints-venv/bin/python -m pip freeze --exclude-editable | grep -vi '^qaforum'; } > constraints.txt
	@rm -rf .constraints-venv
	@echo "constraints.txt updated; run make install"

clean:
	rm -rf $(VENV) .pytest_cache bench/out build *.egg-info .constraints-venv node_modules static/vendor
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	find app/translations -name '*.mo' -delete 2>/dev/null || true
