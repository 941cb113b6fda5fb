#!/usr/bin/env bash
# HTTP load test: gunicorn (2 sync workers, DEBUG off) on the benchmark's PostgreSQL data, locust headless
# (50 users, 60 s), then requests/s, p95, errors and capacity per page. Run through `make load`:
#
#   DATABASE_URL=postgres://…/sx_bench make load        # SCALE=100000 USERS=50 RUN_TIME=60s LOAD_PORT=8765
#
# The data is generated the first time (minutes at 100,000 organisations) and reused afterwards.
# Everything it writes goes to var/load/ (targets, access log, locust CSV, load.json) and var/load-venv/.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL=postgres://… to a database of the benchmark, e.g. sx_bench}"
SCALE=${SCALE:-100000}
USERS=${USERS:-50}
RUN_TIME=${RUN_TIME:-60s}
PORT=${LOAD_PORT:-8765}
WORKERS=2
LOCUST_VERSION=2.47.0
PY=${PY:-python3}
OUT=var/load
LOAD_VENV=var/load-venv
mkdir -p "$OUT"

if ! "$LOAD_VENV/bin/locust" --version 2>/dev/null | grep -q "locust $LOCUST_VERSION "; then
    echo "Installing locust $LOCUST_VERSION into $LOAD_VENV …"
    "$PY" -m venv "$LOAD_VENV"
    "$LOAD_VENV/bin/python" -m pip install -q --upgrade pip
    "$LOAD_VENV/bin/python" -m pip install -q "locust==$LOCUST_VERSION"
fi

# A production-like process on plain local HTTP; the session secret lives for this run only.
export DATABASE_URL DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0
export CONN_MAX_AGE=600 BENCHMARK_URLS=1 STATIC_ROOT="$PWD/$OUT/static" LOG_LEVEL=WARNING
SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY

.venv/bin/python -m benchmarks.load prepare --scale "$SCALE" --out "$OUT/targets.json"
.venv/bin/python manage.py collectstatic --noinput -v0

rm -f "$OUT/access.log"
.venv/bin/gunicorn federation.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
    --worker-class sync --timeout 60 --access-logfile "$OUT/access.log" \
    --access-logformat '%({x-load-page}i)s %(s)s %(D)s' --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true' EXIT

for _ in $(seq 1 60); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
    sleep 0.5
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || { echo "gunicorn did not start: see $OUT/gunicorn.log"; exit 1; }

echo "Locust: $USERS users for $RUN_TIME against 127.0.0.1:$PORT ($WORKERS sync workers) …"
LOAD_TARGETS="$OUT/targets.json" "$LOAD_VENV/bin/locust" -f benchmarks/locustfile.py --headless \
    --users "$USERS" --spawn-rate "$USERS" --run-time "$RUN_TIME" --stop-timeout 10 \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary --exit-code-on-error 0 \
    > "$OUT/locust.log" 2>&1

echo
.venv/bin/python -m benchmarks.load report "$OUT" --workers "$WORKERS"
echo "Figures written to $OUT/load.json; locust's own output in $OUT/locust.log."
