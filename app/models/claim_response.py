"""Responses: counter-statements to a claim, threaded through ``in_reply_to``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field
from sqlalchemy import CheckConstraint, Index, String, Text
from sqlmodel import Field as SQLField

from app.models.actor import ActorRef
from app.models.common import (
    UNDATED,
    InputModel,
    IsoDate,
    Language,
    OutputModel,
    Page,
    Precision,
    Reference,
    Row,
    enum_check,
    keep_dates_consistent,
    text,
)
from app.models.source import Citation, CitationInput


class Stance(StrEnum):
    """What a response does to the claim.

    Denial-type stances: ``denies``, ``partially_denies``, ``disputes_evidence``,
    ``counter_accuses``. Admission-type: ``confirms``, ``admits``. ``no_comment``
    counts as no answer.
    """

    denies = "denies"
    partially_denies = "partially_denies"
    disputes_evidence = "disputes_evidence"
    confirms = "confirms"
    admits = "admits"
    counter_accuses = "counter_accuses"
    no_comment = "no_comment"


class ClaimResponse(Row, table=True):
    __tablename__ = "claim_response"
    __table_args__ = (
        CheckConstraint(enum_check("stance", Stance), name="stance"),
        CheckConstraint(enum_check("stated_on_precision", Precision), name="stated_on_precision"),
        Index("ix_claim_response_claim_id_sort_date_id", "claim_id", "sort_date", "id"),
    )

    # Indexed by ix_claim_response_claim_id_sort_date_id.
    claim_id: uuid.UUID = SQLField(foreign_key="claim.id")
    responder_id: uuid.UUID = SQLField(foreign_key="actor.id", index=True)
    stance: str = SQLField(sa_type=String(32), index=True)
    stated_on: date | None = None
    stated_on_precision: str | None = SQLField(default=None, sa_type=String(8))
    # stated_on, or 0001-01-01 when unknown: a NOT NULL key for sorting and keyset paging.
    sort_date: date = SQLField(default=UNDATED)
    quote: str | None = SQLField(default=None, sa_type=Text)
    quote_language: str | None = SQLField(default=None, sa_type=String(35))
    translation: str | None = SQLField(default=None, sa_type=Text)
    in_reply_to_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="claim_response.id", index=True
    )


keep_dates_consistent(ClaimResponse, "stated_on", sort_by="stated_on")

KTJ_DENIAL = {
    "responder": "ktj",
    "stance": "denies",
    "stated_on": "2020-10-16",
    "stated_on_precision": "day",
    "quote": "does not have its cells in Russia and is not involved in organizing terrorist acts",
    "quote_language": "en",
    "sources": [
        {
            "title": "KTJ Telegram statement on the Volgograd accusation",
            "publisher": "ktj",
            "kind": "messaging_post",
            "published_on": "2020-10-16",
        }
    ],
}


class ResponseCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [KTJ_DENIAL]})

    responder: Reference
    stance: Stance
    stated_on: IsoDate | None = Field(
        default=None, description="When it was said; null if unknown."
    )
    stated_on_precision: Precision | None = Field(
        default=None, description="How much of stated_on is known (default day)."
    )
    quote: text(20000) | None = None  # type: ignore[valid-type]
    quote_language: Language | None = None
    translation: text(20000) | None = None  # type: ignore[valid-type]
    in_reply_to: uuid.UUID | None = Field(
        default=None, description="The response of the same claim that this one answers."
    )
    sources: list[CitationInput] = Field(default_factory=list, max_length=50)


class ResponseUpdate(InputModel):
    """Fields to change; ``sources`` given replaces the stored list."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"stance": "partially_denies"}]})

    responder: Reference | None = None
    stance: Stance | None = None
    stated_on: IsoDate | None = None
    stated_on_precision: Precision | None = None
    quote: text(20000) | None = None  # type: ignore[valid-type]
    quote_language: Language | None = None
    translation: text(20000) | None = None  # type: ignore[valid-type]
    in_reply_to: uuid.UUID | None = None
    sources: list[CitationInput] | None = Field(default=None, max_length=50)


class ResponsePublic(OutputModel):
    id: uuid.UUID
    claim_id: uuid.UUID
    responder: ActorRef
    stance: Stance
    stated_on: date | None
    stated_on_precision: Precision | None
    quote: str | None
    quote_language: str | None
    translation: str | None
    in_reply_to: uuid.UUID | None
    by_accused: bool = Field(
        description="True when the responder is an accused actor or is part_of one; "
        "only such responses decide the dispute status."
    )
    sources: list[Citation]
    version: int
    created_at: datetime
    updated_at: datetime


class ResponsePage(Page[ResponsePublic]):
    pass
