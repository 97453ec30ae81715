"""Relations between actors through HTTP, and what part_of does to the dispute status."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_actor, make_claim, make_relation, make_response, make_source
from tests.helpers import SOME_ID, assert_problem, ids, walk_pages

RELATION_FIELDS = {
    "id",
    "subject",
    "predicate",
    "object",
    "since",
    "since_precision",
    "until",
    "until_precision",
    "note",
    "sources",
    "version",
    "created_at",
    "updated_at",
}


@pytest.fixture
def h(client, auth):
    headers = auth("contributor")
    make_actor(client, headers, "ktj", "Katibat Tawhid wal-Jihad")
    make_actor(client, headers, "hts", "Hayat Tahrir al-Sham")
    make_actor(client, headers, "al-qaeda", "al-Qaeda")
    return headers


def ref(client, slug):
    actor = client.get(f"/v1/actors/{slug}").json()
    return {"id": actor["id"], "slug": actor["slug"], "name": actor["name"]}


def test_create_relation_returns_it_with_both_actors(client, h):
    source = make_source(client, h, "Article on Uzbek jihadists")
    response = client.post(
        "/v1/actors/ktj/relations",
        headers=h,
        json={
            "predicate": "affiliated_with",
            "object": "al-qaeda",
            "since": "2015-01-01",
            "since_precision": "year",
            "note": "swore allegiance (bayat)",
            "sources": [source["id"]],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == RELATION_FIELDS
    assert body["subject"] == ref(client, "ktj")
    assert body["object"] == ref(client, "al-qaeda")
    assert body["predicate"] == "affiliated_with"
    assert (body["since"], body["since_precision"]) == ("2015-01-01", "year")
    assert (body["until"], body["until_precision"]) == (None, None)
    assert body["note"] == "swore allegiance (bayat)"
    assert body["sources"] == [source["id"]]
    assert body["version"] == 1 and response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/relations/{body['id']}"
    fetched = client.get(response.headers["Location"])
    assert fetched.json() == body and fetched.headers["ETag"] == '"1"'


def test_subject_and_object_by_uuid(client, h):
    ktj, hts = ref(client, "ktj"), ref(client, "hts")
    relation = make_relation(client, h, ktj["id"], "affiliated_with", hts["id"])
    assert relation["subject"] == ktj and relation["object"] == hts


def test_list_shows_relations_where_the_actor_is_subject_or_object(client, h):
    to_hts = make_relation(client, h, "ktj", "affiliated_with", "hts")
    to_al_qaeda = make_relation(client, h, "ktj", "affiliated_with", "al-qaeda")
    make_actor(client, h, "abu-saloh", kind="person")
    leader = make_relation(
        client,
        h,
        "abu-saloh",
        "formerly_leader_of",
        "ktj",
        until="2019-04-01",
        until_precision="month",
    )

    def listed(actor):
        response = client.get(f"/v1/actors/{actor}/relations")
        assert response.status_code == 200, response.text
        return ids(response.json()["items"])

    assert listed("ktj") == [to_hts["id"], to_al_qaeda["id"], leader["id"]]
    assert listed("hts") == [to_hts["id"]]
    assert listed(ref(client, "al-qaeda")["id"]) == [to_al_qaeda["id"]]
    assert listed("abu-saloh") == [leader["id"]]
    make_actor(client, h, "loner")
    assert listed("loner") == []


def test_list_for_unknown_or_deleted_actor(client, h):
    assert_problem(client.get("/v1/actors/nobody/relations"), 404)
    client.delete("/v1/actors/hts", headers=h)
    assert_problem(client.get("/v1/actors/hts/relations"), 410)


def test_pagination_visits_every_relation_once(client, h):
    made = []
    for i in range(5):
        make_actor(client, h, f"member-{i}", kind="person")
        made.append(make_relation(client, h, f"member-{i}", "member_of", "ktj"))
    seen, pages = walk_pages(client, "/v1/actors/ktj/relations", 2)
    assert pages == 3
    assert ids(seen) == ids(made)


@pytest.mark.parametrize("same", ["ktj", "own id"])
def test_an_actor_cannot_be_related_to_itself(client, h, same):
    target = ref(client, "ktj")["id"] if same == "own id" else same
    response = client.post(
        "/v1/actors/ktj/relations", headers=h, json={"predicate": "part_of", "object": target}
    )
    assert_problem(response, 422, pointer="/object")
    assert client.get("/v1/actors/ktj/relations").json()["items"] == []


def test_self_relation_by_patch_is_422(client, h):
    relation = make_relation(client, h, "ktj", "affiliated_with", "hts")
    response = client.patch(f"/v1/relations/{relation['id']}", headers=h, json={"object": "ktj"})
    assert_problem(response, 422, pointer="/object")
    assert client.get(f"/v1/relations/{relation['id']}").json() == relation


def test_unknown_object_is_422_with_a_suggestion(client, h):
    response = client.post(
        "/v1/actors/ktj/relations",
        headers=h,
        json={"predicate": "affiliated_with", "object": "htss"},
    )
    problem = assert_problem(
        response, 422, pointer="/object", type_="urn:contested:problem:unknown-reference"
    )
    assert problem["errors"][0]["suggestions"][0] == "hts"


def test_unknown_subject_is_404(client, h):
    response = client.post(
        "/v1/actors/nobody/relations",
        headers=h,
        json={"predicate": "affiliated_with", "object": "hts"},
    )
    assert_problem(response, 404)


def test_unknown_source_is_422(client, h):
    response = client.post(
        "/v1/actors/ktj/relations",
        headers=h,
        json={"predicate": "affiliated_with", "object": "hts", "sources": [str(uuid.uuid4())]},
    )
    assert_problem(response, 422, pointer="/sources")
    assert client.get("/v1/actors/ktj/relations").json()["items"] == []


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"object": "hts"}, "/predicate"),
        ({"predicate": "allied_with", "object": "hts"}, "/predicate"),
        ({"predicate": "part_of"}, "/object"),
        ({"predicate": "part_of", "object": ""}, "/object"),
        ({"predicate": "part_of", "object": "hts", "since": "2019"}, "/since"),
        ({"predicate": "part_of", "object": "hts", "until_precision": "week"}, "/until_precision"),
        ({"predicate": "part_of", "object": "hts", "sources": ["not-a-uuid"]}, "/sources/0"),
        ({"predicate": "part_of", "object": "hts", "subject": "ktj"}, "/subject"),
        (
            {"predicate": "part_of", "object": "hts", "id": SOME_ID},
            "/id",
        ),
        ({"predicate": "part_of", "object": "hts", "version": 1}, "/version"),
        (
            {
                "predicate": "part_of",
                "object": "hts",
                "created_by": SOME_ID,
            },
            "/created_by",
        ),
    ],
)
def test_invalid_relation_is_a_422_naming_the_field(client, h, body, pointer):
    response = client.post("/v1/actors/ktj/relations", headers=h, json=body)
    assert_problem(response, 422, pointer=pointer)
    assert client.get("/v1/actors/ktj/relations").json()["items"] == []


def test_get_unknown_or_malformed_relation(client):
    assert_problem(client.get(f"/v1/relations/{uuid.uuid4()}"), 404)
    assert_problem(client.get("/v1/relations/ktj-hts"), 422, parameter="relation_id")


def test_update_relation(client, h):
    source = make_source(client, h, "Article")
    relation = make_relation(client, h, "ktj", "affiliated_with", "hts")
    url = f"/v1/relations/{relation['id']}"
    assert_problem(client.patch(url, headers={**h, "If-Match": '"2"'}, json={"note": "x"}), 412)
    response = client.patch(
        url,
        headers={**h, "If-Match": '"1"'},
        json={
            "until": "2019-04-01",
            "until_precision": "month",
            "note": "split",
            "object": "al-qaeda",
            "sources": [source["id"]],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 2 and response.headers["ETag"] == '"2"'
    assert body["object"]["slug"] == "al-qaeda" and body["subject"]["slug"] == "ktj"
    assert (body["until"], body["until_precision"], body["note"]) == (
        "2019-04-01",
        "month",
        "split",
    )
    assert body["sources"] == [source["id"]]
    assert client.get(url).json() == body
    assert client.get("/v1/actors/hts/relations").json()["items"] == []
    assert_problem(client.patch(url, headers=h, json={"object": "htss"}), 422, pointer="/object")
    assert_problem(client.patch(url, headers=h, json={"subject": "hts"}), 422, pointer="/subject")


def test_deleted_relation_is_gone(client, h):
    relation = make_relation(client, h, "ktj", "affiliated_with", "hts")
    url = f"/v1/relations/{relation['id']}"
    assert client.delete(url, headers=h).status_code == 204
    assert_problem(client.get(url), 410)
    assert client.get("/v1/actors/ktj/relations").json()["items"] == []
    assert_problem(client.patch(url, headers=h, json={"note": "x"}), 410)
    assert_problem(client.delete(url, headers=h), 410)


# ---- part_of: a ministry answers for its government ---------------------------------------


@pytest.fixture
def ministry_denies(client, h):
    """Russia (a government) is accused; its foreign ministry denies it."""
    make_actor(client, h, "russia", "Government of Russia", kind="government", country="RU")
    make_actor(
        client, h, "mfa", "Ministry of Foreign Affairs of Russia", kind="state_agency", country="RU"
    )
    make_actor(client, h, "us-state-department", "US State Department", kind="government")
    claim = make_claim(
        client,
        h,
        "us-state-department",
        ["russia"],
        proposition="Russia ran a disinformation campaign.",
        stated_on="2020-02-01",
    )
    denial = make_response(client, h, claim["id"], "mfa", "denies", stated_on="2020-02-03")
    return claim, denial


def status_of(client, claim):
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    return dossier["dispute"], dossier["responses"][0]["by_accused"]


def listed_as(client, status):
    return ids(client.get("/v1/claims", params={"status": status}).json()["items"])


def test_a_response_by_an_actor_part_of_the_accused_counts_as_the_accused(
    client, h, ministry_denies
):
    claim, denial = ministry_denies
    assert status_of(client, claim) == (
        {"status": "unanswered", "first_response_on": None, "response_lag_days": None},
        False,
    )
    assert denial["by_accused"] is False
    assert listed_as(client, "unanswered") == [claim["id"]]

    relation = make_relation(client, h, "mfa", "part_of", "russia")

    assert status_of(client, claim) == (
        {"status": "denied", "first_response_on": "2020-02-03", "response_lag_days": 2},
        True,
    )
    assert client.get(f"/v1/responses/{denial['id']}").json()["by_accused"] is True
    listed = client.get(f"/v1/claims/{claim['id']}/responses").json()["items"]
    assert [r["by_accused"] for r in listed] == [True]
    assert listed_as(client, "denied") == [claim["id"]]
    assert listed_as(client, "unanswered") == []
    summary = client.get("/v1/claims").json()["items"][0]
    assert summary["dispute_status"] == "denied"

    assert client.delete(f"/v1/relations/{relation['id']}", headers=h).status_code == 204

    assert status_of(client, claim) == (
        {"status": "unanswered", "first_response_on": None, "response_lag_days": None},
        False,
    )
    assert listed_as(client, "denied") == []
    assert listed_as(client, "unanswered") == [claim["id"]]


def test_changing_the_predicate_to_and_from_part_of(client, h, ministry_denies):
    claim, _ = ministry_denies
    relation = make_relation(client, h, "mfa", "affiliated_with", "russia")
    assert status_of(client, claim)[0]["status"] == "unanswered"
    url = f"/v1/relations/{relation['id']}"
    assert client.patch(url, headers=h, json={"predicate": "part_of"}).status_code == 200
    assert status_of(client, claim)[0]["status"] == "denied"
    assert listed_as(client, "denied") == [claim["id"]]
    assert client.patch(url, headers=h, json={"predicate": "member_of"}).status_code == 200
    assert status_of(client, claim)[0]["status"] == "unanswered"
    assert listed_as(client, "unanswered") == [claim["id"]]


def test_moving_a_part_of_relation_to_another_object(client, h, ministry_denies):
    claim, _ = ministry_denies
    relation = make_relation(client, h, "mfa", "part_of", "russia")
    assert listed_as(client, "denied") == [claim["id"]]
    client.patch(f"/v1/relations/{relation['id']}", headers=h, json={"object": "ktj"})
    assert status_of(client, claim)[0]["status"] == "unanswered"
    assert listed_as(client, "unanswered") == [claim["id"]]


def test_part_of_the_other_way_round_does_not_count(client, h, ministry_denies):
    claim, _ = ministry_denies
    make_relation(client, h, "russia", "part_of", "mfa")
    assert status_of(client, claim) == (
        {"status": "unanswered", "first_response_on": None, "response_lag_days": None},
        False,
    )


def test_only_direct_part_of_counts(client, h, ministry_denies):
    claim, _ = ministry_denies
    make_actor(client, h, "mfa-press-office", "MFA press office", kind="state_agency")
    make_response(client, h, claim["id"], "mfa-press-office", "admits", stated_on="2020-02-05")
    make_relation(client, h, "mfa-press-office", "part_of", "mfa")
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    assert [r["by_accused"] for r in dossier["responses"]] == [False, False]
    assert dossier["dispute"]["status"] == "unanswered"
    make_relation(client, h, "mfa", "part_of", "russia")
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    assert [r["by_accused"] for r in dossier["responses"]] == [True, False]
    assert dossier["dispute"]["status"] == "denied"


def test_a_relation_added_before_the_response(client, h):
    make_actor(client, h, "russia", kind="government")
    make_actor(client, h, "mfa", kind="state_agency")
    make_relation(client, h, "mfa", "part_of", "russia")
    claim = make_claim(client, h, "ktj", ["russia"])
    response = make_response(client, h, claim["id"], "mfa", "admits")
    assert response["by_accused"] is True
    assert status_of(client, claim)[0]["status"] == "admitted"
    assert listed_as(client, "admitted") == [claim["id"]]


def test_a_relation_cannot_end_before_it_begins(client, h):
    response = client.post(
        "/v1/actors/ktj/relations",
        headers=h,
        json={
            "predicate": "affiliated_with",
            "object": "hts",
            "since": "2019-04-01",
            "until": "2015-01-01",
        },
    )
    assert_problem(response, 422, pointer="/until")
    assert client.get("/v1/actors/ktj/relations").json()["items"] == []
    relation = make_relation(
        client,
        h,
        "ktj",
        "affiliated_with",
        "hts",
        since="2019-04-01",
        since_precision="month",
        until="2019-04-01",
        until_precision="month",
    )
    url = f"/v1/relations/{relation['id']}"
    assert_problem(
        client.patch(url, headers=h, json={"since": "2020-01-01"}), 422, pointer="/since"
    )
    assert_problem(
        client.patch(url, headers=h, json={"until": "2018-12-31"}), 422, pointer="/until"
    )
    assert client.get(url).json() == relation
    assert client.patch(url, headers=h, json={"until": None}).status_code == 200
    assert client.patch(url, headers=h, json={"since": "2020-01-01"}).status_code == 200


def test_a_status_changed_by_part_of_moves_the_claims_updated_at(client, h, ministry_denies):
    claim, _ = ministry_denies
    before = client.get(f"/v1/claims/{claim['id']}").json()["updated_at"]
    unrelated = make_relation(client, h, "mfa", "affiliated_with", "us-state-department")
    assert client.get(f"/v1/claims/{claim['id']}").json()["updated_at"] == before

    relation = make_relation(client, h, "mfa", "part_of", "russia")

    moved = client.get(f"/v1/claims/{claim['id']}").json()["updated_at"]
    assert moved > before
    since = client.get("/v1/claims", params={"updated_since": moved}).json()["items"]
    assert ids(since) == [claim["id"]]
    assert client.delete(f"/v1/relations/{unrelated['id']}", headers=h).status_code == 204
    assert client.get(f"/v1/claims/{claim['id']}").json()["updated_at"] == moved
    assert client.delete(f"/v1/relations/{relation['id']}", headers=h).status_code == 204
    assert client.get(f"/v1/claims/{claim['id']}").json()["updated_at"] > moved
