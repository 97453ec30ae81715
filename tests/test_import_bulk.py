"""The import's fast paths: parse workers, and the one-transaction load of empty SQLite
tables, whose indexes and search index are built once at the end."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from app.config import Settings
from app.db import Database, open_database
from app.services import import_bulk, import_worker, importing, migrations
from app.services.audit import snapshot_of, verify
from app.services.export import export_chunks
from app.services.importing import import_lines, read_lines
from tests.conftest import DUPLICATE_HASH, ROOT, empty


def export(db: Database) -> bytes:
    with snapshot_of(db) as conn:
        return b"".join(export_chunks(conn))


def schema(db: Database) -> list[tuple[str, str]]:
    with db.reading() as conn:
        return list(
            conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            ).all()
        )


def load(db: Database, data: bytes, **options: Any) -> importing.ImportReport:
    return import_lines(db, read_lines(io.BytesIO(data), 1 << 20), **options)


def counts(db: Database) -> dict[str, int]:
    with db.reading() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in import_bulk.TABLES
        }


@pytest.fixture
def sqlite_only(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("the bulk load is SQLite's")
    return db


@pytest.fixture
def bulk_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the bulk loads that run."""
    ran: list[int] = []
    original = import_bulk.bulk_load

    def counted(conn: Any) -> Any:
        ran.append(1)
        return original(conn)

    monkeypatch.setattr(import_bulk, "bulk_load", counted)
    return ran


def test_workers_load_what_the_importing_process_loads(seeded):
    first = export(seeded)
    empty(seeded)
    in_process = load(seeded, first, batch_lines=7)
    assert in_process.error_count == 0
    assert export(seeded) == first
    empty(seeded)
    with_workers = load(seeded, first, batch_lines=7, parse_workers=2)
    assert with_workers.counts == in_process.counts
    assert with_workers.lines == in_process.lines
    assert export(seeded) == first
    with snapshot_of(seeded) as conn:
        assert verify(conn).ok


@pytest.mark.skipif(not hasattr(os, "nice"), reason="a POSIX priority")
def test_parse_workers_run_at_the_lowest_priority_and_the_writer_at_its_own():
    own = os.getpriority(os.PRIO_PROCESS, 0)
    if own == 19:
        pytest.skip("the suite runs at the lowest priority already: nothing to tell apart")
    pool = import_worker.worker_pool(1)
    try:
        assert pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result() == 19
    finally:
        pool.shutdown()
    assert os.getpriority(os.PRIO_PROCESS, 0) == own


def test_a_bulk_load_leaves_the_schema_and_indexes_as_they_were(seeded, sqlite_only, bulk_loads):
    first = export(seeded)
    before = schema(seeded)
    empty(seeded)
    report = load(seeded, first, batch_lines=9, parse_workers=1, bulk=True)
    assert bulk_loads == [1]
    assert report.error_count == 0
    assert schema(seeded) == before  # every index and trigger is back
    assert export(seeded) == first
    with seeded.reading() as conn:
        # The rebuilt full-text index finds what the rows say, and agrees with its table.
        conn.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))
        found = conn.execute(text("SELECT count(*) FROM search_fts WHERE search_fts MATCH 'ktj'"))
        assert found.scalar_one() > 0
        # Derived figures are stored: some seeded claims are denied.
        statuses = conn.execute(text("SELECT DISTINCT dispute_status FROM claim")).scalars()
        assert "denied" in set(statuses)
    with snapshot_of(seeded) as conn:
        assert verify(conn).ok
    # The tables hold rows now: a second import is not a bulk load, and changes nothing.
    again = load(seeded, first, bulk=True)
    assert bulk_loads == [1]
    assert all(c["imported"] == c["updated"] == 0 for c in again.counts.values())


def test_a_bulk_load_builds_the_revision_hash_index_at_the_end(seeded, sqlite_only, monkeypatch):
    first = export(seeded)
    empty(seeded)
    indexed_while_loading: list[bool] = []
    finish = importing._Batch.finish

    def watched_finish(self: Any, *args: Any) -> None:
        finish(self, *args)
        found = self.conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'uq_revision_hash'"
        ).first()
        indexed_while_loading.append(found is not None)

    monkeypatch.setattr(importing._Batch, "finish", watched_finish)
    assert load(seeded, first, batch_lines=9, bulk=True).error_count == 0
    assert indexed_while_loading and not any(indexed_while_loading)
    # Back after the load, and as unique as before.
    with pytest.raises(IntegrityError), seeded.write.begin() as conn:
        conn.exec_driver_sql(DUPLICATE_HASH)


