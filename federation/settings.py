"""Settings, all from the environment (see .env.example); safe defaults for a laptop.

Without any variable set: DEBUG on, SQLite under var/, Celery tasks run in-process, e-mail to the console.
With DEBUG off the app refuses to start unless SECRET_KEY and ALLOWED_HOSTS are set.
"""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; any value outside the known spellings stops start-up naming the variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """A whole-number variable, at least `minimum`; a bad value stops start-up naming the variable."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated variable, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_url(name: str, parse, default: str) -> dict:
    """A URL-shaped variable parsed by django-environ; a malformed one stops start-up naming the variable."""
    raw = os.environ.get(name) or default
    try:
        return parse(raw)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ImproperlyConfigured(f"{name} is not a valid URL ({exc}); got {raw!r}.") from None


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-a-laptop-never-for-production-0123456789"

# Keys that seal personal fields at rest (mobiles, contacts' names, formation answers): "id:aes:<base64 32
# bytes>" or "id:sm4:<base64 16 bytes>", comma-separated, the current one first (`manage.py field_keys new`
# makes one). A laptop without it uses a development key; with DEBUG off the app refuses to start without it.
FIELD_KEYS = env_list("FIELD_KEYS")
if not FIELD_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_KEYS must be set when DEBUG is off (personal fields are encrypted with it; see docs/security.md)."
        )
    FIELD_KEYS = ["dev:aes:ZGV2ZWxvcG1lbnQta2V5LW9ubHktZm9yLWxhcHRvcCE="]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The address people use to reach the app, for links in e-mails and invitations.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "federation",
    "branches",
    "workflows",
    "answers",
    "activities",
    "coverage",
    "jobs",
    "benchmarks",  # the benchmark commands (manage.py benchmark …); no models, nothing served
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "federation.sessions.SessionActivityMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "federation.middleware.UserLanguageMiddleware",
    "federation.context.RequestContextMiddleware",
    "federation.twofactor.TwoFactorMiddleware",
    "federation.passwords.PasswordPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# BENCHMARK_URLS=1 adds a trivial page for the HTTP load test (benchmarks/load.sh); never in production.
ROOT_URLCONF = "benchmarks.urls" if env_bool("BENCHMARK_URLS", False) else "federation.urls"
WSGI_APPLICATION = "federation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "federation.context_processors.navigation",
                "federation.sessions.session_limits",
            ],
        },
    },
]

# Database: SQLite under var/ by default; PostgreSQL through DATABASE_URL=postgres://user:pass@host:5432/name
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env_url("DATABASE_URL", environ.Env.db_url_config, DATABASE_URL)}
if DATABASES["default"].get("ENGINE") not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
    raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// or sqlite:// URL; got {DATABASE_URL!r}.")
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A new PostgreSQL connection costs ~5 ms of CPU: reuse them (a trivial page goes from ~220 to ~1,000 req/s).
    DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # Searches read the search index's pending list whole: keep it short (a register import raises it for its
    # own transaction and merges it at the end; see branches migrations 0005 and 0009).
    _options = DATABASES["default"]["OPTIONS"].get("options", "")
    DATABASES["default"]["OPTIONS"]["options"] = f"{_options} -c gin_pending_list_limit=256".strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "federation.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "federation.backends.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "federation.passwords.CharacterClassesValidator"},
    {"NAME": "federation.passwords.PasswordHistoryValidator"},
]
# At least this many of lower-case letters, capitals, digits and symbols; no reuse of the last PASSWORD_HISTORY;
# staff change their password every PASSWORD_EXPIRY_DAYS (0: never).
PASSWORD_CHARACTER_CLASSES = env_int("PASSWORD_CHARACTER_CLASSES", 3, minimum=1)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)
PASSWORD_EXPIRY_DAYS = env_int("PASSWORD_EXPIRY_DAYS", 90)
# Who gives a second factor (an authenticator app's code) at sign-in: "admins", "staff" or "none".
TWO_FACTOR_FOR = os.environ.get("TWO_FACTOR_FOR", "admins")
if TWO_FACTOR_FOR not in {"admins", "staff", "none"}:
    raise ImproperlyConfigured("TWO_FACTOR_FOR must be admins, staff or none")
OTP_TOTP_ISSUER = os.environ.get("OTP_ISSUER", "三新领域妇建工作平台")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "federation:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling: five failures for one user name from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Languages: 简体中文 by default, English second; each user keeps a preference.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE is not a known time zone; got {TIME_ZONE!r}.") from None
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from the npm registry (package-lock.json) and are served by the app itself.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
# widgets render through the project's templates (workflows' table widget lives in templates/)
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# E-mail: console by default; EMAIL_URL=smtp+tls://user:password@smtp.example.org:587 in production.
EMAIL_CONFIG = env_url("EMAIL_URL", environ.Env.email_url_config, "consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# Background work: Celery on Redis; with REDIS_URL unset, tasks run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# The queue tasks go to (and workers read); lets several installations share one Redis.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when Redis is down, so that a page never hangs on it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 0}
CELERY_TASK_PUBLISH_RETRY = False
# Tasks report through the database, not through results; only the health ping keeps one.
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_REDIS_RETRY_ON_TIMEOUT = False
CELERY_RESULT_BACKEND_ALWAYS_RETRY = False
# Each job reads what is due from the database, so running it often is harmless: every hour the reminder
# sweep sends what became due (on working days, from REMINDER_HOUR), every ten minutes undelivered messages
# are handed to their channels again.
CELERY_BEAT_SCHEDULE: dict = {
    "reminders-send-due": {"task": "branches.reminders_send_due", "schedule": 3600},
    "notifications-redeliver": {"task": "federation.notifications_redeliver", "schedule": 600},
    # last month's final coverage figures once, today's when the data changed (a look for change marks when
    # nothing did: two small queries)
    "coverage-snapshots": {"task": "coverage.snapshots_monthly", "schedule": 60},
    # the logs' hash chains take in new entries each minute; entries past their keeping time go once a day
    "audit-seal": {"task": "federation.audit_seal", "schedule": 60},
    "audit-purge": {"task": "federation.audit_purge", "schedule": 86400},
    "sessions-clear": {"task": "federation.sessions_clear", "schedule": 86400},
    # the weekly digests of the reminders people chose to receive gathered (first working day of the week)
    "digests-send": {"task": "federation.digests_send", "schedule": 3600},
    # jobs whose worker stopped are marked failed; results past their keeping time are removed
    "jobs-sweep": {"task": "jobs.sweep", "schedule": 300},
}
# Long work (a register import's preview and apply above IMPORT_INLINE_BYTES) runs as a job: by the worker, or
# without a broker in a thread of the web process. Results are kept JOBS_KEEP_DAYS days [7]; a running job that
# reports nothing for JOBS_STALE_MINUTES [10] is marked failed (its worker stopped).
JOBS_RUNNER = os.environ.get("JOBS_RUNNER", "")  # "" picks celery or thread; the tests use "inline"
JOBS_KEEP_DAYS = env_int("JOBS_KEEP_DAYS", 7, minimum=1)
JOBS_STALE_MINUTES = env_int("JOBS_STALE_MINUTES", 10, minimum=1)
# A register file up to this size is read and applied within the request; a larger one as a job. [1000000]
IMPORT_INLINE_BYTES = env_int("IMPORT_INLINE_BYTES", 1_000_000)
# A ledger export of up to this many rows is sent within the request; a larger one is written as a job. [20000]
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 20_000)
# A run's papers package whose attachments weigh up to this many bytes is zipped within the request; a heavier
# one, asked for by staff, as a job (the liaison always gets it at once). [20000000]
PACKAGE_INLINE_BYTES = env_int("PACKAGE_INLINE_BYTES", 20_000_000)
# Where `manage.py backup` and the admins' backup page write backups (kept on the server, never downloaded).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or VAR_DIR / "backups")
# Log entries (logins, operations, personal data, jobs) are kept this many days at least. [180]
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180, minimum=180)
# host:port of a central syslog server (UDP) that receives each log entry as it is sealed; empty: none.
AUDIT_SYSLOG = os.environ.get("AUDIT_SYSLOG", "")
# Coverage figures whose last computation took at most this many milliseconds are recomputed inside the page
# that finds them out of date; slower ones go to the worker while the page says how old its figures are. [1000]
COVERAGE_INLINE_MS = env_int("COVERAGE_INLINE_MS", 1000)

# Notifications: the inbox always; these channels carry copies (add SMS or WeCom classes here).
NOTIFICATION_CHANNELS = env_list(
    "NOTIFICATION_CHANNELS", "federation.channels.EmailChannel,federation.channels.LogChannel"
)
# WeCom group robot and Alibaba Cloud SMS channels (federation/channels.py); empty: the channel is not configured.
WECOM_WEBHOOK_URL = os.environ.get("WECOM_WEBHOOK_URL", "")
SMS_ACCESS_KEY_ID = os.environ.get("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = os.environ.get("SMS_ACCESS_KEY_SECRET", "")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TEMPLATE_CODE = os.environ.get("SMS_TEMPLATE_CODE", "")
SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
CHANNEL_TIMEOUT_SECONDS = env_int("CHANNEL_TIMEOUT_SECONDS", 10, minimum=1)
# Reminders go out on working days (China's calendar) from this hour, local time.
REMINDER_HOUR = env_int("REMINDER_HOUR", 9)

# How long a process keeps the list of regions under each area (every staff page filters by it). [300]
SCOPE_CACHE_SECONDS = env_int("SCOPE_CACHE_SECONDS", 300)

# One process's memory by default (a laptop, the tests). Production with several gunicorn workers sets
# CACHE_URL=redis://…/1 so that cached figures are computed once for all of them, not once per worker.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL; got {CACHE_URL!r}.")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "sanxin",
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Production hardening; each can be relaxed through the environment, e.g. on an intranet without TLS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx takes the token from the page's form (static/js/app.js).
CSRF_COOKIE_HTTPONLY = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): every script, style, font and image comes from the app itself, with no
# inline script or style and no eval. htmx's indicator styles are in static/css/app.css (htmx-config in
# base.html turns off the <style> it would inject); ECharts and Bootstrap set styles through the CSSOM, which
# the policy does not restrict. Bootstrap's CSS draws some icons from data: SVGs; downloads may use blob:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# A session ends SESSION_IDLE_MINUTES after its last request, and SESSION_HOURS after its sign-in whatever happens.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12, minimum=1) * 3600
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=2)
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Number of reverse proxies in front of the app that append to X-Forwarded-For (0: trust REMOTE_ADDR only).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT

UPLOAD_MAX_MB = env_int("UPLOAD_MAX_MB", 20, minimum=1)
# Registers are read at most this many rows and columns; a sheet whose cells span more than IMPORT_MAX_CELLS
# is refused before it is read (the reader allocates the whole rectangle up to the farthest cell).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000, minimum=1)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200, minimum=1)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 10_000_000, minimum=1)
# ZIP-based uploads (XLSX, DOCX) whose contents expand past this size or ratio are refused (zip bombs).
UPLOAD_ZIP_MAX_MB = env_int("UPLOAD_ZIP_MAX_MB", 500, minimum=1)
UPLOAD_ZIP_MAX_RATIO = env_int("UPLOAD_ZIP_MAX_RATIO", 200, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django.db.backends": {"level": "INFO"}},
}

# Demo accounts exist only on a laptop: load_demo refuses to run with DEBUG off.
DEMO_PASSWORD = "Wuhai@2026"
