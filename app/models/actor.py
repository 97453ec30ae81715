"""Actors (who speaks or is accused), their aliases, and dated relations between them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field
from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.common import (
    Country,
    InputModel,
    IsoDate,
    OutputModel,
    Page,
    Precision,
    Reference,
    Row,
    Slug,
    WikidataId,
    enum_check,
    keep_dates_consistent,
    text,
)


class ActorKind(StrEnum):
    state_agency = "state_agency"
    government = "government"
    intergovernmental = "intergovernmental"
    armed_group = "armed_group"
    media_outlet = "media_outlet"
    ngo = "ngo"
    court = "court"
    person = "person"
    company = "company"
    other = "other"


class Predicate(StrEnum):
    """How the subject stands to the object. ``part_of`` makes a response count as the object's."""

    affiliated_with = "affiliated_with"
    part_of = "part_of"
    member_of = "member_of"
    leader_of = "leader_of"
    formerly_leader_of = "formerly_leader_of"


class Actor(Row, table=True):
    __tablename__ = "actor"
    __table_args__ = (CheckConstraint(enum_check("kind", ActorKind), name="kind"),)

    slug: str = SQLField(sa_type=String(100), unique=True)
    name: str = SQLField(sa_type=String(300), index=True)
    kind: str = SQLField(sa_type=String(32), index=True)
    country: str | None = SQLField(default=None, sa_type=String(2), index=True)
    description: str | None = SQLField(default=None, sa_type=Text)
    wikidata_id: str | None = SQLField(default=None, sa_type=String(16))


class ActorAlias(SQLModel, table=True):
    """Another name of an actor, in any script ("ФСБ", "FSB")."""

    __tablename__ = "actor_alias"

    actor_id: uuid.UUID = SQLField(foreign_key="actor.id", primary_key=True, ondelete="CASCADE")
    alias: str = SQLField(sa_type=String(300), primary_key=True)
    # casefold() of the alias, so that "фсб" finds "ФСБ".
    folded: str = SQLField(sa_type=String(300), index=True)
    position: int = 0


class ActorRelation(Row, table=True):
    __tablename__ = "actor_relation"
    __table_args__ = (
        CheckConstraint(enum_check("predicate", Predicate), name="predicate"),
        CheckConstraint(enum_check("since_precision", Precision), name="since_precision"),
        CheckConstraint(enum_check("until_precision", Precision), name="until_precision"),
        CheckConstraint("subject_id <> object_id", name="not_self"),
    )

    subject_id: uuid.UUID = SQLField(foreign_key="actor.id", index=True)
    predicate: str = SQLField(sa_type=String(32))
    object_id: uuid.UUID = SQLField(foreign_key="actor.id", index=True)
    since: date | None = None
    since_precision: str | None = SQLField(default=None, sa_type=String(8))
    until: date | None = None
    until_precision: str | None = SQLField(default=None, sa_type=String(8))
    note: str | None = SQLField(default=None, sa_type=Text)


keep_dates_consistent(ActorRelation, "since", "until")


# ---- API models ------------------------------------------------------------------------

VOLGOGRAD_FSB = {
    "slug": "fsb",
    "name": "Federal Security Service",
    "aliases": ["FSB", "ФСБ", "Федеральная служба безопасности"],
    "kind": "state_agency",
    "country": "RU",
    "description": "Russia's domestic security service.",
}


class ActorRef(OutputModel):
    """An actor named inside another resource."""

    id: uuid.UUID
    slug: str
    name: str


class ActorCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [VOLGOGRAD_FSB]})

    slug: Slug
    name: text(300)  # type: ignore[valid-type]
    aliases: list[text(300)] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    kind: ActorKind
    country: Country | None = None
    description: text(5000) | None = None  # type: ignore[valid-type]
    wikidata_id: WikidataId | None = None


class ActorUpdate(InputModel):
    """Fields to change; a list given replaces the stored one."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"aliases": ["FSB", "ФСБ", "FSB of Russia"]}]}
    )

    slug: Slug | None = None
    name: text(300) | None = None  # type: ignore[valid-type]
    aliases: list[text(300)] | None = Field(default=None, max_length=50)  # type: ignore[valid-type]
    kind: ActorKind | None = None
    country: Country | None = None
    description: text(5000) | None = None  # type: ignore[valid-type]
    wikidata_id: WikidataId | None = None


class ActorPublic(OutputModel):
    id: uuid.UUID
    slug: str
    name: str
    aliases: list[str]
    kind: ActorKind
    country: str | None
    description: str | None
    wikidata_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ActorPage(Page[ActorPublic]):
    pass


class RelationCreate(InputModel):
    """A dated link from the actor in the path (the subject) to another actor."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"predicate": "affiliated_with", "object": "hts", "since": None}]
        }
    )

    predicate: Predicate
    object: Reference
    since: IsoDate | None = None
    since_precision: Precision | None = None
    until: IsoDate | None = None
    until_precision: Precision | None = None
    note: text(5000) | None = None  # type: ignore[valid-type]
    sources: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class RelationUpdate(InputModel):
    """Fields to change; ``sources`` given replaces the stored list."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"until": "2019-04-01", "until_precision": "month"}]}
    )

    predicate: Predicate | None = None
    object: Reference | None = None
    since: IsoDate | None = None
    since_precision: Precision | None = None
    until: IsoDate | None = None
    until_precision: Precision | None = None
    note: text(5000) | None = None  # type: ignore[valid-type]
    sources: list[uuid.UUID] | None = Field(default=None, max_length=50)


class RelationPublic(OutputModel):
    id: uuid.UUID
    subject: ActorRef
    predicate: Predicate
    object: ActorRef
    since: date | None
    since_precision: Precision | None
    until: date | None
    until_precision: Precision | None
    note: str | None
    sources: list[uuid.UUID]
    version: int
    created_at: datetime
    updated_at: datetime


class RelationPage(Page[RelationPublic]):
    pass
