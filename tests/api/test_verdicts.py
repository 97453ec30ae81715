"""The editorial verdict through HTTP: PUT /v1/claims/{id}/verdict."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_actor, make_claim
from tests.helpers import SOME_ID, assert_problem, ids

SUBSTANTIATED = {
    "rating": "substantiated",
    "rationale": "Court records confirm the seizure.",
}


@pytest.fixture
def claim(client, auth):
    h = auth("contributor")
    make_actor(client, h, "fsb", "Federal Security Service", kind="state_agency")
    make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad")
    return make_claim(client, h, "fsb", ["ktj"])


def put(client, claim, body, headers):
    return client.put(f"/v1/claims/{claim['id']}/verdict", json=body, headers=headers)


def verdict_of(client, claim):
    return client.get(f"/v1/claims/{claim['id']}").json()["verdict"]


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_set_the_verdict(client, auth, claim, role):
    before = datetime.now(UTC)
    response = put(client, claim, SUBSTANTIATED, auth(role))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"rating", "rationale", "reviewed_by", "reviewed_at", "version"}
    assert body["version"] == 2 and response.headers["ETag"] == '"2"'
    assert body["rating"] == "substantiated"
    assert body["rationale"] == "Court records confirm the seizure."
    assert body["reviewed_by"] == f"test {role}"
    reviewed_at = datetime.fromisoformat(body["reviewed_at"])
    assert before - timedelta(seconds=5) <= reviewed_at <= datetime.now(UTC)
    assert response.headers["ETag"] == '"2"'
    assert verdict_of(client, claim) == body


@pytest.mark.parametrize("role", ["contributor", "viewer"])
def test_contributors_and_viewers_may_not(client, auth, claim, role):
    assert_problem(put(client, claim, SUBSTANTIATED, auth(role)), 403)
    assert verdict_of(client, claim)["rating"] == "unassessed"


def test_anonymous_is_401_with_a_challenge(client, claim):
    response = put(client, claim, SUBSTANTIATED, {})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert verdict_of(client, claim) == {
        "rating": "unassessed",
        "rationale": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "version": 1,
    }


def test_if_match_carries_the_verdicts_etag(client, auth, claim):
    editor = auth("editor")
    first = put(client, claim, {"rating": "unverified"}, {**editor, "If-Match": '"1"'})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"2"'
    stale = put(client, claim, SUBSTANTIATED, {**editor, "If-Match": '"1"'})
    assert_problem(stale, 412, type_="urn:contested:problem:stale-version")
    assert verdict_of(client, claim) == first.json()
    weak = put(client, claim, SUBSTANTIATED, {**editor, "If-Match": 'W/"2"'})
    assert_problem(weak, 412)
    second = put(client, claim, SUBSTANTIATED, {**editor, "If-Match": first.headers["ETag"]})
    assert second.status_code == 200, second.text
    assert second.headers["ETag"] == '"3"'
    assert verdict_of(client, claim)["rating"] == "substantiated"


def test_the_same_verdict_again_changes_nothing(client, auth, claim):
    first = put(client, claim, SUBSTANTIATED, auth("editor"))
    again = put(client, claim, SUBSTANTIATED, auth("admin"))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"] == '"2"'


def test_put_replaces_the_whole_verdict(client, auth, claim):
    put(client, claim, SUBSTANTIATED, auth("editor"))
    response = put(client, claim, {"rating": "disputed"}, auth("admin"))
    assert response.status_code == 200
    body = response.json()
    assert (body["rating"], body["rationale"], body["reviewed_by"]) == (
        "disputed",
        None,
        "test admin",
    )
    assert response.headers["ETag"] == '"3"'


def test_the_verdict_filter_of_the_claim_list(client, auth, claim):
    other = make_claim(client, auth("contributor"), "fsb", ["ktj"], proposition="Another.")

    def listed(rating):
        response = client.get("/v1/claims", params={"verdict": rating})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    assert sorted(ids(listed("unassessed"))) == sorted([claim["id"], other["id"]])
    put(client, claim, {"rating": "refuted", "rationale": "No trace of the cell."}, auth("editor"))
    assert ids(listed("refuted")) == [claim["id"]]
    assert listed("refuted")[0]["verdict"] == "refuted"
    assert ids(listed("unassessed")) == [other["id"]]
    assert listed("substantiated") == []
    assert_problem(client.get("/v1/claims", params={"verdict": "true"}), 422, parameter="verdict")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/rating"),
        ({"rating": "true"}, "/rating"),
        ({"rating": "refuted", "rationale": ""}, "/rationale"),
        ({"rating": "refuted", "reviewed_by": "someone else"}, "/reviewed_by"),
        ({"rating": "refuted", "reviewed_at": "2020-01-01T00:00:00Z"}, "/reviewed_at"),
        ({"rating": "refuted", "version": 1}, "/version"),
        ({"rating": "refuted", "id": SOME_ID}, "/id"),
    ],
)
def test_invalid_verdict_is_a_422_naming_the_field(client, auth, claim, body, pointer):
    assert_problem(put(client, claim, body, auth("editor")), 422, pointer=pointer)
    assert verdict_of(client, claim)["rating"] == "unassessed"


def test_verdict_of_unknown_or_deleted_claim(client, auth, claim):
    editor = auth("editor")
    assert_problem(
        client.put(f"/v1/claims/{uuid.uuid4()}/verdict", json=SUBSTANTIATED, headers=editor), 404
    )
    assert_problem(
        client.put("/v1/claims/volgograd/verdict", json=SUBSTANTIATED, headers=editor),
        422,
        parameter="claim_id",
    )
    assert client.delete(f"/v1/claims/{claim['id']}", headers=editor).status_code == 204
    assert_problem(put(client, claim, SUBSTANTIATED, editor), 410)
