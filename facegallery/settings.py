"""Django settings for Face Gallery.

This is the only module that reads the environment. Every variable is listed in
`.env.example` and the README; a malformed value stops start-up with one
ImproperlyConfigured line that names the variable and how to fix it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from facegallery.core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """Read a secret from NAME or from the file named by NAME_FILE (Docker secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}"
            ) from None
    return os.environ.get(name)


def env_database(name: str) -> dj_database_url.DBConfig:
    raw = os.environ.get(name)
    if not raw:
        raise ImproperlyConfigured(
            f"{name} is not set: use `make run` / `make test` (they start an embedded PostgreSQL), "
            f"or set {name}=postgresql://USER@HOST:5432/DBNAME"
        )
    if urlsplit(raw).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name} must be a postgresql:// URL (Face Gallery runs on PostgreSQL only), "
            f"got scheme {urlsplit(raw).scheme!r}"
        )
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is malformed: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database: add /DBNAME at the end")
    return config


def env_redis(name: str) -> str:
    raw = os.environ.get(name)
    if not raw:
        raise ImproperlyConfigured(
            f"{name} is not set: use `make run` / `make test` (they start an embedded Redis), "
            f"or set {name}=redis://HOST:6379/0"
        )
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"{name} must be a redis:// URL, got {raw!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a non-numeric port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a malformed port: {raw!r}") from None
    return raw


# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set SECRET_KEY or SECRET_KEY_FILE (or DEBUG=1 for development)"
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    # Only for /api/docs: with ninja installed, its Swagger UI comes from our own static files
    # (django-ninja ships swagger-ui-dist), not from a CDN that our CSP blocks.
    "ninja",
    "facegallery.core",
    "facegallery.gallery",
    "facegallery.voting",
    # The apps are layers: each imports only the ones listed above it
    # (tests/test_layers.py). generation needs scoring; the last four present the rest.
    "facegallery.scoring",
    "facegallery.tuning",
    "facegallery.generation",
    "facegallery.moderation",
    "facegallery.exports",
    "facegallery.pages",
]

MIDDLEWARE = [
    "facegallery.core.head.HeadAsGetMiddleware",  # first: HEAD is a GET without the body
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "facegallery.core.errors.CorruptStrokesMiddleware",
]

ROOT_URLCONF = "facegallery.urls"
WSGI_APPLICATION = "facegallery.wsgi.application"

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

