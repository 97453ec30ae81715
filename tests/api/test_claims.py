"""Claims through HTTP: create, the dossier, the list and its filters, update, delete."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import (
    make_actor,
    make_claim,
    make_event,
    make_evidence,
    make_relation,
    make_response,
)
from tests.helpers import SOME_ID

DOSSIER_FIELDS = {
    "id",
    "version",
    "proposition",
    "claimant",
    "accused",
    "event",
    "stated_on",
    "stated_on_precision",
    "quote",
    "quote_language",
    "translation",
    "tags",
    "sources",
    "responses",
    "evidence",
    "verdict",
    "dispute",
    "balance",
    "created_at",
    "updated_at",
}


@pytest.fixture
def cast(client, auth):
    """FSB accuses KTJ of a Volgograd plot."""
    h = auth("contributor")
    make_actor(
        client,
        h,
        "fsb",
        "Federal Security Service",
        kind="state_agency",
        aliases=["FSB", "ФСБ"],
        country="RU",
    )
    make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad")
    make_event(client, h, "volgograd-plot-2020", "Volgograd plot", occurred_on="2020-10-15")
    return h


def test_create_claim_returns_the_full_dossier(client, cast):
    response = client.post(
        "/v1/claims",
        headers=cast,
        json={
            "proposition": "A KTJ cell planned attacks in Volgograd.",
            "claimant": "fsb",
            "accused": ["ktj"],
            "event": "volgograd-plot-2020",
            "stated_on": "2020-10-15",
            "quote": "suppressed the activities of the interregional cell",
            "quote_language": "en",
            "tags": ["Terrorism", "volgograd"],
            "sources": [
                {
                    "title": "FSB statement",
                    "publisher": "fsb",
                    "kind": "official_statement",
                    "url": "https://Example.org/fsb/statement/?utm_source=x",
                    "locator": "para 1",
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == DOSSIER_FIELDS
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/claims/{body['id']}"
    assert body["claimant"]["slug"] == "fsb"
    assert [a["slug"] for a in body["accused"]] == ["ktj"]
    assert body["event"]["slug"] == "volgograd-plot-2020"
    assert body["tags"] == ["terrorism", "volgograd"]
    assert body["stated_on_precision"] == "day"
    assert body["sources"][0]["locator"] == "para 1"
    assert body["sources"][0]["source"]["url"] == "https://Example.org/fsb/statement/?utm_source=x"
    assert body["verdict"] == {
        "rating": "unassessed",
        "rationale": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "version": 1,
    }
    assert body["dispute"] == {
        "status": "unanswered",
        "first_response_on": None,
        "response_lag_days": None,
    }
    assert body["balance"] == {"support": 0.0, "refute": 0.0, "balance": 0.0, "contributions": []}
    assert body["evidence"] == {"supports": [], "refutes": [], "context": []}
    assert body["responses"] == []
    assert client.get(f"/v1/claims/{body['id']}").json() == body


def test_inline_source_with_a_known_url_is_reused(client, cast):
    source = {"title": "FSB statement", "url": "https://example.org/a#top"}
    first = make_claim(client, cast, "fsb", ["ktj"], sources=[source])
    second = make_claim(
        client,
        cast,
        "fsb",
        ["ktj"],
        sources=[{"title": "Other title", "url": "https://EXAMPLE.org/a/"}],
    )
    assert first["sources"][0]["source"]["id"] == second["sources"][0]["source"]["id"]
    listed = client.get("/v1/sources", params={"url": "https://example.org/a"}).json()
    assert len(listed["items"]) == 1


def test_dossier_of_the_seeded_volgograd_claim(client, seeded):
    page = client.get("/v1/claims", params={"claimant": "fsb", "event": "volgograd-plot-2020"})
    claim = next(c for c in page.json()["items"] if "Syria" in c["proposition"])
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    assert dossier["claimant"]["slug"] == "fsb"
    assert [a["slug"] for a in dossier["accused"]] == ["ktj"]
    assert dossier["dispute"] == {
        "status": "denied",
        "first_response_on": "2020-10-16",
        "response_lag_days": 1,
    }
    denial = dossier["responses"][0]
    assert denial["responder"]["slug"] == "ktj" and denial["stance"] == "denies"
    assert denial["by_accused"] is True
    photos = dossier["evidence"]["supports"][0]
    assert photos["produced_by"]["slug"] == "fsb" and photos["independent"] is False
    assert photos["weight"] == pytest.approx(0.3 * 0.4 * 0.5)
    contribution = {c["evidence_id"]: c for c in dossier["balance"]["contributions"]}
    assert contribution[photos["id"]]["weight"] == pytest.approx(0.06)
    support = dossier["balance"]["support"]
    refute = dossier["balance"]["refute"]
    assert dossier["balance"]["balance"] == pytest.approx(
        (support - refute) / (support + refute + 1), abs=1e-4
    )


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"claimant": "fsb", "stated_on": "2020-10-15"}, "/proposition"),
        ({"proposition": "x"}, "/claimant"),
        ({"proposition": "x", "claimant": "fsb", "stated_on": "2020-13-45"}, "/stated_on"),
        (
            {"proposition": "x", "claimant": "fsb", "stated_on_precision": "week"},
            "/stated_on_precision",
        ),
        ({"proposition": "x", "claimant": "fsb", "accused": "ktj"}, "/accused"),
        ({"proposition": "x", "claimant": "fsb", "tags": ["no spaces"]}, "/tags/0"),
        ({"proposition": "x", "claimant": "fsb", "version": 3}, "/version"),
        (
            {"proposition": "x", "claimant": "fsb", "id": SOME_ID},
            "/id",
        ),
        ({"proposition": "x", "claimant": "fsb", "sources": [{"locator": "p. 1"}]}, "/sources/0"),
        ({"proposition": "x\u0000y", "claimant": "fsb"}, "/proposition"),
    ],
)
def test_invalid_claims_are_422_problems_naming_the_field(client, cast, body, pointer):
    response = client.post("/v1/claims", headers=cast, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "Unprocessable Content"
    assert pointer in [e.get("pointer") for e in problem["errors"]]
    assert client.get("/v1/claims").json()["items"] == []


def test_unknown_slug_is_422_with_a_suggestion_and_nothing_is_created(client, cast):
    response = client.post(
        "/v1/claims",
        headers=cast,
        json={
            "proposition": "x",
            "claimant": "fbs",
            "accused": ["ktj", "ktjj"],
            "event": "volgograd-plot",
        },
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:contested:problem:unknown-reference"
    errors = {e["pointer"]: e for e in problem["errors"]}
    assert errors["/claimant"]["detail"] == "no actor 'fbs'; did you mean 'fsb'?"
    assert errors["/claimant"]["suggestions"][0] == "fsb"
    assert "ktj" in errors["/accused/1"]["suggestions"]
    assert client.get("/v1/claims").json()["items"] == []
    assert client.get("/v1/sources").json()["items"] == []


def test_unknown_event_suggests_close_slugs(client, cast):
    response = client.post(
        "/v1/claims",
        headers=cast,
        json={"proposition": "x", "claimant": "fsb", "event": "volgograd-plot"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["suggestions"] == ["volgograd-plot-2020"]


def test_get_unknown_claim_is_404_problem(client):
    response = client.get(f"/v1/claims/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_malformed_claim_id_is_422_naming_the_parameter(client):
    response = client.get("/v1/claims/not-a-uuid")
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "claim_id"


def test_update_claim_bumps_version_and_honours_if_match(client, cast):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    url = f"/v1/claims/{claim['id']}"
    stale = client.patch(url, headers={**cast, "If-Match": '"7"'}, json={"proposition": "No."})
    assert stale.status_code == 412
    assert client.get(url).json()["proposition"] == claim["proposition"]
    updated = client.patch(
        url,
        headers={**cast, "If-Match": '"1"'},
        json={"proposition": "Changed.", "tags": ["b", "a"]},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2 and updated.headers["ETag"] == '"2"'
    assert updated.json()["tags"] == ["a", "b"]
    unchanged = client.patch(url, headers=cast, json={"proposition": "Changed."})
    assert unchanged.json()["version"] == 2


def test_weak_if_match_never_matches(client, cast):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    response = client.patch(
        f"/v1/claims/{claim['id']}",
        headers={**cast, "If-Match": 'W/"1"'},
        json={"proposition": "Changed."},
    )
    assert response.status_code == 412


def test_deleted_claim_answers_410_and_leaves_the_list(client, cast):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    assert client.delete(f"/v1/claims/{claim['id']}", headers=cast).status_code == 204
    gone = client.get(f"/v1/claims/{claim['id']}")
    assert gone.status_code == 410 and gone.json()["status"] == 410
    assert client.get("/v1/claims").json()["items"] == []
    again = client.delete(f"/v1/claims/{claim['id']}", headers=cast)
    assert again.status_code == 410


def test_list_filters(client, cast):
    h = cast
    make_actor(client, h, "hts", "Hayat Tahrir al-Sham")
    make_actor(client, h, "tass", "TASS", kind="media_outlet")
    volgograd = make_claim(
        client,
        h,
        "fsb",
        ["ktj"],
        event="volgograd-plot-2020",
        stated_on="2020-10-15",
        tags=["volgograd"],
        quote="x",
        quote_language="ru",
        proposition="Volgograd cell.",
    )
    protests = make_claim(
        client,
        h,
        "tass",
        ["hts", "ktj"],
        stated_on="2021-02-10",
        tags=["navalny"],
        proposition="Plots against protesters.",
    )
    hts = make_claim(
        client, h, "fsb", ["hts"], stated_on="2021-02-12", proposition="HTS plans attacks."
    )
    make_response(client, h, volgograd["id"], "ktj", "denies")
    make_response(client, h, protests["id"], "hts", "admits")

    def ids(**params):
        response = client.get("/v1/claims", params=params)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    assert ids(claimant="fsb") == {volgograd["id"], hts["id"]}
    assert ids(accused="ktj") == {volgograd["id"], protests["id"]}
    assert ids(actor="tass") == {protests["id"]}
    assert ids(actor="hts") == {protests["id"], hts["id"]}
    assert ids(event="volgograd-plot-2020") == {volgograd["id"]}
    assert ids(tag="NAVALNY") == {protests["id"]}
    assert ids(language="ru") == {volgograd["id"]}
    assert ids(stance="denies") == {volgograd["id"]}
    assert ids(status="denied") == {volgograd["id"]}
    assert ids(status="admitted") == {protests["id"]}
    assert ids(status="unanswered") == {hts["id"]}
    assert ids(verdict="unassessed") == {volgograd["id"], protests["id"], hts["id"]}
    assert ids(stated_from="2021-01-01") == {protests["id"], hts["id"]}
    assert ids(stated_to="2021-02-10") == {volgograd["id"], protests["id"]}
    assert ids(q="protesters") == {protests["id"]}
    assert ids(claimant="fsb", accused="hts") == {hts["id"]}
    assert ids(updated_since="2999-01-01T00:00:00Z") == set()


def test_list_filter_with_unknown_actor_names_the_parameter(client, cast):
    response = client.get("/v1/claims", params={"accused": "ktjj"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["parameter"] == "accused" and error["suggestions"] == ["ktj"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nope"},
        {"stated_from": "2020-02-30"},
        {"sort": "proposition"},
        {"limit": 0},
        {"limit": -1},
    ],
)
def test_list_rejects_bad_parameters(client, params):
    response = client.get("/v1/claims", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == next(iter(params))


@pytest.mark.parametrize(
    "sort",
    [
        "-stated_on",
        "stated_on",
        "created",
        "-created",
        "updated_at",
        "-updated_at",
        "balance",
        "-balance",
        "status",
        "-status",
    ],
)
def test_pagination_visits_every_claim_once_in_order(client, cast, sort):
    made = [
        make_claim(
            client,
            cast,
            "fsb",
            ["ktj"],
            proposition=f"Claim {i}",
            stated_on=None if i % 5 == 0 else f"2020-{1 + i % 3:02d}-{1 + i % 7:02d}",
        )
        for i in range(13)
    ]
    for i, claim in enumerate(made):  # vary the status and the balance
        if i % 3 == 0:
            make_response(client, cast, claim["id"], "ktj", "denies" if i % 2 else "admits")
        if i % 4 == 0:
            make_evidence(client, cast, claim["id"], "refutes" if i % 8 else "supports")
    seen, pages, cursor = [], 0, None
    while True:
        params = {"limit": 4, "sort": sort, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/claims", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            break
        assert response.headers["Link"].endswith('rel="next"')
        assert f"cursor={cursor}" in response.headers["Link"]
    assert pages == 4
    assert sorted(c["id"] for c in seen) == sorted(c["id"] for c in made)
    key = {
        "stated_on": lambda c: (c["stated_on"] or "0001-01-01", c["id"]),
        "created": lambda c: c["id"],
        "updated_at": lambda c: (c["updated_at"], c["id"]),
        "balance": lambda c: (c["balance"], c["id"]),
        "status": lambda c: (c["dispute_status"], c["id"]),
    }[sort.lstrip("-")]
    assert [c["id"] for c in seen] == [
        c["id"] for c in sorted(seen, key=key, reverse=sort.startswith("-"))
    ]


def test_limit_above_the_maximum_is_served_at_the_maximum(client, cast):
    make_claim(client, cast, "fsb", ["ktj"])
    response = client.get("/v1/claims", params={"limit": 10_000})
    assert response.status_code == 200 and len(response.json()["items"]) == 1


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ", "W10", "!!!", "a" * 500])
def test_tampered_cursor_is_400(client, cursor):
    response = client.get("/v1/claims", params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "cursor"


def test_cursor_reused_with_other_filters_is_400(client, cast):
    for i in range(3):
        make_claim(client, cast, "fsb", ["ktj"], proposition=f"Claim {i}")
    cursor = client.get("/v1/claims", params={"limit": 1}).json()["next_cursor"]
    response = client.get("/v1/claims", params={"limit": 1, "cursor": cursor, "claimant": "fsb"})
    assert response.status_code == 400
    other_sort = client.get("/v1/claims", params={"limit": 1, "cursor": cursor, "sort": "created"})
    assert other_sort.status_code == 400


def test_the_next_link_keeps_the_query_as_written_and_replaces_the_cursor(client, cast):
    for i in range(3):
        make_claim(client, cast, "fsb", ["ktj"], proposition=f"Claim {i}")
    query = "claimant=%66sb&limit=1"  # "fsb", encoded as this client chose to
    first = client.get(f"/v1/claims?{query}")
    cursor = first.json()["next_cursor"]
    assert first.headers["Link"] == (
        f'<http://testserver/v1/claims?{query}&cursor={cursor}>; rel="next"'
    )
    # A cursor, even with its name percent-encoded, is replaced rather than repeated.
    second = client.get(f"/v1/claims?curs%6Fr={cursor}&{query}")
    link = second.headers["Link"]
    assert link.count("cursor=") == 1 and "curs%6Fr" not in link
    third = client.get(link[1 : link.index(">")])
    pages = [first, second, third]
    names = [page.json()["items"][0]["proposition"] for page in pages]
    assert sorted(names) == ["Claim 0", "Claim 1", "Claim 2"]
    assert third.json()["next_cursor"] is None and "Link" not in third.headers


def test_dossier_threads_responses_and_groups_evidence(client, cast):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    denial = make_response(client, cast, claim["id"], "ktj", "denies", stated_on="2020-10-16")
    make_response(client, cast, claim["id"], "fsb", "counter_accuses", stated_on="2020-10-18")
    reply = make_response(
        client, cast, claim["id"], "ktj", "denies", stated_on="2020-10-20", in_reply_to=denial["id"]
    )
    supports = make_evidence(client, cast, claim["id"], "supports", "F", 4, False)
    refutes = make_evidence(client, cast, claim["id"], "refutes", "B", 2, True)
    context = make_evidence(client, cast, claim["id"], "context", "A", 1, True)
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    order = [r["id"] for r in dossier["responses"]]
    assert order[:2] == [denial["id"], reply["id"]]
    assert dossier["responses"][1]["in_reply_to"] == denial["id"]
    assert [e["id"] for e in dossier["evidence"]["supports"]] == [supports["id"]]
    assert [e["id"] for e in dossier["evidence"]["refutes"]] == [refutes["id"]]
    assert [e["id"] for e in dossier["evidence"]["context"]] == [context["id"]]
    assert dossier["balance"]["support"] == pytest.approx(0.06)
    assert dossier["balance"]["refute"] == pytest.approx(0.64)
    assert dossier["balance"]["balance"] == pytest.approx(
        (0.06 - 0.64) / (0.06 + 0.64 + 1), abs=1e-4
    )
    assert dossier["dispute"]["status"] == "denied"


def test_dossier_costs_a_fixed_number_of_statements(client, cast, count_statements):
    def cited(n: int, label: str) -> list[dict]:
        return [{"title": f"Claim source {label} {i}", "locator": f"p. {i}"} for i in range(n)]

    small = make_claim(client, cast, "fsb", ["ktj"], sources=cited(1, "small"))
    big = make_claim(client, cast, "fsb", ["ktj"], sources=cited(50, "big"))
    for claim, n in ((small, 1), (big, 50)):
        for i in range(n):
            source = {"title": f"Source {claim['id']} {i}", "locator": str(i)}
            make_response(client, cast, claim["id"], "ktj", sources=[source])
            make_evidence(client, cast, claim["id"], sources=[source])
    counts = []
    for claim, n in ((small, 1), (big, 50)):
        counter = count_statements()
        dossier = client.get(f"/v1/claims/{claim['id']}").json()
        assert len(dossier["responses"]) == len(dossier["evidence"]["supports"]) == n
        assert len(dossier["sources"]) == n
        assert all(len(r["sources"]) == 1 for r in dossier["responses"])
        counts.append(counter.count)
    # The claim, its responses, its evidence, and the sources all of them cite.
    assert counts == [4, 4]


def test_claim_list_costs_a_fixed_number_of_statements(client, cast, count_statements):
    counts = []
    for n in (1, 50):
        while len(client.get("/v1/claims", params={"limit": 200}).json()["items"]) < n:
            make_claim(client, cast, "fsb", ["ktj"], tags=["a", "b"])
        counter = count_statements()
        fresh = {"Cache-Control": "no-cache"}  # the route's own statements, not a kept answer
        assert client.get("/v1/claims", params={"limit": 200}, headers=fresh).status_code == 200
        counts.append(counter.count)
    assert counts == [1, 1]  # the page, its accused and its tags in one statement


def test_patching_the_same_sources_changes_nothing(client, cast):
    sources = [{"title": "FSB statement", "url": "https://example.org/s", "locator": "p. 1"}]
    claim = make_claim(client, cast, "fsb", ["ktj"], sources=sources)
    url = f"/v1/claims/{claim['id']}"
    same = client.patch(url, headers=cast, json={"sources": sources})
    assert same.json()["version"] == 1
    moved = client.patch(url, headers=cast, json={"sources": [{**sources[0], "locator": "p. 2"}]})
    assert moved.json()["version"] == 2
    assert moved.json()["sources"][0]["locator"] == "p. 2"


def test_dossier_changes_move_the_claims_updated_at(client, cast, auth):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    before = client.get(f"/v1/claims/{claim['id']}").json()["updated_at"]
    make_response(client, cast, claim["id"], "ktj")
    after_response = client.get(f"/v1/claims/{claim['id']}").json()
    assert after_response["updated_at"] > before and after_response["version"] == 1
    found = client.get("/v1/claims", params={"updated_since": after_response["updated_at"]})
    assert [c["id"] for c in found.json()["items"]] == [claim["id"]]
    verdict = client.put(
        f"/v1/claims/{claim['id']}/verdict", headers=auth("editor"), json={"rating": "disputed"}
    )
    assert verdict.json()["version"] == 2
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    assert dossier["updated_at"] > after_response["updated_at"]
    assert dossier["verdict"]["version"] == 2


def test_children_of_a_deleted_claim_are_gone(client, cast):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    response = make_response(client, cast, claim["id"], "ktj")
    item = make_evidence(client, cast, claim["id"])
    client.delete(f"/v1/claims/{claim['id']}", headers=cast)
    assert client.get(f"/v1/responses/{response['id']}").status_code == 410
    assert client.get(f"/v1/evidence/{item['id']}").status_code == 410
    assert client.get(f"/v1/claims/{claim['id']}/responses").status_code == 410


def test_a_body_part_of_an_actor_accused_elsewhere_does_not_answer_for_this_claim(client, cast):
    make_actor(client, cast, "russia", "Russian Federation", kind="government")
    make_actor(client, cast, "mfa", "Ministry of Foreign Affairs", kind="government")
    make_relation(client, cast, "mfa", "part_of", "russia")
    elsewhere = make_claim(client, cast, "ktj", ["russia"])  # Russia is accused here only
    make_response(client, cast, elsewhere["id"], "fsb", "confirms")
    claim = make_claim(client, cast, "fsb", ["ktj"])
    make_response(client, cast, claim["id"], "mfa", "denies")
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    assert [r["by_accused"] for r in dossier["responses"]] == [False]
    assert dossier["dispute"]["status"] == "unanswered"
    make_response(client, cast, claim["id"], "ktj", "denies")
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    assert [r["by_accused"] for r in dossier["responses"]] == [False, True]
    assert dossier["dispute"]["status"] == "denied"
