"""Settings for every environment, read from environment variables (see README, Configuration).

Production secrets have no defaults: with DEBUG off, a missing SECRET_KEY stops start-up.
"""

from pathlib import Path

import environ
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Embedded mode's state: the filesystem broker's queue, the file cache, the rate-limit files.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "0.0.0.0"])
else:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "issues",
    "feedback",
    "reviews",
    "llm",
    # Last, so its post_migrate hook sees every other app's permissions.
    "config",
]

MIDDLEWARE = [
    "config.ops.logging.RequestIdMiddleware",
    "config.api.error_pages.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.ops.staticfiles.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=4)  # per process; PostgreSQL only
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode: web, worker and beat share one file; WAL and immediate transactions
    # keep them from tripping over each other's locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Each process keeps its own pool of at most DB_POOL_MAX_SIZE connections, shared by its
    # threads (web threads, a worker's review threads, the lease renewer); a thread holds one
    # only while it queries, never while it waits on a provider (docs/operations.md,
    # "Database connections"). DB_POOL_MAX_SIZE=0: no pool, one connection per thread kept
    # DB_CONN_MAX_AGE seconds.
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=0),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env.float("DB_POOL_TIMEOUT_S", default=10.0),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # With the pool: a connection the server dropped while idle in it is replaced, not handed out.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters sent beside the SQL (Django's documented psycopg 3 option), not quoted into it:
    # a 28 KB webhook payload is then neither escaped by psycopg nor lexed by PostgreSQL's SQL
    # parser (bench/README.md, webhook acknowledgement).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env.bool(
        "DB_SERVER_SIDE_BINDING", default=True
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, cache and shared rate-limit store; unset = embedded mode --------------
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED_MODE = not REDIS_URL

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery (loaded by config/celery.py with the CELERY_ prefix) ---------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
# The longest countdown any task may ask for; every retry, ETA and rate-limit wait stays below
# it, and the Redis visibility timeout sits above it so a waiting message is never redelivered.
CELERY_MAX_COUNTDOWN_S = 3600
_broker_options = {"visibility_timeout": 2 * CELERY_MAX_COUNTDOWN_S}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    _broker_options.update(
        data_folder_in=str(_queue_dir),
        data_folder_out=str(_queue_dir),
        processed_folder=str(VAR_DIR / "celery" / "processed"),
        # Exchange bindings; kombu's default is ./control in the working directory.
        control_folder=str(VAR_DIR / "celery" / "control"),
        store_processed=False,
    )
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Without it a connection to an unreachable Redis host waits for the OS (minutes), and so
    # does a request publishing a job (config/jobs/dispatch.py).
    _broker_options["socket_connect_timeout"] = 1
CELERY_BROKER_TRANSPORT_OPTIONS = _broker_options
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Job state lives on database rows, not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("llm", Exchange("llm"), routing_key="llm"),
    Queue("system", Exchange("system"), routing_key="system"),
]
# Each task declares its queue (`@shared_task(queue="llm")` for work that waits on an LLM
# provider, so operators can give it its own workers; "system" for the heartbeat and the
# sweeper, so they never wait behind a backlog of jobs; "default" for the rest). The router sends
# a task there also when it is sent by name from a process that has not imported it.
CELERY_TASK_ROUTES = ("config.jobs.dispatch.route_to_declared_queue",)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Jobs are published by a background thread of each process, many per message under load
# (config/jobs/dispatch.py); false: each in the thread that committed its row.
JOB_PUBLISH_IN_BACKGROUND = env.bool("JOB_PUBLISH_IN_BACKGROUND", default=True)
TASK_MAX_RETRIES = env.int("TASK_MAX_RETRIES", default=5)
# First retry delay of a transient failure, doubled at each retry (15 s: 5 retries span 4-8 minutes).
TASK_RETRY_BACKOFF_S = env.int("TASK_RETRY_BACKOFF_S", default=15)
# The sweeper (config/jobs/sweeper.py) re-sends jobs left pending/running this long; it must stay
# above CELERY_TASK_TIME_LIMIT and the usual retry backoff. A job started this many times
# without finishing ends `failed`.
JOB_STUCK_AFTER_S = env.int("JOB_STUCK_AFTER_S", default=900)
# A running job's claim is a lease its worker renews every JOB_LEASE_S / 4 seconds; one not
# renewed for JOB_LEASE_S lost its worker and is taken over (by a redelivery or the sweeper).
JOB_LEASE_S = env.int("JOB_LEASE_S", default=20)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=TASK_MAX_RETRIES + 2)