DATABASES = {"default": env_database("DATABASE_URL")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis("REDIS_URL")
# Redis is for Celery and caching only: sessions live in PostgreSQL so that the site keeps
# serving and recording votes while Redis is down.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
SESSION_ENGINE = "facegallery.core.sessions"  # database sessions; see that module

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
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security (production defaults; HTTPS=0 for a plain-HTTP local run) -------------------------

HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Scripts only from our own static files (htmx included, no CDN); inline styles are allowed
# for htmx's indicator style and the SVG drawings, data: images for the admin's charts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Face Gallery -------------------------------------------------------------------------------

MODELS_DIR = Path(env_str("FACEGALLERY_MODELS_DIR", str(BASE_DIR / "models")))
# Where `fetch_models` copies the weights from: a folder or a URL base (else the canonical URL).
MODELS_FROM = env_str("FACEGALLERY_MODELS_FROM", "")
GENERATOR_MODEL_NAME = env_str("FACEGALLERY_GENERATOR_MODEL", "face")
TORCH_THREADS = env_int("FACEGALLERY_TORCH_THREADS", 0, minimum=0)  # 0: torch's default
# Sampling precision (generator/precision.py): auto = bfloat16 on a CPU that multiplies it
# natively, float32 elsewhere. float32 by default until bfloat16 samples meet the quality bar
# (README, generator precision). Each face records the precision it was drawn in.
SAMPLING_PRECISION = env_str("FACEGALLERY_SAMPLING_PRECISION", "float32")
if SAMPLING_PRECISION not in {"auto", "float32", "bfloat16"}:
    raise ImproperlyConfigured(
        f"FACEGALLERY_SAMPLING_PRECISION={SAMPLING_PRECISION!r}: use auto, float32 or bfloat16"
    )
# Salt of the voter and IP hashes (votes, rate limits, exports). Derived from SECRET_KEY
# unless given, so rotating SECRET_KEY alone does not have to break vote history.
VOTER_HASH_SALT = env_secret("VOTER_HASH_SALT") or f"voter-hash:{SECRET_KEY}"
# Proxies in front of gunicorn that append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- Celery (read by facegallery/celery.py with namespace="CELERY") -----------------------------

CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
# JSON only: pickle would let anyone who can write to the broker run code in the workers.
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The generation tick: cheap (a few indexed queries), so frequent enough that faces
# appear within seconds of votes consuming the pool.
GENERATION_TICK_SECONDS = float(env_int("FACEGALLERY_TICK_SECONDS", 2, minimum=1))


class BeatEntry(TypedDict):
    task: str
    schedule: float  # seconds between runs


CELERY_BEAT_SCHEDULE: dict[str, BeatEntry] = {
    "generation-top-up": {
        "task": "gallery.generation_top_up",
        "schedule": GENERATION_TICK_SECONDS,
    },
    # Django never deletes expired sessions by itself (facegallery/core/sessions.py).
    "sessions-clear-expired": {
        "task": "core.sessions_clear_expired",
        "schedule": 3600.0,
    },
}

# --- Logging: one format for web, worker and beat -----------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
# One format for web, worker and beat; Celery's lines about routine tasks (the ticks, and
# batches, which log their own line) stay out at INFO: facegallery/core/logs.py.
LOGGING = logging_config(LOG_LEVEL)

# --- Gallery and voting (public site, JSON API) --------------------------------------------------

# Rate limits per moving window (0 turns one off), per voter, per IP address and per IP prefix
# (IPv4 /24, IPv6 /64; facegallery/voting/identity.py). Counted in Redis by the `limits`
# library; skipped while Redis is down (facegallery/voting/ratelimit.py).
RATE_LIMIT_WINDOW_SECONDS = env_int("FACEGALLERY_RATE_WINDOW_SECONDS", 60, minimum=1)
VOTE_RATE_PER_VOTER = env_int("FACEGALLERY_VOTE_RATE_VOTER", 120, minimum=0)
VOTE_RATE_PER_IP = env_int("FACEGALLERY_VOTE_RATE_IP", 1200, minimum=0)
VOTE_RATE_PER_PREFIX = env_int("FACEGALLERY_VOTE_RATE_PREFIX", 2400, minimum=0)
REPORT_RATE_PER_VOTER = env_int("FACEGALLERY_REPORT_RATE_VOTER", 10, minimum=0)
REPORT_RATE_PER_IP = env_int("FACEGALLERY_REPORT_RATE_IP", 30, minimum=0)
REPORT_RATE_PER_PREFIX = env_int("FACEGALLERY_REPORT_RATE_PREFIX", 60, minimum=0)
# Who counts (README "Voting"; facegallery/voting/voters.py). New anonymous voters per IP
# prefix in any hour: generous for a school or a carrier's NAT, a wall for a script.
NEW_VOTERS_PER_PREFIX_HOUR = env_int("FACEGALLERY_NEW_VOTERS_PER_PREFIX_HOUR", 60, minimum=1)
# Counted votes (counters, rankings) on one face from one IP prefix's established voters.
# The rest are kept, flagged uncounted.
VOTE_COUNTED_PER_FACE_PREFIX = env_int("FACEGALLERY_VOTE_COUNTED_PER_FACE_PREFIX", 10, minimum=1)
# A voter is established once its first vote is this old and it has cast this many votes at
# a human pace; until then its votes are pending (they count from then on).
VOTER_ESTABLISHED_MINUTES = env_int("FACEGALLERY_VOTER_ESTABLISHED_MINUTES", 10, minimum=0)
VOTER_ESTABLISHED_VOTES = env_int("FACEGALLERY_VOTER_ESTABLISHED_VOTES", 5, minimum=1)
# "For you" (facegallery/scoring/for_you.py): votes a visitor casts before its own ordering.
FOR_YOU_MIN_VOTES = env_int("FACEGALLERY_FOR_YOU_MIN_VOTES", 20, minimum=2)
GALLERY_PAGE_SIZE = env_int("FACEGALLERY_PAGE_SIZE", 24, minimum=1)
# Seconds a rendered gallery page is shared between visitors (per worker; 0: render every
# request). Counts on the grid lag by at most this much; see facegallery/pages/grid.py.
GALLERY_CACHE_SECONDS = env_int("FACEGALLERY_GALLERY_CACHE_SECONDS", 2, minimum=0)
# JSON API request bodies are a label or a short reason: anything bigger is refused (413).
API_MAX_BODY_BYTES = env_int("FACEGALLERY_API_MAX_BODY_BYTES", 4096, minimum=256)

# --- Scoring filter (facegallery/scoring): retraining thresholds -------------------------------
# keep_share / explore_share live in GenerationSettings (editable in the admin).

# Retrain once this many new (non-voided) votes arrived since the last version was trained.
SCORER_RETRAIN_MIN_NEW_VOTES = env_int("FACEGALLERY_SCORER_RETRAIN_MIN_NEW_VOTES", 200, minimum=1)
# A face needs this many votes to become a training label.
SCORER_MIN_VOTES_PER_FACE = env_int("FACEGALLERY_SCORER_MIN_VOTES", 1, minimum=1)
# No scorer is trained from fewer labelled faces than this.
SCORER_MIN_TRAINING_FACES = env_int("FACEGALLERY_SCORER_MIN_FACES", 150, minimum=10)
# Share of labelled faces held out (fixed by face id) to compare versions, percent.
SCORER_HOLDOUT_PERCENT = env_int("FACEGALLERY_SCORER_HOLDOUT_PERCENT", 20, minimum=5)
# The generator's NLL as a feature (costs a decoder pass per face, computed once and cached).
SCORER_USE_NLL = env_bool("FACEGALLERY_SCORER_USE_NLL", True)
# Votes beyond this many on one face add no more weight (a viral face must not dominate).
SCORER_VOTE_WEIGHT_CAP = env_int("FACEGALLERY_SCORER_VOTE_WEIGHT_CAP", 10, minimum=1)
SCORER_RETRAIN_CHECK_SECONDS = float(env_int("FACEGALLERY_SCORER_CHECK_SECONDS", 300, minimum=5))
CELERY_BEAT_SCHEDULE["scorer-retrain-if-due"] = {
    "task": "scoring.scorer_retrain_if_due",
    "schedule": SCORER_RETRAIN_CHECK_SECONDS,
}

# --- Generator tuning (facegallery/tuning): versions of the decoder tuned from votes ------------

# Train a version once this many new counted, non-voided votes arrived since the last one
# (checked every TUNING_CHECK_SECONDS; never while a rollout is running).
TUNING_MIN_NEW_VOTES = env_int("FACEGALLERY_TUNING_MIN_NEW_VOTES", 500, minimum=1)
TUNING_CHECK_SECONDS = float(env_int("FACEGALLERY_TUNING_CHECK_SECONDS", 900, minimum=5))
# No version is tuned from fewer liked (or fewer disliked) faces than this.
TUNING_MIN_FACES = env_int("FACEGALLERY_TUNING_MIN_FACES", 20, minimum=1)
# Passes over the voted faces in one training run (generator.tuning.TuningConfig.epochs;
# 0: its default).
TUNING_EPOCHS = env_int("FACEGALLERY_TUNING_EPOCHS", 0, minimum=0)
# Held-out human Quick, Draw! faces (simplified ndjson) the rails measure NLL on. Not shipped
# in the repository: CI reads ../shared's sample; production points this at its own held-out
# file (README, "Generator versions"). Without it no version is trained.
TUNING_RAILS_HUMAN_FACES = Path(
    env_str(
        "FACEGALLERY_TUNING_RAILS_HUMAN_FACES",
        str(BASE_DIR.parent / "shared" / "data" / "quickdraw_face_sample.ndjson"),
    )
)
# A version that passed its rails starts a rollout by itself when none is running.
TUNING_AUTO_ROLLOUT = env_bool("FACEGALLERY_TUNING_AUTO_ROLLOUT", True)
# Share of new batches a candidate draws during its rollout, percent.
TUNING_ROLLOUT_PERCENT = env_int("FACEGALLERY_TUNING_ROLLOUT_PERCENT", 20, minimum=1)
# The rollout's decision: counted votes each arm needs before a decision, and the candidate's
# votes after which it is rejected unless it has won (checked every TUNING_DECIDE_SECONDS).
TUNING_ROLLOUT_MIN_VOTES = env_int("FACEGALLERY_TUNING_ROLLOUT_MIN_VOTES", 300, minimum=1)
TUNING_ROLLOUT_MAX_VOTES = env_int("FACEGALLERY_TUNING_ROLLOUT_MAX_VOTES", 3000, minimum=1)
TUNING_DECIDE_SECONDS = float(env_int("FACEGALLERY_TUNING_DECIDE_SECONDS", 300, minimum=5))
# Training runs on a queue of its own, so a long run never holds up generation's batches:
# docker-compose's `tuner` worker consumes it (one process, restarted after each run to give
# its memory back); `make run`'s worker consumes both queues.
CELERY_TASK_ROUTES = {"tuning.version_train": {"queue": "tuning"}}
CELERY_BEAT_SCHEDULE["tuning-version-train"] = {
    "task": "tuning.version_train",
    "schedule": TUNING_CHECK_SECONDS,
}
CELERY_BEAT_SCHEDULE["tuning-rollout-decide"] = {
    "task": "tuning.rollout_decide",
    "schedule": TUNING_DECIDE_SECONDS,
}

# --- Admin login protection: django-axes (facegallery/moderation) ------------------------------
# Failed admin logins are counted per (username, client IP) in PostgreSQL (the database
# handler): the lockout keeps working while Redis is down, and one attacker cannot lock a
# moderator out from everywhere by guessing their username from another address.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes requires
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The same client address as votes and rate limits (TRUSTED_PROXY_COUNT behind proxies).
AXES_CLIENT_IP_CALLABLE = "facegallery.voting.identity.client_ip"
AXES_LOCKOUT_TEMPLATE = "moderation/locked_out.html"
AXES_VERBOSE = False  # no per-attempt log lines carrying client addresses

# --- Exports (facegallery/exports) ----------------------------------------------------------------

# Where exports started from the admin are written, one folder a job; served to staff only.
EXPORTS_DIR = Path(env_str("FACEGALLERY_EXPORTS_DIR", str(BASE_DIR / "var" / "exports")))
