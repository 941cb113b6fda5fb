"""docker-compose.yml cannot run here (no Docker engine), so its shape is checked against the project."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command_of(service: str) -> str:
    command = COMPOSE["services"][service].get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_compose_describes_web_worker_beat_postgres_and_redis():
    assert {"web", "worker", "beat", "db", "redis"} <= set(COMPOSE["services"])
    for service in ("web", "db", "redis"):
        assert "healthcheck" in COMPOSE["services"][service], service


def test_compose_commands_name_things_that_exist_in_the_project():
    from django.conf import settings

    assert "gunicorn" in command_of("web") and "federation.wsgi" in command_of("web")
    assert (ROOT / "federation" / "wsgi.py").exists()
    assert "celery -A federation worker" in command_of("worker")
    assert "celery -A federation beat" in command_of("beat")
    healthcheck = " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])
    assert "/healthz" in healthcheck
    entry = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert "migrate" in entry and "collectstatic" in entry
    assert settings.ROOT_URLCONF == "federation.urls"


def test_compose_passes_every_production_variable_the_settings_require():
    environment = COMPOSE["x-app-environment"]
    for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_KEYS", "ALLOWED_HOSTS", "DEBUG"):
        assert variable in environment, variable
    assert str(environment["DEBUG"]) in {"0", "false", "False"}


def test_env_example_lists_every_variable_the_settings_read():
    import re

    settings_text = (ROOT / "federation" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:bool|int|list|url)\("([A-Z_]+)"', settings_text))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_text))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read - documented == set()