# --- Auth, static files, i18n -------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# `manage.py collectstatic` writes here (the Dockerfile runs it); until it has, the web process
# serves the apps' own files (config/ops/staticfiles.py), uncompressed.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at every start when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
LOGIN_URL = "/admin/login/"

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Request bodies: GitHub sends up to 25 MB; the webhook view enforces that cap itself.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=26 * 1024 * 1024)

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: anonymous requests then get 401 with `WWW-Authenticate: Token`.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "config.api.strict.StrictOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.AnonRateThrottle",
        "config.api.throttling.UserRateThrottle",
        "config.api.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "snippets": env.str("THROTTLE_SNIPPETS", default="30/min"),
        "webhooks": None,
    },
    "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Triage Desk API",
    "DESCRIPTION": "Issue tracker with LLM triage, planning, re-planning and pull-request review.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.schema.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "PullRequestStateEnum": "reviews.choices.PullRequestState",
        "IssueStatusEnum": "issues.choices.IssueStatus",
        "IssuePriorityEnum": "issues.choices.IssuePriority",
        "IssueTypeEnum": "issues.choices.IssueType",
        "TaskStatusEnum": "issues.choices.TaskStatus",
        "JobStateEnum": "config.jobs.state.JobState",
    },
}

# --- Logging: one JSON object per line, with request id and task id where known -----------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.ops.logging.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(task_name)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s task=%(task_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

# --- Triage Desk ------------------------------------------------------------------------
ARCHIVE_AFTER_DAYS = env.int("ARCHIVE_AFTER_DAYS", default=30)
# Issues archived per statement (and per transaction) by the archive job.
ARCHIVE_BATCH_SIZE = env.int("ARCHIVE_BATCH_SIZE", default=5000)
# CSV import of issues (POST /api/issues/import/): larger files or more rows are refused whole.
ISSUE_IMPORT_MAX_BYTES = env.int("ISSUE_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
ISSUE_IMPORT_MAX_ROWS = env.int("ISSUE_IMPORT_MAX_ROWS", default=10_000)
READYZ_TIMEOUT_S = env.float("READYZ_TIMEOUT_S", default=2.0)
# GET /metrics answers `Authorization: Bearer <METRICS_TOKEN>` (unset: staff sessions only).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"

# LLM gateway (llm app)
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="") or None
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4o-mini")
LLM_TIMEOUT_S = env.float("LLM_TIMEOUT_S", default=60.0)
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=5)
LLM_RPM = env.int("LLM_RPM", default=500)
LLM_TPM = env.int("LLM_TPM", default=200_000)
LLM_CACHE_TTL_S = env.int("LLM_CACHE_TTL_S", default=604_800)
# Global limiter store: Redis (REDIS_URL) shared by every worker; embedded mode keeps it in a
# locked file, shared by the processes of one machine.
LLM_RATELIMIT_STORAGE_URL = env.str(
    "LLM_RATELIMIT_STORAGE_URL", default=REDIS_URL or f"file://{VAR_DIR / 'llm-ratelimit.json'}"
)
LLM_RATELIMIT_ENABLED = env.bool("LLM_RATELIMIT_ENABLED", default=True)
# The period LLM_RPM and LLM_TPM are counted over: a minute, as providers count (tests shorten it).
LLM_RATELIMIT_WINDOW_S = env.int("LLM_RATELIMIT_WINDOW_S", default=60)
# Added to that window, so requests that reach the provider late still fall in it.
LLM_RATELIMIT_MARGIN_S = env.int("LLM_RATELIMIT_MARGIN_S", default=1)
# Reply size assumed when reserving tokens before a call (the reply's real size is unknown).
LLM_COMPLETION_TOKENS_ESTIMATE = env.int("LLM_COMPLETION_TOKENS_ESTIMATE", default=500)
# The model's context window (prompt and reply): no request is built past it (reviews/chunks.py).
LLM_CONTEXT_TOKENS = env.int("LLM_CONTEXT_TOKENS", default=128_000)
LLM_LEDGER_PAYLOAD_MAX_CHARS = env.int("LLM_LEDGER_PAYLOAD_MAX_CHARS", default=20_000)
LLM_LEDGER_RETENTION_DAYS = env.int("LLM_LEDGER_RETENTION_DAYS", default=90)
# USD per 1M tokens; override all of it with LLM_PRICES='{"model": {"input": .., "output": ..}}'.
LLM_PRICES = env.json(
    "LLM_PRICES",
    default={
        "gpt-4o-mini": {"input": 0.15, "cached_input": 0.075, "output": 0.60},
        "gpt-4o": {"input": 2.50, "cached_input": 1.25, "output": 10.00},
        "gpt-4.1-mini": {"input": 0.40, "cached_input": 0.10, "output": 1.60},
        "gpt-4.1-nano": {"input": 0.10, "cached_input": 0.025, "output": 0.40},
        "gpt-4.1": {"input": 2.00, "cached_input": 0.50, "output": 8.00},
    },
)

