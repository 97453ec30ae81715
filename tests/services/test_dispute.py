"""Dispute status rules, one row per stance combination."""

from __future__ import annotations

import itertools
import uuid
from datetime import date

import pytest

from app.models.claim_response import Stance
from app.services.dispute import ADMISSIONS, DENIALS, dispute, is_by_accused, status_of


def expected_status(stances: set[str]) -> str:
    denied, admitted = bool(stances & DENIALS), bool(stances & ADMISSIONS)
    return {(True, True): "mixed", (True, False): "denied", (False, True): "admitted"}.get(
        (denied, admitted), "unanswered"
    )


def test_stance_classes_cover_every_stance():
    assert DENIALS | ADMISSIONS | {"no_comment"} == {s.value for s in Stance}
    assert DENIALS == {"denies", "partially_denies", "disputes_evidence", "counter_accuses"}
    assert ADMISSIONS == {"confirms", "admits"}


@pytest.mark.parametrize(
    "stances",
    [set(c) for n in range(0, 3) for c in itertools.combinations([s.value for s in Stance], n)],
)
def test_every_combination_of_up_to_two_stances(stances):
    assert status_of(stances) == expected_status(stances)


@pytest.mark.parametrize(
    ("stances", "status"),
    [
        ([], "unanswered"),
        (["no_comment"], "unanswered"),
        (["denies"], "denied"),
        (["partially_denies"], "denied"),
        (["disputes_evidence"], "denied"),
        (["counter_accuses"], "denied"),
        (["confirms"], "admitted"),
        (["admits"], "admitted"),
        (["denies", "admits"], "mixed"),
        (["no_comment", "denies"], "denied"),
        (["no_comment", "confirms"], "admitted"),
        (["counter_accuses", "confirms", "no_comment"], "mixed"),
    ],
)
def test_named_cases(stances, status):
    assert status_of(stances) == status


def test_first_response_and_lag_ignore_no_comment_and_unknown_dates():
    result = dispute(
        date(2020, 10, 15),
        [
            ("no_comment", date(2020, 10, 15)),
            ("denies", date(2020, 10, 17)),
            ("denies", date(2020, 10, 16)),
            ("admits", None),
        ],
    )
    assert result.status == "mixed"
    assert result.first_response_on == date(2020, 10, 16)
    assert result.response_lag_days == 1


def test_lag_is_unknown_when_the_claim_is_undated():
    result = dispute(None, [("denies", date(2020, 10, 16))])
    assert (result.status, result.first_response_on, result.response_lag_days) == (
        "denied",
        date(2020, 10, 16),
        None,
    )


def test_only_no_comment_has_no_first_response():
    result = dispute(date(2020, 1, 1), [("no_comment", date(2020, 1, 2))])
    assert (result.status, result.first_response_on, result.response_lag_days) == (
        "unanswered",
        None,
        None,
    )


def test_by_accused_directly_or_through_part_of():
    government, ministry, ngo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    part_of = {(ministry, government)}
    assert is_by_accused(government, {government}, part_of)
    assert is_by_accused(ministry, {government}, part_of)
    assert not is_by_accused(ngo, {government}, part_of)
    assert not is_by_accused(government, {ministry}, part_of)  # the relation has a direction
    assert not is_by_accused(ministry, {government}, set())
