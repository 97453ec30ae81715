"""Sources: published documents that claims, responses and evidence cite."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field as SQLField

from app.models.actor import ActorRef
from app.models.common import (
    InputModel,
    IsoDate,
    Language,
    OutputModel,
    Page,
    Precision,
    Reference,
    Reliability,
    Row,
    enum_check,
    keep_dates_consistent,
    text,
)


class SourceKind(StrEnum):
    official_statement = "official_statement"
    press_release = "press_release"
    messaging_post = "messaging_post"
    social_media_post = "social_media_post"
    news_report = "news_report"
    court_record = "court_record"
    ngo_report = "ngo_report"
    academic = "academic"
    interview = "interview"
    leaked_document = "leaked_document"
    other = "other"


class Source(Row, table=True):
    __tablename__ = "source"
    __table_args__ = (
        CheckConstraint(enum_check("kind", SourceKind), name="kind"),
        CheckConstraint(enum_check("reliability", Reliability), name="reliability"),
        CheckConstraint(
            enum_check("published_on_precision", Precision), name="published_on_precision"
        ),
    )

    url: str | None = SQLField(default=None, sa_type=Text)
    # The URL in canonical form (see app.services.urls); NULL for documents with no URL.
    url_normalized: str | None = SQLField(default=None, sa_type=String(2048), unique=True)
    title: str = SQLField(sa_type=String(1000))
    publisher_id: uuid.UUID | None = SQLField(default=None, foreign_key="actor.id", index=True)
    publisher_name: str | None = SQLField(default=None, sa_type=String(300))
    kind: str = SQLField(sa_type=String(32), index=True)
    language: str | None = SQLField(default=None, sa_type=String(35))
    published_on: date | None = SQLField(default=None, index=True)
    published_on_precision: str | None = SQLField(default=None, sa_type=String(8))
    archive_url: str | None = SQLField(default=None, sa_type=Text)
    content_sha256: str | None = SQLField(default=None, sa_type=String(64))
    reliability: str = SQLField(default="F", sa_type=String(1))


keep_dates_consistent(Source, "published_on")


HttpUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=8, max_length=2048),
    Field(description="An http or https URL.", examples=["https://t.me/example/123"]),
]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class SourceFields(InputModel):
    """What a client may say about a source (shared by create and by inline citations)."""

    url: HttpUrl | None = None
    title: text(1000) | None = None  # type: ignore[valid-type]
    publisher: Reference | None = Field(default=None, description="Publisher actor, id or slug.")
    publisher_name: text(300) | None = None  # type: ignore[valid-type]
    kind: SourceKind | None = None
    language: Language | None = None
    published_on: IsoDate | None = None
    published_on_precision: Precision | None = None
    archive_url: HttpUrl | None = None
    content_sha256: Sha256 | None = None
    reliability: Reliability | None = None


FSB_STATEMENT = {
    "title": "FSB statement on the Volgograd cell of Katibat Tawhid wal-Jihad",
    "publisher": "fsb",
    "kind": "official_statement",
    "language": "ru",
    "published_on": "2020-10-15",
    "published_on_precision": "day",
    "reliability": "F",
}


class SourceCreate(SourceFields):
    model_config = ConfigDict(json_schema_extra={"examples": [FSB_STATEMENT]})

    title: text(1000)  # type: ignore[valid-type]
    kind: SourceKind = SourceKind.other
    reliability: Reliability = Reliability.F


class SourceUpdate(SourceFields):
    """Fields to change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reliability": "C"}]})


class CitationInput(SourceFields):
    """A source cited by a claim, response or evidence item, with where in it to look.

    Name an existing source with ``source_id``, or describe it inline: an inline
    source whose URL is already stored (after normalisation) is reused.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"source_id": "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6a", "locator": "paragraph 2"},
                {**FSB_STATEMENT, "locator": "paragraph 1"},
            ]
        }
    )

    source_id: uuid.UUID | None = None
    locator: text(500) | None = Field(  # type: ignore[valid-type]
        default=None, description="Where in the source: page, paragraph, timestamp."
    )

    @model_validator(mode="after")
    def _one_way_to_name(self) -> CitationInput:
        inline = self.model_dump(exclude={"source_id", "locator"}, exclude_unset=True)
        if self.source_id is not None and inline:
            raise ValueError("give either source_id or the fields of a new source, not both")
        if self.source_id is None and not self.title and not self.url:
            raise ValueError("give source_id, or at least a title or url for a new source")
        return self


class SourceRef(OutputModel):
    """A source named inside another resource."""

    id: uuid.UUID
    title: str
    url: str | None
    kind: SourceKind
    published_on: date | None
    reliability: Reliability


class Citation(OutputModel):
    source: SourceRef
    locator: str | None


class SourcePublic(OutputModel):
    id: uuid.UUID
    url: str | None
    url_normalized: str | None
    title: str
    publisher: ActorRef | None
    publisher_name: str | None
    kind: SourceKind
    language: str | None
    published_on: date | None
    published_on_precision: Precision | None
    archive_url: str | None
    content_sha256: str | None
    reliability: Reliability
    version: int
    created_at: datetime
    updated_at: datetime


class SourcePage(Page[SourcePublic]):
    pass
