# Two commands do everything on a fresh machine:  make demo  (run with demo data)  and  make test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/ravao
export RAVAO_DEBUG ?= 1

# A second interpreter for CI's run on the newest supported Python (pyenv here; any python3.13 elsewhere).
PYTHON313 ?= $(shell PYENV_VERSION=3.13.0 command -v python3.13 2>/dev/null || echo python3.13)
VENV313 := .venv313

.PHONY: install demo run serve test test-sqlite test-postgres test-py313 test-fast test-replica smoke lint openapi messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A development checkout's settings, so `ravao <command>` works in the clone (never overrides the real
# environment; production has no .env: docs/operations.md).
.env:
	printf '# Written by make install for development. Production: set real variables (docs/configuration.md).\nRAVAO_DEBUG=1\n' > .env

# Front-end libraries (QR scanner, charts, graph) from the pinned package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

install: $(STAMP) node_modules/.installed .env

# The demo runs on today's two-level map (province → ward); `ravao demo --scheme 2021 --reset` for the old one.
demo: install
	$(BIN)/ravao migrate --noinput
	$(BIN)/ravao demo --scheme 2025
	$(BIN)/ravao runserver 127.0.0.1:8000

run: install
	$(BIN)/ravao migrate --noinput
	$(BIN)/ravao runserver 127.0.0.1:8000

# Production: gunicorn with collected, hashed, compressed static files (settings from the environment).
serve: install
	RAVAO_DEBUG=0 $(BIN)/ravao serve

# The whole suite on SQLite, then on PostgreSQL (BRIEF: CI runs on both).
test: test-sqlite test-postgres

test-sqlite: install
	$(BIN)/ravao makemigrations --check --dry-run > /dev/null || (echo "Missing migrations: run ravao makemigrations" && exit 1)
	$(BIN)/pytest -q

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

# The suite on the newest supported Python (3.13), SQLite.
$(VENV313)/.installed: pyproject.toml
	test -x $(VENV313)/bin/python || PYENV_VERSION=3.13.0 $(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/pip install --quiet --upgrade pip
	$(VENV313)/bin/pip install --quiet -e '.[dev]'
	touch $(VENV313)/.installed

test-py313: $(VENV313)/.installed node_modules/.installed .env
	$(VENV313)/bin/python --version
	$(VENV313)/bin/pytest -q

# The production command on a fresh PostgreSQL database: /healthz and one check-in over HTTP.
smoke: install
	$(BIN)/python bench/smoke_production.py --database-url $(PG_URL)_smoke

# Tracing and oversight against a real streaming replica (issue 13 item 5): bench/topology/make_replica.sh
# copies the local cluster (5432) into a second one on REPLICA_PORT, the `replica` tests run, the copy is
# dropped whatever they say. Needs root (Debian's pg_createcluster) and about a minute.
REPLICA_PORT ?= 5433
REPLICA_PG_URL ?= postgres://postgres@127.0.0.1:$(REPLICA_PORT)/ravao
test-replica: install
	bench/topology/make_replica.sh up $(REPLICA_PORT)
	DATABASE_URL=$(PG_URL) DATABASE_REPLICA_URL=$(REPLICA_PG_URL) RAVAO_TEST_REPLICA_URL=$(REPLICA_PG_URL) \
		$(BIN)/pytest -q -m replica ravao/tests/test_replica.py; \
		status=$$?; bench/topology/make_replica.sh down $(REPLICA_PORT); exit $$status

test-fast: install
	$(BIN)/pytest -q -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check ravao
	$(BIN)/mypy ravao

openapi: $(STAMP)
	$(BIN)/ravao export_openapi_schema --api ravao.api.api.api --indent 2 --sorted --output docs/api/openapi.json

messages: $(STAMP)
	cd ravao && ../$(BIN)/django-admin makemessages -l vi -l en -i "tests/*" -e html,txt,py,webmanifest,js
	cd ravao && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) $(VENV313) var *.sqlite3
