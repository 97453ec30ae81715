"""Get a database ready for bench/suite.py and choose what each scenario asks for.

    .venv/bin/python bench/prepare.py SOURCE.db WORK.db [--postgres URL] > params.json

SOURCE.db gets its search index filled when it has none (bench/make_data.py files have
none), and is migrated to the current schema, once. WORK.db is a copy of it with one
contributor API key for the POST scenarios, WAL checkpointed and ANALYZEd. With
``--postgres URL`` the same rows are also copied into that (emptied, migrated)
PostgreSQL database. The parameters of the
scenarios are chosen from the data, the same way at every size, and printed as JSON:

- dossier: the claim with the most responses and evidence (ties: the newest id);
- deep page: a cursor resuming 80% of the way down the default order;
- filtered list: status ``denied``, the middle half of the span of statement dates, and
  the accused actor with the most such claims (the heaviest case for this filter), by
  pages of ``FILTERED_PAGE``, so that the pages are full and of one length at every
  size (in the 10k archive that actor has 7 such claims; ``filtered_matches`` says how
  many at each size);
- search: the alphabetic word of 4+ letters whose number of matching documents is the
  closest to 100, so that the work per query is the same at every size;
- timeline: the event with the most claims.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services import search  # noqa: E402

SEARCH_TARGET = 100
FILTERED_PAGE = 5


def index_for_search(db: sqlite3.Connection) -> int:
    """Fill search_document as app.services.search.reindex() would, in bulk (claims,
    actors and events; a rebuild row by row takes minutes at a million claims)."""
    # One transaction, with a page cache large enough that SQLite does not spill pages
    # and read them back from the WAL for every insert.
    db.execute("PRAGMA cache_size = -1000000")
    db.execute("BEGIN IMMEDIATE")  # waits for any other writer, then sees what it wrote
    if db.execute("SELECT count(*) FROM search_document").fetchone()[0]:
        db.execute("COMMIT")
        return 0
    aliases: dict[str, list[str]] = {}
    for actor_id, alias in db.execute(
        "SELECT actor_id, alias FROM actor_alias ORDER BY actor_id, position"
    ):
        aliases.setdefault(actor_id, []).append(alias)
    documents = []
    for claim_id, proposition, quote, translation in db.execute(
        "SELECT id, proposition, quote, translation FROM claim WHERE deleted_at IS NULL"
    ):
        body = "\n".join(p for p in (proposition, quote, translation) if p)
        documents.append(("claim", claim_id, proposition, body))
    for actor_id, name, slug in db.execute(
        "SELECT id, name, slug FROM actor WHERE deleted_at IS NULL"
    ):
        body = "\n".join([name, *aliases.get(actor_id, []), slug.replace("-", " ")])
        documents.append(("actor", actor_id, name, body))
    for event_id, title in db.execute("SELECT id, title FROM event WHERE deleted_at IS NULL"):
        documents.append(("event", event_id, title, title))
    # The insert trigger feeds FTS5 one row per statement, and FTS5 writes a segment at the
    # end of every statement: hours at a million rows. Without the trigger, then one
    # 'rebuild' from the content table, then the trigger back exactly as it was.
    trigger = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_document_ai'"
    ).fetchone()[0]
    db.execute("DROP TRIGGER search_document_ai")
    db.executemany(
        "INSERT INTO search_document (kind, entity_id, title, body, terms) VALUES (?, ?, ?, ?, ?)",
        ((k, i, t, b, " ".join(search.tokens(b))) for k, i, t, b in documents),
    )
    db.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    db.execute(trigger)
    db.execute("COMMIT")
    return len(documents)


def search_word(db: sqlite3.Connection) -> tuple[str, int]:
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, search_fts, 'row')")
    rows = db.execute(
        "SELECT term, doc FROM temp.vocab WHERE length(term) >= 4 "
        "ORDER BY abs(doc - ?), term LIMIT 200",
        (SEARCH_TARGET,),
    ).fetchall()
    db.execute("DROP TABLE temp.vocab")
    return next((t, n) for t, n in rows if t.isalpha())


def dashed(hex32: str) -> str:
    return str(uuid.UUID(hex32))


def choose(db: sqlite3.Connection) -> dict:
    from app.models.claim import ClaimSort
    from app.services.claim_list import SORTS, ClaimFilters
    from app.services.pagination import encode_cursor, fingerprint

    live = db.execute("SELECT count(*) FROM claim WHERE deleted_at IS NULL").fetchone()[0]
    dossier = db.execute(
        "SELECT c.id FROM claim c WHERE c.deleted_at IS NULL ORDER BY "
        "(SELECT count(*) FROM claim_response r WHERE r.claim_id = c.id) + "
        "(SELECT count(*) FROM evidence e WHERE e.claim_id = c.id) DESC, c.id DESC LIMIT 1"
    ).fetchone()[0]
    sort_date, after_id = db.execute(
        "SELECT sort_date, id FROM claim WHERE deleted_at IS NULL "
        "ORDER BY sort_date DESC, id DESC LIMIT 1 OFFSET ?",
        (int(live * 0.8),),
    ).fetchone()
    cursor = encode_cursor(
        SORTS[ClaimSort.stated_on_desc],
        date.fromisoformat(sort_date),
        uuid.UUID(after_id),
        fingerprint(vars(ClaimFilters())),
    )
    first, last = db.execute(
        "SELECT min(sort_date), max(sort_date) FROM claim "
        "WHERE deleted_at IS NULL AND sort_date > '0001-01-01'"
    ).fetchone()
    d0, d1 = date.fromisoformat(first).toordinal(), date.fromisoformat(last).toordinal()
    stated_from = date.fromordinal(d0 + (d1 - d0) // 4).isoformat()
    stated_to = date.fromordinal(d0 + 3 * (d1 - d0) // 4).isoformat()
    accused, in_range = db.execute(
        "SELECT a.slug, count(*) FROM claim_accused ca JOIN actor a ON a.id = ca.actor_id "
        "JOIN claim c ON c.id = ca.claim_id WHERE c.deleted_at IS NULL "
        "AND c.dispute_status = 'denied' AND c.sort_date BETWEEN ? AND ? "
        "GROUP BY ca.actor_id ORDER BY count(*) DESC, a.slug LIMIT 1",
        (stated_from, stated_to),
    ).fetchone()
    event = db.execute(
        "SELECT e.slug FROM claim c JOIN event e ON e.id = c.event_id "
        "WHERE c.deleted_at IS NULL GROUP BY e.id ORDER BY count(*) DESC, e.slug LIMIT 1"
    ).fetchone()[0]
    word, matches = search_word(db)
    claimant, *rest = [
        slug for (slug,) in db.execute("SELECT slug FROM actor ORDER BY slug LIMIT 3")
    ]
    return {
        "claims": live,
        "dossier": dashed(dossier),
        "cursor": cursor,
        "cursor_after": [sort_date, dashed(after_id), after_id],
        "accused": accused,
        "status": "denied",
        "stated_from": stated_from,
        "stated_to": stated_to,
        "filtered_matches": in_range,
        "filtered_limit": FILTERED_PAGE,
        "event": event,
        "q": word,
        "q_matches": matches,
        "post_claimant": claimant,
        "post_accused": rest,
    }


def api_key(url: str) -> str:
    from app.config import Settings
    from app.db import open_database
    from app.models.api_key import Role
    from app.services.keys import create_key

    database = open_database(Settings(database_url=url))
    try:
        with database.unit_of_work() as session:
            return create_key(session, "bench", Role.contributor).key
    finally:
        database.dispose()


def copy_to_postgres(sqlite_path: Path, url: str) -> None:
    """Empty the PostgreSQL database, migrate it, and copy every row of the SQLite file."""
    from sqlalchemy import create_engine, insert, select, text
    from sqlmodel import SQLModel

    from app.services import migrations

    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrations.upgrade(url)
    source = create_engine(f"sqlite:///{sqlite_path}")
    skip = {"alembic_version", "rate_limit_counter", "idempotency_key"}
    with source.connect() as src, engine.begin() as dst:
        dst.execute(text("SET session_replication_role = replica"))  # FK order, triggers
        for table in SQLModel.metadata.sorted_tables:
            if table.name in skip:
                continue
            columns = [c for c in table.columns if not c.computed]
            result = src.execute(select(*columns)).mappings()
            while chunk := result.fetchmany(5000):
                dst.execute(insert(table), [dict(row) for row in chunk])
        dst.execute(text("SET session_replication_role = origin"))
        dst.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('search_document', 'id'), "
                "(SELECT coalesce(max(id), 1) FROM search_document))"
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    source.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--postgres", help="also copy the rows into this PostgreSQL URL")
    args = parser.parse_args()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.work}{suffix}").unlink(missing_ok=True)
    # The source is a generated file: index it in place, once, so that later copies of
    # it carry the index.
    from app.services import migrations

    # A file made by an older schema is migrated in place, once, like its search index.
    migrations.upgrade(f"sqlite:///{args.source}")
    db = sqlite3.connect(args.source, isolation_level=None, timeout=3600)
    indexed = index_for_search(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    shutil.copyfile(args.source, args.work)
    db = sqlite3.connect(args.work, isolation_level=None)
    params = choose(db)
    db.execute("ANALYZE")
    db.close()
    params["key"] = api_key(f"sqlite:///{args.work}")
    params["indexed"] = indexed
    if args.postgres:
        copy_to_postgres(args.work, args.postgres)
        params["pg_key"] = api_key(args.postgres)
    db = sqlite3.connect(args.work, isolation_level=None)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    json.dump(params, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
