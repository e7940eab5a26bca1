"""Django settings, read once from typed environment variables (see docs/configuration.md)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from autarcie.core.env import (
    env_bool,
    env_choice,
    env_choices,
    env_int,
    env_optional,
    env_path,
    env_str,
)
from autarcie.core.roles import Role

BASE_DIR = Path(__file__).resolve().parent

# production fails closed; demo relaxes the key location and plain HTTP; test is for the suite.
MODE = env_choice("AUTARCIE_MODE", "production", ["production", "demo", "test"])
DATA_DIR = env_path("AUTARCIE_DATA_DIR", "./var")
DB_ENGINE = env_choice("DB", "sqlite", ["sqlite", "postgres"])

_key_file = env_optional("AUTARCIE_DB_KEY_FILE")
if _key_file:
    DB_KEY_FILE: Path | None = Path(_key_file).expanduser().absolute()
elif MODE in ("demo", "test"):
    # Beside the data directory, never inside it: a copy of the folder alone opens nothing.
    DB_KEY_FILE = DATA_DIR.with_name(DATA_DIR.name + ".key")
else:
    DB_KEY_FILE = None

_secret_file = DATA_DIR / "secret_key"
SECRET_KEY = (
    _secret_file.read_text(encoding="ascii").strip()
    if _secret_file.exists()
    else env_str("AUTARCIE_SECRET_KEY", "")
) or secrets.token_urlsafe(50)

DEBUG = env_bool("AUTARCIE_DEBUG", False) and MODE != "production"
TLS = env_bool("AUTARCIE_TLS", False)
ALLOWED_HOSTS = [h for h in env_str("AUTARCIE_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "autarcie.viewer",
    "autarcie.core",
    "autarcie.mirror",
    "autarcie.care",
    "autarcie.chart",
    "autarcie.crisis",
    "autarcie.drills",
    "autarcie.kits",
    "autarcie.resilience",
    "autarcie.recovery",
]

MIDDLEWARE = [
    "autarcie.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "autarcie.core.error_views.ExplainEmptyErrorsMiddleware",
    "autarcie.core.middleware.IdleTimeoutMiddleware",
    "autarcie.core.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "autarcie.urls"
WSGI_APPLICATION = "autarcie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "autarcie.core.context.autarcie_context",
                "autarcie.core.notices.notice_context",
                "autarcie.resilience.satellite_context.satellite_context",
            ],
        },
    }
]

if DB_ENGINE == "sqlite":
    DATABASES = {
        "default": {
            "ENGINE": "autarcie.core.db.sqlcipher",
            "NAME": str(DATA_DIR / "autarcie.db"),
            "CONN_MAX_AGE": None,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "key_file": str(DB_KEY_FILE) if DB_KEY_FILE else "",
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("AUTARCIE_DB_BUSY_TIMEOUT", 30, minimum=1),
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;"
                    "PRAGMA cache_size=-16384;PRAGMA temp_store=MEMORY"
                ),
            },
            "TEST": {"NAME": str(DATA_DIR / "test_autarcie.db")},
        }
    }
else:
    postgres_options: dict[str, object] = {
        # Parameters sent apart from the statement, and a statement run a few times on a
        # connection prepared once: the server then skips parsing and planning it, which
        # was half of its CPU per page (the summary's 21 statements). A pooler in
        # transaction mode cannot keep prepared statements: turn it off for one.
        "server_side_binding": True,
        "prepare_threshold": (5 if env_bool("POSTGRES_PREPARED_STATEMENTS", True) else None),
        "sslmode": env_choice(
            "POSTGRES_SSLMODE",
            "prefer",
            ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
        ),
    }
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env_str("POSTGRES_DB", "autarcie"),
            "USER": env_str("POSTGRES_USER", "autarcie"),
            "PASSWORD": env_str("POSTGRES_PASSWORD", ""),
            "HOST": env_str("POSTGRES_HOST", "127.0.0.1"),
            "PORT": str(env_int("POSTGRES_PORT", 5432, minimum=1, maximum=65535)),
            "CONN_MAX_AGE": None,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": postgres_options,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["autarcie.core.auth_backend.UserBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS: list[dict[str, Any]] = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"

SESSION_ENGINE = "autarcie.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = TLS
SESSION_COOKIE_NAME = "autarcie_session"
CSRF_COOKIE_SECURE = TLS
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = 12 * 3600
IDLE_TIMEOUT_SECONDS = env_int("AUTARCIE_IDLE_TIMEOUT", 15 * 60, minimum=60)
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if TLS:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = None

# Throttling of failed logins: progressive delays, never a permanent lock-out.
THROTTLE_FREE_FAILURES = env_int("AUTARCIE_THROTTLE_FREE_FAILURES", 5, minimum=1)
THROTTLE_MAX_DELAY_SECONDS = env_int("AUTARCIE_THROTTLE_MAX_DELAY", 15 * 60, minimum=1)

# Who may create her own FHIR API tokens on the "Jetons API" page. A token is a long-lived
# credential that reads patient data from any machine on the LAN: ward nurses work from the
# screens and paper kits, so by default only physicians and pharmacists get the page; an
# administrator can still issue a token to anyone with `autarcie token create`.
API_TOKEN_ROLES = env_choices(
    "AUTARCIE_API_TOKEN_ROLES", "physician,pharmacist", [str(r) for r in Role.values]
)
if not API_TOKEN_ROLES:  # an empty list would read as "no role required": fail closed
    raise ImproperlyConfigured(
        "AUTARCIE_API_TOKEN_ROLES needs at least one role (admin keeps the page to administrators)"
    )

# Error pages in French, in the site's layout, without patient data (core.error_views).
CSRF_FAILURE_VIEW = "autarcie.core.error_views.csrf_failure"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Assets are served from the installed package by WhiteNoise: nothing to collect.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# HL7 senders: "NETWORK[=MSH3^MSH4]" entries; production accepts nobody until configured.
HL7_SENDERS = env_str(
    "AUTARCIE_HL7_SENDERS", "127.0.0.0/8,::1/128" if MODE in ("demo", "test") else ""
)
HL7_PORT = env_int("AUTARCIE_HL7_PORT", 2575, minimum=1, maximum=65535)
FEED_SILENCE_MINUTES = env_int("AUTARCIE_FEED_SILENCE_MINUTES", 15, minimum=1)
HOSPITAL_NAME = env_str("AUTARCIE_HOSPITAL_NAME", "Centre hospitalier")
SITE_CODE = env_str("AUTARCIE_SITE_CODE", "01")
FINESS = env_str("AUTARCIE_FINESS", "")  # the establishment, for RPU files and identifiers

# Downtime care checks (see docs/care.md): how far in the future a written time may be (clock
# skew between the bedside and the server), the dose ratio that asks for a confirmation, and
# the largest quantity one stock entry may carry.
CARE_CLOCK_SKEW_MINUTES = env_int("AUTARCIE_CLOCK_SKEW_MINUTES", 5, minimum=0, maximum=120)
CARE_DOSE_WARNING_FACTOR = env_int("AUTARCIE_DOSE_WARNING_FACTOR", 10, minimum=2, maximum=1000)
CARE_STOCK_MAX_QUANTITY = env_int(
    "AUTARCIE_STOCK_MAX_QUANTITY", 100_000, minimum=1, maximum=2_000_000_000
)

# Crisis cell: legal clock target, outbound mail and SMS (see docs/configuration.md).
CRISIS_CERT_SANTE_HOURS = env_int("AUTARCIE_CERT_SANTE_HOURS", 24, minimum=0, maximum=72)
CRISIS_SMTP_HOST = env_str("AUTARCIE_SMTP_HOST", "")
CRISIS_SMTP_PORT = env_int("AUTARCIE_SMTP_PORT", 25, minimum=1, maximum=65535)
CRISIS_MAIL_FROM = env_str("AUTARCIE_MAIL_FROM", "cellule-crise@localhost")
CRISIS_SMS_ADAPTER = env_choice("AUTARCIE_SMS_ADAPTER", "none", ["none", "gsm", "http"])
CRISIS_SMS_SPOOL_DIR = env_path("AUTARCIE_SMS_SPOOL_DIR", "/var/spool/sms")
CRISIS_SMS_HTTP_URL = env_str("AUTARCIE_SMS_HTTP_URL", "")
CRISIS_PUBLIC_URL = env_str("AUTARCIE_PUBLIC_URL", "")
CRISIS_SMS_POLL_SECONDS = env_int("AUTARCIE_SMS_POLL_SECONDS", 15, minimum=1, maximum=3600)
# The HTTP gateway's inbound webhook is off until a shared secret is set (16 characters or more).
CRISIS_SMS_WEBHOOK_SECRET = env_str("AUTARCIE_SMS_WEBHOOK_SECRET", "")
if CRISIS_SMS_WEBHOOK_SECRET and len(CRISIS_SMS_WEBHOOK_SECRET) < 16:
    raise ImproperlyConfigured("AUTARCIE_SMS_WEBHOOK_SECRET must hold at least 16 characters")
CRISIS_SMS_WEBHOOK_PER_MINUTE = env_int("AUTARCIE_SMS_WEBHOOK_PER_MINUTE", 120, minimum=1)

# Paper kits (see docs/kits.md).
KITS_DIR = env_path("AUTARCIE_KITS_DIR", str(DATA_DIR / "kits"))
KITS_EVERY_MINUTES = env_int("AUTARCIE_KITS_EVERY_MINUTES", 60, minimum=0)
KITS_KEEP = env_int("AUTARCIE_KITS_KEEP", 5, minimum=1)
KITS_BLANK_FORMS = env_int("AUTARCIE_KITS_BLANK_FORMS", 6, minimum=1, maximum=200)
KITS_PRINTERS = env_str("AUTARCIE_KITS_PRINTERS", "")
KITS_FONT_DIR = env_path("AUTARCIE_KITS_FONT_DIR", "/usr/share/fonts/truetype/dejavu")

# Self-resilience: encrypted backups (see docs/operations.md).
_backup_key_file = env_optional("AUTARCIE_BACKUP_KEY_FILE")
if _backup_key_file:
    BACKUP_KEY_FILE: Path | None = Path(_backup_key_file).expanduser().absolute()
elif MODE in ("demo", "test"):
    BACKUP_KEY_FILE = DATA_DIR.with_name(DATA_DIR.name + ".backup.key")
else:
    BACKUP_KEY_FILE = None
_backup_dir = env_optional("AUTARCIE_BACKUP_DIR")
BACKUP_DIR: Path | None = Path(_backup_dir).expanduser().absolute() if _backup_dir else None
BACKUP_KEEP = env_int("AUTARCIE_BACKUP_KEEP", 7, minimum=1)
BACKUP_EVERY_MINUTES = env_int("AUTARCIE_BACKUP_EVERY_MINUTES", 60, minimum=0)
# Unit satellites: how often a satellite pulls from its main instance (0: only by hand).
SATELLITE_SYNC_MINUTES = env_int("AUTARCIE_SATELLITE_SYNC_MINUTES", 5, minimum=0)
# A period in seconds overrides the minutes: for exercises and tests of the live schedule.
BACKUP_EVERY_SECONDS = env_int("AUTARCIE_BACKUP_EVERY_SECONDS", 0, minimum=0)
_pg_bin_dir = env_optional("AUTARCIE_PG_BIN_DIR")
PG_BIN_DIR: Path | None = Path(_pg_bin_dir).expanduser().absolute() if _pg_bin_dir else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("AUTARCIE_LOG_LEVEL", "INFO")},
    # Request errors carry URLs and form data: never patient data in logs.
    "loggers": {"django.request": {"level": "ERROR", "propagate": True}},
}
