"""Loading a whole file into empty SQLite tables in one transaction.

An index kept up to date row by row costs a B-tree insert at a random place for every
row, and the search index's triggers an FTS5 update per document; built once after the
load, from rows already in place, each costs a sort. So when every table the import
writes is empty, the import runs in one transaction that drops the tables' non-unique
indexes, the search index's triggers and the triggers that copy a claim's values into
other rows, loads the file (each batch of lines in a savepoint, so that a batch refused
by a constraint is undone alone), then creates the indexes again, computes the claims'
derived figures and sets the copies (before the indexes of the tables they go to, so
that those are built once rather than updated row by row), rebuilds the FTS5 index and
restores the triggers, and commits. SQLite's DDL is transactional: other connections
never see the tables without their indexes, and a load that fails or is killed rolls
back to the empty tables it started from. The unique indexes stay, as the import's
checks and the database's constraints rely on them; all but the revisions' hashes.

When the importing connection has the file to itself, the load also leaves write-ahead
logging for a rollback journal (``alone``). In WAL mode one transaction's every page
goes to the log first, to be copied into the database at the checkpoint; and a page the
cache has let go of is found again only by searching the log's index, segment by
segment, which grows with the log: at a million claims the log reached 26 GB and the
load took three times as long per claim as at 100,000. A rollback journal keeps only
the pages that existed before the transaction (an empty database's few), so the loaded
pages are written once, straight into the file, and read back from it. A load that fails
or is killed is rolled back from that journal, by SQLite, on the next open. The price:
no other connection can read the file until the load has committed.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from app.services import tallies
from app.services.export import SPECS
from app.services.import_derived import chunks, refresh_claims

# The tables an import writes. (Without its indexes, the revision table still finds a
# row's last revision quickly: the lookup reads it backwards from the newest, and a row
# a bulk load changes was written shortly before.)
TABLES = (
    *(spec.table.name for spec in SPECS),
    *(link.table.name for spec in SPECS for link in spec.links),
    "search_document",
    "revision",
)
# Empty at the start of a bulk load; the revisions need not be (a database emptied by
# deleting rows keeps its history).
LOADED = TABLES[:-1]
FTS_REBUILD = "INSERT INTO search_fts(search_fts) VALUES ('rebuild')"
# FTS5 gathers new terms in memory and writes them out as a segment each time they pass
# its hash size (1 MiB by default), merging segments as they pile up. A rebuild with a
# 64 MiB hash writes and merges far fewer (0.68 of the time at 200,000 claims,
# docs/benchmarks.md). The setting is stored with the index: put back after the rebuild.
FTS_HASH_SIZE = "INSERT INTO search_fts(search_fts, rank) VALUES ('hashsize', ?)"
REBUILD_HASH_BYTES = 64 * 1024 * 1024
DEFAULT_HASH_BYTES = 1024 * 1024
# Triggers that copy a claim's values into other rows, row by row: a claim's verdict
# rating from its verdict, and its sort date, dispute status and liveness into its
# accused rows. The import writes the copies as it loads; once the claims' derived
# figures are in, one statement per copy sets what the triggers would have set, over
# every row at once (most accused rows, as their claim's dispute status has changed;
# a claim's rating, only for a claim on two lines of the file).
_RATING = (
    "UPDATE claim SET verdict_rating = verdict.rating FROM verdict "
    "WHERE verdict.claim_id = claim.id AND claim.verdict_rating IS NOT verdict.rating"
)
_ACCUSED = (
    "UPDATE claim_accused SET sort_date = claim.sort_date, "
    "dispute_status = claim.dispute_status, live = (claim.deleted_at IS NULL) FROM claim "
    "WHERE claim.id = claim_accused.claim_id AND (claim_accused.sort_date IS NOT "
    "claim.sort_date OR claim_accused.dispute_status IS NOT claim.dispute_status "
    "OR claim_accused.live IS NOT (claim.deleted_at IS NULL))"
)
COPIES = {
    "verdict_copies_rating": _RATING,
    "verdict_updates_rating": _RATING,
    "claim_accused_copies_claim": _ACCUSED,
    "claim_updates_claim_accused": _ACCUSED,
}
# The tables the claims' derived figures and their copies are written to: their indexes
# are built after those writes, not updated row by row by them.
DERIVED_INTO = ("claim", "claim_accused")
FTS_INSERT = "search_document_ai"  # the search index's insert trigger
CLAIM_CHUNK = 500
# Unique indexes that no check of the import reads, dropped and built again like the
# others: a chained revision's hash is unique by construction, yet went into its index
# at a random place per row (CREATE UNIQUE INDEX still checks it at the end).
REBUILT_UNIQUE = {"uq_revision_hash"}


def tables_empty(conn: Connection) -> bool:
    """True when none of the tables an import writes has a row."""
    return not any(
        conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {table})").scalar() for table in LOADED
    )


@contextmanager
def alone(conn: Connection) -> Iterator[bool]:
    """Outside a transaction: the database in rollback-journal mode while the body runs,
    and back in WAL mode after, if no other connection has the file open (SQLite leaves
    WAL mode only then); yields whether it did. Otherwise nothing changes (False)."""
    driver: Any = conn.connection.dbapi_connection
    (timeout,) = driver.execute("PRAGMA busy_timeout").fetchone()
    driver.execute("PRAGMA busy_timeout=0")  # another connection: give up at once
    try:
        (mode,) = driver.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.OperationalError:  # "database is locked"
        mode = "wal"
    finally:
        driver.execute(f"PRAGMA busy_timeout={int(timeout)}")
    try:
        yield mode == "delete"
    finally:
        if mode == "delete":
            # Should a reader have opened the file since the commit and hold it past the
            # busy timeout, the next connection the app opens sets WAL mode instead.
            with contextlib.suppress(sqlite3.OperationalError):
                driver.execute("PRAGMA journal_mode=WAL")


def _schema(conn: Connection, type_: str) -> list[tuple[str, str, str]]:
    """(name, table, SQL) of the tables' indexes or triggers, but the unique indexes kept."""
    marks = ", ".join("?" * len(TABLES))
    return [
        (name, table, sql)
        for name, table, sql in conn.exec_driver_sql(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            f"WHERE type = ? AND tbl_name IN ({marks}) "
            "AND sql IS NOT NULL ORDER BY name",
            (type_, *TABLES),
        )
        if not sql.upper().startswith("CREATE UNIQUE") or name in REBUILT_UNIQUE
    ]


