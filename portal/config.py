"""Settings: every environment variable, read and validated once at startup."""

import ipaddress
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from portal import zones

ROOT = Path(__file__).resolve().parent.parent


def _async_database_url(url: str) -> str:
    """Accept the usual `postgresql://` and `sqlite:///` spellings and pick the async driver."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    portal_env: Literal["development", "test", "production"] = "development"
    var_dir: Path = ROOT / "var"
    database_url: str = ""
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr("")
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = None
    mail_from: str = "Advocate Portal <portal@localhost>"
    # Single sign-on providers live in the database (Manage → Sign-in providers); the OIDC_*
    # variables of older versions are read once, by migration 0035.
    upload_dir: Path | None = None
    # Uploads in an S3-compatible object store instead of UPLOAD_DIR: s3://bucket/prefix, with
    # the store's endpoint (empty: AWS), region and keys (empty: boto3's usual sources, such as
    # an instance role). Downloads stream through the portal (with HTTP Range), or with
    # STORAGE_REDIRECT_DOWNLOADS redirect to a link of the store valid for STORAGE_LINK_SECONDS.
    storage_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    storage_redirect_downloads: bool = False
    storage_link_seconds: int = Field(default=300, ge=10, le=7 * 24 * 3600)
    max_upload_mb: int = Field(default=200, ge=1)
    max_image_mb: int = Field(default=5, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    # Sessions (ASVS 3.3): advocates sign in again after this many days, or after this many
    # idle days; staff after at most 12 hours, or 30 idle minutes.
    session_max_age_days: int = Field(default=30, ge=1)
    session_idle_days: int = Field(default=7, ge=1)
    staff_session_hours: int = Field(default=12, ge=1, le=12)
    staff_session_idle_minutes: int = Field(default=30, ge=5)
    jobs_inline: bool = False
    # Requests per API token per minute, counted across every worker.
    api_requests_per_minute: int = Field(default=600, ge=1)
    # The reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated addresses
    # or networks, "*" for any); empty: none, the connecting address is the client's.
    forwarded_allow_ips: str = ""
    # Whether webhooks may call this machine (127.0.0.1, localhost): unset, only outside
    # production (a laptop's local receiver, the tests). Private networks are never allowed.
    webhooks_allow_loopback: bool | None = None
    # Public forms (the referral landing form, open sign-up) refuse posts sent sooner than
    # this after their page was served: people take longer, scripts do not. 0 turns it off.
    public_form_min_seconds: float = Field(default=3, ge=0)
    # /metrics (Prometheus) answers a scraper that sends `Authorization: Bearer <token>` or
    # connects from one of the networks (comma-separated, e.g. "10.0.0.0/8, 127.0.0.1");
    # with neither set it answers 404.
    metrics_token: SecretStr | None = None
    metrics_allow_networks: str = ""
    # Logs: "text" (readable in a terminal) or "json" (one object a line, with the request id,
    # for a log collector).
    log_format: Literal["text", "json"] = "text"
    # The program's time zone until an admin chooses one in Manage → Settings (an IANA name).
    portal_time_zone: str = "UTC"
    # The program's language until an admin chooses one (a code the portal has a catalogue
    # for: en, de; another falls back to English).
    portal_language: str = "en"

    @field_validator("base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator(
        "redis_url",
        "smtp_url",
        "metrics_token",
        "storage_url",
        "s3_endpoint_url",
        "s3_access_key_id",
        "s3_secret_access_key",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("storage_url")
    @classmethod
    def _bucket_url(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith("s3://") or not urlsplit(value).netloc):
            raise ValueError(f"STORAGE_URL {value!r} is not like s3://bucket/prefix")
        return value

    @field_validator("metrics_allow_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for network in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as error:
                raise ValueError(
                    f"METRICS_ALLOW_NETWORKS: {network!r} is not an address or a network "
                    "like 10.0.0.0/8"
                ) from error
        return value

    @property
    def metrics_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        parts = (part.strip() for part in self.metrics_allow_networks.split(","))
        return [ipaddress.ip_network(part, strict=False) for part in parts if part]

    @field_validator("portal_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not zones.is_zone(value):
            raise ValueError(
                f"PORTAL_TIME_ZONE {value!r} is not a time zone name like Europe/Berlin"
            )
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'portal.sqlite3'}"
        self.database_url = _async_database_url(self.database_url)
        if self.upload_dir is None:
            self.upload_dir = self.var_dir / "uploads"
        if self.portal_env == "production":
            missing = [
                name
                for name, value in (
                    ("SECRET_KEY", self.secret_key.get_secret_value()),
                    ("REDIS_URL", self.redis_url),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"{', '.join(missing)} must be set when PORTAL_ENV=production")
        elif not self.secret_key.get_secret_value():
            self.secret_key = SecretStr(_laptop_secret(self.var_dir))
        return self

    @property
    def loopback_webhooks(self) -> bool:
        if self.webhooks_allow_loopback is None:
            return self.portal_env != "production"
        return self.webhooks_allow_loopback

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"


def _laptop_secret(var_dir: Path) -> str:
    """A laptop run keeps one generated key in var/, so sessions survive restarts."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key
