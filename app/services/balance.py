"""Evidence balance: Admiralty grades turned into weights. Pure functions over plain data."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

RELIABILITY_WEIGHT = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.3}
CREDIBILITY_WEIGHT = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.1, 6: 0.3}
DEPENDENT_FACTOR = 0.5
PLACES = 4


@dataclass(frozen=True)
class Item:
    evidence_id: uuid.UUID
    bearing: str
    reliability: str
    credibility: int
    independent: bool


@dataclass(frozen=True)
class Balance:
    support: float
    refute: float
    balance: float
    contributions: list[dict[str, object]] = field(default_factory=list)


def weight(reliability: str, credibility: int, independent: bool) -> float:
    """R(reliability) x C(credibility) x (1.0 if independent else 0.5), to 4 places."""
    factor = 1.0 if independent else DEPENDENT_FACTOR
    return round(RELIABILITY_WEIGHT[reliability] * CREDIBILITY_WEIGHT[credibility] * factor, PLACES)


def balance(items: Iterable[Item]) -> Balance:
    """Sum supporting and refuting weights; balance = (s - r) / (s + r + 1), in (-1, 1).

    Context items are listed with their weight but count on neither side.
    """
    support = refute = 0.0
    contributions: list[dict[str, object]] = []
    for item in items:
        w = weight(item.reliability, item.credibility, item.independent)
        if item.bearing == "supports":
            support += w
        elif item.bearing == "refutes":
            refute += w
        contributions.append(
            {"evidence_id": item.evidence_id, "bearing": item.bearing, "weight": w}
        )
    return Balance(
        support=round(support, PLACES),
        refute=round(refute, PLACES),
        balance=round((support - refute) / (support + refute + 1), PLACES),
        contributions=contributions,
    )
