"""Evidence: items that bear on a claim, graded with the Admiralty code."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, StrictBool, StrictInt
from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field as SQLField

from app.models.actor import ActorRef
from app.models.common import (
    InputModel,
    IsoDate,
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
from app.models.source import Citation, CitationInput


class EvidenceKind(StrEnum):
    document = "document"
    photo = "photo"
    video = "video"
    physical = "physical"
    testimony = "testimony"
    confession = "confession"
    official_record = "official_record"
    court_ruling = "court_ruling"
    expert_analysis = "expert_analysis"
    osint = "osint"
    absence = "absence"


class Bearing(StrEnum):
    supports = "supports"
    refutes = "refutes"
    context = "context"


class Evidence(Row, table=True):
    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(enum_check("kind", EvidenceKind), name="kind"),
        CheckConstraint(enum_check("bearing", Bearing), name="bearing"),
        CheckConstraint(enum_check("reliability", Reliability), name="reliability"),
        CheckConstraint("credibility BETWEEN 1 AND 6", name="credibility"),
        CheckConstraint(enum_check("dated_on_precision", Precision), name="dated_on_precision"),
    )

    claim_id: uuid.UUID = SQLField(foreign_key="claim.id", index=True)
    summary: str = SQLField(sa_type=Text)
    kind: str = SQLField(sa_type=String(32))
    bearing: str = SQLField(sa_type=String(16))
    produced_by_id: uuid.UUID | None = SQLField(default=None, foreign_key="actor.id", index=True)
    independent: bool = False
    reliability: str = SQLField(default="F", sa_type=String(1))
    credibility: int = 6
    dated_on: date | None = SQLField(default=None, index=True)
    dated_on_precision: str | None = SQLField(default=None, sa_type=String(8))
    note: str | None = SQLField(default=None, sa_type=Text)


keep_dates_consistent(Evidence, "dated_on")


FSB_PHOTOS = {
    "summary": "Photos and videos of seized firearms, ammunition and IED components "
    "distributed by the FSB.",
    "kind": "photo",
    "bearing": "supports",
    "produced_by": "fsb",
    "independent": False,
    "reliability": "F",
    "credibility": 4,
    "dated_on": "2020-10-15",
    "note": "Released by the claimant itself; never independently verified.",
}


class EvidenceCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [FSB_PHOTOS]})

    summary: text(10000)  # type: ignore[valid-type]
    kind: EvidenceKind
    bearing: Bearing
    produced_by: Reference | None = None
    independent: StrictBool = Field(
        default=False, description="Produced independently of the claimant."
    )
    reliability: Reliability = Field(
        default=Reliability.F, description="Admiralty source reliability A-F."
    )
    credibility: StrictInt = Field(
        default=6, ge=1, le=6, description="Admiralty information credibility 1-6."
    )
    dated_on: IsoDate | None = None
    dated_on_precision: Precision | None = None
    note: text(10000) | None = Field(  # type: ignore[valid-type]
        default=None, description="Why the item got its grades."
    )
    sources: list[CitationInput] = Field(default_factory=list, max_length=50)


class EvidenceUpdate(InputModel):
    """Fields to change; ``sources`` given replaces the stored list."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"credibility": 3}]})

    summary: text(10000) | None = None  # type: ignore[valid-type]
    kind: EvidenceKind | None = None
    bearing: Bearing | None = None
    produced_by: Reference | None = None
    independent: StrictBool | None = None
    reliability: Reliability | None = None
    credibility: StrictInt | None = Field(default=None, ge=1, le=6)
    dated_on: IsoDate | None = None
    dated_on_precision: Precision | None = None
    note: text(10000) | None = None  # type: ignore[valid-type]
    sources: list[CitationInput] | None = Field(default=None, max_length=50)


class EvidencePublic(OutputModel):
    id: uuid.UUID
    claim_id: uuid.UUID
    summary: str
    kind: EvidenceKind
    bearing: Bearing
    produced_by: ActorRef | None
    independent: bool
    reliability: Reliability
    credibility: int
    weight: float = Field(
        description="R(reliability) x C(credibility) x (1.0 if independent else 0.5)."
    )
    dated_on: date | None
    dated_on_precision: Precision | None
    note: str | None
    sources: list[Citation]
    version: int
    created_at: datetime
    updated_at: datetime


class EvidencePage(Page[EvidencePublic]):
    pass
