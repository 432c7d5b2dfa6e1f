"""Collab settings, driven by environment variables (see .env.example); those of identity,
operations and Excel are read in the env.py modules of those apps."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from collab.ops.logs import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Variables already in the environment win over the file (ENV_FILE points elsewhere).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see .env.example); "
            "for local development set DEBUG=1."
        )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "django_fsm",
    "django_prometheus",
    "django_structlog",
    "collab.core",
    "collab.ops",
    "collab.accounts",
    "collab.signoffs",
    "collab.notifications",
    "collab.spreadsheets",
    "collab.identity",
    # Single sign-on (collab/identity): allauth's DingTalk, Feishu and OpenID Connect
    # providers (their API addresses made configurable) and Collab's WeCom provider.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.dingtalk",
    "allauth.socialaccount.providers.feishu",
    "allauth.socialaccount.providers.openid_connect",
    "collab.integrations",
    # The registers, lowest first: each app depends only on the ones above it.
    "requests_app",
    "meetings",
    "documents",
    "tasks_app",
    "risks_app",
    "reviews_app",
    "cockpit",
    # Above every register: calendar feeds and saved views read them all.
    "calendars",
    "saved_views",
]

MIDDLEWARE = [
    # Probes and /metrics answer before host validation and the HTTPS redirect: the
    # orchestrator and Prometheus call pod addresses over plain HTTP (collab/ops).
    "collab.ops.middleware.ProbeMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Binds a request id (X-Request-ID from the proxy when trusted, else a new one) to
    # every log line of the request and to the Celery tasks it queues. Placed before
    # authentication, so it never loads the session itself (the user id is added to the
    # closing line once a view or DRF has authenticated the request).
    "django_structlog.middlewares.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "collab.accounts.middleware.UserLanguageMiddleware",
    "collab.core.site.MethodNotAllowedPageMiddleware",
    "collab.accounts.masking.NameMaskingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSP (it answers first): the login page's form-action names the SSO providers.
    "collab.identity.middleware.SsoFormActionMiddleware",
    "collab.core.middleware.ApiResponseHeadersMiddleware",
    # Late, as django-axes asks: it turns a lockout raised by authentication into a page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "collab.urls"
WSGI_APPLICATION = "collab.wsgi.application"
ASGI_APPLICATION = "collab.asgi.application"

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
                "collab.notifications.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Background workers and the web process share the file; wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock at BEGIN: a read-then-write transaction would fail at once.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Readers never wait for a writer (a long import does not block the pages).
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
elif "postgresql" in DATABASES["default"]["ENGINE"]:  # JIT costs pages more than it saves
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Throttle counters (API sign-in): shared by every web process when Redis is configured.
CACHES["throttle"] = {**CACHES["default"], "KEY_PREFIX": "throttle"}

AUTH_USER_MODEL = "accounts.User"
# The record a collaboration is scoped to (requirement robots of the alerts): named here,
# like AUTH_USER_MODEL, so the platform apps never name a register app.
COLLAB_SCOPE_MODEL = "requests_app.Requirement"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked.
    "collab.accounts.lockout.LockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Stops password sign-in of all but superusers when local passwords are turned off
    # (COLLAB_LOCAL_PASSWORDS, or staff in the admin: 登录策略).
    "collab.identity.backends.LocalPasswordPolicyBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: strict by default, relaxed only for local development.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SESSION_ENGINE = "collab.core.sessions"  # a malformed session cookie is no session
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually port 465
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="collab@localhost")

# Content-Security-Policy on every response (django-csp): scripts and styles only from
# this site, no inline script and no eval; style attributes stay allowed (Bootstrap
# markup uses them), <style> elements do not. See docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-elem": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Login lockout (django-axes): after COLLAB_LOGIN_FAILURE_LIMIT wrong passwords for one
# username, that username is refused for COLLAB_LOGIN_COOLOFF_MINUTES, on /login/, the
# admin login and the API token endpoint alike. Staff unlock in the admin (访问尝试).
AXES_FAILURE_LIMIT = env.int("COLLAB_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("COLLAB_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 (lock by address too) is silenced: per-username locking stops guessing, and a
# shared office address must not lock everyone out; the token endpoint is throttled.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "collab.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Requests per client address on the token endpoint (DRF throttle), e.g. "10/minute".
COLLAB_AUTH_THROTTLE_RATE = env("COLLAB_AUTH_THROTTLE_RATE", default="10/minute")

# API tokens (django-rest-knox): sent as `Authorization: Token <key>`, stored hashed,
# expire after COLLAB_TOKEN_IDLE_DAYS without use and COLLAB_TOKEN_MAX_DAYS after issue.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("COLLAB_TOKEN_IDLE_DAYS", default=30)),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(days=env.int("COLLAB_TOKEN_MAX_DAYS", default=180)),
    "MIN_REFRESH_INTERVAL": 3600,
    "AUTH_HEADER_PREFIX": "Token",
    "USER_SERIALIZER": None,
}

# API request bodies: JSON size (413 above) and nesting depth (400 above).
COLLAB_API_MAX_JSON_BYTES = env.int("COLLAB_API_MAX_JSON_BYTES", default=256 * 1024)
COLLAB_API_MAX_JSON_DEPTH = env.int("COLLAB_API_MAX_JSON_DEPTH", default=32)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "collab.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON is the one request media type; upload endpoints add multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["collab.core.parsers.JSONParser"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "collab.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "collab.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "collab.core.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "collab.core.metadata.Metadata",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Collab API",
    "DESCRIPTION": "Cross-department collaboration: requirements, tasks, risks, reviews.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "collab.core.schema.add_links",
    ],
    # Every status field gets its own enum name (generated clients import them by name).
    "ENUM_NAME_OVERRIDES": {
        "RequirementStatusEnum": "requests_app.lifecycle.RequirementStatus",
        "TaskStatusEnum": "tasks_app.lifecycle.TaskStatus",
        "PlanStatusEnum": "tasks_app.lifecycle.PlanStatus",
        "RiskStatusEnum": "risks_app.lifecycle.RiskStatus",
        "AcceptanceStatusEnum": "reviews_app.lifecycle.AcceptanceStatus",
        "RetrospectiveStatusEnum": "reviews_app.lifecycle.RetrospectiveStatus",
        "ImprovementStatusEnum": "reviews_app.lifecycle.ActionStatus",
    },
    # Schema quality is guarded by the test suite (spectacular --validate --fail-on-warn,
    # schemathesis, a generated client); the deploy check stays about deployment settings.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# Celery: a broker that needs no server by default (kombu's filesystem transport);
# production and CI point CELERY_BROKER_URL at Redis.
CELERY_FILESYSTEM_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "out"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "out"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False  # background work always goes through the broker
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat wakes up at least this often. With a Redis broker, beat keeps its schedule in
# Redis (celery-redbeat) and holds a lock there: a second beat waits, scheduling nothing,
# until the first stops (lock released) or dies (lock expires after five intervals).
CELERY_BEAT_MAX_LOOP_INTERVAL = env.int("CELERY_BEAT_MAX_LOOP_INTERVAL", default=30)
# Alerts (collab.notifications): scan interval, thresholds in counted days (calendar or
# working days, COLLAB_ALERT_DAY_COUNTING), the daily digest time (local), delivery.
ALERT_SCAN_SECONDS = env.float("COLLAB_ALERT_SCAN_SECONDS", default=300.0)
COLLAB_ALERT_DUE_SOON_DAYS = env.int("COLLAB_ALERT_DUE_SOON_DAYS", default=1)
COLLAB_ALERT_LATE_DAYS = env.int("COLLAB_ALERT_LATE_DAYS", default=2)
COLLAB_ALERT_ESCALATION_DAYS = env.int("COLLAB_ALERT_ESCALATION_DAYS", default=2)
COLLAB_ALERT_REVIEW_DAYS = env.int("COLLAB_ALERT_REVIEW_DAYS", default=3)
COLLAB_ALERT_MINUTES_HOURS = env.int("COLLAB_ALERT_MINUTES_HOURS", default=24)
COLLAB_ALERT_CATCHUP_DAYS = env.int("COLLAB_ALERT_CATCHUP_DAYS", default=7)
COLLAB_ALERT_DIGEST_TIME = env("COLLAB_ALERT_DIGEST_TIME", default="09:00")
COLLAB_ALERT_HTTP_TIMEOUT = env.float("COLLAB_ALERT_HTTP_TIMEOUT", default=10.0)
# Transient send errors retry with capped exponential backoff (seconds) until this many
# hours after the alert; then the delivery fails and a robot is marked broken.
COLLAB_ALERT_RETRY_HOURS = env.float("COLLAB_ALERT_RETRY_HOURS", default=24.0)
COLLAB_ALERT_RETRY_BACKOFF = env.float("COLLAB_ALERT_RETRY_BACKOFF", default=30.0)
COLLAB_ALERT_RETRY_BACKOFF_MAX = env.float("COLLAB_ALERT_RETRY_BACKOFF_MAX", default=1800.0)
# The sweep requeues rows whose next attempt is this many minutes overdue, and resolves
# rows left `sending` longer than the timeout (minutes) by a crashed worker.
COLLAB_ALERT_REQUEUE_MINUTES = env.float("COLLAB_ALERT_REQUEUE_MINUTES", default=10.0)
COLLAB_ALERT_SENDING_TIMEOUT = env.float("COLLAB_ALERT_SENDING_TIMEOUT", default=15.0)
# Group robot rate limits, "count/seconds" (comma-separated for several), per kind.
COLLAB_ROBOT_RATE_LIMITS = {
    "dingtalk": env("COLLAB_ROBOT_RATE_DINGTALK", default="20/60"),
    "wecom": env("COLLAB_ROBOT_RATE_WECOM", default="20/60"),
    "feishu": env("COLLAB_ROBOT_RATE_FEISHU", default="100/60,5/1"),
    "webhook": env("COLLAB_ROBOT_RATE_WEBHOOK", default=""),
    "ding_work": env("COLLAB_WORK_NOTICE_RATE_DINGTALK", default="20/1"),
    "feishu_msg": env("COLLAB_WORK_NOTICE_RATE_FEISHU", default="50/1"),
    "wecom_app": env("COLLAB_WORK_NOTICE_RATE_WECOM", default="30/1"),
}
COLLAB_ROBOT_DIGEST_MAX_ITEMS = env.int("COLLAB_ROBOT_DIGEST_MAX_ITEMS", default=15)
COLLAB_SITE_URL = env("COLLAB_SITE_URL", default="http://127.0.0.1:8000")
if CELERY_BROKER_URL.startswith("redis://"):
    # Unacknowledged (acks_late) messages of a lost worker come back after this many
    # seconds; the delivery claim makes a redelivered task stop at a sent row.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
# Separate lanes: scans (alert scans and the delivery sweep), notify (inbox, e-mail,
# webhooks), one queue per robot platform, and the default `celery` queue for the rest.
# `make run` and the compose worker consume all of them; production can scale them apart.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "collab.notifications.tasks.run_alert_scans": {"queue": "scans"},
    "collab.notifications.tasks.deliver_inbox": {"queue": "notify"},
    "collab.notifications.tasks.deliver_email": {"queue": "notify"},
    "collab.notifications.tasks.deliver_webhook": {"queue": "notify"},
    "collab.notifications.tasks.deliver_dingtalk": {"queue": "robot-dingtalk"},
    "collab.notifications.tasks.deliver_feishu": {"queue": "robot-feishu"},
    "collab.notifications.tasks.deliver_wecom": {"queue": "robot-wecom"},
    # Personal work notices share their platform's lane.
    "collab.notifications.tasks.deliver_ding_work": {"queue": "robot-dingtalk"},
    "collab.notifications.tasks.deliver_feishu_msg": {"queue": "robot-feishu"},
    "collab.notifications.tasks.deliver_wecom_app": {"queue": "robot-wecom"},
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
    CELERY_REDBEAT_REDIS_OPTIONS: dict = {}
    CELERY_REDBEAT_KEY_PREFIX = "collab:beat"
    CELERY_REDBEAT_LOCK_TIMEOUT = CELERY_BEAT_MAX_LOOP_INTERVAL * 5
CELERY_BEAT_SCHEDULE = {
    # Every alert scan (deadlines, escalations, the daily digest once its time has come)
    # and the delivery sweep; `manage.py run_alerts` runs the same thing.
    "alerts-scan": {
        "task": "collab.notifications.tasks.run_alert_scans",
        "schedule": ALERT_SCAN_SECONDS,
        "options": {"expires": max(ALERT_SCAN_SECONDS * 0.8, 1)},
    },
    # The coming occurrences of every weekly meeting schedule (协作例会), created ahead;
    # `manage.py create_weekly_meetings` runs the same thing.
    "meetings-create-weekly": {
        "task": "meetings.tasks.create_weekly_meetings",
        "schedule": crontab(hour=6, minute=0),
        "options": {"expires": 3600},
    },
    "documents-purge-recycle-bin": {
        "task": "documents.tasks.purge_expired_documents",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600},
    },
}

# Enterprise identity: single sign-on, the platforms' apps, LDAP and the nightly org
# sync (collab/identity/env.py).
from collab.identity.env import *  # noqa: E402, F403
from collab.identity.env import COLLAB_ORG_SYNC_SOURCE, COLLAB_ORG_SYNC_TIME  # noqa: E402

if COLLAB_ORG_SYNC_SOURCE:
    _sync_hour, _sync_minute = (int(x) for x in COLLAB_ORG_SYNC_TIME.split(":"))
    CELERY_BEAT_SCHEDULE["org-sync"] = {
        "task": "collab.identity.tasks.org_sync",
        "schedule": crontab(hour=_sync_hour, minute=_sync_minute),
        "args": [COLLAB_ORG_SYNC_SOURCE],
        "options": {"expires": 3600},
    }

# Product settings; weekly meetings (协作例会) are created this many days ahead.
COLLAB_ALERT_DAY_COUNTING = env("COLLAB_ALERT_DAY_COUNTING", default="calendar")
COLLAB_WEEKLY_MEETING_DAYS_AHEAD = env.int("COLLAB_WEEKLY_MEETING_DAYS_AHEAD", default=7)

# Excel round trip: upload and row limits, background jobs (collab/spreadsheets/env.py).
from collab.spreadsheets.env import *  # noqa: E402, F403

# Documents (信息管理): a private store (never served as public media), upload limits
# and the recycle bin. DOCUMENTS_STORAGE=s3 uses any S3-compatible store.
DOCUMENTS_STORAGE = env("DOCUMENTS_STORAGE", default="local")
if DOCUMENTS_STORAGE == "s3":
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("DOCUMENTS_S3_BUCKET"),
            # An empty variable (as a ConfigMap lists it) means "not set".
            "endpoint_url": env("DOCUMENTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("DOCUMENTS_S3_REGION", default="") or None,
            "access_key": env("DOCUMENTS_S3_ACCESS_KEY", default="") or None,
            "secret_key": env("DOCUMENTS_S3_SECRET_KEY", default="") or None,
            "location": env("DOCUMENTS_S3_PREFIX", default="documents"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("DOCUMENTS_ROOT", default=str(VAR_DIR / "documents"))},
    }
DOCUMENTS_MAX_UPLOAD_BYTES = env.int("DOCUMENTS_MAX_UPLOAD_MB", default=20) * 1024 * 1024
DOCUMENTS_ALLOWED_EXTENSIONS = env.list(
    "DOCUMENTS_ALLOWED_EXTENSIONS",
    default=["pdf", "png", "jpg", "jpeg", "docx", "xlsx", "pptx", "txt", "csv", "md"],
)
DOCUMENTS_RECYCLE_DAYS = env.int("DOCUMENTS_RECYCLE_DAYS", default=30)

# Logs: one JSON object per line on stdout (LOG_FORMAT=console for humans), carrying
# the request id of the request or of the request that queued a Celery task.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)
configure_structlog()
DJANGO_STRUCTLOG_CELERY_ENABLED = True
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool("TRUST_REQUEST_ID_HEADER", default=False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Operations: health probes, Prometheus metrics, backups (collab/ops/env.py). A backup
# of a storage holds the files named by these "<app>.<Model>.<field>" keys (and FileFields).
from collab.ops.env import *  # noqa: E402, F403

BACKUP_FILE_REFERENCES = {"documents": ["documents.DocumentVersion.storage_key"]}
