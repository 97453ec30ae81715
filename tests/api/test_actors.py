"""Actors through HTTP: create, read by slug or id, the list and its filters, update, delete."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from tests.factories import make_actor, make_claim
from tests.helpers import SOME_ID, assert_problem, ids, walk_pages

ACTOR_FIELDS = {
    "id",
    "slug",
    "name",
    "aliases",
    "kind",
    "country",
    "description",
    "wikidata_id",
    "version",
    "created_at",
    "updated_at",
}
FSB = {
    "slug": "fsb",
    "name": "Federal Security Service",
    "aliases": ["FSB", "ФСБ", "Федеральная служба безопасности"],
    "kind": "state_agency",
    "country": "RU",
    "description": "Russia's domestic security service.",
    "wikidata_id": "Q158003",
}


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def h(auth):
    return auth("contributor")


def test_create_actor_returns_the_stored_actor(client, h):
    response = client.post("/v1/actors", json=FSB, headers=h)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == ACTOR_FIELDS
    assert {k: body[k] for k in FSB} == FSB
    assert body["version"] == 1
    assert uuid.UUID(body["id"])
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == "/v1/actors/fsb"
    assert client.get(response.headers["Location"]).json() == body


def test_get_actor_by_slug_and_by_uuid(client, h):
    actor = make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad")
    by_slug = client.get("/v1/actors/ktj")
    by_id = client.get(f"/v1/actors/{actor['id']}")
    assert by_slug.status_code == by_id.status_code == 200
    assert by_slug.json() == by_id.json() == actor
    assert by_slug.headers["ETag"] == '"1"'


def test_cyrillic_aliases_are_stored_and_returned_in_order(client, h):
    aliases = ["ФСБ России", "FSB", "ФСБ", "Федеральная служба безопасности"]
    make_actor(client, h, "fsb", "Federal Security Service", aliases=aliases)
    assert client.get("/v1/actors/fsb").json()["aliases"] == aliases
    listed = client.get("/v1/actors").json()["items"]
    assert listed[0]["aliases"] == aliases


def test_repeated_aliases_are_stored_once(client, h):
    actor = make_actor(client, h, "fsb", aliases=["ФСБ", "FSB", "ФСБ"])
    assert actor["aliases"] == ["ФСБ", "FSB"]


@pytest.mark.parametrize("q", ["ФСБ", "фсб", "Федеральная", "fsb", "Security", "security"])
def test_q_finds_an_actor_by_alias_name_or_slug_in_any_case(client, h, q):
    make_actor(
        client,
        h,
        "fsb",
        "Federal Security Service",
        kind="state_agency",
        aliases=["FSB", "ФСБ", "Федеральная служба безопасности"],
    )
    make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad", aliases=["КТДж"])
    found = client.get("/v1/actors", params={"q": q})
    assert found.status_code == 200, found.text
    assert [a["slug"] for a in found.json()["items"]] == ["fsb"]


def test_q_finds_a_cyrillic_name_whatever_its_case(client, h):
    make_actor(client, h, "sk-rf", "Следственный комитет", kind="state_agency")
    make_actor(client, h, "fsb", "Federal Security Service", kind="state_agency")
    for q in ("следственный", "СЛЕДСТВЕННЫЙ", "Комитет"):
        found = client.get("/v1/actors", params={"q": q}).json()["items"]
        assert [a["slug"] for a in found] == ["sk-rf"], q


def test_q_matching_nothing_is_an_empty_page(client, h):
    make_actor(client, h, "fsb", aliases=["ФСБ"])
    body = client.get("/v1/actors", params={"q": "Моссад"}).json()
    assert body == {"items": [], "next_cursor": None}


def test_kind_and_country_filters(client, h):
    make_actor(client, h, "fsb", kind="state_agency", country="RU")
    make_actor(client, h, "russian-government", kind="government", country="RU")
    make_actor(client, h, "ktj", kind="armed_group")
    make_actor(client, h, "isi", kind="state_agency", country="PK")

    def slugs(**params):
        response = client.get("/v1/actors", params=params)
        assert response.status_code == 200, response.text
        return [a["slug"] for a in response.json()["items"]]

    assert slugs() == ["fsb", "isi", "ktj", "russian-government"]
    assert slugs(kind="state_agency") == ["fsb", "isi"]
    assert slugs(country="RU") == ["fsb", "russian-government"]
    assert slugs(kind="state_agency", country="PK") == ["isi"]
    assert slugs(kind="court") == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"kind": "spy"}, "kind"),
        ({"country": "ru"}, "country"),
        ({"country": "RUS"}, "country"),
        ({"limit": 0}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_list_rejects_bad_parameters(client, params, parameter):
    response = client.get("/v1/actors", params=params)
    assert_problem(response, 400 if parameter == "cursor" else 422, parameter=parameter)


def test_pagination_visits_every_actor_once_in_slug_order(client, h):
    made = [make_actor(client, h, f"actor-{i:02d}", kind="person") for i in range(7)]
    make_actor(client, h, "not-a-person", kind="ngo")
    seen, pages = walk_pages(client, "/v1/actors", 3, kind="person")
    assert pages == 3
    assert ids(seen) == ids(made)
    everything, pages = walk_pages(client, "/v1/actors", 2)
    assert pages == 4
    assert [a["slug"] for a in everything] == sorted(a["slug"] for a in everything)
    assert len(set(ids(everything))) == 8


def test_slug_already_taken_is_a_409_problem_pointing_at_slug(client, h):
    make_actor(client, h, "fsb")
    response = client.post("/v1/actors", json={**FSB, "name": "Another"}, headers=h)
    problem = assert_problem(response, 409, pointer="/slug", type_="urn:contested:problem:conflict")
    assert "fsb" in problem["detail"]
    assert [a["name"] for a in client.get("/v1/actors").json()["items"]] == ["FSB"]


@pytest.mark.parametrize(
    "slug", ["FSB", "fsb_russia", "-fsb", "fsb-", "fs b", "", "фсб", "a" * 101]
)
def test_slug_must_match_the_pattern(client, h, slug):
    response = client.post("/v1/actors", json={**FSB, "slug": slug}, headers=h)
    assert_problem(response, 422, pointer="/slug")
    assert client.get("/v1/actors").json()["items"] == []


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"kind": "spy_agency"}, "/kind"),
        ({"country": "ru"}, "/country"),
        ({"wikidata_id": "158003"}, "/wikidata_id"),
        ({"name": ""}, "/name"),
        ({"name": "F\u0000SB"}, "/name"),
        ({"aliases": "FSB"}, "/aliases"),
        ({"aliases": ["FSB", ""]}, "/aliases/1"),
        ({"nickname": "the service"}, "/nickname"),
    ],
)
def test_invalid_actor_is_a_422_naming_the_field(client, h, change, pointer):
    response = client.post("/v1/actors", json={**FSB, **change}, headers=h)
    assert_problem(response, 422, pointer=pointer, type_="urn:contested:problem:invalid-input")
    assert client.get("/v1/actors").json()["items"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", SOME_ID),
        ("version", 5),
        ("created_by", SOME_ID),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("updated_at", "2020-01-01T00:00:00Z"),
        ("deleted_at", None),
    ],
)
def test_server_owned_fields_are_refused(client, h, field, value):
    created = client.post("/v1/actors", json={**FSB, field: value}, headers=h)
    assert_problem(created, 422, pointer=f"/{field}")
    assert client.get("/v1/actors").json()["items"] == []
    make_actor(client, h, "ktj")
    patched = client.patch("/v1/actors/ktj", json={field: value}, headers=h)
    assert_problem(patched, 422, pointer=f"/{field}")
    assert client.get("/v1/actors/ktj").json()["version"] == 1


def test_get_unknown_actor_is_404_problem(client):
    assert_problem(client.get("/v1/actors/nobody"), 404)
    assert_problem(client.get(f"/v1/actors/{uuid.uuid4()}"), 404)


def test_update_actor_replaces_aliases_and_bumps_version(client, h):
    actor = make_actor(client, h, "fsb", "FSB", aliases=["FSB"])
    response = client.patch(
        "/v1/actors/fsb",
        headers={**h, "If-Match": '"1"'},
        json={"name": "Federal Security Service", "aliases": ["ФСБ", "FSB"], "country": "RU"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["ETag"] == '"2"'
    assert body["version"] == 2
    assert body["name"] == "Federal Security Service"
    assert body["aliases"] == ["ФСБ", "FSB"]
    assert body["country"] == "RU"
    assert body["kind"] == actor["kind"] and body["created_at"] == actor["created_at"]
    assert instant(body["updated_at"]) > instant(actor["updated_at"])
    assert client.get(f"/v1/actors/{actor['id']}").json() == body


def test_update_with_nothing_new_keeps_the_version(client, h):
    make_actor(client, h, "fsb", "FSB", aliases=["FSB", "ФСБ"])
    response = client.patch(
        "/v1/actors/fsb", headers=h, json={"name": "FSB", "aliases": ["FSB", "ФСБ"]}
    )
    assert response.status_code == 200
    assert response.json()["version"] == 1 and response.headers["ETag"] == '"1"'


def test_stale_if_match_is_412_and_changes_nothing(client, h):
    make_actor(client, h, "fsb", "FSB")
    client.patch("/v1/actors/fsb", headers=h, json={"name": "Federal Security Service"})
    stale = client.patch(
        "/v1/actors/fsb", headers={**h, "If-Match": '"1"'}, json={"name": "Something else"}
    )
    assert_problem(stale, 412, type_="urn:contested:problem:stale-version")
    current = client.get("/v1/actors/fsb").json()
    assert current["name"] == "Federal Security Service" and current["version"] == 2


def test_renaming_the_slug_moves_the_actor(client, h):
    actor = make_actor(client, h, "fbs")
    response = client.patch("/v1/actors/fbs", headers=h, json={"slug": "fsb"})
    assert response.status_code == 200 and response.json()["slug"] == "fsb"
    assert client.get("/v1/actors/fsb").json()["id"] == actor["id"]
    assert_problem(client.get("/v1/actors/fbs"), 404)


def test_renaming_to_a_taken_slug_is_409(client, h):
    make_actor(client, h, "fsb")
    make_actor(client, h, "ktj")
    response = client.patch("/v1/actors/ktj", headers=h, json={"slug": "fsb"})
    assert_problem(response, 409, pointer="/slug")
    assert client.get("/v1/actors/ktj").json()["slug"] == "ktj"


def test_deleted_actor_is_gone_and_can_no_longer_be_named(client, h):
    actor = make_actor(client, h, "ktj")
    make_actor(client, h, "fsb")
    assert client.delete("/v1/actors/ktj", headers=h).status_code == 204
    assert_problem(client.get("/v1/actors/ktj"), 410, type_="urn:contested:problem:deleted")
    assert_problem(client.get(f"/v1/actors/{actor['id']}"), 410)
    assert [a["slug"] for a in client.get("/v1/actors").json()["items"]] == ["fsb"]
    claim = client.post(
        "/v1/claims", headers=h, json={"proposition": "x", "claimant": "fsb", "accused": ["ktj"]}
    )
    assert_problem(
        claim, 422, pointer="/accused/0", type_="urn:contested:problem:unknown-reference"
    )
    assert_problem(client.delete("/v1/actors/ktj", headers=h), 410)
    assert_problem(client.patch("/v1/actors/ktj", headers=h, json={"name": "x"}), 410)


def test_delete_with_stale_if_match_is_412_and_keeps_the_actor(client, h):
    make_actor(client, h, "ktj")
    response = client.delete("/v1/actors/ktj", headers={**h, "If-Match": '"3"'})
    assert_problem(response, 412)
    assert client.get("/v1/actors/ktj").status_code == 200
    assert client.delete("/v1/actors/ktj", headers={**h, "If-Match": '"1"'}).status_code == 204


def test_actor_named_in_a_claim_by_uuid(client, h):
    fsb = make_actor(client, h, "fsb")
    ktj = make_actor(client, h, "ktj")
    claim = make_claim(client, h, fsb["id"], [ktj["id"]])
    assert claim["claimant"] == {"id": fsb["id"], "slug": "fsb", "name": "FSB"}
    assert [a["slug"] for a in claim["accused"]] == ["ktj"]
