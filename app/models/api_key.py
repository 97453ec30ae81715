"""API keys: stored as SHA-256 digests, each with one role."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String
from sqlmodel import Field, SQLModel

from app.models.common import UTCDateTime, enum_check, new_id, utcnow


class Role(StrEnum):
    """Roles, each including the ones before it: viewer < contributor < editor < admin."""

    viewer = "viewer"
    contributor = "contributor"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint(enum_check("role", Role), name="role"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(sa_type=String(100))
    role: str = Field(sa_type=String(16))
    prefix: str = Field(sa_type=String(16), index=True)
    # SHA-256 of the whole key: keys are 256-bit random tokens, so a slow hash adds nothing.
    key_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
