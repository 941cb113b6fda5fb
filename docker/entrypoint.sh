#!/bin/sh
# Applies migrations (web only: RUN_MIGRATIONS=1) and makes sure static files are collected, then runs the command.
set -e
if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
  python manage.py migrate --noinput
fi
[ -f "${STATIC_ROOT:-/app/staticfiles}/staticfiles.json" ] || python manage.py collectstatic --noinput -v0
exec "$@"