def test_a_bulk_load_rebuilds_the_search_index_with_a_larger_hash_then_puts_it_back(
    seeded, sqlite_only
):
    """The FTS5 rebuild gathers up to 64 MiB of terms before it writes a segment, so that
    it writes and merges few; the stored setting is the default again for later writes."""
    first = export(seeded)
    empty(seeded)
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(seeded.write, "before_cursor_execute", seen)
    try:
        assert load(seeded, first, batch_lines=9, bulk=True).error_count == 0
    finally:
        event.remove(seeded.write, "before_cursor_execute", seen)
    at = [statement for statement, _ in statements].index(import_bulk.FTS_REBUILD)
    hash_size = import_bulk.FTS_HASH_SIZE
    assert statements[at - 1] == (hash_size, (import_bulk.REBUILD_HASH_BYTES,))
    assert statements[at + 1] == (hash_size, (import_bulk.DEFAULT_HASH_BYTES,))
    with seeded.reading() as conn:
        stored = conn.execute(text("SELECT v FROM search_fts_config WHERE k = 'hashsize'"))
        assert stored.scalar_one() == import_bulk.DEFAULT_HASH_BYTES
        conn.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))


def test_a_bulk_load_writes_the_derived_figures_before_indexing_their_tables(
    seeded, sqlite_only, monkeypatch
):
    """The claims' derived figures (and their copies in the accused rows) are written
    while the claim and accused tables have only their unique indexes and no copying
    trigger: their other indexes are built after, not updated row by row."""
    first = export(seeded)
    before = schema(seeded)
    empty(seeded)
    present: list[set[str]] = []
    refresh = import_bulk._refresh_every_claim

    def watched_refresh(conn: Any) -> None:
        present.append(
            set(
                conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE tbl_name IN ('claim', 'claim_accused') "
                    "AND type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_autoindex%'"
                ).scalars()
            )
        )
        refresh(conn)

    monkeypatch.setattr(import_bulk, "_refresh_every_claim", watched_refresh)
    assert load(seeded, first, batch_lines=9, bulk=True).error_count == 0
    assert present == [set()]
    assert schema(seeded) == before
    assert export(seeded) == first


def test_a_bulk_load_that_fails_leaves_the_empty_tables_it_found(seeded, sqlite_only, monkeypatch):
    first = export(seeded)
    before = schema(seeded)
    empty(seeded)
    batches: list[int] = []
    finish = importing._Batch.finish

    def failing_finish(self: Any, *args: Any) -> None:
        batches.append(1)
        if len(batches) == 3:
            raise RuntimeError("the disk is full")
        finish(self, *args)

    monkeypatch.setattr(importing._Batch, "finish", failing_finish)
    with pytest.raises(RuntimeError, match="disk is full"):
        load(seeded, first, batch_lines=9, bulk=True)
    assert len(batches) == 3
    assert schema(seeded) == before
    assert set(counts(seeded).values()) == {0}


def test_a_batch_a_constraint_refuses_is_loaded_line_by_line_in_a_bulk_load(
    db, sqlite_only, bulk_loads, monkeypatch
):
    # Let two actors with one slug past the import's own checks: the unique index refuses
    # the second, and only its line is lost.
    monkeypatch.setattr(importing._Batch, "_check_unique", lambda self, spec, entries: entries)
    stamp = "2024-01-01T00:00:00Z"
    meta = {"version": 1, "created_at": stamp, "updated_at": stamp}
    lines = [json.dumps({"type": "header", "format": "contested-export", "version": 1})]
    for i, slug in enumerate(["a", "b", "a", "c"]):
        actor = {"type": "actor", "id": f"0192f0c4-7d1e-7b3a-9c55-{i:012d}", "slug": slug}
        lines.append(json.dumps({**actor, "name": slug, "kind": "person", **meta}))
    before = schema(db)
    report = load(db, "\n".join(lines).encode(), bulk=True)
    assert bulk_loads == [1]
    assert [(e.line, e.detail) for e in report.errors] == [
        (4, "refused by a constraint of the database")
    ]
    assert report.counts["actor"]["imported"] == 3
    assert schema(db) == before
    with snapshot_of(db) as conn:
        assert verify(conn).ok


