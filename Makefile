# Triage Desk: `make run` (everything in one foreground command) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test bench lint install

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
# each with its own test database and Redis databases.
TEST_PROCESSES ?= 3
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
