"""Settings of ravao: one module, every value from the environment (see docs/configuration.md)."""

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.utils.translation import gettext_lazy as _

from ravao.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_prefixes,
    env_str,
    env_territory,
    env_url,
    load_dotenv_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
# A development checkout's `.env` (written by `make install`); never overrides the real environment.
load_dotenv_file(BASE_DIR / ".env")

DEBUG = env_bool("RAVAO_DEBUG", False)
# A development key is accepted only with DEBUG on; ravao.checks refuses it otherwise.
INSECURE_DEV_SECRET_KEY = "insecure-dev-key-do-not-use-in-production"  # noqa: S105 (refused by checks)
SECRET_KEY = env_str("RAVAO_SECRET_KEY", INSECURE_DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("RAVAO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("RAVAO_CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ConfigError(
            f"RAVAO_CSRF_TRUSTED_ORIGINS must list origins such as https://host, not {_origin!r}"
        )
# The address printed on posters; the QR code encodes SITE_URL + "/v/<code>".
SITE_URL = env_str("RAVAO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # two-factor recovery codes
    "ninja",
    "ravao.apps.RavaoConfig",
    "ravao.accounts",
    "ravao.places",
    "ravao.people",
    "ravao.checkins",
    "ravao.privacy",
    "ravao.tracing",
    "ravao.oversight",
    "ravao.notifications",
    "ravao.api",
    "ravao.security",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages and JSON compressed on the way out (static files come pre-compressed from WhiteNoise). Django's
    # GZip adds random padding against BREACH; the CSRF token is masked per response as well.
    "django.middleware.gzip.GZipMiddleware",
    # Outermost after Django's own, so every response (429, 413, static files) carries CSP and friends.
    "ravao.security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale (refusals in the user's language), before anything reads the body.
    "ravao.security.middleware.BodySizeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ravao.security.middleware.OTPRequiredMiddleware",
    # After authentication: the gate look-up is counted per user.
    "ravao.security.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ravao.urls"
WSGI_APPLICATION = "ravao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ravao.context_processors.roles",
            ],
        },
    }
]

# SQLite by default so a fresh clone runs with no server; DATABASE_URL switches to PostgreSQL.
_database_url = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'ravao.sqlite3'}")
try:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url, conn_max_age=env_int("RAVAO_DB_CONN_MAX_AGE", 60, minimum=0)
        )
    }
