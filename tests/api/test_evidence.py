"""Evidence through HTTP: Admiralty grades, weights, and the balance they give the claim."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_actor, make_claim, make_evidence
from tests.helpers import SOME_ID, assert_problem, ids, walk_pages

EVIDENCE_FIELDS = {
    "id",
    "claim_id",
    "summary",
    "kind",
    "bearing",
    "produced_by",
    "independent",
    "reliability",
    "credibility",
    "weight",
    "dated_on",
    "dated_on_precision",
    "note",
    "sources",
    "version",
    "created_at",
    "updated_at",
}


@pytest.fixture
def h(client, auth):
    headers = auth("contributor")
    make_actor(client, headers, "fsb", "Federal Security Service", kind="state_agency")
    make_actor(client, headers, "ktj", "Katibat Tawhid wal-Jihad")
    return headers


@pytest.fixture
def claim(client, h):
    return make_claim(client, h, "fsb", ["ktj"], proposition="A KTJ cell planned attacks.")


def balance_of(client, claim):
    return client.get(f"/v1/claims/{claim['id']}").json()["balance"]


def test_create_evidence_returns_it_with_its_weight(client, h, claim):
    response = client.post(
        f"/v1/claims/{claim['id']}/evidence",
        headers=h,
        json={
            "summary": "Photos of seized firearms distributed by the FSB.",
            "kind": "photo",
            "bearing": "supports",
            "produced_by": "fsb",
            "independent": False,
            "reliability": "F",
            "credibility": 4,
            "dated_on": "2020-10-15",
            "note": "Released by the claimant itself.",
            "sources": [{"title": "FSB video", "publisher": "fsb", "locator": "00:42"}],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == EVIDENCE_FIELDS
    fsb = client.get("/v1/actors/fsb").json()
    assert body["produced_by"] == {"id": fsb["id"], "slug": "fsb", "name": fsb["name"]}
    assert body["claim_id"] == claim["id"]
    assert (body["kind"], body["bearing"], body["independent"]) == ("photo", "supports", False)
    assert (body["reliability"], body["credibility"]) == ("F", 4)
    assert body["weight"] == pytest.approx(0.3 * 0.4 * 0.5)
    assert (body["dated_on"], body["note"]) == ("2020-10-15", "Released by the claimant itself.")
    assert body["sources"][0]["source"]["title"] == "FSB video"
    assert body["sources"][0]["locator"] == "00:42"
    assert body["version"] == 1 and response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/evidence/{body['id']}"
    fetched = client.get(response.headers["Location"])
    assert fetched.json() == body and fetched.headers["ETag"] == '"1"'
    assert client.get(f"/v1/claims/{claim['id']}").json()["evidence"]["supports"] == [body]


def test_defaults_are_the_least_committal_grades(client, h, claim):
    response = client.post(
        f"/v1/claims/{claim['id']}/evidence",
        headers=h,
        json={"summary": "A witness statement.", "kind": "testimony", "bearing": "context"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["reliability"], body["credibility"], body["independent"]) == ("F", 6, False)
    assert body["produced_by"] is None and body["sources"] == []
    assert body["weight"] == pytest.approx(0.3 * 0.3 * 0.5)


@pytest.mark.parametrize(
    ("reliability", "credibility", "independent", "weight"),
    [
        ("A", 1, True, 1.0),
        ("A", 1, False, 0.5),
        ("B", 2, True, 0.64),
        ("C", 3, True, 0.36),
        ("D", 4, False, 0.08),
        ("E", 5, True, 0.02),
        ("F", 6, True, 0.09),
        ("F", 4, False, 0.06),
        ("B", 5, False, 0.04),
        ("E", 1, True, 0.2),
    ],
)
def test_weight_is_reliability_times_credibility_halved_unless_independent(
    client, h, claim, reliability, credibility, independent, weight
):
    item = make_evidence(client, h, claim["id"], "supports", reliability, credibility, independent)
    assert item["weight"] == pytest.approx(weight)
    assert client.get(f"/v1/evidence/{item['id']}").json()["weight"] == pytest.approx(weight)
    balance = balance_of(client, claim)
    assert balance["contributions"] == [
        {"evidence_id": item["id"], "bearing": "supports", "weight": pytest.approx(weight)}
    ]
    assert balance["support"] == pytest.approx(weight)
    assert balance["balance"] == pytest.approx(weight / (weight + 1), abs=1e-4)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"credibility": 0}, "/credibility"),
        ({"credibility": 7}, "/credibility"),
        ({"credibility": 2.5}, "/credibility"),
        ({"reliability": "G"}, "/reliability"),
        ({"reliability": "b"}, "/reliability"),
        ({"reliability": "AB"}, "/reliability"),
        ({"bearing": "proves"}, "/bearing"),
        ({"kind": "rumour"}, "/kind"),
        ({"summary": ""}, "/summary"),
        ({"independent": "maybe"}, "/independent"),
        ({"dated_on": "2020-10-32"}, "/dated_on"),
        ({"sources": [{"url": "javascript:alert(1)", "title": "x"}]}, "/sources/0/url"),
        ({"strength": 0.9}, "/strength"),
        ({"id": SOME_ID}, "/id"),
        ({"version": 1}, "/version"),
        ({"weight": 1.0}, "/weight"),
        ({"created_by": SOME_ID}, "/created_by"),
        ({"claim_id": SOME_ID}, "/claim_id"),
    ],
)
def test_invalid_evidence_is_a_422_naming_the_field(client, h, claim, change, pointer):
    body = {
        "summary": "Photos.",
        "kind": "photo",
        "bearing": "supports",
        "reliability": "C",
        "credibility": 3,
        **change,
    }
    response = client.post(f"/v1/claims/{claim['id']}/evidence", headers=h, json=body)
    assert_problem(response, 422, pointer=pointer)
    assert client.get(f"/v1/claims/{claim['id']}/evidence").json()["items"] == []
    assert balance_of(client, claim)["contributions"] == []


def test_unknown_producer_is_422_with_a_suggestion(client, h, claim):
    response = client.post(
        f"/v1/claims/{claim['id']}/evidence",
        headers=h,
        json={"summary": "Photos.", "kind": "photo", "bearing": "supports", "produced_by": "fbs"},
    )
    problem = assert_problem(
        response, 422, pointer="/produced_by", type_="urn:contested:problem:unknown-reference"
    )
    assert problem["errors"][0]["suggestions"][0] == "fsb"


def test_evidence_on_unknown_or_deleted_claim(client, h, claim):
    body = {"summary": "Photos.", "kind": "photo", "bearing": "supports"}
    assert_problem(client.post(f"/v1/claims/{uuid.uuid4()}/evidence", headers=h, json=body), 404)
    assert_problem(client.get(f"/v1/claims/{uuid.uuid4()}/evidence"), 404)
    client.delete(f"/v1/claims/{claim['id']}", headers=h)
    assert_problem(client.post(f"/v1/claims/{claim['id']}/evidence", headers=h, json=body), 410)
    assert_problem(client.get(f"/v1/claims/{claim['id']}/evidence"), 410)


def test_get_unknown_or_malformed_evidence(client):
    assert_problem(client.get(f"/v1/evidence/{uuid.uuid4()}"), 404)
    assert_problem(client.get("/v1/evidence/photos"), 422, parameter="evidence_id")


def test_list_evidence_with_the_bearing_filter(client, h, claim):
    supports = make_evidence(client, h, claim["id"], "supports")
    refutes = make_evidence(client, h, claim["id"], "refutes", "B", 2, True)
    context = make_evidence(client, h, claim["id"], "context")
    more_support = make_evidence(client, h, claim["id"], "supports", "A", 1, True)
    other = make_claim(client, h, "fsb", ["ktj"])
    make_evidence(client, h, other["id"], "supports")

    def listed(**params):
        response = client.get(f"/v1/claims/{claim['id']}/evidence", params=params)
        assert response.status_code == 200, response.text
        return ids(response.json()["items"])

    assert listed() == [supports["id"], refutes["id"], context["id"], more_support["id"]]
    assert listed(bearing="supports") == [supports["id"], more_support["id"]]
    assert listed(bearing="refutes") == [refutes["id"]]
    assert listed(bearing="context") == [context["id"]]
    bad = client.get(f"/v1/claims/{claim['id']}/evidence", params={"bearing": "proves"})
    assert_problem(bad, 422, parameter="bearing")


def test_pagination_visits_every_item_once(client, h, claim):
    made = [
        make_evidence(client, h, claim["id"], "supports" if i % 3 else "refutes") for i in range(8)
    ]
    seen, pages = walk_pages(client, f"/v1/claims/{claim['id']}/evidence", 3)
    assert pages == 3 and ids(seen) == ids(made)
    supports, pages = walk_pages(
        client, f"/v1/claims/{claim['id']}/evidence", 2, bearing="supports"
    )
    assert pages == 3
    assert ids(supports) == [e["id"] for e in made if e["bearing"] == "supports"]


# ---- the balance ---------------------------------------------------------------------------


def test_balance_is_recomputed_after_each_write(client, h, claim):
    strong = make_evidence(client, h, claim["id"], "supports", "A", 1, True)  # 1.0
    assert balance_of(client, claim)["balance"] == pytest.approx(0.5)
    refuting = make_evidence(client, h, claim["id"], "refutes", "B", 2, True)  # 0.64
    make_evidence(client, h, claim["id"], "context", "A", 1, True)  # counts on neither side
    balance = balance_of(client, claim)
    assert (balance["support"], balance["refute"]) == (pytest.approx(1.0), pytest.approx(0.64))
    assert balance["balance"] == pytest.approx(0.36 / 2.64, abs=1e-4)
    assert [c["bearing"] for c in balance["contributions"]] == ["supports", "refutes", "context"]

    patched = client.patch(f"/v1/evidence/{strong['id']}", headers=h, json={"bearing": "refutes"})
    assert patched.status_code == 200, patched.text
    balance = balance_of(client, claim)
    assert (balance["support"], balance["refute"]) == (0.0, pytest.approx(1.64))
    assert balance["balance"] == pytest.approx(-1.64 / 2.64, abs=1e-4)
    listed = client.get("/v1/claims").json()["items"][0]
    assert listed["balance"] == pytest.approx(-1.64 / 2.64, abs=1e-4)

    client.delete(f"/v1/evidence/{strong['id']}", headers=h)
    client.delete(f"/v1/evidence/{refuting['id']}", headers=h)
    balance = balance_of(client, claim)
    assert (balance["support"], balance["refute"], balance["balance"]) == (0.0, 0.0, 0.0)
    assert client.get("/v1/claims").json()["items"][0]["balance"] == 0.0


def test_claim_list_sort_by_balance_follows_the_evidence(client, h):
    claims = {
        name: make_claim(client, h, "fsb", ["ktj"], proposition=name)
        for name in ("refuted", "neutral", "supported")
    }
    make_evidence(client, h, claims["refuted"]["id"], "refutes", "A", 1, True)
    make_evidence(client, h, claims["supported"]["id"], "supports", "B", 2, False)

    def order(sort):
        items = client.get("/v1/claims", params={"sort": sort}).json()["items"]
        return [c["proposition"] for c in items]

    assert order("balance") == ["refuted", "neutral", "supported"]
    assert order("-balance") == ["supported", "neutral", "refuted"]
    make_evidence(client, h, claims["neutral"]["id"], "supports", "A", 1, True)
    assert order("-balance") == ["neutral", "supported", "refuted"]
    items = client.get("/v1/claims", params={"sort": "-balance"}).json()["items"]
    expected = [1.0 / 2.0, 0.32 / 1.32, -1.0 / 2.0]
    assert [c["balance"] for c in items] == [pytest.approx(b, abs=1e-4) for b in expected]


# ---- update and delete ---------------------------------------------------------------------


def test_update_evidence(client, h, claim):
    item = make_evidence(client, h, claim["id"], "supports", "F", 4, False)
    url = f"/v1/evidence/{item['id']}"
    assert_problem(
        client.patch(url, headers={**h, "If-Match": '"0"'}, json={"credibility": 1}), 412
    )
    assert client.get(url).json() == item
    response = client.patch(
        url,
        headers={**h, "If-Match": '"1"'},
        json={
            "reliability": "B",
            "credibility": 2,
            "independent": True,
            "produced_by": "ktj",
            "note": "Verified by an independent lab.",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 2 and response.headers["ETag"] == '"2"'
    assert body["weight"] == pytest.approx(0.64)
    assert body["produced_by"]["slug"] == "ktj"
    assert client.get(url).json() == body
    assert balance_of(client, claim)["support"] == pytest.approx(0.64)
    cleared = client.patch(url, headers=h, json={"produced_by": None})
    assert cleared.json()["produced_by"] is None and cleared.json()["version"] == 3
    same = client.patch(url, headers=h, json={"credibility": 2})
    assert same.json()["version"] == 3
    for change, pointer in (
        ({"credibility": 0}, "/credibility"),
        ({"credibility": 7}, "/credibility"),
        ({"reliability": "G"}, "/reliability"),
        ({"weight": 1}, "/weight"),
        ({"version": 4}, "/version"),
    ):
        assert_problem(client.patch(url, headers=h, json=change), 422, pointer=pointer)
    assert client.get(url).json()["version"] == 3


def test_deleted_evidence_is_gone(client, h, claim):
    item = make_evidence(client, h, claim["id"], "supports", "A", 1, True)
    url = f"/v1/evidence/{item['id']}"
    assert client.delete(url, headers=h).status_code == 204
    assert_problem(client.get(url), 410)
    assert client.get(f"/v1/claims/{claim['id']}/evidence").json()["items"] == []
    assert client.get(f"/v1/claims/{claim['id']}").json()["evidence"]["supports"] == []
    assert_problem(client.patch(url, headers=h, json={"credibility": 2}), 410)
    assert_problem(client.delete(url, headers=h), 410)
