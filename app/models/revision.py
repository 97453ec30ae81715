"""Revisions: the append-only, hash-chained history of every write."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field as PydanticField
from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.models.common import OutputModel, Page, UTCDateTime, enum_check, utcnow

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
        # An index, not a table constraint, so that a bulk import can build it at the end.
        Index("uq_revision_hash", "hash", unique=True),
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
    hash: str = Field(sa_type=String(64))


# ---- API models ------------------------------------------------------------------------


class Entity(StrEnum):
    """The kind of row a revision records."""

    claim = "claim"
    response = "response"
    evidence = "evidence"
    verdict = "verdict"
    actor = "actor"
    event = "event"
    source = "source"
    relation = "relation"


class Change(OutputModel):
    """One write, as the change feed lists it."""

    seq: int = PydanticField(description="Position in the history; grows with every write.")
    entity: Entity
    entity_id: uuid.UUID
    claim_id: uuid.UUID | None = PydanticField(
        description="The claim a response, evidence item or verdict belongs to; a claim's "
        "own id for a claim; null otherwise."
    )
    op: Operation
    version: int = PydanticField(description="The row's version after the change.")
    at: datetime


class RevisionPublic(Change):
    """One write with who made it and the row before and after it."""

    key: str | None = PydanticField(
        description="Name of the API key that wrote; null for the command line (seeding)."
    )
    request_id: str | None = PydanticField(description="The X-Request-ID of the writing request.")
    before: dict[str, Any] | None = PydanticField(
        description="The row as the previous revision left it; null on create."
    )
    after: dict[str, Any] | None = PydanticField(
        description="The row after the change: its columns (but updated_at and derived "
        "figures) and its links (accused, tags, sources with locators, aliases)."
    )
    hash: str = PydanticField(
        description="SHA-256 over the previous revision's hash and this revision's fields."
    )


class HistoryPage(Page[RevisionPublic]):
    pass


class ChangePage(Page[Change]):
    pass
