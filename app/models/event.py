"""Events: the incidents or matters that claims are about."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field as SQLField

from app.models.common import (
    Country,
    InputModel,
    IsoDate,
    OutputModel,
    Page,
    Precision,
    Row,
    Slug,
    WikidataId,
    enum_check,
    keep_dates_consistent,
    text,
)


class EventKind(StrEnum):
    attack = "attack"
    plot = "plot"
    arrest = "arrest"
    trial = "trial"
    operation = "operation"
    protest = "protest"
    campaign = "campaign"
    other = "other"


class Event(Row, table=True):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint(enum_check("kind", EventKind), name="kind"),
        CheckConstraint(
            enum_check("occurred_on_precision", Precision), name="occurred_on_precision"
        ),
    )

    slug: str = SQLField(sa_type=String(100), unique=True)
    title: str = SQLField(sa_type=String(500))
    kind: str = SQLField(sa_type=String(32), index=True)
    occurred_on: date | None = SQLField(default=None, index=True)
    occurred_on_precision: str | None = SQLField(default=None, sa_type=String(8))
    place: str | None = SQLField(default=None, sa_type=String(300))
    country: str | None = SQLField(default=None, sa_type=String(2), index=True)
    summary: str | None = SQLField(default=None, sa_type=Text)
    wikidata_id: str | None = SQLField(default=None, sa_type=String(16))


keep_dates_consistent(Event, "occurred_on")


VOLGOGRAD_EVENT = {
    "slug": "volgograd-plot-2020",
    "title": "FSB operation against an alleged KTJ cell in Volgograd",
    "kind": "operation",
    "occurred_on": "2020-10-15",
    "occurred_on_precision": "day",
    "place": "Volgograd",
    "country": "RU",
}


class EventRef(OutputModel):
    """An event named inside another resource."""

    id: uuid.UUID
    slug: str
    title: str


class EventCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [VOLGOGRAD_EVENT]})

    slug: Slug
    title: text(500)  # type: ignore[valid-type]
    kind: EventKind
    occurred_on: IsoDate | None = None
    occurred_on_precision: Precision | None = None
    place: text(300) | None = None  # type: ignore[valid-type]
    country: Country | None = None
    summary: text(10000) | None = None  # type: ignore[valid-type]
    wikidata_id: WikidataId | None = None


class EventUpdate(InputModel):
    """Fields to change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"place": "Volgograd"}]})

    slug: Slug | None = None
    title: text(500) | None = None  # type: ignore[valid-type]
    kind: EventKind | None = None
    occurred_on: IsoDate | None = None
    occurred_on_precision: Precision | None = None
    place: text(300) | None = None  # type: ignore[valid-type]
    country: Country | None = None
    summary: text(10000) | None = None  # type: ignore[valid-type]
    wikidata_id: WikidataId | None = None


class EventPublic(OutputModel):
    id: uuid.UUID
    slug: str
    title: str
    kind: EventKind
    occurred_on: date | None
    occurred_on_precision: Precision | None
    place: str | None
    country: str | None
    summary: str | None
    wikidata_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class EventPage(Page[EventPublic]):
    pass
