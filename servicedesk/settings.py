"""Django settings, read from the environment.

The embedded default is one SQLite file in the data folder (``SERVICEDESK_DATA_DIR``, ``./data``);
production sets ``DATABASE_URL`` to PostgreSQL and, for a shared cache, ``REDIS_URL``. Nothing is
kept in process memory between requests (sessions and idempotency keys live in the database, the
cache in the database or Redis), so any number of web servers can run behind a load balancer.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SERVICEDESK_DATA_DIR", Path.cwd() / "data")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("SERVICEDESK_DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # The demo and the tests run without configuration; production must set SECRET_KEY
    # (the `servicedesk serve` command refuses to start without it).
    SECRET_KEY = "insecure-demo-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = [h.strip()
                 for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
                 if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",
    "huey.contrib.djhuey",
    "servicedesk.core",
    "servicedesk.org",
    "servicedesk.network",
    "servicedesk.customers",
    "servicedesk.sla",
    "servicedesk.contacts",
    "servicedesk.tickets",
    "servicedesk.outages",
    "servicedesk.complaints",
    "servicedesk.surveys",
    "servicedesk.search",
    "servicedesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "servicedesk.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "servicedesk.urls"
WSGI_APPLICATION = "servicedesk.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

_default_sqlite = DATA_DIR / "servicedesk.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{_default_sqlite}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if (DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
        and _env_bool("DATABASE_PREPARED_STATEMENTS", True)):
    # Parameters bound on the server and statements prepared after their fifth use on a
    # connection: PostgreSQL then plans a statement once per connection instead of on every
    # execution (a fault call's queries went from about 0.6 ms to 0.1 ms each). Turn off
    # (DATABASE_PREPARED_STATEMENTS=0) behind a pooler in transaction mode, e.g. PgBouncer < 1.21.
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                                       "server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The data folder is created by the commands that open the database (servicedesk.cli), not
    # here: `servicedesk --help` must not leave a ./data folder wherever it runs.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
        # with "database is locked" half-way through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    if os.environ.get("SERVICEDESK_TEST_SQLITE_FILE"):
        # Tests that start real server processes need a file, not an in-memory database.
        DATABASES["default"]["TEST"] = {"NAME": os.environ["SERVICEDESK_TEST_SQLITE_FILE"]}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "servicedesk_cache"}}

# The background task queue (SLA warning sweep, e-mail, recomputation): ``servicedesk worker``.
# Embedded default: a SQLite file in the data folder, no extra service. With REDIS_URL: Redis, so
# that several workers on several machines share one queue. SERVICEDESK_TASKS_IMMEDIATE=1 runs
# tasks in-process at enqueue time (no worker; for single-process tools, never in production).
_huey_common = {
    "name": "servicedesk",
    "immediate": _env_bool("SERVICEDESK_TASKS_IMMEDIATE", False),
    "utc": True,
    "results": False,
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True, "check_worker_health": True},
}
if REDIS_URL:
    HUEY = {**_huey_common, "huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    # Opened (and its folder created) on first use, not at start-up: servicedesk.core.task_queue.
    HUEY = {**_huey_common, "huey_class": "servicedesk.core.task_queue.DataFolderSqliteHuey",
            "filename": str(DATA_DIR / "tasks.sqlite3")}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
if _env_bool("SERVICEDESK_FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the package's static folders when collectstatic has not run (demo, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploaded files live in the data folder and are never served as media: no MEDIA_URL route exists.
# Evidence of callbacks (CMP-6: recordings, signed confirmations) is read only through views that
# check who asks. Several web servers must share SERVICEDESK_EVIDENCE_DIR (a shared volume), or
# point STORAGES["evidence"] at an object store's Django storage backend.
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("SERVICEDESK_EVIDENCE_DIR", str(DATA_DIR / "evidence")),
                    "file_permissions_mode": 0o640, "directory_permissions_mode": 0o750},
    },
}
# The largest evidence file accepted (bytes): a recording of a long call, a scanned signature.
SERVICEDESK_EVIDENCE_MAX_BYTES = int(os.environ.get("SERVICEDESK_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# SLA warnings are mailed through the utility's SMTP relay
# (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "servicedesk@localhost")
# OUT-6, INT-8: messages to callers (ETR changes, restoration) go through these gateways: any class
# with ``send(message) -> reference`` (servicedesk.contacts.gateways). The default only logs.
SERVICEDESK_SMS_GATEWAY = os.environ.get("SERVICEDESK_SMS_GATEWAY",
                                         "servicedesk.contacts.gateways.LoggingGateway")
SERVICEDESK_VOICE_GATEWAY = os.environ.get("SERVICEDESK_VOICE_GATEWAY",
                                           "servicedesk.contacts.gateways.LoggingGateway")
# The address customers reach the site at, for the links sent to them by SMS (satisfaction surveys).
SERVICEDESK_PUBLIC_URL = os.environ.get("SERVICEDESK_PUBLIC_URL", "http://localhost:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
