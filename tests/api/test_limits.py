"""Resource limits (RELIABILITY S5, S9): body size caps and rate limits per key and address."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import Settings
from app.services.rate_limits import DatabaseStorage, client_address, counter_engine
from tests.helpers import assert_problem
from tests.live import live_server

MIB = 1_048_576
LIMITED = {"rate_limit_enabled": True, "rate_limit": "5/minute"}


def padded_source(size: int) -> bytes:
    """A valid source body of exactly ``size`` bytes (JSON allows trailing whitespace)."""
    body = json.dumps({"title": "A long statement"}).encode()
    return body + b" " * (size - len(body))


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def json_headers(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/json"}


# Body size -----------------------------------------------------------------------------


def test_a_body_over_one_mib_is_a_413_and_writes_nothing(client, auth):
    headers = json_headers(auth("contributor"))

    response = client.post("/v1/sources", content=padded_source(MIB + 1), headers=headers)

    problem = assert_problem(response, 413)
    assert problem["title"] == "Content Too Large"
    assert str(MIB) in problem["detail"]
    assert client.get("/v1/sources").json()["items"] == []


def test_a_body_of_exactly_one_mib_is_taken(client, auth):
    headers = json_headers(auth("contributor"))
    response = client.post("/v1/sources", content=padded_source(MIB), headers=headers)
    assert response.status_code == 201, response.text


def test_a_chunked_body_without_content_length_is_counted(client, auth):
    headers = json_headers(auth("contributor"))

    response = client.post("/v1/sources", content=chunks(padded_source(MIB + 1)), headers=headers)

    assert "content-length" not in response.request.headers
    assert_problem(response, 413)
    assert client.get("/v1/sources").json()["items"] == []


def test_an_oversized_body_does_not_claim_its_idempotency_key(client, auth):
    headers = {**json_headers(auth("contributor")), "Idempotency-Key": "big"}
    for body in (padded_source(MIB + 1), chunks(padded_source(MIB + 1))):
        assert_problem(client.post("/v1/sources", content=body, headers=headers), 413)
    small = client.post("/v1/sources", content=padded_source(100), headers=headers)
    assert small.status_code == 201 and "idempotent-replayed" not in small.headers


def test_the_cap_is_a_setting(make_app, auth):
    with TestClient(make_app(max_body_bytes=100)) as client:
        headers = json_headers(auth("contributor"))
        assert client.post("/v1/sources", content=padded_source(100), headers=headers).is_success
        assert_problem(client.post("/v1/sources", content=padded_source(101), headers=headers), 413)


def test_a_real_server_refuses_streamed_and_declared_bodies(database_url, db, keys):
    headers = json_headers({"Authorization": f"Bearer {keys['contributor']}"})
    with live_server(database_url, workers=1) as base_url, httpx.Client(base_url=base_url) as http:
        streamed = http.post("/v1/sources", content=chunks(padded_source(4 * MIB)), headers=headers)
        assert streamed.request.headers["transfer-encoding"] == "chunked"
        assert_problem(streamed, 413)
        declared = http.post("/v1/sources", content=padded_source(MIB + 1), headers=headers)
        assert_problem(declared, 413)
        assert http.get("/v1/sources").json()["items"] == []


# Rate limits ---------------------------------------------------------------------------


def burst(client: TestClient, count: int, **kwargs) -> list[httpx.Response]:
    return [client.get("/v1/claims", **kwargs) for _ in range(count)]


def assert_throttled(response: httpx.Response) -> None:
    assert_problem(response, 429, type_="urn:contested:problem:rate-limited")
    assert 1 <= int(response.headers["retry-after"]) <= 60


def test_a_burst_over_the_limit_is_429_per_key(make_app, auth):
    with TestClient(make_app(**LIMITED)) as client:
        responses = burst(client, 6, headers=auth("viewer"))

        assert [r.status_code for r in responses[:5]] == [200] * 5
        assert_throttled(responses[5])
        assert "API key" in responses[5].json()["detail"]
        # Another key, and callers without a key, have their own allowance.
        assert client.get("/v1/claims", headers=auth("editor")).status_code == 200
        assert client.get("/v1/claims").status_code == 200
        # Writes count too, and the refusal comes before the route runs.
        body = {"title": "x"}
        assert_throttled(client.post("/v1/sources", json=body, headers=auth("viewer")))


def test_a_burst_over_the_limit_is_429_per_address(make_app, auth):
    with TestClient(make_app(**LIMITED)) as client:
        responses = burst(client, 6)
        assert [r.status_code for r in responses[:5]] == [200] * 5
        assert_throttled(responses[5])
        assert "address" in responses[5].json()["detail"]
        assert client.get("/v1/claims", headers=auth("viewer")).status_code == 200
        # A token that is not shaped like a key does not buy a fresh allowance.
        assert_throttled(client.get("/v1/claims", headers={"Authorization": "Bearer junk"}))


def test_health_and_docs_are_never_limited(make_app):
    with TestClient(make_app(**LIMITED)) as client:
        burst(client, 6)
        for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
            assert client.get(path).status_code == 200, path


def test_the_limit_can_be_switched_off(make_app):
    with TestClient(make_app(rate_limit_enabled=False, rate_limit="1/minute")) as client:
        assert {r.status_code for r in burst(client, 5)} == {200}


def test_forwarded_for_from_an_untrusted_peer_changes_nothing(make_app):
    app = make_app(**LIMITED, trusted_proxies="10.0.0.1")
    with TestClient(app, client=("203.0.113.9", 40000)) as client:
        statuses = [
            client.get("/v1/claims", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(6)
        ]
    assert statuses == [200] * 5 + [429]


def test_forwarded_for_from_a_trusted_proxy_names_the_client(make_app):
    app = make_app(**LIMITED, trusted_proxies="10.0.0.1, 10.1.0.0/16")
    with TestClient(app, client=("10.0.0.1", 40000)) as client:

        def get(forwarded_for: str) -> int:
            return client.get("/v1/claims", headers={"X-Forwarded-For": forwarded_for}).status_code

        # Ten clients behind the proxy, one request each: nobody is over the limit.
        assert {get(f"198.51.100.{n}") for n in range(10)} == {200}
        # One client, whatever it writes to the left of what the proxies appended.
        statuses = [get(f"192.0.2.{n}, 198.51.100.77, 10.1.2.3") for n in range(6)]
        assert statuses == [200] * 5 + [429]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("203.0.113.9", [], "203.0.113.9"),
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # untrusted peer
        ("10.0.0.1", [], "10.0.0.1"),
        ("10.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.1", ["1.1.1.1, 198.51.100.1"], "198.51.100.1"),  # spoofed hop ignored
        ("10.0.0.1", ["1.1.1.1", "198.51.100.1, 10.0.0.2"], "198.51.100.1"),  # two headers
        ("10.0.0.1", ["10.0.0.2"], "10.0.0.2"),  # only proxies: the leftmost
        ("10.0.0.1", ["198.51.100.1, garbage"], "10.0.0.1"),  # stops at what is not an IP
        ("10.0.0.1", ["2001:DB8::1"], "2001:db8::1"),
        ("testclient", ["198.51.100.1"], "testclient"),
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_client_address(peer, forwarded_for, client):
    trusted = Settings(trusted_proxies="10.0.0.1,10.0.0.2").trusted_proxy_networks
    assert client_address(peer, forwarded_for, trusted) == client


def test_the_database_counts_across_app_instances(make_app, auth):
    first, second = make_app(**LIMITED), make_app(**LIMITED)
    with TestClient(first) as a, TestClient(second) as b:
        statuses = [
            (a if n % 2 else b).get("/v1/claims", headers=auth("viewer")).status_code
            for n in range(7)
        ]
    assert statuses == [200] * 5 + [429, 429]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_redis_counts_across_app_instances(make_app, auth):
    settings = {**LIMITED, "redis_url": "redis://127.0.0.1:6379/0"}
    first, second = make_app(**settings), make_app(**settings)
    # The keys are fresh for this test, so runs sharing the Redis server never meet.
    with TestClient(first) as a, TestClient(second) as b:
        statuses = [
            (a if n % 2 else b).get("/v1/claims", headers=auth("viewer")).status_code
            for n in range(7)
        ]
        assert statuses == [200] * 5 + [429, 429]
        assert_throttled(a.get("/v1/claims", headers=auth("viewer")))


def test_an_unreachable_store_lets_requests_through(make_app):
    app = make_app(**LIMITED, redis_url="redis://127.0.0.1:1/0")
    with TestClient(app) as client:
        assert {r.status_code for r in burst(client, 7)} == {200}


def test_an_invalid_limit_stops_the_settings():
    for bad in ("lots", "5/fortnight", "5/minute;1/second"):
        with pytest.raises(ValidationError, match="rate_limit"):
            Settings(rate_limit=bad)
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies="10.0.0.1, proxy.internal")


# The counter store ---------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def storage(db, clock) -> Iterator[DatabaseStorage]:
    engine = counter_engine(db, 5000)
    yield DatabaseStorage(engine, clock=clock)
    if engine is not db.write:
        engine.dispose()


def test_database_counters_start_a_new_window_when_the_old_one_ends(storage, clock):
    key = f"test/{uuid.uuid4()}"

    assert [storage.incr(key, 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get(key) == 3
    assert storage.get_expiry(key) == clock.now + 60
    clock.now += 59
    assert storage.incr(key, 60) == 4
    clock.now += 1  # the window ends
    assert storage.get(key) == 0
    assert storage.incr(key, 60, amount=2) == 2
    assert storage.get_expiry(key) == clock.now + 60
    clock.now += 61
    assert storage.purge_expired() == 1
    assert storage.check()


def test_database_counters_lose_no_hit_under_concurrency(storage):
    key = f"test/{uuid.uuid4()}"
    threads, hits = 8, 25
    start = threading.Barrier(threads)

    def hammer() -> None:
        start.wait()
        for _ in range(hits):
            storage.incr(key, 60)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert storage.get(key) == threads * hits
    storage.clear(key)
    assert storage.get(key) == 0
