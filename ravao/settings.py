"""Settings of ravao: one module, every value from the environment (see docs/configuration.md)."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from ravao.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("RAVAO_DEBUG", False)
# A development key is accepted only with DEBUG on; ravao.checks refuses it otherwise.
INSECURE_DEV_SECRET_KEY = "insecure-dev-key-do-not-use-in-production"  # noqa: S105 (refused by checks)
SECRET_KEY = env_str("RAVAO_SECRET_KEY", INSECURE_DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("RAVAO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("RAVAO_CSRF_TRUSTED_ORIGINS", [])
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
    "ninja",
    "ravao.apps.RavaoConfig",
    "ravao.accounts",
    "ravao.places",
    "ravao.people",
    "ravao.checkins",
    "ravao.privacy",
    "ravao.tracing",
    "ravao.oversight",
    "ravao.api",
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
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'ravao.sqlite3'}"),
        conn_max_age=env_int("RAVAO_DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a check-in writes; the busy timeout absorbs short lock waits.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

AXES_FAILURE_LIMIT = env_int("RAVAO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("RAVAO_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [PACKAGE_DIR / "static"]
if (BASE_DIR / "node_modules").is_dir():
    # Front-end libraries installed from the pinned package.json (npm ci), served under /static/vendor/.
    STATICFILES_DIRS.append(("vendor", BASE_DIR / "node_modules"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600

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

EMAIL_BACKEND = env_str("RAVAO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("RAVAO_FROM_EMAIL", "ravao@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"ravao": {"handlers": ["console"], "level": env_str("RAVAO_LOG_LEVEL", "INFO")}},
}

# --- Domain settings (BRIEF §3: every threshold is a setting) ---------------------------------
# New venues wait for the commune's approval unless this is on.
RAVAO_AUTO_APPROVE_VENUES = env_bool("RAVAO_AUTO_APPROVE_VENUES", False)
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
