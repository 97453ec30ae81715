"""Revisions: the append-only, hash-chained history of every write."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.models.common import UTCDateTime, enum_check, utcnow

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the auto-assigned rowid.
SEQUENCE_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class Operation(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    restore = "restore"


class Revision(SQLModel, table=True):
    """One change to one row: who (key), when, which request, the row before and after.

    ``hash`` is SHA-256 over ``prev_hash`` and this revision's content, so altering
    any stored revision breaks the chain from there on (``contested audit verify``).
    The migrations forbid UPDATE and DELETE on this table.
    """

    __tablename__ = "revision"
    __table_args__ = (
        CheckConstraint(enum_check("op", Operation), name="op"),
        Index("ix_revision_entity_entity_id_seq", "entity", "entity_id", "seq"),
        Index("ix_revision_claim_id_seq", "claim_id", "seq"),
    )

    seq: int | None = Field(default=None, sa_type=SEQUENCE_TYPE, primary_key=True)
    entity: str = Field(sa_type=String(16))
    entity_id: uuid.UUID
    # The claim a response, an evidence item or a verdict belongs to (a claim's own id),
    # so that a claim's history can show its whole dossier.
    claim_id: uuid.UUID | None = None
    op: str = Field(sa_type=String(16))
    version: int
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    key_id: uuid.UUID | None = Field(default=None, foreign_key="api_key.id")
    request_id: str | None = Field(default=None, sa_type=String(64))
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    prev_hash: str = Field(sa_type=String(64))
    hash: str = Field(sa_type=String(64), unique=True)
