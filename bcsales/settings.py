"""Settings for bcsales, read from the environment through django-environ.

Every value has a default that lets a new user run the demo with no configuration; a malformed
value stops the start with a message naming the variable. The README lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from bcsales.csp import DEFAULT_POLICY

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


def _read(name: str, parse):
    """Parse one variable, turning any failure into a message that names it."""
    try:
        return parse()
    except ImproperlyConfigured:
        raise
    except Exception as exc:  # environ raises ValueError, KeyError, ... per type
        raise ImproperlyConfigured(f"{name} is malformed: {exc}") from exc


def _generated(path: Path, make) -> str:
    """Return the value kept in `path`, creating it on first start."""
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _private_folder(path: Path) -> Path:
    """Create ``path`` readable by its owner only (0700): it holds the secret key, the field
    encryption keys, the database and the embedded Redis socket."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def _private_file(path: Path) -> None:
    """Create ``path`` (empty) or restrict it to its owner (0600) before anything writes it.

    SQLite gives its -wal and -shm files the permissions of the database file.
    """
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    elif path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


DATA_DIR = _private_folder(Path(env.str("DATA_DIR", default=str(BASE_DIR / ".data"))).resolve())

def _strict_bool(name: str, default: bool) -> bool:
    # environ reads any unknown word as False; a typo should not silently turn a switch off.
    raw = env.str(name, default=str(default)).strip().lower()
    if raw not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
        raise ImproperlyConfigured(f"{name} is malformed: use true or false, not {raw!r}")
    return raw in {"1", "true", "yes", "on"}


DEBUG = _strict_bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _generated(
    DATA_DIR / "secret_key", get_random_secret_key
)
ALLOWED_HOSTS = _read(
    "ALLOWED_HOSTS", lambda: env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
)
CSRF_TRUSTED_ORIGINS = _read(
    "CSRF_TRUSTED_ORIGINS", lambda: env.list("CSRF_TRUSTED_ORIGINS", default=[])
)


def _encryption_keys() -> list[str]:
    raw = env.str("FIELD_ENCRYPTION_KEYS", default="") or _generated(
        DATA_DIR / "field_encryption_keys", lambda: Fernet.generate_key().decode()
    )
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    for key in keys:
        Fernet(key)  # raises ValueError on a key that is not 32 url-safe base64 bytes
    return keys


# Secrets at rest are encrypted with these Fernet keys (first encrypts, all decrypt), kept apart
# from SECRET_KEY so rotating one does not touch the other.
FIELD_ENCRYPTION_KEYS = _read("FIELD_ENCRYPTION_KEYS", _encryption_keys)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_rq",
    "django_filters",
    "django_tables2",
    "axes",
    "connection.lists",
    "connection",
    "mappings",
    "synchronization",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bcsales.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bcsales.urls"
WSGI_APPLICATION = "bcsales.wsgi.application"

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
                "connection.context_processors.access",
            ],
        },
    },
]


def _database() -> dict:
    config = env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")
    if "." not in config.get("ENGINE", ""):  # environ passes unknown schemes through as-is
        raise ImproperlyConfigured("DATABASE_URL is malformed: unknown database scheme")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The web server and the workers write at once: WAL plus IMMEDIATE transactions make
        # SQLite wait for the lock instead of failing with "database is locked".
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
        if config["NAME"] not in ("", ":memory:") and not config["NAME"].startswith("file:"):
            _private_file(Path(config["NAME"]))
    return config


DATABASES = {"default": _read("DATABASE_URL", _database)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _redis_url() -> str:
    # `bcsales run` writes the embedded server's address here for every process it starts.
    embedded = DATA_DIR / "redis.url"
    default = embedded.read_text().strip() if embedded.exists() else "redis://127.0.0.1:6379/0"
    url = env.str("REDIS_URL", default=default)
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL is malformed: use redis://, rediss:// or unix://")
    return url


REDIS_URL = _read("REDIS_URL", _redis_url)
# Only job ids travel through Redis: JSON, never RQ's default pickle (unpickling what a Redis
# holds runs whatever code someone who can write to it put there). The worker class enforces
# the same serializer for `manage.py rqworker` and `bcsales run`.
RQ_SERIALIZER = "rq.serializers.JSONSerializer"
RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 6 * 3600, "SERIALIZER": RQ_SERIALIZER},
}
RQ_SHOW_ADMIN_LINK = False
# One cache for the web server and every worker, in the Redis the queue already uses: what one
# process counts or throttles, the others see (a per-process cache would disagree).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                "KEY_PREFIX": "bcsales"},
}

SANDBOX_PORT = _read("SANDBOX_PORT", lambda: env.int("SANDBOX_PORT", default=8443))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sign-in attempts are limited per user name and address (django-axes): after AXES_FAILURE_LIMIT
# failures that pair is locked out for AXES_COOLOFF_HOURS. Administrators see and clear lockouts
# in the admin (Axes > Access attempts) or with `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _read("AXES_FAILURE_LIMIT", lambda: env.int("AXES_FAILURE_LIMIT", default=5))
AXES_COOLOFF_TIME = timedelta(hours=_read(
    "AXES_COOLOFF_HOURS", lambda: env.float("AXES_COOLOFF_HOURS", default=1.0)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy the client's address is the proxy's unless it is read from its header.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if _strict_bool("BEHIND_TLS_PROXY", False)
    else ["REMOTE_ADDR"])

# Sessions end after SESSION_COOKIE_AGE seconds (default 12 hours), or when the browser closes.
SESSION_COOKIE_AGE = _read("SESSION_COOKIE_AGE",
                           lambda: env.int("SESSION_COOKIE_AGE", default=12 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = _strict_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# Production behind HTTPS (README, "Production notes"): all off by default so the demo runs on
# http://127.0.0.1; `manage.py check --deploy` is silent once they are set.
SECURE_SSL_REDIRECT = _strict_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = _read("SECURE_HSTS_SECONDS",
                            lambda: env.int("SECURE_HSTS_SECONDS", default=0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _strict_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _strict_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _strict_bool("SECURE_COOKIES", False)
if _strict_bool("BEHIND_TLS_PROXY", False):  # only behind a proxy that sets it
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy of every page (bcsales/csp.py); empty turns the header off.
CONTENT_SECURITY_POLICY = env.str("CONTENT_SECURITY_POLICY", default=DEFAULT_POLICY)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve straight from the source folders so the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Synchronization scheduling: how often the job queue is looked at, and when a running job whose
# heartbeat stopped counts as abandoned by a dead worker (it is then resumed).
SYNC_TICK_SECONDS = _read("SYNC_TICK_SECONDS", lambda: env.int("SYNC_TICK_SECONDS", default=30))
SYNC_STALE_AFTER_SECONDS = _read(
    "SYNC_STALE_AFTER_SECONDS", lambda: env.int("SYNC_STALE_AFTER_SECONDS", default=90)
)
# First back-off after a 5xx, a timeout or a dropped connection; it doubles on each retry. The
# tests shorten it (their sandbox fails on purpose); Retry-After on a 429 is always honoured.
SYNC_RETRY_BASE_SECONDS = _read(
    "SYNC_RETRY_BASE_SECONDS", lambda: env.float("SYNC_RETRY_BASE_SECONDS", default=1.0)
)
RQ = {"WORKER_CLASS": "synchronization.worker.Worker"}
