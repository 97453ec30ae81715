"""Idempotency keys: the first response to a POST, replayed to its retries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.common import UTCDateTime, enum_check, utcnow


class IdempotencyState(StrEnum):
    in_flight = "in_flight"
    done = "done"


class IdempotencyRecord(SQLModel, table=True):
    """A POST seen with an ``Idempotency-Key``, scoped to the API key that sent it."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("key_id", "idempotency_key"),
        CheckConstraint(enum_check("state", IdempotencyState), name="state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key_id: uuid.UUID = Field(foreign_key="api_key.id")
    idempotency_key: str = Field(sa_type=String(255))
    # SHA-256 of method, path and body: the same key with another request is refused.
    request_hash: str = Field(sa_type=String(64))
    state: str = Field(sa_type=String(16))
    status: int | None = None
    response_headers: str | None = Field(default=None, sa_type=Text)
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
