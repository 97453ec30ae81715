"""Rate-limit counters kept in the database, so that every worker shares them."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlmodel import Field, SQLModel


class RateLimitCounter(SQLModel, table=True):
    """Hits in the current window of one limit key; gone once ``expires_at`` passes."""

    __tablename__ = "rate_limit_counter"

    key: str = Field(sa_type=String(255), primary_key=True)
    count: int = 0
    # Seconds since the epoch, as the `limits` library counts time.
    expires_at: float = Field(sa_type=Float, index=True)
