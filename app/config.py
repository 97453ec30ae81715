"""Settings, read once from ``CONTESTED_*`` environment variables.

An invalid value stops the process at start with one line naming the variable.
"""

from __future__ import annotations

import ipaddress
import sys
from functools import lru_cache
from pathlib import Path

from limits import parse_many
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("data") / "contested.db"


class Settings(BaseSettings):
    """Every setting of the service and the CLI (documented in README, tested in docs tests)."""

    model_config = SettingsConfigDict(env_prefix="CONTESTED_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    public_read: bool = Field(default=True, description="Allow reads without an API key.")
    require_if_match: bool = Field(
        default=False, description="Reject PATCH/PUT/DELETE without If-Match (428)."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=5000, description="How long an SQLite writer waits for the lock."
    )
    sqlite_synchronous: str = Field(
        default="FULL", description="SQLite synchronous level in WAL mode: FULL or NORMAL."
    )
    sqlite_read_cache_mib: int = Field(
        default=4, ge=1, le=4096, description="SQLite page cache of each read connection, MiB."
    )
    response_cache_mib: int = Field(
        default=16,
        ge=0,
        le=4096,
        description="Memory per worker for answers to anonymous reads, kept until the next "
        "write (MiB); 0 turns the cache off.",
    )
    seed_path: Path = Field(
        default=Path("seeds"), description="Default folder for `contested seed`."
    )
    log_level: str = Field(default="info", description="uvicorn log level.")
    log_format: str = Field(
        default="json", description="Server log lines: json (one object a line) or text."
    )
    shutdown_timeout_seconds: int = Field(
        default=10,
        ge=0,
        description="On SIGTERM, how long in-flight requests may run before they are cancelled.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1, description="Largest request body accepted; larger is a 413."
    )
    idempotency_ttl_hours: int = Field(
        default=24,
        ge=1,
        description="How long a POST's Idempotency-Key and its response are kept for retries.",
    )
    rate_limit_enabled: bool = Field(
        default=True, description="Limit requests per API key and per client address (429)."
    )
    rate_limit: str = Field(
        default="600/minute",
        description="Requests allowed per key or address, in `limits` notation: 600/minute.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Keep rate-limit counters in Redis (redis://host:6379/0), not the database.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated proxy IPs or networks whose X-Forwarded-For names the client.",
    )
    public_base_url: str | None = Field(
        default=None,
        description="Base of the claims' canonical URLs in ClaimReview (https://host/prefix); "
        "unset, the request's own base URL.",
    )
    publisher_name: str = Field(
        default="Contested",
        min_length=1,
        max_length=300,
        description="The organisation named as author of every ClaimReview.",
    )
    publisher_url: str | None = Field(
        default=None,
        description="The publisher's web site in ClaimReview; unset, the claims' base URL.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("sqlite_synchronous")
    @classmethod
    def _sync_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValueError("must be FULL, NORMAL or EXTRA")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"critical", "error", "warning", "info", "debug", "trace"}:
            raise ValueError("must be critical, error, warning, info, debug or trace")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.lower()
        if value not in {"json", "text"}:
            raise ValueError("must be json or text")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _one_limit(cls, value: str) -> str:
        try:
            items = parse_many(value)
        except ValueError:
            raise ValueError("must look like 600/minute or 10 per second") from None
        if len(items) != 1:
            raise ValueError("give exactly one limit, like 600/minute")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://", "redis+unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        for entry in value.split(","):
            if entry.strip():
                try:
                    ipaddress.ip_network(entry.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"{entry.strip()!r} is not an IP address or network") from None
        return value

    @field_validator("public_base_url", "publisher_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")) or len(value) > 2048:
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(
            ipaddress.ip_network(entry.strip(), strict=False)
            for entry in self.trusted_proxies.split(",")
            if entry.strip()
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Read the settings, or exit with one line per invalid variable."""
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "CONTESTED_" + str(error["loc"][0]).upper() if error["loc"] else "CONTESTED_*"
            print(f"invalid setting {name}: {error['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
