"""Association tables: who is accused, which tags, and which sources each row cites."""

from __future__ import annotations

import uuid

from sqlalchemy import String
from sqlmodel import Field, SQLModel


class ClaimAccused(SQLModel, table=True):
    __tablename__ = "claim_accused"

    claim_id: uuid.UUID = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE")
    actor_id: uuid.UUID = Field(foreign_key="actor.id", primary_key=True, index=True)
    position: int = 0


class ClaimTag(SQLModel, table=True):
    __tablename__ = "claim_tag"

    claim_id: uuid.UUID = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(sa_type=String(64), primary_key=True, index=True)


class ClaimSource(SQLModel, table=True):
    __tablename__ = "claim_source"

    claim_id: uuid.UUID = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE")
    source_id: uuid.UUID = Field(foreign_key="source.id", primary_key=True, index=True)
    locator: str | None = Field(default=None, sa_type=String(500))
    position: int = 0


class ResponseSource(SQLModel, table=True):
    __tablename__ = "response_source"

    response_id: uuid.UUID = Field(
        foreign_key="claim_response.id", primary_key=True, ondelete="CASCADE"
    )
    source_id: uuid.UUID = Field(foreign_key="source.id", primary_key=True, index=True)
    locator: str | None = Field(default=None, sa_type=String(500))
    position: int = 0


class EvidenceSource(SQLModel, table=True):
    __tablename__ = "evidence_source"

    evidence_id: uuid.UUID = Field(foreign_key="evidence.id", primary_key=True, ondelete="CASCADE")
    source_id: uuid.UUID = Field(foreign_key="source.id", primary_key=True, index=True)
    locator: str | None = Field(default=None, sa_type=String(500))
    position: int = 0


class RelationSource(SQLModel, table=True):
    __tablename__ = "relation_source"

    relation_id: uuid.UUID = Field(
        foreign_key="actor_relation.id", primary_key=True, ondelete="CASCADE"
    )
    source_id: uuid.UUID = Field(foreign_key="source.id", primary_key=True, index=True)
    position: int = 0
