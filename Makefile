# Triage Desk: `make run` (everything in one foreground command) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test bench lint install browser screenshots

install: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# Embedded mode unless DATABASE_URL / REDIS_URL say otherwise: SQLite, filesystem broker.
# The web process binds HOST (this machine only unless told otherwise, gunicorn.conf.py). The
# first start writes .env (DEBUG=true, a generated SECRET_KEY) so manage.py works on its own too.
run: export DEBUG ?= true
run: export LOG_FORMAT ?= text
run: export PORT := $(PORT)
run: export HOST := $(HOST)
# No pool processes: Ctrl-C reaches the worker's whole process group (config/ops/procs.py).
run: export CELERY_WORKER_POOL ?= threads
run: $(STAMP)
	$(BIN)/python -m config.ops.localenv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap --demo
	@echo ""
	@echo "  Triage Desk is starting on http://$(HOST):$(PORT)/"
	@echo "  admin:    http://$(HOST):$(PORT)/admin/   login: demo / demo"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/"
	@echo "  Ctrl-C stops web, worker and beat."
	@echo ""
	$(BIN)/python -m config.ops.procs start -f Procfile

# PostgreSQL and Redis from DATABASE_URL / REDIS_URL, default the local servers.
# TEST_PROCESSES pytest-xdist workers (tests wait on workers and servers more than on the CPU),
# each with its own test database and Redis databases; idle ones steal queued tests from busy ones.
TEST_PROCESSES ?= 3
test: $(STAMP)
	@test -x $(CHROMIUM) || $(MAKE) --no-print-directory browser || echo "  continuing: the browser tests will fail"
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist worksteal $(PYTEST_ARGS)

# The browser tests (tests/browser/) drive Debian's Chromium with Playwright, headless; Playwright's
# own browser download is never used. Installing it takes root (apt-get).
CHROMIUM ?= /usr/bin/chromium
APT_GET ?= apt-get
USER_ID ?= $(shell id -u)
browser:
	@if test -x $(CHROMIUM); then echo "Chromium: $(CHROMIUM)"; \
	elif test "$(USER_ID)" = 0; then \
	  { $(APT_GET) update -q && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -q --no-install-recommends chromium; } \
	  || { echo "apt-get could not install chromium (see above)." >&2; exit 1; }; \
	else \
	  echo "Chromium is missing ($(CHROMIUM)) and installing it needs root: run 'sudo make browser'" \
	       "or 'sudo apt-get install chromium'." >&2; \
	  exit 1; \
	fi

# Screenshots of the desk for the docs (docs/screenshots/*.png, 1400x900), from demo data.
screenshots: $(STAMP)
	$(BIN)/python -m pytest -n 0 -m screenshots tests/browser $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
