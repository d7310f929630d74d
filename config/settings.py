"""One settings module, driven by the environment.

With no environment set the site runs on an embedded SQLite file and a Celery
filesystem transport (no server to install). DATABASE_URL / CELERY_BROKER_URL
switch to PostgreSQL and Redis (or RabbitMQ).
"""
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Off unless asked for: a debug page shows settings and paths. scripts/run and the test suite turn it on.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or ("dev-only-insecure-key" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off (for a local development run set DEBUG=1)")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Where datasets, indexes, embeddings and uploaded files live (shared between workers).
DATA_DIR = Path(os.environ.get("RB_DATA_DIR", BASE_DIR / "var")).resolve()


def shared_dir(env_name: str, subfolder: str) -> Path:
    """A local mirror of third-party files (never committed): the env var, else `shared/<subfolder>` beside
    the checkout (absent on most machines: the catalog's public sources are used then)."""
    if os.environ.get(env_name):
        return Path(os.environ[env_name]).resolve()
    return (BASE_DIR.parent / "shared" / subfolder).resolve()


# Collections laid out as <benchmark>/<dataset>/, and reference queries/qrels/published figures.
MIRROR_DIR = shared_dir("RB_MIRROR_DIR", "datasets")
REFERENCE_DIR = shared_dir("RB_REFERENCE_DIR", "reference")
# A mirror of the public sources: `prefix=replacement` rules applied to the catalog's download URLs
# (datasets_registry.storage.source_url).
SOURCE_URL_REWRITE = os.environ.get("RB_SOURCE_URL_REWRITE", "")
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from /static/ (no CDN)
    "datasets_registry",
    "leaderboard",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'retrievalboard.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker write to the same file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("RB_UPLOAD_DIR", DATA_DIR / "uploads"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Production hardening (python manage.py check --deploy with DEBUG=False).
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)  # behind a TLS proxy: SECURE_PROXY_SSL_HEADER
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True