def test_a_batch_import_indexes_its_documents_and_restores_the_trigger(seeded, sqlite_only):
    """Outside a bulk load, each batch adds its search documents to the FTS5 index in one
    statement, its insert trigger dropped meanwhile: the index agrees with its documents,
    also for rows a file changes, and the trigger is back for the API's writes."""
    first = export(seeded)
    before = schema(seeded)
    empty(seeded)
    assert load(seeded, first, batch_lines=11).error_count == 0
    changed = [json.loads(line) for line in first.splitlines()]
    for record in changed:
        if record["type"] == "actor":
            record.update(name=record["name"] + " Zyxwv", version=record["version"] + 1)
    lines = b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in changed)
    report = load(seeded, lines, batch_lines=11)
    assert report.error_count == 0 and report.counts["actor"]["updated"] > 0
    assert schema(seeded) == before
    with seeded.reading() as conn:
        conn.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))
        hits = conn.execute(text("SELECT count(*) FROM search_fts WHERE search_fts MATCH 'zyxwv'"))
        assert hits.scalar_one() == report.counts["actor"]["updated"]
    with snapshot_of(seeded) as conn:
        assert verify(conn).ok


@pytest.fixture
def own_file(tmp_path) -> Iterator[Database]:
    """A migrated SQLite file that no other connection has open (the suite's database
    always has some)."""
    url = f"sqlite:///{tmp_path / 'alone.db'}"
    migrations.upgrade(url)
    database = open_database(Settings(database_url=url))
    yield database
    database.dispose()


def journal_mode(db: Database) -> str:
    with db.reading() as conn:
        return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one())


def test_a_bulk_load_with_the_file_to_itself_writes_through_a_rollback_journal(
    seeded, sqlite_only, own_file, monkeypatch
):
    first = export(seeded)
    before = schema(own_file)
    own_file.dispose()  # no connection of its own left open either
    modes: list[str] = []
    original = import_bulk.bulk_load

    @contextmanager
    def watched(conn: Any) -> Iterator[None]:
        modes.append(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one())
        with original(conn):
            yield

    monkeypatch.setattr(import_bulk, "bulk_load", watched)
    report = load(own_file, first, batch_lines=9, bulk=True)
    assert report.error_count == 0
    assert modes == ["delete"]
    assert journal_mode(own_file) == "wal"  # and back to the log once loaded
    assert export(own_file) == first
    assert schema(own_file) == before
    with snapshot_of(own_file) as conn:
        assert verify(conn).ok


def test_a_bulk_load_beside_other_connections_keeps_the_log(seeded, sqlite_only, monkeypatch):
    first = export(seeded)
    empty(seeded)
    modes: list[str] = []
    original = import_bulk.alone

    @contextmanager
    def watched(conn: Any) -> Iterator[bool]:
        with original(conn) as journaled:
            modes.append(conn.connection.dbapi_connection.execute("PRAGMA journal_mode").fetchone())
            yield journaled

    monkeypatch.setattr(import_bulk, "alone", watched)
    with seeded.reading():  # another connection holds the file
        assert load(seeded, first, bulk=True).error_count == 0
    assert modes == [("wal",)]
    assert export(seeded) == first


KILLED_LOAD = """
import io, os, signal, sys
from app.config import Settings
from app.db import open_database
from app.services import importing
from app.services.importing import import_lines, read_lines

finish, batches = importing._Batch.finish, []
def finish_then_die(self, *args):
    finish(self, *args)
    batches.append(1)
    if len(batches) == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # mid-load, pages of it already in the file
importing._Batch.finish = finish_then_die
database = open_database(Settings(database_url=sys.argv[1]))
data = sys.stdin.buffer.read()
import_lines(database, read_lines(io.BytesIO(data), 1 << 20), batch_lines=9, bulk=True)
"""


