# Two commands do everything on a fresh machine:  make demo  (run with demo data)  and  make test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/ravao
export RAVAO_DEBUG ?= 1

.PHONY: install demo run test test-sqlite test-postgres test-fast lint openapi messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Front-end libraries (QR scanner, charts, graph) from the pinned package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

install: $(STAMP) node_modules/.installed

demo: install
	$(BIN)/ravao migrate --noinput
	$(BIN)/ravao demo
	$(BIN)/ravao runserver 127.0.0.1:8000

run: install
	$(BIN)/ravao migrate --noinput
	$(BIN)/ravao runserver 127.0.0.1:8000

# The whole suite on SQLite, then on PostgreSQL (BRIEF: CI runs on both).
test: test-sqlite test-postgres

test-sqlite: install
	$(BIN)/ravao makemigrations --check --dry-run > /dev/null || (echo "Missing migrations: run ravao makemigrations" && exit 1)
	$(BIN)/pytest -q

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

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
	rm -rf $(VENV) var *.sqlite3
