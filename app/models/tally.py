"""Counts of live claims kept on write, so that the unfiltered stats are read, not scanned.

``Tally`` holds one counter per (dimension, key): every live claim under ``claims/all``,
and per dispute status, verdict, month of ``stated_on``, claimant, accused actor and
response lag in days. ``ClaimTally`` holds what each live claim is counted under, so that
a write changes the counters by the difference between the stored keys and the claim's
current ones (app.services.tallies keeps both, in the writing transaction).
"""

from __future__ import annotations

import uuid

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel


class Tally(SQLModel, table=True):
    __tablename__ = "tally"
    # Keyed by text: without SQLite's rowid, the key is stored once, not twice.
    __table_args__ = {"sqlite_with_rowid": False}

    dimension: str = Field(sa_type=String(16), primary_key=True)
    # The status, rating, YYYY-MM month or lag in days; an actor's id as 32 hex digits.
    key: str = Field(sa_type=String(64), primary_key=True)
    claims: int = 0
    # The same actor as a typed id (claimant and accused only): the top lists join on it.
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="actor.id")


class ClaimTally(SQLModel, table=True):
    """The keys one live claim is counted under (no row: the claim counts nowhere)."""

    __tablename__ = "claim_tally"
    __table_args__ = {"sqlite_with_rowid": False}

    claim_id: uuid.UUID = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE")
    # "dimension:key" tokens, sorted and separated by spaces.
    keys: str = Field(sa_type=Text)
