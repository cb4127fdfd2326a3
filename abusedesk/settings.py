"""Settings for the abuse desk, read from the environment only.

Every variable is documented in `.env.example`. A bad value raises
ImproperlyConfigured at start-up instead of surfacing later as odd behaviour.
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _str(name: str, default: str = "") -> str:
    # An empty variable counts as unset: docker-compose and CI often export
    # VAR= with no value, and e.g. an empty DATABASE_URL must not mean "no engine".
    value = env.str(name, default="").strip()
    return value or default


def _bool(name: str, default: bool) -> bool:
    raw = _str(name)
    if not raw:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = _str(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in _str(name, default).split(",") if item.strip()]


def _dns_servers(name: str) -> list[tuple[str, int]]:
    servers = []
    for item in _list(name):
        host, port = item, 53
        if item.startswith("["):  # [2001:db8::1]:5353
            host, _, rest = item[1:].partition("]")
            if rest:
                port = rest.lstrip(":")
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            ipaddress.ip_address(host)
            port = int(port)
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not host[:port] with an IP address and a port 1-65535"
            ) from None
        servers.append((host, port))
    return servers


DNSBL_KINDS = ("exploited", "spam_source", "policy")


def _dnsbl_zones(name: str) -> list[tuple[str, str]]:
    zones = []
    for item in _list(name):
        zone, sep, kind = item.rpartition(":")
        if not sep or not zone or kind not in DNSBL_KINDS:
            raise ImproperlyConfigured(
                f"{name}: {item!r} must be zone:kind with kind one of {', '.join(DNSBL_KINDS)}"
            )
        zones.append((zone.strip(".").lower(), kind))
    return zones


DEBUG = _bool("DEBUG", True)

SECRET_KEY = _str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    # Development only: a fresh key per process is fine, sessions just do not
    # survive a restart.
    SECRET_KEY = "dev-insecure-" + secrets.token_urlsafe(40)

ALLOWED_HOSTS = _list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off")
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: its runserver (a larger listen backlog) must win.
    "abusedesk",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "subscribers",
    "complaints",
    "policies",
    "sanctions",
    "dashboards",
    "screening",
    "demo",
    "prevention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Runs work queued with after_response() once the response is sent (default mode only).
    "abusedesk.afterresponse.AfterResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "abusedesk.middleware.UserPreferenceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "abusedesk.middleware.ContentSecurityPolicyMiddleware",
    "abusedesk.replica.ReplicaPinMiddleware",
    "abusedesk.middleware.RecoveryCheckMiddleware",
    # Last: turns a lockout signalled by the authentication backend into the 429 page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves its collected static files itself (gunicorn, no CDN).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "abusedesk.urls"
WSGI_APPLICATION = "abusedesk.wsgi.application"
ASGI_APPLICATION = "abusedesk.asgi.application"

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

_database_url = _str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": env.db_url_config(_database_url)}
except Exception as exc:  # environ raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if not DATABASES["default"].get("ENGINE"):
    raise ImproperlyConfigured(f"DATABASE_URL names no supported database: {_database_url!r}")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, the eager tasks and a test
    # worker share one file without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE: a transaction takes the write lock when it begins, so two writers
            # wait for each other (timeout, seconds) instead of one failing with
            # "database is locked" when it upgrades a read to a write.
            "transaction_mode": "IMMEDIATE",
            "timeout": _int("ABUSEDESK_SQLITE_BUSY_TIMEOUT", 20, minimum=1),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    _test_name = _str("ABUSEDESK_TEST_SQLITE_FILE")
    if _test_name:
        # A real Celery worker needs the test database in a file it can open.
        DATABASES["default"]["TEST"] = {"NAME": _test_name}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# A read replica of the same database (PostgreSQL streaming replication): the pages that
# only read (queues, dashboards, dossiers) read from it; see abusedesk/replica.py.
_replica_url = _str("REPLICA_DATABASE_URL")
if _replica_url:
    try:
        DATABASES["replica"] = env.db_url_config(_replica_url)
    except Exception as exc:
        raise ImproperlyConfigured(f"REPLICA_DATABASE_URL is not a valid database URL: {exc}") from None
    if DATABASES["replica"].get("ENGINE") != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("REPLICA_DATABASE_URL must name the same kind of database as DATABASE_URL")
    DATABASES["replica"].update(
        ATOMIC_REQUESTS=False,
        CONN_MAX_AGE=DATABASES["default"].get("CONN_MAX_AGE", 0),
        CONN_HEALTH_CHECKS=DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
        # Tests read the replica alias from the test database itself.
        TEST={"MIRROR": "default"},
    )
DATABASE_ROUTERS = ["abusedesk.replica.ReplicaRouter"]
# Seconds a browser reads from the primary after it wrote something (replication lag).
REPLICA_PIN_SECONDS = _int("REPLICA_PIN_SECONDS", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Wrong passwords (login page and admin) are counted per client address by
# django-axes; past the limit the address waits (abusedesk/throttling.py).
AUTHENTICATION_BACKENDS = [
    "abusedesk.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _int("ABUSEDESK_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_int("ABUSEDESK_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "abusedesk.throttling.axes_client_address"
AXES_LOCKOUT_CALLABLE = "abusedesk.throttling.lockout_response"
AXES_VERBOSE = False
# Invalid API tokens, per client address, in a window of the same length.
ABUSEDESK_API_TOKEN_FAILURE_LIMIT = _int("ABUSEDESK_API_TOKEN_FAILURE_LIMIT", 10, minimum=1)
ABUSEDESK_API_TOKEN_LOCKOUT_MINUTES = _int("ABUSEDESK_API_TOKEN_LOCKOUT_MINUTES", 15, minimum=1)
# Relations of the token's user that every API request reads, fetched with the token in
# the one authenticating statement (a partner's API posts read its Partner row).
ABUSEDESK_API_TOKEN_USER_RELATED = ["partner"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = _str("TIME_ZONE", "Asia/Tokyo")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known IANA time zone") from None
USE_I18N = True
USE_TZ = True  # stored in UTC, shown in the user's zone

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security: strict by default in production; `manage.py check --deploy` is clean
# with DEBUG=0, a real SECRET_KEY and ALLOWED_HOSTS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = _int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Every page: nothing from elsewhere, no inline script or style (abusedesk/middleware.py).
# A view may send its own, stricter policy (the content viewer does).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

EMAIL_BACKEND = _str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = _str("EMAIL_HOST", "localhost")
EMAIL_PORT = _int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = _str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = _str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = _str("DEFAULT_FROM_EMAIL", "abuse@example.net")
# The ISP's name as it signs forwarded reports.
ABUSEDESK_ORG_NAME = _str("ABUSEDESK_ORG_NAME", "Example ISP abuse desk")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "abusedesk.auth.HashedTokenAuthentication",
        # The browsable docs and the desk's own pages call the API with the session.
        "abusedesk.auth.ScopedSessionAuthentication",
    ],
    # Both refuse a credential whose scope the view does not accept (screening keys open
    # screening only), whatever permission classes a view sets. Then: authenticated, scope again.
    "DEFAULT_PERMISSION_CLASSES": ["abusedesk.auth.TokenScopePermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Deep nesting, over-long numbers and NaN are a 400 with the reason, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "abusedesk.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "abusedesk.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Abuse desk API",
    "DESCRIPTION": "Partner ISPs file abuse reports and follow their status; staff read cases.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "complaints.choices.ReportStatus",
        "CaseStatusEnum": "complaints.choices.CaseStatus",
        "ConfirmationKindEnum": "complaints.choices.ConfirmationKind",
        "CaseKindEnum": "complaints.choices.CaseKind",
        "EvidenceKindEnum": "complaints.models.Evidence.Kind",
        "AnswerChannelEnum": "sanctions.choices.AnswerChannel",
        "ReportChannelEnum": "complaints.choices.Channel",
        "CaseSourceEnum": "complaints.choices.CaseSource",
        "FilteringActionEnum": "prevention.choices.FilteringAction",
        "ConsentChannelEnum": "prevention.choices.ConsentChannel",
        "ReportFormatEnum": "complaints.choices.ReportFormat",
        "ForwardFormatEnum": "complaints.models.Forward.Format",
    },
    # Every operation declares the errors it can answer, in the one error shape.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "abusedesk.api.schema.add_error_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    # No call to the public validator (an image from elsewhere, and a leak of the schema).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Caches hold rate-limit counters; with several web processes use a shared one
# (e.g. redis://127.0.0.1:6379/1).
try:
    CACHES = {"default": env.cache_url_config(_str("CACHE_URL", "locmemcache://"))}
except Exception as exc:
    raise ImproperlyConfigured(f"CACHE_URL is not a valid cache URL: {exc}") from None

# Celery: without a broker, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = _str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"  # never used while eager; keeps kombu from guessing a host
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task
# unless this is set: a worker then opened a new PostgreSQL connection (a backend
# forked, authenticated, its statements prepared again) for every report it processed.
# With it set, the fixup closes them only every this many tasks, and abusedesk/celery.py
# treats each task as Django treats a request: a connection older than CONN_MAX_AGE,
# or one that failed, is replaced before the task runs (CONN_HEALTH_CHECKS).
CELERY_DB_REUSE_MAX = 10_000
CELERY_TASK_DEFAULT_QUEUE = _str("CELERY_TASK_DEFAULT_QUEUE", "abusedesk")
# Queues by kind, "<default>.intake|evidence|mail|execution" (abusedesk/queues.py): one
# worker pool per kind, each scaled on its own.
CELERY_TASK_ROUTES = ("abusedesk.queues.route",)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that enqueues while the broker is down gives up after ~0.2 s instead of ~1 s
# per task: the work is on record (report received, mail unsent) and the recovery
# sweep hands it over once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
CELERY_TIMEZONE = "UTC"

# Recovery without beat: the next report or request looks for work left behind (reports
# never processed, mail never sent) at most this often, in seconds; 0 turns it off
# (a deployment whose beat runs complaints.tasks.sweep_reports every minute).
ABUSEDESK_RECOVERY_CHECK_SECONDS = _int("ABUSEDESK_RECOVERY_CHECK_SECONDS", 60, minimum=0)
# Intake drains (complaints/services/drain.py): with a Redis broker and PostgreSQL, at
# most this many intake workers take stored reports from the table at once, and a
# flood of filings costs one queued message per drain instead of one per report. Set it
# to the intake workers' total concurrency; 0 sends one message per report.
ABUSEDESK_INTAKE_DRAINS = _int("ABUSEDESK_INTAKE_DRAINS", 4, minimum=0)
# With workers, a case's recommendation is evaluated again after a change at most once
# per this many seconds (the changes meanwhile wait for that evaluation); 0: after each.
ABUSEDESK_EVALUATION_INTERVAL_SECONDS = _int("ABUSEDESK_EVALUATION_INTERVAL_SECONDS", 10, minimum=0)

# Triage: hours from the first report to the first action before a case is overdue.
ABUSEDESK_SLA_FIRST_ACTION_HOURS = _int("ABUSEDESK_SLA_FIRST_ACTION_HOURS", 24, minimum=1)

# Dashboard: its figures (counts over every report of the period) are reused for at
# most this many seconds, then recomputed by the next view; beat recomputes the
# default period every minute (dashboards/snapshots.py). 0: computed on every view.
ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS = _int("ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS", 120, minimum=0)

# Measures (sanctions). The executor carries out and lifts measures: "manual"
# records the instruction for a person to confirm; "webhook" POSTs a signed JSON
# instruction to the ISP's provisioning system.
ABUSEDESK_EXECUTOR = _str("ABUSEDESK_EXECUTOR", "manual")
if ABUSEDESK_EXECUTOR not in ("manual", "webhook"):
    raise ImproperlyConfigured(f"ABUSEDESK_EXECUTOR must be manual or webhook, got {ABUSEDESK_EXECUTOR!r}")
ABUSEDESK_EXECUTOR_URL = _str("ABUSEDESK_EXECUTOR_URL")
ABUSEDESK_EXECUTOR_SECRET = _str("ABUSEDESK_EXECUTOR_SECRET")
if ABUSEDESK_EXECUTOR == "webhook" and not (ABUSEDESK_EXECUTOR_URL and ABUSEDESK_EXECUTOR_SECRET):
    raise ImproperlyConfigured(
        "ABUSEDESK_EXECUTOR=webhook needs ABUSEDESK_EXECUTOR_URL and ABUSEDESK_EXECUTOR_SECRET"
    )
ABUSEDESK_EXECUTOR_TIMEOUT = _int("ABUSEDESK_EXECUTOR_TIMEOUT", 10, minimum=1)
ABUSEDESK_EXECUTOR_MAX_RETRIES = _int("ABUSEDESK_EXECUTOR_MAX_RETRIES", 6)
ABUSEDESK_EMERGENCY_REVIEW_HOURS = _int("ABUSEDESK_EMERGENCY_REVIEW_HOURS", 24, minimum=1)
ABUSEDESK_EMERGENCY_NOTIFY_HOURS = _int("ABUSEDESK_EMERGENCY_NOTIFY_HOURS", 24, minimum=1)
ABUSEDESK_MEASURE_REVIEW_DAYS = _int("ABUSEDESK_MEASURE_REVIEW_DAYS", 30, minimum=1)
ABUSEDESK_HEARING_DAYS = _int("ABUSEDESK_HEARING_DAYS", 14, minimum=1)

# Secrecy (POLICY.md): raw complaint content is purged this many days after its
# case closes; digests, extracted facts and decisions stay.
ABUSEDESK_CONTENT_RETENTION_DAYS = _int("ABUSEDESK_CONTENT_RETENTION_DAYS", 90, minimum=1)
# Traffic logs (session, mail and NAT port-block logs): rows whose time (and stop) is
# older than this many days are removed by the upkeep task, on PostgreSQL by dropping
# whole monthly partitions. 0 (the default) keeps them: POLICY.md sets no period.
ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS = _int("ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS", 0)
# Reports (digest, facts, hops, URLs, evidence, forwards) received this many days ago
# and not needed by a case open or closed since are removed by the report upkeep task,
# on PostgreSQL by dropping whole partitions where it can. POLICY.md: five years by
# default (the raw content goes earlier, ABUSEDESK_CONTENT_RETENTION_DAYS). 0 keeps them.
ABUSEDESK_REPORT_RETENTION_DAYS = _int("ABUSEDESK_REPORT_RETENTION_DAYS", 1827, minimum=0)
# Ids per partition of the reports on PostgreSQL (complaints/partitions.py): about a
# month of reports at a large ISP's volume. A change applies to the ranges made next.
ABUSEDESK_REPORT_PARTITION_IDS = _int("ABUSEDESK_REPORT_PARTITION_IDS", 1_000_000, minimum=1000)

# Intake.
ABUSEDESK_MAX_REPORT_BYTES = _int("ABUSEDESK_MAX_REPORT_BYTES", 10 * 1024 * 1024, minimum=1024)
# Django refuses bodies above this before the view sees them; leave room for
# form fields around a pasted message so the view can answer 413 itself.
DATA_UPLOAD_MAX_MEMORY_SIZE = ABUSEDESK_MAX_REPORT_BYTES + 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = ABUSEDESK_MAX_REPORT_BYTES + 256 * 1024
ABUSEDESK_IMAP_HOST = _str("ABUSEDESK_IMAP_HOST")
ABUSEDESK_IMAP_PORT = _int("ABUSEDESK_IMAP_PORT", 993, minimum=1)
ABUSEDESK_IMAP_SSL = _bool("ABUSEDESK_IMAP_SSL", True)
ABUSEDESK_IMAP_USER = _str("ABUSEDESK_IMAP_USER")
ABUSEDESK_IMAP_PASSWORD = _str("ABUSEDESK_IMAP_PASSWORD")
ABUSEDESK_IMAP_FOLDER = _str("ABUSEDESK_IMAP_FOLDER", "INBOX")
ABUSEDESK_IMAP_POLL_SECONDS = _int("ABUSEDESK_IMAP_POLL_SECONDS", 60, minimum=10)

# The ISP itself.
ABUSEDESK_OWN_DOMAINS = [d.lower().strip(".") for d in _list("ABUSEDESK_OWN_DOMAINS")]
ABUSEDESK_DNS_SERVERS = _dns_servers("ABUSEDESK_DNS_SERVERS")
ABUSEDESK_DNS_TIMEOUT = float(_int("ABUSEDESK_DNS_TIMEOUT_MS", 3000, minimum=1)) / 1000
ABUSEDESK_DNSBL_ZONES = _dnsbl_zones("ABUSEDESK_DNSBL_ZONES")
# Off only where DNS makes no sense (the demo's documentation addresses).
ABUSEDESK_COLLECT_EVIDENCE = _bool("ABUSEDESK_COLLECT_EVIDENCE", True)
# One report must not tie up evidence collection: only its first N URL hosts (by order of
# appearance) are looked up, the rest recorded as "not looked up: limit"; no question is
# sent after the time budget (seconds) ran out, those recorded as "not looked up: time".
ABUSEDESK_EVIDENCE_MAX_HOSTS = _int("ABUSEDESK_EVIDENCE_MAX_HOSTS", 20, minimum=0)
ABUSEDESK_EVIDENCE_TIME_BUDGET = float(_int("ABUSEDESK_EVIDENCE_TIME_BUDGET_S", 30, minimum=1))
ABUSEDESK_EVIDENCE_WORKERS = _int("ABUSEDESK_EVIDENCE_WORKERS", 32, minimum=1)

# Sign-up screening and the forced-termination exchange (screening app; checked at
# start-up by screening.conf.check_settings).
ABUSEDESK_EXCHANGE_ISP_ID = _str("ABUSEDESK_EXCHANGE_ISP_ID")
ABUSEDESK_EXCHANGE_SIGNING_KEY = _str("ABUSEDESK_EXCHANGE_SIGNING_KEY")
ABUSEDESK_EXCHANGE_HASH_KEYS = _str("ABUSEDESK_EXCHANGE_HASH_KEYS")
ABUSEDESK_EXCHANGE_ENTRY_DAYS = _int("ABUSEDESK_EXCHANGE_ENTRY_DAYS", 730, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _str("LOG_LEVEL", "INFO")},
    # Eager tasks would log every success at INFO in the web process.
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
}

CELERY_BEAT_SCHEDULE = {
    # Reports, evidence and unsent mail left behind: within a minute.
    "sweep-reports": {"task": "complaints.tasks.sweep_reports", "schedule": 60.0},
    "reattribute-changed": {"task": "complaints.tasks.reattribute_changed", "schedule": 600.0},
    "sweep-evidence": {"task": "complaints.evidence.tasks.sweep_evidence", "schedule": 600.0},
    "sweep-sender-authentication": {
        "task": "complaints.tasks.sweep_sender_authentication",
        "schedule": 600.0,
    },
    "refresh-recommendations": {"task": "sanctions.tasks.refresh_recommendations", "schedule": 300.0},
    "expire-exchange-entries": {"task": "screening.tasks.expire_exchange_entries", "schedule": 3600.0},
    "purge-expired-content": {"task": "complaints.tasks.purge_expired_content", "schedule": 3600.0},
    "detect-mail-volume": {"task": "prevention.tasks.detect_mail_volume", "schedule": 300.0},
    # Monthly partitions a few months ahead, and the traffic logs' retention.
    "traffic-log-upkeep": {"task": "subscribers.tasks.traffic_log_upkeep", "schedule": 6 * 3600.0},
    # The same for the reports (complaints/partitions.py).
    "report-upkeep": {"task": "complaints.tasks.report_upkeep", "schedule": 6 * 3600.0},
    # The dashboard's default period, recomputed before the page would find it too old.
    "refresh-dashboard": {"task": "dashboards.tasks.refresh_dashboard", "schedule": 60.0},
}
if ABUSEDESK_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["poll-imap"] = {
        "task": "complaints.tasks.poll_imap_mailbox",
        "schedule": float(ABUSEDESK_IMAP_POLL_SECONDS),
    }
