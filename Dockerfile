# Production image: gunicorn serving the app, static files by WhiteNoise; the same image runs the worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/sanxin STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/var/lib/sanxin/media
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY . .
COPY --from=assets /src/node_modules ./node_modules
RUN DEBUG=1 python manage.py compilemessages -v0 --ignore=node_modules \
    && DEBUG=0 SECRET_KEY=build-only FIELD_KEYS=build:aes:QlVJTEQtT05MWS1OT1QtQS1LRVktMDEyMzQ1Njc4OTA= ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0 \
    && useradd --system --home /app sanxin && mkdir -p /var/lib/sanxin/media && chown -R sanxin /var/lib/sanxin
USER sanxin
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "federation.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--control-socket", "/tmp/gunicorn.ctl"]