@contextmanager
def bulk_load(conn: Connection) -> Iterator[None]:
    """Inside ``conn``'s transaction: the indexes and triggers are gone while the body
    loads, and back, built over every row, when it has loaded without an error."""
    indexes = _schema(conn, "index")
    triggers = [
        (name, sql)
        for name, _, sql in _schema(conn, "trigger")
        if "search_fts" in sql or name in COPIES
    ]
    for name, _, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    for name, _ in triggers:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    yield
    for _, table, sql in indexes:
        if table not in DERIVED_INTO:
            conn.exec_driver_sql(sql)
    _refresh_every_claim(conn)
    for sql in dict.fromkeys(COPIES[name] for name, _ in triggers if name in COPIES):
        conn.exec_driver_sql(sql)
    for _, table, sql in indexes:
        if table in DERIVED_INTO:
            conn.exec_driver_sql(sql)
    tallies.rebuild(conn)  # the stats counts, from every claim at once
    conn.exec_driver_sql(FTS_HASH_SIZE, (REBUILD_HASH_BYTES,))
    conn.exec_driver_sql(FTS_REBUILD)
    conn.exec_driver_sql(FTS_HASH_SIZE, (DEFAULT_HASH_BYTES,))
    for _, sql in triggers:
        conn.exec_driver_sql(sql)


def _refresh_every_claim(conn: Connection) -> None:
    """The derived figures of every claim, now that its responses and evidence are in."""
    last = ""
    while True:
        ids = list(
            conn.exec_driver_sql(
                "SELECT id FROM claim WHERE id > ? ORDER BY id LIMIT ?", (last, CLAIM_CHUNK)
            ).scalars()
        )
        if not ids:
            return
        refresh_claims(conn, ids)
        last = ids[-1]


def truncate_log(conn: Connection) -> None:
    """After the load has committed: the write-ahead log, as large as everything loaded,
    is copied into the database and cut back to nothing, so that its disk space comes back
    at once rather than when the last connection closes. (If a reader still needs it,
    the next checkpoint does this.)"""
    driver: Any = conn.connection.dbapi_connection
    driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def drop_fts_insert_trigger(conn: Connection) -> str:
    """Drop the trigger that adds each new search document to the FTS5 index; return the
    SQL that creates it again (before the transaction ends: other connections never see
    it missing)."""
    sql: str = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (FTS_INSERT,)
    ).scalar_one()
    conn.exec_driver_sql(f"DROP TRIGGER {FTS_INSERT}")
    return sql


def index_documents(conn: Connection, kind: str, entity_ids: list[Any]) -> None:
    """Add the search documents of these rows to the FTS5 index, as the trigger would."""
    for chunk in chunks(entity_ids):
        marks = ", ".join("?" * len(chunk))
        conn.exec_driver_sql(
            "INSERT INTO search_fts(rowid, terms) SELECT id, terms FROM search_document "
            f"WHERE kind = ? AND entity_id IN ({marks})",
            (kind, *chunk),
        )