# Every process (web, worker, beat, commands) must see one cache: the worker renews the leaderboards' data version
# there after storing a result. Redis when CACHE_URL names one; else files under DATA_DIR, which the processes of
# the embedded default share (written atomically; a per-process memory cache would serve stale pages, private
# rows included), keyed by database. Not DATA_DIR/cache: that is the runners' embedding cache. RB_SITE_CACHE_DIR
# moves those files (a test run keeps its own, so counters such as sign-ups per hour never outlive it).
CACHE_URL = os.environ.get("CACHE_URL", "")
SITE_CACHE_DIR = os.environ.get("RB_SITE_CACHE_DIR") or str(DATA_DIR / "site-cache")
CACHES = {
    # Bounded waits: a Redis that hangs is an outage (served without the cache), not a hung request.
    "default": {"BACKEND": "config.redis_cache.PooledRedisCache", "LOCATION": CACHE_URL,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}
    if CACHE_URL.startswith("redis")
    else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": SITE_CACHE_DIR,
          "KEY_FUNCTION": "config.cache_keys.per_database_key"}
}
# Sessions are read through the cache (a signed-in page view costs no session query) and written to the DB too.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Celery: the DB is the source of truth; the broker only carries evaluation ids.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = DATA_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        # Remote-control messages (pings, inspect) would otherwise land in ./control of the working directory.
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "7200"))}
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = int(os.environ.get("EVALUATION_TIME_LIMIT", str(6 * 3600)))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.api.BoundedPagination",
    "DEFAULT_PARSER_CLASSES": ["config.api.BoundedJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RetrievalBoard API", "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge image from the public validator: the page loads nothing from another site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Submission limits.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(2 * 1024**3)))
# Run files for datasets with more documents than this (or not on the web host) get their ids checked by the
# worker before scoring instead of in the upload request.
RUN_FILE_CHECK_MAX_DOCS = int(os.environ.get("RUN_FILE_CHECK_MAX_DOCS", "200000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["config.uploads.UploadLimitHandler",  # UPLOAD_MAX_BYTES while the body streams in
                        "django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "django.core.files.uploadhandler.TemporaryFileUploadHandler"]
# Run files above this size are parsed by the worker (same messages), not in the upload request.
RUN_FILE_PARSE_MAX_BYTES = int(os.environ.get("RUN_FILE_PARSE_MAX_BYTES", str(20 * 1024 * 1024)))
# The one size limit of a model, checked at upload and again by the worker before it loads one.
MODEL_MAX_PARAMETERS = int(os.environ.get("MODEL_MAX_PARAMETERS", str(8 * 10**9)))
UNPACKED_MAX_BYTES = int(os.environ.get("UNPACKED_MAX_BYTES", str(4 * UPLOAD_MAX_BYTES)))
MODELS_DIR = DATA_DIR / "models"  # unpacked model archives, one folder per archive checksum
SUBMISSIONS_PER_HOUR = int(os.environ.get("SUBMISSIONS_PER_HOUR", "20"))
MAX_ACTIVE_EVALUATIONS_PER_USER = int(os.environ.get("MAX_ACTIVE_EVALUATIONS_PER_USER", "200"))
STORAGE_QUOTA_BYTES_PER_USER = int(os.environ.get("STORAGE_QUOTA_BYTES_PER_USER", str(50 * 1024**3)))

# Evaluation pipeline (leaderboard/evaluations/): heartbeats, redelivery bounds and the periodic reconciler.
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "15"))
# A worker host's yardstick (leaderboard/evaluations/yardstick.py) is measured again once it is this old.
YARDSTICK_MAX_AGE_SECONDS = float(os.environ.get("YARDSTICK_MAX_AGE_SECONDS", str(6 * 3600)))
HEARTBEAT_STALE_SECONDS = float(os.environ.get("HEARTBEAT_STALE_SECONDS", "180"))
RECONCILE_INTERVAL_SECONDS = float(os.environ.get("RECONCILE_INTERVAL_SECONDS", "60"))
RECONCILE_GRACE_SECONDS = float(os.environ.get("RECONCILE_GRACE_SECONDS", "60"))
RECONCILE_QUEUED_AFTER_SECONDS = float(os.environ.get("RECONCILE_QUEUED_AFTER_SECONDS", "1800"))
MAX_DELIVERIES = int(os.environ.get("MAX_DELIVERIES", "3"))
EVALUATION_MAX_RETRIES = int(os.environ.get("EVALUATION_MAX_RETRIES", "3"))
CELERY_BEAT_SCHEDULE = {
    "reconcile-evaluations": {"task": "leaderboard.reconcile", "schedule": RECONCILE_INTERVAL_SECONDS,
                              "options": {"queue": "cpu", "expires": RECONCILE_INTERVAL_SECONDS}},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Sign-in lockout, sign-up limit, password rules (accounts/; issue 13 item 10) ----------------------------------
# Counters live in the shared cache (CACHES above), see accounts/limits.py.
# LOGIN_FAILURES_ALLOWED failed sign-ins for one account name (case-insensitive) within LOGIN_LOCKOUT_SECONDS lock
# that name for LOGIN_LOCKOUT_SECONDS on the site login, the admin login and /api/auth/token/, right password included.
LOGIN_FAILURES_ALLOWED = int(os.environ.get("LOGIN_FAILURES_ALLOWED", "10"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
SIGNUPS_PER_HOUR_PER_IP = int(os.environ.get("SIGNUPS_PER_HOUR_PER_IP", "10"))
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Requests to /api/auth/token/ per client address (DRF's ScopedRateThrottle, scope "auth").
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"auth": os.environ.get("AUTH_THROTTLE_RATE", "30/hour")}
# Behind N proxies that append to X-Forwarded-For, the client address is read from it (token throttle and sign-up
# limit); unset, REMOTE_ADDR is the address (behind a proxy: the proxy's, so the limits would be site-wide).
if os.environ.get("NUM_PROXIES"):
    REST_FRAMEWORK["NUM_PROXIES"] = int(os.environ["NUM_PROXIES"])
# --- end of the accounts block --------------------------------------------------------------------------------------
