"""Settings from the environment.

Every value can be set by an environment variable of the same name. Secrets are never
constants in the code: when SECRET_KEY is unset, one is generated on first run and kept in
``instance/secret_key`` (readable by the owner only).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LMS_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def load_or_create_secret_key(instance_dir: Path = INSTANCE_DIR) -> str:
    """Return SECRET_KEY from the environment, else the key kept in the instance folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting at once must not both write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Let ``postgres://`` and ``postgresql://`` URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings for running the platform (development and production)."""

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'cakap_desa.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    LMS_TIMEZONE = os.environ.get("LMS_TIMEZONE", "Asia/Makassar")
    BABEL_DEFAULT_LOCALE = os.environ.get("LMS_DEFAULT_LOCALE", "id")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")  # compiled by `make run`/`make test`
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 12)
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's default cost (n=2**15)
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)  # a course zip with images
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")
    IMAGE_MAX_BYTES = _env_int("IMAGE_MAX_BYTES", 2 * 1024 * 1024)
    REPORT_INACTIVE_DAYS = _env_int("REPORT_INACTIVE_DAYS", 14)
    # Optional: report pages, exports and the report API read through a separate engine on this URL
    # (a read replica of DATABASE_URL); unset, they read the primary. See docs/reports.md, "Scale".
    REPORTS_DATABASE_URL = normalise_database_url(os.environ.get("REPORTS_DATABASE_URL") or "") or None
    REPORT_LETTERHEAD = os.environ.get(
        "REPORT_LETTERHEAD",
        "PEMERINTAH KABUPATEN BADUNG|DINAS KOMUNIKASI DAN INFORMATIKA|"
        "Pusat Pemerintahan Kabupaten Badung, Jl. Raya Sempidi, Mangupura")
    REPORT_PLACE = os.environ.get("REPORT_PLACE", "Mangupura")
    REPORT_SIGNATORY_POSITION = os.environ.get("REPORT_SIGNATORY_POSITION",
                                               "Kepala Dinas Komunikasi dan Informatika Kabupaten Badung")
    REPORT_SIGNATORY_NAME = os.environ.get("REPORT_SIGNATORY_NAME", "")
    REPORT_SIGNATORY_NIP = os.environ.get("REPORT_SIGNATORY_NIP", "")
    REGISTRATION_OPEN = _env_bool("REGISTRATION_OPEN", True)
    PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-11")
    IDLE_TIMEOUT_MINUTES = _env_int("IDLE_TIMEOUT_MINUTES", 8 * 60)
    PROXY_HOPS = _env_int("PROXY_HOPS", 0)  # trusted reverse proxies in front of the app (X-Forwarded-For)
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 10)
    LOGIN_LOCKOUT_MINUTES = _env_int("LOGIN_LOCKOUT_MINUTES", 15)
    TOTP_REQUIRED_FOR_ADMINS = _env_bool("TOTP_REQUIRED_FOR_ADMINS", True)  # admins must set up a second factor
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    TESTING = False

    def __init__(self) -> None:
        # Resolved per instance, so importing config never writes a file.
        self.BABEL_DEFAULT_TIMEZONE = self.LMS_TIMEZONE

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802 - Flask reads it by this name
        return load_or_create_secret_key()


class TestingConfig(Config):
    """Settings for the test suite: a throw-away database, CSRF left on."""

    TESTING = True
    SECRET_KEY = "test-only-" + secrets.token_hex(8)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://")
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # still scrypt, cheap enough for hundreds of test users
    RATELIMIT_ENABLED = False  # tests/security turn the limits on for their own app
    TOTP_REQUIRED_FOR_ADMINS = False  # tests/security/test_totp.py turns it on for its own tests