def test_a_journaled_bulk_load_killed_half_way_leaves_the_empty_tables(
    seeded, sqlite_only, own_file
):
    first = export(seeded)
    before = schema(own_file)
    own_file.dispose()
    done = subprocess.run(
        [sys.executable, "-c", KILLED_LOAD, own_file.url],
        input=first,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    file = own_file.url.removeprefix("sqlite:///")
    assert os.path.getsize(f"{file}-journal") > 0  # the load wrote through a rollback journal
    assert not os.path.exists(f"{file}-wal")
    # The next connection rolls the load back from the journal it left.
    assert set(counts(own_file).values()) == {0}
    assert schema(own_file) == before
    assert journal_mode(own_file) == "wal"
    with own_file.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    assert load(own_file, first, bulk=True).error_count == 0
    assert export(own_file) == first


def test_the_claim_list_filters_imported_claims_by_their_verdict(seeded, client):
    """The claim's copy of its verdict's rating (the verdict filter's index) is written by
    the database as verdicts are inserted, by an import (bulk or not) as by the API."""

    def by_rating() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for claim in client.get("/v1/claims", params={"limit": 200}).json()["items"]:
            found.setdefault(claim["verdict"], set()).add(claim["id"])
        return found

    expected = by_rating()
    assert len(expected) > 1  # the seeds rate their claims differently
    first = export(seeded)
    empty(seeded)
    assert load(seeded, first, batch_lines=9, bulk=True).error_count == 0
    for rating, claims in expected.items():
        listed = client.get("/v1/claims", params={"verdict": rating, "limit": 200}).json()
        assert {c["id"] for c in listed["items"]} == claims


def test_a_reader_that_holds_the_file_after_the_load_does_not_fail_it(
    seeded, sqlite_only, own_file, monkeypatch
):
    """The load has committed; a reader that then holds the file past the busy timeout
    keeps it from going back to WAL mode: the import still succeeds, and the next
    connection of the app sets WAL mode."""
    first = export(seeded)
    own_file.dispose()
    original = import_bulk.alone
    file = own_file.url.removeprefix("sqlite:///")

    @contextmanager
    def read_after_the_commit(conn: Any) -> Iterator[bool]:
        with original(conn) as journaled:
            yield journaled  # the load runs and commits
            reader = sqlite3.connect(file, isolation_level=None)
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM claim").fetchone()  # holds a shared lock
        reader.close()

    monkeypatch.setattr(import_bulk, "alone", read_after_the_commit)
    report = load(own_file, first, bulk=True)
    assert report.error_count == 0
    probe = sqlite3.connect(file)
    assert probe.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    probe.close()
    assert journal_mode(own_file) == "wal"
    assert export(own_file) == first


def test_a_claim_on_two_lines_of_a_bulk_load_keeps_its_copies_right(seeded, sqlite_only, client):
    """A bulk load writes a claim's copies (its verdict's rating, and its sort date,
    dispute status and liveness in its accused rows) without the triggers that keep them;
    a claim that a later line rewrites, with another verdict and date, still ends with
    copies that agree with it, as the verdict and accused filters show."""
    lines = export(seeded).splitlines(keepends=True)
    claims = [json.loads(line) for line in lines if b'"type":"claim"' in line]
    claim = next(c for c in claims if c["accused"] and c["deleted_at"] is None)
    accused = claim["accused"][0]
    verdict = claim["verdict"] or {
        "id": "0190f1d2-0000-7000-8000-00000000abcd",
        "rationale": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "version": 0,
        "created_at": claim["created_at"],
        "updated_at": claim["created_at"],
        "deleted_at": None,
    }
    rating = "misleading" if verdict.get("rating") == "refuted" else "refuted"
    rewritten = {
        **claim,
        "version": claim["version"] + 1,
        "stated_on": "1999-03-04",
        "stated_on_precision": "day",
        "verdict": {**verdict, "rating": rating, "version": verdict["version"] + 1},
    }
    empty(seeded)
    rewrite = json.dumps(rewritten).encode() + b"\n"
    report = load(seeded, b"".join(lines) + rewrite, batch_lines=9, bulk=True)
    assert report.error_count == 0, report.errors
    assert report.counts["claim"]["updated"] == 1

    def listed(**params: str) -> set[str]:
        found = client.get("/v1/claims", params={"limit": 200, **params})
        assert found.status_code == 200, found.text
        return {c["id"] for c in found.json()["items"]}

    assert claim["id"] in listed(verdict=rating)
    assert claim["id"] not in listed(verdict=verdict.get("rating", "unassessed"))
    assert claim["id"] in listed(accused=accused, stated_from="1999-01-01", stated_to="1999-12-31")
    assert claim["id"] not in listed(accused=accused, stated_from="2000-01-01")
    with seeded.reading() as conn:
        stale = conn.exec_driver_sql(
            "SELECT count(*) FROM claim_accused JOIN claim ON claim.id = claim_accused.claim_id "
            "WHERE claim_accused.sort_date IS NOT claim.sort_date "
            "OR claim_accused.dispute_status IS NOT claim.dispute_status "
            "OR claim_accused.live IS NOT (claim.deleted_at IS NULL)"
        ).scalar_one()
        assert stale == 0
