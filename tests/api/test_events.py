"""Events through HTTP: create, read by slug or id, the list and its filters, update, delete."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_actor, make_claim, make_event
from tests.helpers import SOME_ID, assert_problem, ids, walk_pages

EVENT_FIELDS = {
    "id",
    "slug",
    "title",
    "kind",
    "occurred_on",
    "occurred_on_precision",
    "place",
    "country",
    "summary",
    "wikidata_id",
    "version",
    "created_at",
    "updated_at",
}
VOLGOGRAD = {
    "slug": "volgograd-plot-2020",
    "title": "FSB operation against an alleged KTJ cell in Volgograd",
    "kind": "operation",
    "occurred_on": "2020-10-15",
    "occurred_on_precision": "day",
    "place": "Volgograd",
    "country": "RU",
    "summary": "The FSB says it suppressed a cell planning attacks.",
    "wikidata_id": "Q12345",
}


@pytest.fixture
def h(auth):
    return auth("contributor")


def test_create_event_returns_the_stored_event(client, h):
    response = client.post("/v1/events", json=VOLGOGRAD, headers=h)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == EVENT_FIELDS
    assert {k: body[k] for k in VOLGOGRAD} == VOLGOGRAD
    assert body["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == "/v1/events/volgograd-plot-2020"
    assert client.get(response.headers["Location"]).json() == body


def test_only_slug_title_and_kind_are_required(client, h):
    event = make_event(
        client, h, "bishkek-embassy-attack-2016", "Bishkek embassy attack", kind="attack"
    )
    assert event["occurred_on"] is None and event["place"] is None
    assert event["country"] is None and event["summary"] is None


def test_a_month_precise_date(client, h):
    event = make_event(
        client,
        h,
        "navalny-protests-2021",
        "Protests",
        kind="protest",
        occurred_on="2021-02-01",
        occurred_on_precision="month",
    )
    assert (event["occurred_on"], event["occurred_on_precision"]) == ("2021-02-01", "month")


def test_get_event_by_slug_and_by_uuid(client, h):
    event = make_event(
        client,
        h,
        "spb-metro-bombing-2017",
        "St Petersburg metro bombing",
        kind="attack",
        occurred_on="2017-04-03",
    )
    by_slug = client.get("/v1/events/spb-metro-bombing-2017")
    by_id = client.get(f"/v1/events/{event['id']}")
    assert by_slug.status_code == by_id.status_code == 200
    assert by_slug.json() == by_id.json() == event
    assert by_id.headers["ETag"] == '"1"'


def test_get_unknown_event_is_404_problem(client):
    assert_problem(client.get("/v1/events/nothing-happened"), 404)
    assert_problem(client.get(f"/v1/events/{uuid.uuid4()}"), 404)


def test_filters(client, h):
    make_event(client, h, "volgograd-plot-2020", "Volgograd cell", kind="plot", country="RU")
    make_event(
        client,
        h,
        "spb-metro-bombing-2017",
        "St Petersburg metro bombing",
        kind="attack",
        country="RU",
    )
    make_event(
        client,
        h,
        "bishkek-embassy-attack-2016",
        "Chinese embassy attack in Bishkek",
        kind="attack",
        country="KG",
    )

    def slugs(**params):
        response = client.get("/v1/events", params=params)
        assert response.status_code == 200, response.text
        return [e["slug"] for e in response.json()["items"]]

    assert slugs() == [
        "bishkek-embassy-attack-2016",
        "spb-metro-bombing-2017",
        "volgograd-plot-2020",
    ]
    assert slugs(kind="attack") == ["bishkek-embassy-attack-2016", "spb-metro-bombing-2017"]
    assert slugs(country="RU") == ["spb-metro-bombing-2017", "volgograd-plot-2020"]
    assert slugs(kind="attack", country="KG") == ["bishkek-embassy-attack-2016"]
    assert slugs(q="METRO") == ["spb-metro-bombing-2017"]
    assert slugs(q="embassy") == ["bishkek-embassy-attack-2016"]
    assert slugs(q="volgograd") == ["volgograd-plot-2020"]
    assert slugs(kind="trial") == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"kind": "riot"}, "kind"),
        ({"country": "Russia"}, "country"),
        ({"limit": -5}, "limit"),
    ],
)
def test_list_rejects_bad_parameters(client, params, parameter):
    assert_problem(client.get("/v1/events", params=params), 422, parameter=parameter)


def test_pagination_visits_every_event_once_in_slug_order(client, h):
    made = [make_event(client, h, f"event-{i:02d}", kind="attack") for i in range(5)]
    make_event(client, h, "a-plot", kind="plot")
    seen, pages = walk_pages(client, "/v1/events", 2, kind="attack")
    assert pages == 3
    assert ids(seen) == ids(made)
    everything, pages = walk_pages(client, "/v1/events", 1)
    assert pages == 6
    assert [e["slug"] for e in everything] == ["a-plot", *(e["slug"] for e in made)]


def test_slug_already_taken_is_a_409_problem_pointing_at_slug(client, h):
    make_event(client, h, "volgograd-plot-2020", "The first")
    response = client.post("/v1/events", json=VOLGOGRAD, headers=h)
    assert_problem(response, 409, pointer="/slug", type_="urn:contested:problem:conflict")
    assert [e["title"] for e in client.get("/v1/events").json()["items"]] == ["The first"]


@pytest.mark.parametrize("slug", ["Volgograd", "volgograd_2020", "volgograd--2020", " x", ""])
def test_slug_must_match_the_pattern(client, h, slug):
    response = client.post("/v1/events", json={**VOLGOGRAD, "slug": slug}, headers=h)
    assert_problem(response, 422, pointer="/slug")
    assert client.get("/v1/events").json()["items"] == []


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"kind": "riot"}, "/kind"),
        ({"occurred_on": "2020-10"}, "/occurred_on"),
        ({"occurred_on": "2020-02-30"}, "/occurred_on"),
        ({"occurred_on_precision": "week"}, "/occurred_on_precision"),
        ({"country": "RUS"}, "/country"),
        ({"title": "  "}, "/title"),
        ({"wikidata_id": "P31"}, "/wikidata_id"),
        ({"casualties": 15}, "/casualties"),
    ],
)
def test_invalid_event_is_a_422_naming_the_field(client, h, change, pointer):
    response = client.post("/v1/events", json={**VOLGOGRAD, **change}, headers=h)
    assert_problem(response, 422, pointer=pointer)
    assert client.get("/v1/events").json()["items"] == []


def test_missing_required_fields_are_each_named(client, h):
    response = client.post("/v1/events", json={"place": "Volgograd"}, headers=h)
    problem = assert_problem(response, 422)
    assert {e["pointer"] for e in problem["errors"]} == {"/slug", "/title", "/kind"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", SOME_ID),
        ("version", 2),
        ("created_by", SOME_ID),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("deleted_at", "2020-01-01T00:00:00Z"),
    ],
)
def test_server_owned_fields_are_refused(client, h, field, value):
    assert_problem(
        client.post("/v1/events", json={**VOLGOGRAD, field: value}, headers=h),
        422,
        pointer=f"/{field}",
    )
    make_event(client, h, "volgograd-plot-2020")
    patched = client.patch("/v1/events/volgograd-plot-2020", json={field: value}, headers=h)
    assert_problem(patched, 422, pointer=f"/{field}")
    assert client.get("/v1/events/volgograd-plot-2020").json()["version"] == 1


def test_update_event_bumps_the_version_and_honours_if_match(client, h):
    event = make_event(client, h, "volgograd-plot-2020", "Volgograd")
    url = f"/v1/events/{event['id']}"
    stale = client.patch(url, headers={**h, "If-Match": '"2"'}, json={"place": "Moscow"})
    assert_problem(stale, 412)
    assert client.get(url).json()["place"] is None
    updated = client.patch(
        url,
        headers={**h, "If-Match": '"1"'},
        json={"place": "Volgograd", "occurred_on": "2020-10-15", "occurred_on_precision": "day"},
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["version"] == 2 and updated.headers["ETag"] == '"2"'
    assert (body["place"], body["occurred_on"]) == ("Volgograd", "2020-10-15")
    assert body["title"] == "Volgograd"
    assert client.get("/v1/events/volgograd-plot-2020").json() == body
    same = client.patch(url, headers=h, json={"place": "Volgograd"})
    assert same.json()["version"] == 2


def test_renaming_the_slug(client, h):
    event = make_event(client, h, "volgograd")
    make_event(client, h, "taken")
    assert_problem(
        client.patch("/v1/events/volgograd", headers=h, json={"slug": "taken"}),
        409,
        pointer="/slug",
    )
    renamed = client.patch("/v1/events/volgograd", headers=h, json={"slug": "volgograd-plot-2020"})
    assert renamed.status_code == 200
    assert client.get("/v1/events/volgograd-plot-2020").json()["id"] == event["id"]
    assert_problem(client.get("/v1/events/volgograd"), 404)


def test_deleted_event_is_gone_and_can_no_longer_be_named(client, h):
    event = make_event(client, h, "volgograd-plot-2020")
    make_actor(client, h, "fsb")
    assert client.delete("/v1/events/volgograd-plot-2020", headers=h).status_code == 204
    assert_problem(client.get("/v1/events/volgograd-plot-2020"), 410)
    assert_problem(client.get(f"/v1/events/{event['id']}"), 410)
    assert client.get("/v1/events").json()["items"] == []
    claim = client.post(
        "/v1/claims",
        headers=h,
        json={"proposition": "x", "claimant": "fsb", "event": "volgograd-plot-2020"},
    )
    assert_problem(claim, 422, pointer="/event", type_="urn:contested:problem:unknown-reference")
    assert_problem(client.delete(f"/v1/events/{event['id']}", headers=h), 410)


def test_event_named_in_a_claim(client, h):
    event = make_event(client, h, "volgograd-plot-2020", "Volgograd plot")
    make_actor(client, h, "fsb")
    claim = make_claim(client, h, "fsb", event=event["id"])
    assert claim["event"] == {
        "id": event["id"],
        "slug": "volgograd-plot-2020",
        "title": "Volgograd plot",
    }
