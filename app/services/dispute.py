"""Dispute status: how the accused answered a claim. Pure functions over plain data."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

DENIALS = frozenset({"denies", "partially_denies", "disputes_evidence", "counter_accuses"})
ADMISSIONS = frozenset({"confirms", "admits"})


@dataclass(frozen=True)
class Dispute:
    status: str
    first_response_on: date | None
    response_lag_days: int | None


def is_by_accused(
    responder_id: uuid.UUID,
    accused_ids: Collection[uuid.UUID],
    part_of: Collection[tuple[uuid.UUID, uuid.UUID]],
) -> bool:
    """The responder is accused, or is ``part_of`` an accused actor (a ministry for its state).

    ``part_of`` holds (subject, object) pairs of live part_of relations; only direct
    membership counts, so a department of a ministry does not speak for the state.
    """
    if responder_id in accused_ids:
        return True
    return any((responder_id, accused) in part_of for accused in accused_ids)


def status_of(stances: Iterable[str]) -> str:
    """``denied``, ``admitted``, ``mixed`` or ``unanswered`` from the accused's stances."""
    stances = set(stances)
    denied = bool(stances & DENIALS)
    admitted = bool(stances & ADMISSIONS)
    if denied and admitted:
        return "mixed"
    if denied:
        return "denied"
    if admitted:
        return "admitted"
    return "unanswered"  # nothing, or only no_comment


def dispute(
    claim_stated_on: date | None, accused_answers: Iterable[tuple[str, date | None]]
) -> Dispute:
    """The dispute of a claim from the (stance, stated_on) of responses by the accused.

    ``first_response_on`` is the earliest dated answer that takes a position (not
    ``no_comment``); ``response_lag_days`` counts days from the claim to it, and is
    null when either date is unknown.
    """
    answers = [(stance, on) for stance, on in accused_answers if stance != "no_comment"]
    status = status_of(stance for stance, _ in answers)
    dates = [on for _, on in answers if on is not None]
    if not dates:
        return Dispute(status, None, None)
    first = min(dates)
    lag = None if claim_stated_on is None else (first - claim_stated_on).days
    return Dispute(status, first, lag)
