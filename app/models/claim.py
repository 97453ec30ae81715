"""Claims (allegations), their editorial verdicts, and the dossier that shows both sides."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints
from sqlalchemy import CheckConstraint, Float, Index, String, Text
from sqlmodel import Field as SQLField

from app.models.actor import ActorRef
from app.models.claim_response import ResponsePublic
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
    UTCDateTime,
    enum_check,
    keep_dates_consistent,
    text,
    utcnow,
)
from app.models.event import EventRef
from app.models.evidence import Bearing, EvidencePublic
from app.models.source import Citation, CitationInput


class DisputeStatus(StrEnum):
    """How the accused answered: see the dossier's ``dispute`` description for the rules."""

    unanswered = "unanswered"
    denied = "denied"
    admitted = "admitted"
    mixed = "mixed"


class Rating(StrEnum):
    unassessed = "unassessed"
    unverified = "unverified"
    disputed = "disputed"
    substantiated = "substantiated"
    refuted = "refuted"
    misleading = "misleading"
    unprovable = "unprovable"


class Claim(Row, table=True):
    __tablename__ = "claim"
    __table_args__ = (
        CheckConstraint(enum_check("stated_on_precision", Precision), name="stated_on_precision"),
        CheckConstraint(enum_check("dispute_status", DisputeStatus), name="dispute_status"),
        # Keyset pagination orders by (key, id); these serve each sort of the list.
        Index("ix_claim_sort_date_id", "sort_date", "id"),
        Index("ix_claim_updated_at_id", "updated_at", "id"),
        Index("ix_claim_balance_id", "balance", "id"),
        Index("ix_claim_dispute_status_id", "dispute_status", "id"),
        Index("ix_claim_dispute_status_sort_date_id", "dispute_status", "sort_date", "id"),
        Index("ix_claim_verdict_rating_sort_date_id", "verdict_rating", "sort_date", "id"),
    )

    proposition: str = SQLField(sa_type=Text)
    claimant_id: uuid.UUID = SQLField(foreign_key="actor.id", index=True)
    event_id: uuid.UUID | None = SQLField(default=None, foreign_key="event.id", index=True)
    # Journalists do not always know when something was said: the date may be null.
    stated_on: date | None = None
    stated_on_precision: str | None = SQLField(default=None, sa_type=String(8))
    # stated_on, or 0001-01-01 when unknown: a NOT NULL key for sorting and keyset paging.
    sort_date: date = SQLField(default=UNDATED)
    quote: str | None = SQLField(default=None, sa_type=Text)
    quote_language: str | None = SQLField(default=None, sa_type=String(35), index=True)
    translation: str | None = SQLField(default=None, sa_type=Text)
    # Derived from responses and evidence, kept current on every write so that the
    # list can filter and sort on them through an index (see app.services.derived).
    dispute_status: str = SQLField(default="unanswered", sa_type=String(16))
    first_response_on: date | None = None
    response_lag_days: int | None = None
    support: float = SQLField(default=0.0, sa_type=Float)
    refute: float = SQLField(default=0.0, sa_type=Float)
    balance: float = SQLField(default=0.0, sa_type=Float)
    # A copy of the verdict's rating, kept by database triggers (migration 0006), so that
    # the verdict filter walks the claims of one rating in date order on an index.
    verdict_rating: str = SQLField(
        default="unassessed", sa_type=String(16), sa_column_kwargs={"server_default": "unassessed"}
    )
    # Not indexed alone, as Row's column is: ix_claim_updated_at_id serves every read by
    # it, and one index fewer is one fewer to write with every claim (migration 0008).
    updated_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


keep_dates_consistent(Claim, "stated_on", sort_by="stated_on")


class Verdict(Row, table=True):
    """The newsroom's editorial rating of one claim (one row per claim)."""

    __tablename__ = "verdict"
    __table_args__ = (CheckConstraint(enum_check("rating", Rating), name="rating"),)

    claim_id: uuid.UUID = SQLField(foreign_key="claim.id", unique=True)
    rating: str = SQLField(default="unassessed", sa_type=String(16), index=True)
    rationale: str | None = SQLField(default=None, sa_type=Text)
    reviewed_by: str | None = SQLField(default=None, sa_type=String(100))
    reviewed_at: datetime | None = SQLField(default=None, sa_type=UTCDateTime)


# ---- API models ------------------------------------------------------------------------

Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, pattern=r"^[\w][\w-]*$", min_length=1, max_length=64
    ),
]

VOLGOGRAD_CLAIM = {
    "proposition": "A Katibat Tawhid wal-Jihad cell coordinated from Syria planned "
    "terrorist acts in Volgograd.",
    "claimant": "fsb",
    "accused": ["ktj"],
    "event": "volgograd-plot-2020",
    "stated_on": "2020-10-15",
    "stated_on_precision": "day",
    "quote": "the coordination of the terrorist activities of the jihadist cell was carried "
    "out from the territory of Syria",
    "quote_language": "en",
    "tags": ["terrorism", "volgograd"],
    "sources": [
        {
            "title": "FSB statement on the Volgograd cell of Katibat Tawhid wal-Jihad",
            "publisher": "fsb",
            "kind": "official_statement",
            "published_on": "2020-10-15",
            "locator": "paragraph 1",
        }
    ],
}


class ClaimCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [VOLGOGRAD_CLAIM]})

    proposition: text(2000) = Field(description="One plain sentence.")  # type: ignore[valid-type]
    claimant: Reference
    accused: list[Reference] = Field(default_factory=list, max_length=50)
    event: Reference | None = None
    stated_on: IsoDate | None = Field(
        default=None, description="When it was said; null if unknown."
    )
    stated_on_precision: Precision | None = Field(
        default=None, description="How much of stated_on is known (default day)."
    )
    quote: text(20000) | None = None  # type: ignore[valid-type]
    quote_language: Language | None = None
    translation: text(20000) | None = None  # type: ignore[valid-type]
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    sources: list[CitationInput] = Field(default_factory=list, max_length=50)


class ClaimUpdate(InputModel):
    """Fields to change; a list given replaces the stored one."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"tags": ["terrorism", "ktj"]}]})

    proposition: text(2000) | None = None  # type: ignore[valid-type]
    claimant: Reference | None = None
    accused: list[Reference] | None = Field(default=None, max_length=50)
    event: Reference | None = None
    stated_on: IsoDate | None = None
    stated_on_precision: Precision | None = None
    quote: text(20000) | None = None  # type: ignore[valid-type]
    quote_language: Language | None = None
    translation: text(20000) | None = None  # type: ignore[valid-type]
    tags: list[Tag] | None = Field(default=None, max_length=30)
    sources: list[CitationInput] | None = Field(default=None, max_length=50)


class VerdictPut(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rating": "unverified",
                    "rationale": "No evidence independent of the FSB has been published.",
                }
            ]
        }
    )

    rating: Rating
    rationale: text(10000) | None = None  # type: ignore[valid-type]


class VerdictPublic(OutputModel):
    rating: Rating
    rationale: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    version: int = Field(
        description="The verdict's own version: send it as If-Match when you set the verdict."
    )


class Dispute(OutputModel):
    """How the accused answered the claim.

    Only responses whose responder is accused, or is ``part_of`` an accused actor,
    count. ``unanswered``: none of them (or only ``no_comment``). ``denied``: a
    denial-type stance (denies, partially_denies, disputes_evidence,
    counter_accuses) and no admission. ``admitted``: confirms or admits, and no
    denial. ``mixed``: both.
    """

    status: DisputeStatus
    first_response_on: date | None = Field(
        description="Date of the accused's earliest response other than no_comment."
    )
    response_lag_days: int | None = Field(
        description="Days from the claim's stated_on to first_response_on."
    )


class Contribution(OutputModel):
    evidence_id: uuid.UUID
    bearing: Bearing
    weight: float


class Balance(OutputModel):
    """Weight of the evidence on each side.

    weight = R(reliability) x C(credibility) x (1.0 if independent else 0.5), with
    R: A 1.0, B 0.8, C 0.6, D 0.4, E 0.2, F 0.3 and C: 1 1.0, 2 0.8, 3 0.6, 4 0.4,
    5 0.1, 6 0.3. support and refute sum the weights of supporting and refuting
    items; balance = (support - refute) / (support + refute + 1), in (-1, 1).
    """

    support: float
    refute: float
    balance: float
    contributions: list[Contribution]


class EvidenceByBearing(OutputModel):
    supports: list[EvidencePublic]
    refutes: list[EvidencePublic]
    context: list[EvidencePublic]


class ClaimSummary(OutputModel):
    """A claim as the list shows it."""

    id: uuid.UUID
    version: int
    proposition: str
    claimant: ActorRef
    accused: list[ActorRef]
    event: EventRef | None
    stated_on: date | None
    stated_on_precision: Precision | None
    tags: list[str]
    verdict: Rating
    dispute_status: DisputeStatus
    balance: float
    created_at: datetime
    updated_at: datetime


class ClaimPage(Page[ClaimSummary]):
    pass


class ClaimDossier(OutputModel):
    """The claim with both sides: responses, evidence, verdict, dispute and balance."""

    id: uuid.UUID
    version: int
    proposition: str
    claimant: ActorRef
    accused: list[ActorRef]
    event: EventRef | None
    stated_on: date | None
    stated_on_precision: Precision | None
    quote: str | None
    quote_language: str | None
    translation: str | None
    tags: list[str]
    sources: list[Citation]
    responses: list[ResponsePublic]
    evidence: EvidenceByBearing
    verdict: VerdictPublic
    dispute: Dispute
    balance: Balance
    created_at: datetime
    updated_at: datetime


class ClaimSort(StrEnum):
    """Orders the list can use; each is served by an index. A leading '-' means descending.

    Claims without a known date sort as the oldest.
    """

    stated_on = "stated_on"
    stated_on_desc = "-stated_on"
    updated_at = "updated_at"
    updated_at_desc = "-updated_at"
    created = "created"
    created_desc = "-created"
    balance = "balance"
    balance_desc = "-balance"
    status = "status"
    status_desc = "-status"
