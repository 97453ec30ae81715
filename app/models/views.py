"""Response models of the derived views: timelines, track records and stats."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import Field

from app.models.actor import ActorRef
from app.models.claim_response import Stance
from app.models.common import OutputModel, Page, Precision
from app.models.evidence import Bearing


class TimelineType(StrEnum):
    claim = "claim"
    response = "response"
    evidence = "evidence"


class TimelineItem(OutputModel):
    """A claim, a response or an evidence item, placed in time."""

    type: TimelineType
    id: uuid.UUID
    claim_id: uuid.UUID = Field(
        description="The claim the item belongs to (its own id for a claim)."
    )
    date: dt.date | None = Field(
        description="stated_on, or dated_on for evidence; null if unknown."
    )
    date_precision: Precision | None
    title: str = Field(description="The proposition, the response's quote, the evidence summary.")
    actor: ActorRef | None = Field(description="Claimant, responder, or producer of the evidence.")
    stance: Stance | None = Field(description="For responses.")
    bearing: Bearing | None = Field(description="For evidence.")


class TimelinePage(Page[TimelineItem]):
    """Items in date order (ties: claims, then responses, then evidence, then by id);
    items without a known date come last."""


# Counts by dispute status and by verdict name every value of their enum as a field, so
# that generated clients get named properties; tests/api/test_views.py keeps them in step.
class ByStatus(OutputModel):
    unanswered: int = 0
    denied: int = 0
    admitted: int = 0
    mixed: int = 0


class ByVerdict(OutputModel):
    unassessed: int = 0
    unverified: int = 0
    disputed: int = 0
    substantiated: int = 0
    refuted: int = 0
    misleading: int = 0
    unprovable: int = 0


class AsClaimant(OutputModel):
    total: int = Field(description="Claims the actor made.")
    by_verdict: ByVerdict
    by_status: ByStatus


class AsAccused(OutputModel):
    total: int = Field(description="Claims that accuse the actor.")
    by_status: ByStatus
    denial_rate: float | None = Field(
        description="Share of those claims the actor (or a body part_of it) answered with a "
        "denial-type stance; null when it was never accused."
    )
    median_response_lag_days: float | None = Field(
        description="Median response_lag_days of those claims (days to the accused's first "
        "answer that takes a position); null when none was answered with a known date."
    )


class Denials(OutputModel):
    total: int = Field(description="Claims the actor (or a body part_of it) denied.")
    later_substantiated: int = Field(description="Of those, claims whose verdict is substantiated.")
    later_refuted: int = Field(description="Of those, claims whose verdict is refuted.")


class TrackRecord(OutputModel):
    """What the actor alleged and how it held up, and how it answers when accused."""

    actor: ActorRef
    as_claimant: AsClaimant
    as_accused: AsAccused
    denials: Denials


class MonthCount(OutputModel):
    month: str = Field(description="YYYY-MM of stated_on.", examples=["2020-10"])
    claims: int


class ActorCount(OutputModel):
    actor: ActorRef
    claims: int


class Stats(OutputModel):
    """Figures over the claims matching the filters."""

    claims: int
    by_status: ByStatus
    by_verdict: ByVerdict
    per_month: list[MonthCount] = Field(description="Dated claims per month, oldest first.")
    top_claimants: list[ActorCount]
    top_accused: list[ActorCount]
    median_response_lag_days: float | None
