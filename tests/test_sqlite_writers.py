"""SQLite writers take turns: many at once on a two-worker server all succeed (RELIABILITY R13).

SQLite's busy handler polls with sleeps that grow to 100 ms, so under a steady stream
of writers the one that has waited longest keeps losing the lock to newcomers until its
busy timeout runs out ("database is locked", 503). ``app.db`` queues writers itself, in
turn across the server's processes; these tests show that no writer is starved and that
a writer which does wait too long still gets a 503 problem, not a 500.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.db import open_database
from app.services import migrations
from tests.live import live_server
from tests.test_durability import bearer, prepared_database

WRITERS = 24
POSTS_EACH = 6
READERS = 6


def test_many_writers_on_two_workers_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    key = prepared_database(url)
    statuses: list[int] = []
    done = threading.Event()

    with live_server(url, workers=2) as base_url:
        with httpx.Client(base_url=base_url, headers=bearer(key), timeout=60) as http:
            body = {"slug": "fsb", "name": "FSB", "kind": "state_agency"}
            assert http.post("/v1/actors", json=body).status_code == 201

        def write(writer: int) -> list[int]:
            with httpx.Client(base_url=base_url, headers=bearer(key), timeout=60) as http:
                return [
                    http.post(
                        "/v1/claims",
                        json={"proposition": f"Claim {writer}-{n}.", "claimant": "fsb"},
                        headers={"Idempotency-Key": f"w{writer}-{n}"},
                    ).status_code
                    for n in range(POSTS_EACH)
                ]

        def read() -> None:
            # Keeps the workers' event loops busy, as the reads of the mixed load do.
            with httpx.Client(base_url=base_url, timeout=60) as http:
                for _ in range(10_000):
                    if done.is_set():
                        return
                    http.get("/v1/claims?limit=50")

        with ThreadPoolExecutor(WRITERS + READERS) as pool:
            readers = [pool.submit(read) for _ in range(READERS)]
            writers = [pool.submit(write, n) for n in range(WRITERS)]
            for writer in writers:
                statuses += writer.result()
            done.set()
            for reader in readers:
                reader.result()

    assert sorted(set(statuses)) == [201], {s: statuses.count(s) for s in set(statuses)}
    assert len(statuses) == WRITERS * POSTS_EACH


def test_a_writer_that_waits_out_the_busy_timeout_fails_as_sqlite_would(tmp_path):
    """The same SQLAlchemy OperationalError that the problem handlers answer with a 503
    and Retry-After, after the busy timeout (5 s)."""
    url = f"sqlite:///{tmp_path / 'held.db'}"
    migrations.upgrade(url)
    # Another process's writer, as far as the lock is concerned: an engine of its own.
    holder = open_database(Settings(database_url=url))
    waiter = open_database(Settings(database_url=url))
    try:
        with holder.unit_of_work() as session:
            session.connection()  # BEGIN IMMEDIATE: the write lock is held from here
            with pytest.raises(OperationalError) as caught, waiter.unit_of_work() as other:
                other.connection()
        assert "database is locked" in str(caught.value.orig)
    finally:
        holder.dispose()
        waiter.dispose()


def test_writes_go_on_when_the_lock_file_cannot_be_opened(tmp_path):
    """Say, another user's file: the writers then queue on SQLite's busy handler alone."""
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    migrations.upgrade(url)
    (tmp_path / "plain.db-writers").mkdir()  # opening it for writing fails
    database = open_database(Settings(database_url=url))
    try:
        for statement in ("CREATE TABLE t (n)", "INSERT INTO t VALUES (1)"):
            with database.unit_of_work() as session:
                session.execute(text(statement))
        with database.reading() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        database.dispose()
