"""Association tables: who is accused, which tags, and which sources each row cites."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Boolean, Column, Date, Index, String, true
from sqlmodel import Field, SQLModel

from app.models.common import UNDATED


class ClaimAccused(SQLModel, table=True):
    """Who a claim accuses, in order; with copies of the claim's sort date, dispute status
    and liveness, kept by database triggers (migration 0005), so that the claims of one
    accused actor are read in date order from one index, however many it has."""

    __tablename__ = "claim_accused"
    __table_args__ = (
        Index(
            "ix_claim_accused_actor_id_sort_date_claim_id",
            "actor_id",
            "sort_date",
            "claim_id",
            "dispute_status",
            "live",
        ),
    )

    claim_id: uuid.UUID = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE")
    actor_id: uuid.UUID = Field(foreign_key="actor.id", primary_key=True)
    position: int = 0
    sort_date: date = Field(
        default=UNDATED, sa_column=Column(Date, nullable=False, server_default="0001-01-01")
    )
    dispute_status: str = Field(
        default="unanswered",
        sa_column=Column(String(16), nullable=False, server_default="unanswered"),
    )
    live: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )


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
