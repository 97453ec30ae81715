"""Idempotency-Key on POST (DESIGN §4; RELIABILITY R7-R11): retries replay, reuse is refused."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from app.api.body_limit import STREAMED_PATHS
from app.services import idempotency
from app.services.keys import authenticate
from tests.factories import make_actor
from tests.helpers import assert_problem
from tests.live import live_server

CLAIM = {"proposition": "A KTJ cell planned attacks in Volgograd.", "claimant": "fsb"}


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def claim_count(client: TestClient) -> int:
    return len(client.get("/v1/claims").json()["items"])


@pytest.fixture
def fsb(client, auth):
    make_actor(client, auth("contributor"), "fsb", "Federal Security Service")
    return auth("contributor")


def test_a_retry_replays_the_first_response_byte_for_byte(client, fsb):
    first = client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, "claim-1"))
    second = client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, "claim-1"))

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    for header in ("content-type", "etag", "location"):
        assert second.headers[header] == first.headers[header]
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert claim_count(client) == 1
    assert client.get(first.headers["location"]).json() == first.json()


def test_the_same_key_with_another_body_is_422_and_writes_nothing(client, fsb):
    assert client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, "k")).status_code == 201
    other = {**CLAIM, "proposition": "Something else entirely."}

    response = client.post("/v1/claims", json=other, headers=keyed(fsb, "k"))

    problem = assert_problem(
        response,
        422,
        parameter="Idempotency-Key",
        type_="urn:contested:problem:idempotency-key-reused",
    )
    assert "different request" in problem["detail"]
    assert claim_count(client) == 1


def test_the_same_key_on_another_path_or_query_is_422(client, fsb):
    assert client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, "k")).status_code == 201
    response = client.post("/v1/sources", json=CLAIM, headers=keyed(fsb, "k"))
    assert_problem(response, 422, parameter="Idempotency-Key")
    response = client.post("/v1/claims?x=1", json=CLAIM, headers=keyed(fsb, "k"))
    assert_problem(response, 422, parameter="Idempotency-Key")
    assert client.get("/v1/sources").json()["items"] == []


def test_a_key_is_scoped_to_the_api_key_that_sent_it(client, fsb, auth):
    mine = client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, "shared"))
    theirs = client.post("/v1/claims", json=CLAIM, headers=keyed(auth("other"), "shared"))

    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert claim_count(client) == 2


@pytest.mark.parametrize(
    "key",
    [
        "x" * 256,
        "tab\there",
        "nul\x00byte",
        "bell\x07",
        "del\x7f",
        "ключ".encode(),
        "caf\xe9".encode("latin-1"),
        "",
        "   ",
    ],
    ids=["256-chars", "tab", "nul", "bell", "del", "cyrillic", "latin-1", "empty", "blank"],
)
def test_a_malformed_key_is_a_400_naming_the_header(client, fsb, key):
    response = client.post("/v1/claims", json=CLAIM, headers={**fsb, "Idempotency-Key": key})
    assert_problem(response, 400, parameter="Idempotency-Key")
    assert claim_count(client) == 0


def test_a_key_sent_twice_in_one_request_is_a_400(client, fsb):
    headers = [*fsb.items(), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    response = client.post("/v1/claims", json=CLAIM, headers=headers)
    assert_problem(response, 400, parameter="Idempotency-Key")


def test_a_key_of_255_printable_characters_is_taken(client, fsb):
    key = ("k-" + "".join(chr(c) for c in range(0x20, 0x7F)) * 3)[:255]
    first = client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, key))
    second = client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, key))
    assert first.status_code == 201 and second.headers["idempotent-replayed"] == "true"


def test_without_a_valid_api_key_the_route_answers(client, fsb):
    response = client.post("/v1/claims", json=CLAIM, headers={"Idempotency-Key": "x" * 300})
    assert_problem(response, 401)
    headers = {"Authorization": "Bearer ctd_nope", "Idempotency-Key": "k"}
    assert_problem(client.post("/v1/claims", json=CLAIM, headers=headers), 401)
    assert claim_count(client) == 0


def test_an_error_below_500_is_replayed_too(client, fsb):
    unknown = {**CLAIM, "claimant": "ktj"}
    first = client.post("/v1/claims", json=unknown, headers=keyed(fsb, "k"))
    assert_problem(first, 422, pointer="/claimant")
    make_actor(client, fsb, "ktj")

    retry = client.post("/v1/claims", json=unknown, headers=keyed(fsb, "k"))

    assert retry.status_code == 422 and retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert claim_count(client) == 0


def test_a_5xx_is_not_kept_so_the_retry_runs_again(make_app, fsb):
    app = make_app()
    calls = []

    @app.post("/v1/flaky", status_code=201)
    def flaky() -> dict[str, int]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the first attempt crashes")
        if len(calls) == 2:
            raise HTTPException(503, "the second is unavailable")
        return {"attempt": len(calls)}

    with TestClient(app, raise_server_exceptions=False) as client:
        assert_problem(client.post("/v1/flaky", headers=keyed(fsb, "k")), 500)
        assert_problem(client.post("/v1/flaky", headers=keyed(fsb, "k")), 503)
        third = client.post("/v1/flaky", headers=keyed(fsb, "k"))
        fourth = client.post("/v1/flaky", headers=keyed(fsb, "k"))
    assert third.status_code == 201 and third.json() == {"attempt": 3}
    assert fourth.content == third.content and fourth.headers["idempotent-replayed"] == "true"
    assert len(calls) == 3


def test_a_retry_while_the_first_runs_is_409(client, fsb, db):
    body = json.dumps(CLAIM).encode()
    with db.reading() as conn:
        principal = authenticate(conn, fsb["Authorization"])
    assert principal.key_id is not None
    # The first request has claimed the key and is still running.
    idempotency.claim(
        db,
        principal.key_id,
        "slow",
        idempotency.fingerprint("POST", b"/v1/claims", b"", body),
        datetime.now(UTC),
        timedelta(hours=24),
    )
    headers = {**keyed(fsb, "slow"), "Content-Type": "application/json"}

    response = client.post("/v1/claims", content=body, headers=headers)

    assert_problem(response, 409, type_="urn:contested:problem:idempotency-key-in-flight")
    assert response.headers["retry-after"] == "1"
    assert claim_count(client) == 0
    other = client.post("/v1/claims", content=b'{"proposition": "x"}', headers=headers)
    assert_problem(other, 422, parameter="Idempotency-Key")


def test_a_key_older_than_the_ttl_is_new_again(make_app, fsb):
    app = make_app(idempotency_ttl_hours=24)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    with TestClient(app) as client:
        app.state.clock = lambda: start
        first = client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, "k"))
        app.state.clock = lambda: start + timedelta(hours=23, minutes=59)
        replay = client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, "k"))
        app.state.clock = lambda: start + timedelta(hours=24, seconds=1)
        again = client.post("/v1/claims", json=CLAIM, headers=keyed(fsb, "k"))
        app.state.clock = lambda: start + timedelta(hours=48, seconds=2)
        other_body = client.post(
            "/v1/claims", json={**CLAIM, "proposition": "New."}, headers=keyed(fsb, "k")
        )

        assert first.status_code == replay.status_code == again.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in again.headers
        assert again.json()["id"] != first.json()["id"]
        assert other_body.status_code == 201
        assert claim_count(client) == 3


def test_every_post_documents_the_header(client):
    spec = client.get("/openapi.json").json()
    posts = [(path, item["post"]) for path, item in spec["paths"].items() if "post" in item]
    assert len(posts) >= 6
    for path, operation in posts:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        # The import streams its body, which is not buffered to be replayed.
        honoured = path.startswith("/v1") and path not in STREAMED_PATHS
        assert ("Idempotency-Key" in names) == honoured, path
        for code, response in operation["responses"].items():
            if code.startswith("2") and honoured:
                assert "Idempotent-Replayed" in response["headers"], (path, code)


def test_the_import_ignores_the_header_and_is_idempotent_by_itself(client, auth):
    """Its body is not buffered for a replay: a second identical import answers afresh,
    and changes nothing."""
    line = (
        b'{"type":"actor","id":"0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6a","slug":"fsb","name":"FSB",'
        b'"kind":"state_agency","version":1,"created_at":"2024-01-01T00:00:00Z",'
        b'"updated_at":"2024-01-01T00:00:00Z"}\n'
    )
    headers = {**auth("admin"), "Content-Type": "application/x-ndjson", "Idempotency-Key": "k1"}
    first = client.post("/v1/import", content=line, headers=headers)
    again = client.post("/v1/import", content=line, headers=headers)
    assert first.json()["counts"]["actor"]["imported"] == 1
    assert again.json()["counts"]["actor"] == {"imported": 0, "updated": 0, "unchanged": 1}
    assert "idempotent-replayed" not in again.headers


def send_at_once(http: httpx.Client, senders: int, **request: Any) -> list[httpx.Response]:
    """The same POST from ``senders`` threads, released together."""
    barrier = threading.Barrier(senders)

    def send(_: int) -> httpx.Response:
        barrier.wait()
        return http.post(**request)

    with ThreadPoolExecutor(senders) as pool:
        return list(pool.map(send, range(senders)))


def test_concurrent_retries_create_one_row(database_url, db, keys):
    """R9 on a real server with two worker processes: the same request sent 8 times at once."""
    rounds = 5
    headers = {"Authorization": f"Bearer {keys['contributor']}"}
    with live_server(database_url) as base_url, httpx.Client(base_url=base_url) as http:
        body = {"slug": "fsb", "name": "FSB", "kind": "state_agency"}
        assert http.post("/v1/actors", json=body, headers=headers).status_code == 201

        for round_ in range(rounds):
            responses = send_at_once(
                http,
                8,
                url="/v1/claims",
                json={**CLAIM, "proposition": f"Round {round_}."},
                headers=keyed(headers, f"race-{round_}"),
            )

            first = [r for r in responses if "idempotent-replayed" not in r.headers]
            first = [r for r in first if r.status_code == 201]
            assert len(first) == 1, [(r.status_code, r.text) for r in responses]
            for response in responses:
                if response.status_code == 201 and response is not first[0]:
                    assert response.content == first[0].content
                    assert response.headers["idempotent-replayed"] == "true"
                elif response is not first[0]:
                    assert_problem(response, 409)
        listed = http.get("/v1/claims").json()["items"]
    assert sorted(c["proposition"] for c in listed) == [f"Round {n}." for n in range(rounds)]
