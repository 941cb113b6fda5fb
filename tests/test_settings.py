"""Start-up from the environment: refusals that name the variable, and a clean deployment check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Jq9-production-like-secret-key-with-enough-entropy-Zx81PwQ2rT7vB4nM6",
    "FIELD_KEYS": "k1:aes:cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0wMTIzNDU=",
    "ALLOWED_HOSTS": "fulian.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://fulian.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/sanxin-check.sqlite3",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.gov.cn:587",
}


def run_django(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    dropped = {*PRODUCTION, "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_the_documented_production_variables():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


COOKIES_PROBE = """
from django.conf import settings
from django.test import Client

page = Client(HTTP_HOST="fulian.example.gov.cn").get("/accounts/login/", secure=True)
print(page.cookies["csrftoken"].output())
print("session", settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)
print("csp", page["Content-Security-Policy"])
"""


def test_production_cookies_are_secure_and_the_session_cookie_is_http_only():
    # STATIC_MANIFEST=0: the probe renders a page without running collectstatic first
    result = run_django({**PRODUCTION, "STATIC_MANIFEST": "0"}, "shell", "-v0", "-c", COOKIES_PROBE)
    assert result.returncode == 0, result.stderr
    csrf, session, csp = result.stdout.splitlines()[-3:]
    assert "; Secure" in csrf and "; HttpOnly" in csrf
    assert session == "session True True"
    assert "script-src 'self'" in csp


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_KEYS", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {**PRODUCTION, missing: ""}
    result = run_django(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("CONN_MAX_AGE", "soon"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("DATABASE_URL", "nonsense://x"),
        ("CACHE_URL", "memcached://127.0.0.1:11211"),
        ("FIELD_KEYS", "k1:aes:c2hvcnQ="),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(name, value):
    result = run_django({**PRODUCTION, name: value}, "check")
    assert result.returncode != 0
    assert name in result.stderr


def test_cache_url_shares_cached_figures_between_processes():
    from tests.conftest import need, redis_answers

    url = "redis://127.0.0.1:6379/9"
    need(redis_answers(url), "Redis")
    env = {**PRODUCTION, "CACHE_URL": url}
    writer = "from django.core.cache import cache; cache.set('probe', 'written by another process', 30)"
    reader = "from django.core.cache import caches; print(type(caches['default']).__name__, caches['default'].get('probe'))"
    assert run_django(env, "shell", "-v0", "-c", writer).returncode == 0
    result = run_django(env, "shell", "-v0", "-c", reader)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "RedisCache written by another process"
