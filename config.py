"""Deployment configuration, read from the environment when an app is created.

Contest rules (dates, limits, prizes) are never here: they are rows an organiser edits.
What lives here is how this deployment runs: database, secrets, mail, rate-limit store.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE_DIR = BASE_DIR / "instance"
INSECURE_SECRET_KEYS = {"", "dev", "change-me", "development-only-secret"}


class ConfigError(RuntimeError):
    """Raised when a deployment is configured in a way that must not start."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Settings shared by every environment; values come from the environment at init."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self, instance_dir: str | os.PathLike | None = None) -> None:
        self.INSTANCE_DIR = Path(
            instance_dir or os.environ.get("INSTANCE_DIR") or DEFAULT_INSTANCE_DIR
        )
        self.SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-secret")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL")
            or f"sqlite:///{self.INSTANCE_DIR / 'contest.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SQLALCHEMY_RECORD_QUERIES = False

        # Mail: SMTP when MAIL_SERVER is set, otherwise an outbox folder plus the log.
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = _env_int("MAIL_PORT", 587)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "Happy Nghe An <no-reply@localhost>"
        )
        self.MAIL_OUTBOX_DIR = Path(
            os.environ.get("MAIL_OUTBOX_DIR") or self.INSTANCE_DIR / "outbox"
        )

        # Rate limits (Flask-Limiter): memory by default, Redis in production.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;60 per hour")
        self.RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5 per minute;30 per hour")
        self.RATELIMIT_RESET = os.environ.get("RATELIMIT_RESET", "5 per minute;20 per hour")
        self.RATELIMIT_VERIFY = os.environ.get("RATELIMIT_VERIFY", "10 per minute;60 per hour")
        # Public votes: per account (user id) and per client IP (the real one only behind TRUSTED_PROXY_COUNT).
        self.RATELIMIT_VOTE_ACCOUNT = os.environ.get("RATELIMIT_VOTE_ACCOUNT", "30 per minute;300 per hour")
        self.RATELIMIT_VOTE_IP = os.environ.get("RATELIMIT_VOTE_IP", "60 per minute")
        # The proof of work asked of risky votes (app/gallery/services/challenge.py): zero bits to find,
        # how long a challenge stays valid, and what makes a vote look risky.
        self.VOTE_POW_BITS = _env_int("VOTE_POW_BITS", 18)
        self.VOTE_POW_TTL_SECONDS = _env_int("VOTE_POW_TTL_SECONDS", 600)
        self.VOTE_RISK_NEW_ACCOUNT_HOURS = _env_int("VOTE_RISK_NEW_ACCOUNT_HOURS", 24)
        self.VOTE_RISK_PREFIX_VOTES_PER_HOUR = _env_int("VOTE_RISK_PREFIX_VOTES_PER_HOUR", 50)
        self.VOTE_RISK_VOTER_VOTES_PER_10_MIN = _env_int("VOTE_RISK_VOTER_VOTES_PER_10_MIN", 10)

        # Media storage (app/storage): files under MEDIA_ROOT, or an S3-compatible bucket.
        # S3 credentials come from the usual boto3 chain (AWS_ACCESS_KEY_ID, a profile, a role).
        self.STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND") or "local"  # local | s3 | memory
        self.MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or self.INSTANCE_DIR / "media")
        self.S3_BUCKET = os.environ.get("S3_BUCKET", "")
        self.S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")  # empty for AWS; MinIO/R2 URL otherwise
        self.S3_REGION = os.environ.get("S3_REGION") or "us-east-1"
        self.S3_KEY_PREFIX = os.environ.get("S3_KEY_PREFIX", "")
        self.S3_PUBLIC_BASE_URL = os.environ.get("S3_PUBLIC_BASE_URL", "")  # CDN for immutable derivatives

        # Uploads (tus, through the app): each chunk becomes one storage part.
        self.UPLOAD_CHUNK_BYTES = _env_int("UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024)
        self.UPLOAD_MAX_BYTES = _env_int("UPLOAD_MAX_BYTES", 2 * 1024 * 1024 * 1024)
        self.UPLOAD_EXPIRY_HOURS = _env_int("UPLOAD_EXPIRY_HOURS", 48)
        self.UPLOAD_TEMP_DIR = os.environ.get("UPLOAD_TEMP_DIR") or None
        # Largest request body: one chunk plus headroom (forms are far smaller).
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CHUNK_BYTES", 64 * 1024 * 1024)
        self.MEDIA_MAX_ATTEMPTS = _env_int("MEDIA_MAX_ATTEMPTS", 4)
        self.MEDIA_RETRY_BASE_S = float(os.environ.get("MEDIA_RETRY_BASE_S", "30"))
        self.MEDIA_UNCLAIMED_DAYS = _env_int("MEDIA_UNCLAIMED_DAYS", 30)
        self.FFMPEG_TIMEOUT_S = float(os.environ.get("FFMPEG_TIMEOUT_S", "1800"))
        # Set to the internal nginx location that serves MEDIA_ROOT to let nginx send the bytes.
        self.MEDIA_ACCEL_REDIRECT_PREFIX = os.environ.get("MEDIA_ACCEL_REDIRECT_PREFIX", "")

        # Background jobs: in-process by default, Celery workers on Redis at scale.
        self.JOBS_BACKEND = os.environ.get("JOBS_BACKEND") or "inprocess"  # inprocess | sync | celery
        self.JOBS_INPROCESS_WORKERS = _env_int("JOBS_INPROCESS_WORKERS", 2)
        self.CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
        # Longer than the longest job, or Redis hands a running job to a second worker.
        self.JOBS_VISIBILITY_TIMEOUT_S = _env_int("JOBS_VISIBILITY_TIMEOUT_S", 3 * 3600)

        # Number of reverse proxies in front of the app whose X-Forwarded-* we trust.
        self.TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
        # Reach statistics: the header in which that trusted proxy names the visitor's country
        # (e.g. CF-IPCountry behind Cloudflare); empty: countries are not counted.
        self.REACH_COUNTRY_HEADER = os.environ.get("REACH_COUNTRY_HEADER", "")
        # Page views are tallied in memory and written in one batch this often (0: at every view).
        self.REACH_VIEW_FLUSH_SECONDS = _env_int("REACH_VIEW_FLUSH_SECONDS", 10)
        # The gallery's fair-order shuffles are rebuilt after this long (an entry accepted meanwhile
        # joins them then; one rejected or withdrawn drops out of pages at once).
        self.GALLERY_ORDER_CACHE_SECONDS = _env_int("GALLERY_ORDER_CACHE_SECONDS", 60)
        # The organisers' fraud report (seconds to compute at a million votes) is kept this long.
        self.FRAUD_REPORT_CACHE_SECONDS = _env_int("FRAUD_REPORT_CACHE_SECONDS", 120)

        self.BABEL_DEFAULT_LOCALE = "vi"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
        self.LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
        self.SESSION_COOKIE_SECURE = False
        self.REMEMBER_COOKIE_SECURE = False
        self.PREFERRED_URL_SCHEME = "http"
        self.SEND_FILE_MAX_AGE_DEFAULT = 60 * 60 * 24
        self.HSTS_SECONDS = 0

        self.EMAIL_CODE_TTL_MINUTES = _env_int("EMAIL_CODE_TTL_MINUTES", 30)
        self.EMAIL_CODE_MAX_ATTEMPTS = 5
        self.PASSWORD_RESET_TTL_MINUTES = _env_int("PASSWORD_RESET_TTL_MINUTES", 60)
        self.PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2025-07-01")
        self.CHECK_EMAIL_DELIVERABILITY = False

        # flask-smorest: the OpenAPI document is generated from the code.
        self.API_TITLE = "Happy Nghe An contest API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"

    def validate(self) -> None:
        """Refuse settings that are unsafe for this environment."""


class DevelopmentConfig(Config):
    """The embedded default: SQLite in the instance folder, mail into an outbox folder."""

    ENV_NAME = "development"
    DEBUG = False


class TestConfig(Config):
    """Settings for the test suite: a throwaway database chosen by TEST_DATABASE_URL."""

    ENV_NAME = "test"
    TESTING = True

    def __init__(self, instance_dir: str | os.PathLike | None = None) -> None:
        super().__init__(instance_dir)
        self.SECRET_KEY = "test-secret-key-not-for-production"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("TEST_DATABASE_URL")
            or f"sqlite:///{self.INSTANCE_DIR / 'test.sqlite3'}"
        )
        # Limits stay on, as in production; the suite resets the counters before each test.
        self.MAIL_SERVER = ""
        self.MAIL_OUTBOX_DIR = self.INSTANCE_DIR / "outbox"
        self.STORAGE_BACKEND = os.environ.get("TEST_STORAGE_BACKEND") or "local"
        self.MEDIA_ROOT = self.INSTANCE_DIR / "media"
        # Jobs run right after the commit that queued them, unless a test starts real workers.
        self.JOBS_BACKEND = os.environ.get("TEST_JOBS_BACKEND") or "sync"
        self.MEDIA_RETRY_BASE_S = 0.01
        self.VOTE_POW_BITS = 8  # browser tests solve it at once; tests asking for more set it themselves
        self.REACH_VIEW_FLUSH_SECONDS = 0  # every view written at once, so tests see it; the tally has its own
        self.GALLERY_ORDER_CACHE_SECONDS = 0  # decks rebuilt on every page; the cache has its own tests
        self.FRAUD_REPORT_CACHE_SECONDS = 0  # the report computed on every load; its cache has its own test
        self.FFMPEG_TIMEOUT_S = 120


class ProductionConfig(Config):
    """National scale: PostgreSQL, Redis-backed limits, secure cookies, a real secret."""

    ENV_NAME = "production"

    def __init__(self, instance_dir: str | os.PathLike | None = None) -> None:
        super().__init__(instance_dir)
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        self.PREFERRED_URL_SCHEME = "https"
        self.HSTS_SECONDS = 60 * 60 * 24 * 365

    def validate(self) -> None:
        """Production must not start with a guessable secret or a throwaway database."""
        if self.SECRET_KEY in INSECURE_SECRET_KEYS or len(self.SECRET_KEY) < 32:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if not os.environ.get("DATABASE_URL"):
            raise ConfigError("DATABASE_URL must point at PostgreSQL in production.")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def normalise_database_url(url: str) -> str:
    """Make plain postgres:// URLs use the psycopg 3 driver that we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def config_from_environment() -> Config:
    """Pick the config class named by APP_ENV (development by default)."""
    name = os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError as exc:
        raise ConfigError(f"APP_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from exc
