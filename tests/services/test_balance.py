"""Evidence weights for every Admiralty grade, and the balance formula."""

from __future__ import annotations

import itertools
import uuid

import pytest

from app.services.balance import Item, balance, weight

R = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.3}
C = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.1, 6: 0.3}


@pytest.mark.parametrize(
    ("reliability", "credibility", "independent"),
    list(itertools.product(R, C, [True, False])),
)
def test_weight_of_every_grade(reliability, credibility, independent):
    expected = R[reliability] * C[credibility] * (1.0 if independent else 0.5)
    assert weight(reliability, credibility, independent) == pytest.approx(expected, abs=5e-5)


def item(bearing: str, reliability: str, credibility: int, independent: bool) -> Item:
    return Item(uuid.uuid4(), bearing, reliability, credibility, independent)


def test_no_evidence_is_a_zero_balance():
    result = balance([])
    assert (result.support, result.refute, result.balance, result.contributions) == (0, 0, 0, [])


def test_balance_by_hand():
    items = [
        item("supports", "F", 4, False),  # 0.3 * 0.4 * 0.5 = 0.06
        item("supports", "B", 2, True),  # 0.8 * 0.8 = 0.64
        item("refutes", "A", 1, True),  # 1.0
        item("context", "A", 1, True),  # listed, counts on neither side
    ]
    result = balance(items)
    assert result.support == pytest.approx(0.70)
    assert result.refute == pytest.approx(1.0)
    assert result.balance == pytest.approx((0.70 - 1.0) / (0.70 + 1.0 + 1), abs=1e-4)
    assert [c["weight"] for c in result.contributions] == pytest.approx([0.06, 0.64, 1.0, 1.0])
    assert [c["bearing"] for c in result.contributions] == [
        "supports",
        "supports",
        "refutes",
        "context",
    ]


@pytest.mark.parametrize("n", [1, 10, 1000])
def test_balance_stays_inside_minus_one_and_one(n):
    assert -1 < balance([item("refutes", "A", 1, True)] * n).balance < 0
    assert 0 < balance([item("supports", "A", 1, True)] * n).balance < 1
