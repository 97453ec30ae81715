"""Answers to anonymous reads are kept until the data changes (app/api/response_cache.py):
a repeated read runs no query of its route, and every write is seen by the next read."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_metrics import scrape, value
from tests.factories import make_actor, make_claim, make_response


@pytest.fixture
def claim(client, auth):
    editor = auth("editor")
    make_actor(client, editor, "fsb", "Federal Security Service", kind="state_agency")
    make_actor(client, editor, "ktj", "Katibat Tawhid wal-Jihad")
    return make_claim(client, editor, "fsb", ["ktj"])


def _queries(count_statements, client: TestClient, url: str, **kwargs) -> tuple[int, bytes]:
    counter = count_statements()
    response = client.get(url, **kwargs)
    assert response.status_code in (200, 404), response.text
    return counter.count, response.content


def test_a_repeated_read_runs_no_query_and_gets_the_same_bytes(client, claim, count_statements):
    for url in (f"/v1/claims/{claim['id']}", "/v1/claims?limit=5", "/v1/stats", "/v1/search?q=x"):
        first, body = _queries(count_statements, client, url)
        again, same = _queries(count_statements, client, url)
        assert first > 0 and again == 0 and same == body


def test_every_write_is_seen_by_the_next_read(client, claim, auth):
    url = f"/v1/claims/{claim['id']}"
    assert client.get(url).json()["dispute"]["status"] == "unanswered"
    make_response(client, auth("editor"), claim["id"], "ktj", "denies")
    assert client.get(url).json()["dispute"]["status"] == "denied"
    client.patch(url, headers=auth("editor"), json={"proposition": "Changed."})
    assert client.get(url).json()["proposition"] == "Changed."
    assert client.get(url).headers["etag"] == '"2"'
    client.delete(url, headers=auth("editor"))
    assert client.get(url).status_code == 410
    assert client.get("/v1/claims").json()["items"] == []


def test_reads_with_a_key_or_no_cache_and_failures_are_not_kept(
    client, claim, auth, count_statements
):
    url = f"/v1/claims/{claim['id']}"
    for kwargs in ({"headers": auth("viewer")}, {"headers": {"Cache-Control": "no-cache"}}):
        assert all(_queries(count_statements, client, url, **kwargs)[0] > 0 for _ in range(2))
    missing = "/v1/claims/00000000-0000-7000-8000-000000000000"
    assert all(_queries(count_statements, client, missing)[0] > 0 for _ in range(2))


def test_answers_depend_on_the_host_they_were_asked_of(client, claim, auth):
    make_claim(client, auth("editor"), "fsb", ["ktj"])
    for host in ("a.example", "b.example"):
        found = client.get("/v1/claims?limit=1", headers={"Host": host})
        assert f"//{host}/v1/claims" in found.headers["link"]


def test_the_cache_can_be_turned_off(make_app, db, auth, count_statements):
    with TestClient(make_app(response_cache_mib=0)) as client:
        make_actor(client, auth("editor"), "fsb")
        assert all(_queries(count_statements, client, "/v1/claims")[0] > 0 for _ in range(2))


def test_bodies_past_a_sixteenth_of_the_cache_are_not_kept(make_app, auth, count_statements):
    editor = auth("editor")
    with TestClient(make_app(response_cache_mib=1)) as client:  # 64 KiB at most
        make_actor(client, editor, "fsb")
        make_actor(client, editor, "ktj")
        small = make_claim(client, editor, "fsb", ["ktj"])
        long = "q" * 20_000
        big = make_claim(client, editor, "fsb", ["ktj"], quote=long, translation=long)
        for _ in range(2):
            make_response(client, editor, big["id"], "ktj", quote=long, translation=long)
        small_url, big_url = f"/v1/claims/{small['id']}", f"/v1/claims/{big['id']}"
        assert len(client.get(big_url).content) > 64 * 1024
        assert _queries(count_statements, client, big_url)[0] > 0
        client.get(small_url)
        assert _queries(count_statements, client, small_url)[0] == 0


def test_kept_answers_are_counted_under_their_route(client, claim):
    for _ in range(3):
        assert client.get(f"/v1/claims/{claim['id']}").status_code == 200
    samples = scrape(client)
    labels = {"method": "GET", "route": "/v1/claims/{claim_id}", "status": "200"}
    assert value(samples, "contested_http_requests_total", **labels) == 3
