"""The search index: one document per searchable row, kept in step by app.services.search.

The full-text structures on top of it are database-specific and created by the
migrations: an FTS5 table on SQLite (external content, rowid = ``id``), a
tsvector column with a GIN index on PostgreSQL. Both index ``terms``: the
document's words already case- and accent-folded, so both engines match alike.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import Field
from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.common import OutputModel, Page


class SearchDocument(SQLModel, table=True):
    __tablename__ = "search_document"
    __table_args__ = (UniqueConstraint("kind", "entity_id"),)

    # An integer key: FTS5 addresses documents by rowid, which must never change.
    id: int | None = SQLField(default=None, primary_key=True)
    kind: str = SQLField(sa_type=String(16))
    entity_id: uuid.UUID
    title: str = SQLField(sa_type=Text)
    body: str = SQLField(sa_type=Text)
    terms: str = SQLField(sa_type=Text)


# ---- API models ------------------------------------------------------------------------


class SearchType(StrEnum):
    claim = "claim"
    response = "response"
    actor = "actor"
    event = "event"
    source = "source"


class SearchHit(OutputModel):
    type: SearchType = Field(description="What kind of row matched.")
    id: uuid.UUID
    title: str = Field(description="The claim's proposition, the actor's name, the title...")
    snippet: str = Field(description="The text around the first match.")


class SearchPage(Page[SearchHit]):
    pass
