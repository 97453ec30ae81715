"""The pure parts of the stats counts: a claim's keys, and the median of a histogram."""

from __future__ import annotations

import statistics
import uuid
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from app.services.tallies import keys_of, median_of

FSB, KTJ, HTS = (uuid.UUID(int=n) for n in (1, 2, 3))


def claim(**fields: object) -> SimpleNamespace:
    row = {
        "deleted_at": None,
        "dispute_status": "denied",
        "rating": "refuted",
        "claimant_id": FSB,
        "stated_on": date(2020, 10, 15),
        "response_lag_days": 1,
    }
    return SimpleNamespace(**{**row, **fields})


def test_a_claim_is_counted_under_each_of_its_figures():
    assert keys_of(claim(), [KTJ, HTS]) == {
        "claims:all",
        "status:denied",
        "verdict:refuted",
        f"claimant:{FSB.hex}",
        f"accused:{KTJ.hex}",
        f"accused:{HTS.hex}",
        "month:2020-10",
        "lag:1",
    }


def test_what_is_unknown_is_not_counted_and_a_deleted_claim_nowhere():
    keys = keys_of(claim(stated_on=None, response_lag_days=None), [])
    assert keys == {"claims:all", "status:denied", "verdict:refuted", f"claimant:{FSB.hex}"}
    assert keys_of(claim(deleted_at=datetime(2021, 1, 1)), [KTJ]) == set()
    assert "month:0987-03" in keys_of(claim(stated_on=date(987, 3, 1)), [])
    assert "lag:-2" in keys_of(claim(response_lag_days=-2), [])


@pytest.mark.parametrize(
    "values",
    [[], [4], [1, 4], [0, 1, 3, 10], [2, 2, 2], [-3, 7], [5, 1, 1, 9, 1], [1, 2] * 7 + [30]],
)
def test_the_median_of_a_histogram_is_the_median_of_its_values(values):
    histogram: dict[int, int] = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    expected = float(statistics.median(values)) if values else None
    assert median_of(histogram) == expected
