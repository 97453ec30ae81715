"""A real server under concurrent writes and a crash (RELIABILITY R4, R12, R14).

Each test starts uvicorn on a free port of this machine, against a database migrated
beforehand, talks to it over HTTP from threads, and always stops it in a ``finally``.
Every loop is bounded in time and in count.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.db import open_database
from app.models.api_key import Role
from app.services import migrations
from app.services.keys import create_key
from tests.conftest import BACKENDS, ROOT, empty_database

WRITERS = 12
ROUNDS = 5
DEADLINE_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepared_database(url: str) -> str:
    """Migrate the database at ``url`` and return a new contributor key for it."""
    migrations.upgrade(url)
    database = open_database(Settings(database_url=url))
    try:
        with database.unit_of_work() as session:
            return create_key(session, "durability", Role.contributor).key
    finally:
        database.dispose()


@contextmanager
def server(url: str, log: Path, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """uvicorn serving ``url`` on a free port; yields (base URL, process), then stops it."""
    port = free_port()
    env = {
        **os.environ,
        "CONTESTED_DATABASE_URL": url,
        "CONTESTED_RATE_LIMIT_ENABLED": "false",
        "CONTESTED_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    with log.open("ab") as out:
        # A session of its own, so that the workers of a multi-worker server go with it.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log)
        yield base, process
    finally:
        stop(process)


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer /healthz within 30 s: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL it if it lingers; reap the process."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the group may outlive its leader
    process.wait(timeout=10)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create(http: httpx.Client, path: str, body: dict[str, object]) -> dict[str, object]:
    response = http.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


# ---- (a) optimistic concurrency under real parallelism ----------------------------------


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    with empty_database(request.param, tmp_path, "durability") as url:
        yield url


def race(base: str, key: str, url: str) -> dict[int, httpx.Response | BaseException]:
    """WRITERS clients PATCH ``url`` at once, each with If-Match "1"; who got what."""
    start = threading.Barrier(WRITERS, timeout=30)
    results: dict[int, httpx.Response | BaseException] = {}

    def write(writer: int) -> None:
        with httpx.Client(base_url=base, headers=bearer(key), timeout=30) as own:
            try:
                start.wait()
                results[writer] = own.patch(
                    url,
                    json={"proposition": f"Writer {writer} says so."},
                    headers={"If-Match": '"1"'},
                )
            except BaseException as exc:  # reported by the caller, not lost in the thread
                results[writer] = exc

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return results


def test_concurrent_patches_with_one_etag_have_exactly_one_winner(database_url, tmp_path):
    key = prepared_database(database_url)
    with (
        server(database_url, tmp_path / "server.log", workers=2) as (base, _),
        httpx.Client(base_url=base, headers=bearer(key), timeout=30) as http,
    ):
        create(http, "/v1/actors", {"slug": "fsb", "name": "FSB", "kind": "state_agency"})
        deadline = time.monotonic() + DEADLINE_S
        for round_ in range(ROUNDS):
            assert time.monotonic() < deadline, f"round {round_} started after the deadline"
            claim = create(http, "/v1/claims", {"proposition": "Draft.", "claimant": "fsb"})
            url = f"/v1/claims/{claim['id']}"
            results = race(base, key, url)
            statuses = sorted(
                str(r.status_code) if isinstance(r, httpx.Response) else repr(r)
                for r in results.values()
            )
            assert statuses == ["200"] + ["412"] * (WRITERS - 1), statuses
            (winner,) = [w for w, r in results.items() if getattr(r, "status_code", 0) == 200]
            winning = results[winner]
            assert isinstance(winning, httpx.Response)
            assert winning.headers["ETag"] == '"2"'
            for loser in (r for r in results.values() if getattr(r, "status_code", 0) == 412):
                assert isinstance(loser, httpx.Response)
                assert loser.headers["content-type"] == "application/problem+json"
            stored = http.get(url)
            assert stored.json()["proposition"] == f"Writer {winner} says so."
            assert stored.json()["version"] == 2
            assert stored.headers["ETag"] == '"2"'


# ---- (b) kill -9 in the middle of a write burst ------------------------------------------


def test_every_acknowledged_claim_survives_a_kill_9(tmp_path):
    path = tmp_path / "crash.db"
    url = f"sqlite:///{path}"
    key = prepared_database(url)
    log = tmp_path / "server.log"
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop_writing = threading.Event()

    with server(url, log) as (base, process):
        with httpx.Client(base_url=base, headers=bearer(key), timeout=10) as http:
            create(http, "/v1/actors", {"slug": "fsb", "name": "FSB", "kind": "state_agency"})

        def write(writer: int) -> None:
            deadline = time.monotonic() + 20
            with httpx.Client(base_url=base, headers=bearer(key), timeout=10) as own:
                for n in range(2000):
                    if stop_writing.is_set() or time.monotonic() > deadline:
                        return
                    try:
                        response = own.post(
                            "/v1/claims",
                            json={"proposition": f"Claim {writer}-{n}.", "claimant": "fsb"},
                        )
                    except httpx.TransportError:
                        return  # the server is gone
                    if response.status_code == 201:
                        with lock:
                            acknowledged.append(response.json()["id"])

        writers = [threading.Thread(target=write, args=(i,)) for i in range(4)]
        for thread in writers:
            thread.start()
        try:
            # Let a burst build up, then kill the server while requests are in flight.
            deadline = time.monotonic() + 15
            while len(acknowledged) < 60 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            stop_writing.set()
            for thread in writers:
                thread.join(timeout=30)
    assert not any(t.is_alive() for t in writers), "a writer hung"
    assert len(acknowledged) >= 60, f"only {len(acknowledged)} claims before the kill"

    with server(url, log) as (base, _), httpx.Client(base_url=base, timeout=10) as http:
        missing = [i for i in acknowledged if http.get(f"/v1/claims/{i}").status_code != 200]
        assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged claims lost"

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        stored = conn.execute("SELECT count(*) FROM claim").fetchone()[0]
    assert stored >= len(acknowledged)
