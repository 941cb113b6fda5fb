# The two commands a newcomer needs:  make run  (serve with demo data)  ·  make test  (the whole suite)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
IGNORE := --ignore=.venv --ignore=node_modules --ignore=var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup assets messages lint lock worker beat benchmark clean

$(VENV)/.installed: requirements.lock
	@$(PY) -c 'import sys; sys.exit("Python 3.11 or newer is needed (set PY=python3.x)") if sys.version_info < (3, 11) else None'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.installed

setup: $(VENV)/.installed assets
	$(MANAGE) compilemessages -v0 $(IGNORE)
	$(MANAGE) migrate --noinput -v0

run: setup
	$(MANAGE) load_demo
	$(MANAGE) runserver $(HOST):$(PORT)

test: $(VENV)/.installed assets
	$(MANAGE) compilemessages -v0 $(IGNORE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run -v1
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Update locale/zh_Hans/LC_MESSAGES/django.po from the sources, then translate what is new.
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l zh_Hans --no-obsolete --no-location $(IGNORE)

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve requirements.lock from pyproject.toml (run after changing dependencies).
lock: $(VENV)/.installed
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# Ledger benchmark on PostgreSQL (DATABASE_URL=postgres://…): prints a table, writes var/benchmark.json.
benchmark: setup
	$(MANAGE) benchmark_ledger --json var/benchmark.json

worker: setup
	$(BIN)/celery -A federation worker --loglevel=info

beat: setup
	$(BIN)/celery -A federation beat --loglevel=info

clean:
	rm -rf $(VENV) node_modules var
