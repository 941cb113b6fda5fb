# The two commands a newcomer needs:  make run  (serve with demo data)  ·  make test  (the whole suite)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
IGNORE := --ignore=.venv --ignore=node_modules --ignore=var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast setup assets messages lint lock worker beat benchmark load clean

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

# The demo's admin looks around without an authenticator app (TWO_FACTOR_FOR=admins is the default elsewhere).
run: setup
	$(MANAGE) load_demo
	TWO_FACTOR_FOR=$${TWO_FACTOR_FOR:-none} $(MANAGE) runserver $(HOST):$(PORT)

# The suite runs in a random order (the seed is printed; PYTEST_ARGS="-p randomly -p no:xdist --randomly-seed=N"
# replays it in one process) and in TEST_PROCESSES processes, each with its own test database, live server, and
# Celery worker on a queue of its own; a test file stays in one process.
TEST_PROCESSES ?= 2
test: $(VENV)/.installed assets
	$(MANAGE) compilemessages -v0 $(IGNORE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run -v1
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

# The fast lane while working: every test but the browser and worker ones, in two processes, lint after.
test-fast: $(VENV)/.installed assets
	$(MANAGE) compilemessages -v0 $(IGNORE)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not browser and not worker" $(PYTEST_ARGS)
	$(BIN)/ruff check .

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

# The whole app's benchmark on PostgreSQL (DATABASE_URL=postgres://… of its own): prints a table, writes
# var/benchmark.json; the generated data stays (BENCHMARK_ARGS=--reuse measures it again).
benchmark: setup
	$(MANAGE) benchmark --json var/benchmark.json $(BENCHMARK_ARGS)

# HTTP load on the benchmark's data: gunicorn + locust (var/load-venv), figures per page (benchmarks/load.sh).
load: setup
	PY=$(PY) benchmarks/load.sh

worker: setup
	$(BIN)/celery -A federation worker --loglevel=info

beat: setup
	$(BIN)/celery -A federation beat --loglevel=info

clean:
	rm -rf $(VENV) node_modules var

# Security scan: wapiti (pinned, in its own venv) against gunicorn with DEBUG=0 on a throwaway demo database under
# var/scan/, signed in as the demo officer `city`. Plain http on 127.0.0.1, so here only SECURE_SSL_REDIRECT and
# SECURE_COOKIES are off. Writes var/scan/report.json, prints the findings by severity, fails on a high one.
.PHONY: scan
WAPITI_VERSION := 3.2.3
SCAN_DIR := var/scan
SCAN_PORT ?= 8765
SCAN_URL := http://127.0.0.1:$(SCAN_PORT)
SCAN_DB := DATABASE_URL=sqlite:///$(CURDIR)/$(SCAN_DIR)/db.sqlite3 REDIS_URL= MEDIA_ROOT=$(CURDIR)/$(SCAN_DIR)/media
SCAN_ENV := $(SCAN_DB) DEBUG=0 FIELD_KEYS=scan:aes:U0NBTi1PTkxZLU5PVC1BLUtFWS0wMTIzNDU2Nzg5MDE= ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 \
	STATIC_ROOT=$(CURDIR)/$(SCAN_DIR)/static

var/scan-venv/.wapiti-$(WAPITI_VERSION):
	rm -rf var/scan-venv
	$(PY) -m venv var/scan-venv
	var/scan-venv/bin/python -m pip install -q wapiti3==$(WAPITI_VERSION)
	@touch $@

scan: $(VENV)/.installed assets var/scan-venv/.wapiti-$(WAPITI_VERSION)
	rm -rf $(SCAN_DIR) && mkdir -p $(SCAN_DIR)
	$(MANAGE) compilemessages -v0 $(IGNORE)
	env $(SCAN_DB) DEBUG=1 $(MANAGE) migrate --noinput -v0
	env $(SCAN_DB) DEBUG=1 $(MANAGE) load_demo >/dev/null
	env $(SCAN_ENV) SECRET_KEY=collectstatic-only-$$(date +%s%N)-not-a-secret-0123456789abcdefghij \
		$(MANAGE) collectstatic --noinput -v0
	export $(SCAN_ENV) SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))'); \
	$(BIN)/gunicorn federation.wsgi --bind 127.0.0.1:$(SCAN_PORT) --workers 2 --pid $(SCAN_DIR)/gunicorn.pid \
		--access-logfile $(SCAN_DIR)/access.log > $(SCAN_DIR)/server.log 2>&1 & \
	trap "kill $$!" EXIT; \
	for i in $$(seq 60); do sleep 0.5; $(BIN)/python -c 'import urllib.request as r; \
		r.urlopen("$(SCAN_URL)/healthz", timeout=2)' 2>/dev/null && break; done; \
	var/scan-venv/bin/wapiti -u $(SCAN_URL)/ -m common --no-bugreport -v 1 --tasks 4 \
		--form-url $(SCAN_URL)/accounts/login/ --form-user city --form-password 'Wuhai@2026' \
		-x '$(SCAN_URL)/accounts/logout/' -x '$(SCAN_URL)/admin/logout/' -x '$(SCAN_URL)/accounts/password/*' \
		-x '$(SCAN_URL)/language/' --max-scan-time 420 --max-attack-time 90 \
		--store-session $(SCAN_DIR)/session --store-config $(SCAN_DIR)/config \
		-f json -o $(SCAN_DIR)/report.json > $(SCAN_DIR)/wapiti.log 2>&1 || { tail -20 $(SCAN_DIR)/wapiti.log; exit 1; }
	$(BIN)/python -c 'import collections, json, sys; report = json.load(open("$(SCAN_DIR)/report.json")); \
	names = ["info", "low", "medium", "high", "critical"]; \
	found = sorted((-v["level"], kind, v["path"], v["info"]) for part in ("vulnerabilities", "anomalies") \
	for kind, items in report[part].items() for v in items); \
	[print(f"{names[-level]:<8} {kind} · {path} · {text[:160]}") \
	for level, kind, path, info in found for text in [" ".join(info.split())]]; \
	counts = collections.Counter(names[-level] for level, *_ in found); \
	print("findings by severity:", {name: counts[name] for name in reversed(names)}); \
	sys.exit(1 if counts["high"] or counts["critical"] else 0)'