# Feedback and re-planning (feedback app)
FEEDBACK_MAX_CHARS = env.int("FEEDBACK_MAX_CHARS", default=10_000)
FEEDBACK_CONTEXT_MAX_TASKS = env.int("FEEDBACK_CONTEXT_MAX_TASKS", default=200)
FEEDBACK_REJECTED_EXAMPLES = env.int("FEEDBACK_REJECTED_EXAMPLES", default=10)

# GitHub
GITHUB_WEBHOOK_SECRET = env.str("GITHUB_WEBHOOK_SECRET", default="")
GITHUB_TOKEN = env.str("GITHUB_TOKEN", default="")
# GitHub App mode (preferred over GITHUB_TOKEN): the App's id (numeric app id or client id, the
# JWT's `iss`) and its private key (PEM text, "\n"-escaped newlines accepted, or a file path).
GITHUB_APP_ID = env.str("GITHUB_APP_ID", default="")
GITHUB_APP_PRIVATE_KEY = env.str("GITHUB_APP_PRIVATE_KEY", default="")
GITHUB_APP_PRIVATE_KEY_PATH = env.str("GITHUB_APP_PRIVATE_KEY_PATH", default="")
GITHUB_API_URL = env.str("GITHUB_API_URL", default="https://api.github.com")
GITHUB_TIMEOUT_S = env.float("GITHUB_TIMEOUT_S", default=10.0)
# GitHub's content-creation limit, shared by every worker (reviews/ratelimit.py).
GITHUB_WRITES_PER_MINUTE = env.int("GITHUB_WRITES_PER_MINUTE", default=80)
GITHUB_RATELIMIT_STORAGE_URL = env.str(
    "GITHUB_RATELIMIT_STORAGE_URL", default=REDIS_URL or f"file://{VAR_DIR / 'github-ratelimit.json'}"
)
# GitHub never sends a payload over 25 MB; the webhook answers 413 above it.
GITHUB_WEBHOOK_MAX_BYTES = 25 * 1024 * 1024
# Finished deliveries older than this are deleted by the beat job reviews.prune_deliveries.
DELIVERY_RETENTION_DAYS = env.int("DELIVERY_RETENTION_DAYS", default=30)

# Pull-request and snippet reviews (reviews app)
REVIEW_MAX_FILES = env.int("REVIEW_MAX_FILES", default=20)
# The repository's .triage-desk.yml read at the default branch's head (the triage write-back,
# which knows no commit) is kept this long; reviews read it per commit (reviews/repo_config.py).
REPO_CONFIG_HEAD_TTL_S = env.int("REPO_CONFIG_HEAD_TTL_S", default=300)
# One review call's diff (a file's hunks, split into chunks past it), in estimated tokens, and
# the estimated prompt tokens one review may send in all (.triage-desk.yml budget_tokens overrides).
REVIEW_CHUNK_TOKENS = env.int("REVIEW_CHUNK_TOKENS", default=6_000)
REVIEW_BUDGET_TOKENS = env.int("REVIEW_BUDGET_TOKENS", default=150_000)
REVIEW_FILE_CONCURRENCY = env.int("REVIEW_FILE_CONCURRENCY", default=4)
SNIPPET_MAX_CHARS = env.int("SNIPPET_MAX_CHARS", default=20_000)
# Snippet submissions answer 503 while more than this many messages wait on the `llm` queue.
SNIPPET_MAX_LLM_BACKLOG = env.int("SNIPPET_MAX_LLM_BACKLOG", default=200)
