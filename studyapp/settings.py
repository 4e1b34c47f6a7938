"""Settings for the API Gateway study app.

Everything comes from environment variables with safe development defaults, so a
fresh clone runs with no configuration at all:

- DJANGO_DEBUG (default off; `make run` turns it on)
- DJANGO_SECRET_KEY (default: generated once and kept in var/secret_key)
- DATABASE_URL (default: SQLite file var/db.sqlite3), e.g. postgres://user:pw@host/db
- DJANGO_ALLOWED_HOSTS (comma separated; default: localhost names)
- DJANGO_CSRF_TRUSTED_ORIGINS (comma separated; default: none)
- GATEWAY_INVOKE_DOMAIN (default: execute-api.localhost): learners' APIs answer at
  http://<api-id>.<this domain>:<port>/<stage>/, an origin of their own (docs/configuration.md)
- DJANGO_SECURE (default off): HTTPS-only cookies, HSTS, SSL redirect, trusted proxy header
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STUDYAPP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept on disk."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
GATEWAY_INVOKE_DOMAIN = os.environ.get("GATEWAY_INVOKE_DOMAIN", "execute-api.localhost")
# The AWS endpoint's request quota per learner (AWS's own for API Gateway's control plane:
# 10 requests per second, burst 40); benches raise it to measure the endpoint itself.
SANDBOX_CONTROL_RATE = float(os.environ.get("SANDBOX_CONTROL_RATE", "10"))
SANDBOX_CONTROL_BURST = int(os.environ.get("SANDBOX_CONTROL_BURST", "40"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_ratelimit",
    "studyapp",
    "notes",
    "quizzes",
    "sandbox",
]

MIDDLEWARE = [
    # First: invoke hosts and /gw/ reach the gateway and nothing else (no session, no page).
    "sandbox.invoke_host.middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last of the auth chain, as django-axes requires: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studyapp.middleware.content_security_policy",
    "sandbox.dock.lab_dock_middleware",
]

ROOT_URLCONF = "studyapp.urls"
WSGI_APPLICATION = "studyapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studyapp.context_processors.roles",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.config(default=_default_db, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Keep connections: opening one runs the pragmas below, a cost every /gw/ call would pay.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers carry on while the ingest writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write inside a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login attempts are limited per account and per address (django-axes, stored in the database
# so every app server agrees): 10 failures in a row lock that username from that address, and
# that address for any username, for an hour; even the right password is refused meanwhile.
# Admins unlock in the admin (Axes: access attempts) or with `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("STUDYAPP_LOGIN_FAILURE_LIMIT", 10))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("STUDYAPP_PROXY_COUNT", 0))  # behind nginx: 1
# Sign-ups per address (django-ratelimit), counted in a database cache shared by every server.
SIGNUP_RATE = os.environ.get("STUDYAPP_SIGNUP_RATE", "5/h")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "studyapp_shared_cache"},
    # Rendered topic-page blocks, keyed by the topic's page version (notes.topic_pages.block_page).
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
RATELIMIT_USE_CACHE = "shared"
# The database cache's increment is not atomic: two simultaneous sign-ups may both be counted
# as one, which leaves the limit approximate by a request or two; acceptable for sign-up spam.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "notes:home"
LOGOUT_REDIRECT_URL = "notes:home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"  # only for `collectstatic` in a deployment
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the finders: no collectstatic step before `make run`.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Host-only cookies (no Domain attribute): never sent to the invoke hosts (*.execute-api...).
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Pages load nothing from other origins: the app works offline and injected markup cannot call out.
# They may call learners' own APIs (CORS labs): `{invoke_origins}` becomes the invoke hosts' pattern.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' {invoke_origins}; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# DJANGO_SECURE=1: the production profile behind HTTPS (docs/configuration.md); `manage.py check
# --deploy` is clean with it.
if env_bool("DJANGO_SECURE", False):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# Study content
NOTES_CONTENT_DIR = BASE_DIR / "notes" / "content"
NOTES_TAXONOMY_FILE = BASE_DIR / "notes" / "taxonomy.yaml"
NOTES_ERRATA_FILE = BASE_DIR / "notes" / "errata.yaml"
NOTES_FACTS_FILE = BASE_DIR / "notes" / "facts.yaml"
NOTES_QUIZ_AMENDMENTS_FILE = BASE_DIR / "notes" / "quiz_amendments.yaml"
QUIZ_BANK_DIR = BASE_DIR / "quizzes" / "bank"
EXAM_QUESTIONS = int(os.environ.get("STUDYAPP_EXAM_QUESTIONS", 65))
EXAM_MINUTES = int(os.environ.get("STUDYAPP_EXAM_MINUTES", 130))

# The simulated gateway answers payloads up to its own 10 MB limit (larger ones get its 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024 + 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