except ValueError as _exc:  # dj_database_url: no scheme, or one it does not know
    raise ConfigError(
        f"DATABASE_URL is not a database address (postgres://..., sqlite:///...): {_exc}"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a check-in writes; the busy timeout absorbs short lock waits.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Optional PostgreSQL streaming replica (issue 13 item 5; docs/scaling.md): only tracing look-ups and
# oversight figures read from it (ravao.db.replica), through a router installed only when it is set.
RAVAO_REPLICA_CONNECT_TIMEOUT_SECONDS = env_int("RAVAO_REPLICA_CONNECT_TIMEOUT_SECONDS", 2, minimum=1)
RAVAO_REPLICA_MAX_LAG_SECONDS = env_int("RAVAO_REPLICA_MAX_LAG_SECONDS", 10, minimum=0)
RAVAO_REPLICA_CHECK_SECONDS = env_int("RAVAO_REPLICA_CHECK_SECONDS", 5, minimum=1)
RAVAO_REPLICA_RETRY_SECONDS = env_int("RAVAO_REPLICA_RETRY_SECONDS", 30, minimum=1)
RAVAO_READ_AFTER_WRITE_SECONDS = env_int("RAVAO_READ_AFTER_WRITE_SECONDS", 5, minimum=0)
_replica_url = env_str("DATABASE_REPLICA_URL", "")
if _replica_url:
    _postgres = "django.db.backends.postgresql"
    if DATABASES["default"]["ENGINE"] != _postgres:
        raise ConfigError("DATABASE_REPLICA_URL needs DATABASE_URL on PostgreSQL (the replica's primary)")
    try:
        _replica = dj_database_url.parse(_replica_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    except ValueError as _exc:
        raise ConfigError(f"DATABASE_REPLICA_URL is not a database address (postgres://…): {_exc}") from None
    if _replica["ENGINE"] != _postgres:
        raise ConfigError("DATABASE_REPLICA_URL must be a PostgreSQL address (postgres://...)")
    # A replica that does not answer must cost a request at most this long (then the primary serves).
    _replica["OPTIONS"] = {
        **_replica.get("OPTIONS", {}),
        "connect_timeout": RAVAO_REPLICA_CONNECT_TIMEOUT_SECONDS,
    }
    # Tests see the primary's test database through it (a real replica: ravao/tests/test_replica.py).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["ravao.db.router.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "ravao.db.middleware.ReadAfterWriteMiddleware",
    )

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = env_int("RAVAO_PASSWORD_RESET_LINK_MINUTES", 60, minimum=5) * 60  # emailed link

AXES_FAILURE_LIMIT = env_int("RAVAO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A page in the user's language instead of axes' bare text; one idea of the client address for axes,
# the rate limits and the audit log (see RAVAO_PROXY_COUNT).
AXES_LOCKOUT_TEMPLATE = "security/lockout.html"
AXES_CLIENT_IP_CALLABLE = "ravao.security.ratelimit.client_ip"
# Number of reverse proxies in front of the server that append to X-Forwarded-For (0: use REMOTE_ADDR).
RAVAO_PROXY_COUNT = env_int("RAVAO_PROXY_COUNT", 0, minimum=0)

# Two-factor login (TOTP, django-otp): optional for officials, required for health officers by default
# in production before they reach tracing pages.
OTP_TOTP_ISSUER = env_str("RAVAO_OTP_ISSUER", "ravao")
RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS = env_bool("RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS", not DEBUG)
RAVAO_2FA_PROTECTED_PREFIXES = env_prefixes("RAVAO_2FA_PROTECTED_PREFIXES", ["/tracing/"])

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("RAVAO_TIME_ZONE", "Asia/Ho_Chi_Minh")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ConfigError(
        f"RAVAO_TIME_ZONE must be an IANA time zone (Asia/Ho_Chi_Minh), not {TIME_ZONE!r}"
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `collectstatic` (run by `ravao serve`) writes the hashed, compressed files.
STATIC_ROOT = Path(env_str("RAVAO_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# ravao/static/ is found as the `ravao` app's own static folder (AppDirectoriesFinder).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # The few front-end library files the pages load, from node_modules (npm ci), under /static/vendor/.
    "ravao.staticfinders.VendorFinder",
]
# Production serves what `collectstatic` wrote (`ravao serve` runs it): names carry a hash of the content,
# so browsers may keep them for a year (WhiteNoise marks them immutable), and each has a .gz and .br beside
# it. Development (DEBUG) and the test suite read the source folders directly, unhashed.
RAVAO_STATIC_MANIFEST = env_bool("RAVAO_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if RAVAO_STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not RAVAO_STATIC_MANIFEST
# Only the hashed names are kept and served; source maps (the API docs' are megabytes, read only by developer
# tools) are not compressed, which keeps `collectstatic` to seconds of CPU.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "xz", "br", "woff", "woff2", "mp4"),
    "map",
]
# Unhashed files (development only, and the few paths not in the manifest) are revalidated after a minute.
WHITENOISE_MAX_AGE = 60

# Rate limits: fixed one-window counters in the cache (Redis when RAVAO_REDIS_URL is set, so all
# workers share them; process memory otherwise). Requests per window per client address (per user
# for the gate look-up).
_redis_url = env_url("RAVAO_REDIS_URL", "", schemes=("redis://", "rediss://", "unix://"))
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "KEY_PREFIX": "ravao",
        }
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ravao"}
    )
}
# bench/ingest's reference endpoints under /_bench/ (ravao/benchurls.py); never in production.
RAVAO_BENCH_ENDPOINTS = env_bool("RAVAO_BENCH_ENDPOINTS", False)
RAVAO_RATE_LIMITS_ENABLED = env_bool("RAVAO_RATE_LIMITS_ENABLED", True)
RAVAO_RATE_LIMIT_WINDOW_SECONDS = env_int("RAVAO_RATE_LIMIT_WINDOW_SECONDS", 60, minimum=1)
RAVAO_RATE_LIMITS = {
    # Many phones share one carrier (CGNAT) address at a factory gate: keep the public limits generous.
    "checkin": env_int("RAVAO_RATE_LIMIT_CHECKIN", 120, minimum=1),
    "api": env_int("RAVAO_RATE_LIMIT_API", 240, minimum=1),
    "login": env_int("RAVAO_RATE_LIMIT_LOGIN", 30, minimum=1),
    "lookup": env_int("RAVAO_RATE_LIMIT_LOOKUP", 120, minimum=1),
}

# Content-Security-Policy: no inline script or style anywhere. Report-only lets an operator try a change.
RAVAO_CSP_REPORT_ONLY = env_bool("RAVAO_CSP_REPORT_ONLY", False)
# Pages that may use the camera (Permissions-Policy camera=(self)); every other page gets camera=().
RAVAO_CAMERA_PREFIXES = env_prefixes("RAVAO_CAMERA_PREFIXES", ["/gate/"])

# A huge body is refused before it reaches a view (BRIEF: "a huge body → rejected cleanly").
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("RAVAO_MAX_BODY_BYTES", 256 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_secure = env_bool("RAVAO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
# HSTS only makes sense behind HTTPS, i.e. in production; a year by default there.
SECURE_HSTS_SECONDS = env_int("RAVAO_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RAVAO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = False
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("RAVAO_BEHIND_HTTPS_PROXY", False):
    # The proxy terminates TLS and says so; without this, request.is_secure() is always false.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = env_str("RAVAO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("RAVAO_FROM_EMAIL", "ravao@localhost")
# The mail server of the SMTP backend (a provider's relay needs its host, port, login and TLS).
EMAIL_HOST = env_str("RAVAO_EMAIL_HOST", "localhost")
if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\]", EMAIL_HOST):
    raise ConfigError(f"RAVAO_EMAIL_HOST must be a host name or address, not {EMAIL_HOST!r}")
EMAIL_PORT = env_int("RAVAO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("RAVAO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("RAVAO_EMAIL_PASSWORD", "")
# STARTTLS on the submission port (587), or implicit TLS (465): one of them, never both.
_email_tls = env_choice("RAVAO_EMAIL_TLS", "none", ("none", "starttls", "ssl"))
EMAIL_USE_TLS, EMAIL_USE_SSL = _email_tls == "starttls", _email_tls == "ssl"
EMAIL_TIMEOUT = env_int("RAVAO_EMAIL_TIMEOUT", 10, minimum=1)

# One JSON object per line on stderr (RAVAO_LOG_FORMAT=text for people reading a terminal). Django's own
# errors (an unhandled exception in a view: "django.request") go to the same handler. Every record passes the
# redaction filter: no phone number, ID number, poster code or token reaches a log line (ravao.logs).
RAVAO_LOG_FORMAT = env_choice("RAVAO_LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
_log_level = env_choice(
    "RAVAO_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), upper=True
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "ravao.logs.RedactFilter"}},
    "formatters": {
        "json": {"()": "ravao.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": RAVAO_LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "loggers": {
        "ravao": {"handlers": ["console"], "level": _log_level, "propagate": False},
        # Unhandled exceptions (500s), refused hosts, CSRF failures.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Optional error tracker (Sentry or a compatible service such as GlitchTip): unhandled errors are sent with no
# personal data (no request bodies, cookies, user names or IP addresses). Needs `pip install ravao[sentry]`.
RAVAO_SENTRY_DSN = env_url("RAVAO_SENTRY_DSN", "", schemes=("https://", "http://"))
if RAVAO_SENTRY_DSN:
    from ravao.logs import init_error_tracker

    init_error_tracker(RAVAO_SENTRY_DSN, environment=env_str("RAVAO_SENTRY_ENVIRONMENT", "production"))

# --- Domain settings (BRIEF §3: every threshold is a setting) ---------------------------------
# New venues wait for the commune's approval unless this is on.
RAVAO_AUTO_APPROVE_VENUES = env_bool("RAVAO_AUTO_APPROVE_VENUES", False)
# The provinces (unit codes, one map) whose communes the forms offer; empty: every loaded province of the
# newest loaded map (issue 14). See ravao/places/conf.py.
RAVAO_TERRITORY = env_territory("RAVAO_TERRITORY")
# A declaration older than this is re-confirmed at the next check-in.
RAVAO_DECLARATION_MAX_AGE_HOURS = env_int("RAVAO_DECLARATION_MAX_AGE_HOURS", 24, minimum=1)
# Look-back of the declaration's questions ("in the last 14 days ...").
RAVAO_DECLARATION_LOOKBACK_DAYS = env_int("RAVAO_DECLARATION_LOOKBACK_DAYS", 14, minimum=1)
# How long the device cookie lives.
RAVAO_DEVICE_COOKIE_DAYS = env_int("RAVAO_DEVICE_COOKIE_DAYS", 365, minimum=1)
# Retention of check-ins, declarations and devices (BRIEF §3).
RAVAO_RETENTION_DAYS = env_int("RAVAO_RETENTION_DAYS", 28, minimum=1)
# Typical stay (minutes) by venue kind when no check-out is recorded; "" keeps the defaults.
RAVAO_TYPICAL_STAY_MINUTES = {
    kind: env_int(f"RAVAO_TYPICAL_STAY_{kind.upper()}", minutes, minimum=1)
    for kind, minutes in {
        "agency": 480,
        "business": 480,
        "factory": 480,
        "health": 120,
        "school": 480,
        "market": 60,
        "shop": 60,
        "restaurant": 90,
        "craft": 480,
        "public": 60,
        "other": 60,
    }.items()
}
CSRF_FAILURE_VIEW = "ravao.views.csrf_failure"
# Bumped with each release so the service worker drops its old cache.
RAVAO_ASSET_VERSION = "0.1.0-1"

# --- Read once here, used by library modules (issue 10 item 4: no module reads the environment itself) ---
# Keys. Parsed and checked at start-up by ravao.startup (the parsers live beside the code that uses them);
# empty means "derived from RAVAO_SECRET_KEY" (development only; `ravao check --deploy` warns).
RAVAO_DATA_KEYS = env_str("RAVAO_DATA_KEYS", "")  # ravao.privacy.crypto
RAVAO_LOOKUP_KEY = env_str("RAVAO_LOOKUP_KEY", "")  # ravao.privacy.crypto
RAVAO_QR_SIGNING_KEYS = env_str("RAVAO_QR_SIGNING_KEYS", "")  # ravao.lib.tokens
# Status colour rules as JSON (ravao.people.status); empty keeps the built-in table.
RAVAO_STATUS_RULES = env_str("RAVAO_STATUS_RULES", "")

# SMS (ravao.lib.sms): the sender class by dotted path (imported at start-up), and the HTTP sender's settings.
RAVAO_SMS_SENDER = env_str("RAVAO_SMS_SENDER", "ravao.lib.sms.LoggingSmsSender")
RAVAO_SMS_HTTP_URL = env_url(
    "RAVAO_SMS_HTTP_URL", "", schemes=("https://", "http://127.0.0.1", "http://localhost")
)
RAVAO_SMS_HTTP_API_KEY = env_str("RAVAO_SMS_HTTP_API_KEY", "")
RAVAO_SMS_HTTP_API_KEY_HEADER = env_str("RAVAO_SMS_HTTP_API_KEY_HEADER", "Authorization")
RAVAO_SMS_BRANDNAME = env_str("RAVAO_SMS_BRANDNAME", "RAVAO")
RAVAO_SMS_HTTP_TIMEOUT_SECONDS = env_int("RAVAO_SMS_HTTP_TIMEOUT_SECONDS", 10, minimum=1)

# Gate, offline sync, screen mode and plausibility (ravao.checkins.conf explains each).
RAVAO_GATE_SYNC_MAX_BATCH = env_int("RAVAO_GATE_SYNC_MAX_BATCH", 500, minimum=1)
RAVAO_GATE_SYNC_MAX_AGE_HOURS = env_int("RAVAO_GATE_SYNC_MAX_AGE_HOURS", 72, minimum=1)
RAVAO_GATE_CLOCK_SKEW_SECONDS = env_int("RAVAO_GATE_CLOCK_SKEW_SECONDS", 120, minimum=0)
RAVAO_GATE_REPEAT_IGNORE_SECONDS = env_int("RAVAO_GATE_REPEAT_IGNORE_SECONDS", 5, minimum=0)
RAVAO_PERSONAL_QR_TTL_HOURS = env_int("RAVAO_PERSONAL_QR_TTL_HOURS", 24, minimum=1)
RAVAO_WALLET_CARD_TTL_DAYS = env_int("RAVAO_WALLET_CARD_TTL_DAYS", 365, minimum=1)
RAVAO_SCREEN_CODE_SECONDS = env_int("RAVAO_SCREEN_CODE_SECONDS", 30, minimum=5)
RAVAO_SCREEN_PRESENCE_SECONDS = env_int("RAVAO_SCREEN_PRESENCE_SECONDS", 600, minimum=30)
RAVAO_IMPLAUSIBLE_TRAVEL_MINUTES = env_int("RAVAO_IMPLAUSIBLE_TRAVEL_MINUTES", 10, minimum=1)
RAVAO_BURST_CHECKINS = env_int("RAVAO_BURST_CHECKINS", 5, minimum=2)
RAVAO_BURST_WINDOW_MINUTES = env_int("RAVAO_BURST_WINDOW_MINUTES", 10, minimum=1)
RAVAO_GATE_SCAN_WINDOW_MINUTES = env_int("RAVAO_GATE_SCAN_WINDOW_MINUTES", 10, minimum=1)
RAVAO_GATE_SCANS_PER_STAFF_HOUR = env_int("RAVAO_GATE_SCANS_PER_STAFF_HOUR", 2400, minimum=1)
RAVAO_GATE_SCANS_PER_VENUE_HOUR = env_int("RAVAO_GATE_SCANS_PER_VENUE_HOUR", 6000, minimum=1)
RAVAO_GATE_UNKNOWN_PER_STAFF_HOUR = env_int("RAVAO_GATE_UNKNOWN_PER_STAFF_HOUR", 30, minimum=1)
RAVAO_GATE_UNKNOWN_PER_VENUE_HOUR = env_int("RAVAO_GATE_UNKNOWN_PER_VENUE_HOUR", 100, minimum=1)

# Phone verification by one-time code (ravao.people.conf explains each).
RAVAO_REQUIRE_PHONE_VERIFICATION = env_bool("RAVAO_REQUIRE_PHONE_VERIFICATION", False)
RAVAO_OTP_TTL_MINUTES = env_int("RAVAO_OTP_TTL_MINUTES", 10, minimum=1)
RAVAO_OTP_MAX_ATTEMPTS = env_int("RAVAO_OTP_MAX_ATTEMPTS", 5, minimum=1)
RAVAO_OTP_RESEND_SECONDS = env_int("RAVAO_OTP_RESEND_SECONDS", 60, minimum=0)
RAVAO_OTP_PER_PHONE_PER_HOUR = env_int("RAVAO_OTP_PER_PHONE_PER_HOUR", 3, minimum=1)
RAVAO_OTP_PER_DEVICE_PER_HOUR = env_int("RAVAO_OTP_PER_DEVICE_PER_HOUR", 5, minimum=1)
RAVAO_OTP_PER_ADDRESS_PER_HOUR = env_int("RAVAO_OTP_PER_ADDRESS_PER_HOUR", 30, minimum=1)
