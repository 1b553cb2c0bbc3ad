"""propdesk settings — one module, read from the environment through typed helpers.

Defaults are the embedded set-up (SQLite, no broker server, local media). Production
(`PROPDESK_ENV=production`) refuses to start with an unsafe default.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PROPDESK_VAR_DIR", BASE_DIR / "var"))


def envstr(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


PRODUCTION = envstr("PROPDESK_ENV", "development") == "production"
_DEV_SECRET = "dev-only-insecure-secret-key-change-me"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET)
DEBUG = envbool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

if PRODUCTION:
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be set to a long random value in production.")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the real hosts in production.")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "django_celery_beat",
    "propdesk.core",
    "propdesk.accounts",
    "propdesk.estate",
    "propdesk.residents",
    "propdesk.desk",
    "propdesk.sla",
    "propdesk.notifications",
    "propdesk.reports",
    "propdesk.followup",
    "propdesk.billing",
    "propdesk.surveys",
    "propdesk.outreach",
    "propdesk.metering",
    "propdesk.deposits",
    "propdesk.parking",
    "propdesk.dunning",
    "propdesk.bankcollect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "propdesk.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "propdesk.urls"
WSGI_APPLICATION = "propdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "propdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "propdesk.core.context_processors.console",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'propdesk.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while the web process reads; IMMEDIATE avoids
    # "database is locked" upgrades inside write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A PostgreSQL read replica for the report pages (propdesk.core.replica); in tests it
# mirrors the default database.
if envstr("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(envstr("DATABASE_REPLICA_URL"), conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles a query the planner thinks costly: 15–20 ms of
        # compiling for list and report queries that run in 30–100 ms (the arrears list of
        # one project: 99 ms with, 31 ms without); nothing here runs long enough to win it back.
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASE_ROUTERS = ["propdesk.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Login throttling: this many failures per username (and per client address) within
# the window lock further attempts until the window passes.
LOGIN_MAX_FAILURES = envint("LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW_SECONDS = envint("LOGIN_FAILURE_WINDOW_SECONDS", 900)
# SLA sweep: clocks claimed, fired and written per transaction (sla.services.sla_sweep).
SLA_SWEEP_CHUNK = envint("SLA_SWEEP_CHUNK", 500)

REDIS_URL = envstr("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "propdesk_cache"}
    ),
    # Per process, for data read on every page that may lag by its timeout (the console's
    # long option lists, propdesk.core.console.cached_options): no round trip to fetch it.
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "propdesk-local"},
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "propdesk" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "propdesk" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": envstr("DEFAULT_FILE_STORAGE", "propdesk.core.storage.LocalStorage")},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded scans (ARC-3): the largest file accepted, in bytes.
ARCHIVE_MAX_UPLOAD_BYTES = envint("ARCHIVE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_UPLOAD_BYTES = envint("IMPORT_MAX_UPLOAD_BYTES", 30 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not logged in" a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "propdesk.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "propdesk API",
    "DESCRIPTION": "物业客户服务中心系统 API — every object is scoped to the caller's projects.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per status choice set (several models have a `status` field).
    "ENUM_NAME_OVERRIDES": {
        "HouseStatusEnum": "propdesk.estate.choices.HouseStatus",
        "LoanStatusEnum": "propdesk.residents.choices.LoanStatus",
        "ArchiveItemStatusEnum": "propdesk.residents.choices.ArchiveItemStatus",
        "TicketStatusEnum": "propdesk.desk.choices.Status",
        # deposits and parking
        "DepositKindEnum": "propdesk.deposits.choices.DepositKind",
        "DeductionKindEnum": "propdesk.deposits.choices.DeductionKind",
        "PaymentMethodEnum": "propdesk.billing.choices.PaymentMethod",
        # return visits and proactive visits each have a `method`
        "VisitMethodEnum": "propdesk.followup.choices.VisitMethod",
        "OutreachMethodEnum": "propdesk.outreach.choices.OutreachMethod",
        "GreetingMethodEnum": "propdesk.outreach.choices.GreetingMethod",
    },
}

# Celery: Redis in production; a local SQLite file through kombu's SQLAlchemy
# transport by default, so `make run` needs no broker server.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}")
CELERY_RESULT_BACKEND = None
# Several deployments (or a test run) may share one broker: each names its own queue.
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# On Redis, a task whose worker died unacknowledged goes back to the queue after this many
# seconds; every task is safe to run again (billing runs resume, sweeps claim their rows).
# (The SQLite broker of the default set-up takes no such option.)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600)} if CELERY_BROKER_URL.startswith("redis") else {}
)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Notifications (propdesk.notifications): the transport of each external channel —
# "console" (log the message and record it as sent; no network), "disabled" (record it
# as skipped) or the dotted path of a provider class satisfying
# propdesk.notifications.backends.Backend. NOTIFY_SITE_URL makes links in SMS and WeChat
# messages absolute (e.g. https://wuye.example.com).
NOTIFY_SMS_BACKEND = envstr("NOTIFY_SMS_BACKEND", "console")
NOTIFY_WECHAT_BACKEND = envstr("NOTIFY_WECHAT_BACKEND", "console")
NOTIFY_MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_SITE_URL = envstr("NOTIFY_SITE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}
