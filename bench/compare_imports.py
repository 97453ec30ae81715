"""Compare two SQLite databases loaded from one archive: what an import derives must agree.

    .venv/bin/python bench/compare_imports.py NEW.db OLD.db

Checks, and prints a line for each: the schema (tables, indexes, triggers), the claims'
derived columns (dispute status, first response, lag, support, refute, balance, sort
date, verdict rating), what the accused rows copy from their claims, the search
documents (kind, row, title, body, terms), the number of revisions of each kind and
operation, the stats counters and each claim's stats keys, and that the full-text index
of the first agrees with its documents (FTS5 integrity-check). Exits 1 on the first
difference.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys

QUERIES = {
    "schema": "SELECT type, name, sql FROM sqlite_master ORDER BY type, name",
    "derived columns": (
        "SELECT id, dispute_status, first_response_on, response_lag_days, "
        "round(support, 9), round(refute, 9), round(balance, 9), sort_date, verdict_rating "
        "FROM claim ORDER BY id"
    ),
    "accused rows": (
        "SELECT claim_id, actor_id, position, sort_date, dispute_status, live FROM claim_accused "
        "ORDER BY claim_id, actor_id"
    ),
    "search documents": (
        "SELECT kind, entity_id, title, body, terms FROM search_document ORDER BY kind, entity_id"
    ),
    "revisions": "SELECT entity, op, count(*) FROM revision GROUP BY 1, 2 ORDER BY 1, 2",
    "stats counts": "SELECT dimension, key, claims, actor_id FROM tally ORDER BY 1, 2",
    "claims' stats keys": "SELECT claim_id, keys FROM claim_tally ORDER BY claim_id",
}


def digest(conn: sqlite3.Connection, sql: str) -> tuple[int, str]:
    found = hashlib.sha256()
    rows = 0
    for row in conn.execute(sql):
        found.update(repr(row).encode())
        rows += 1
    return rows, found.hexdigest()


def main(new: str, old: str) -> None:
    first, second = sqlite3.connect(new), sqlite3.connect(old)
    for what, sql in QUERIES.items():
        one, other = digest(first, sql), digest(second, sql)
        print(f"{what}: {one[0]:,} rows, {'the same' if one == other else 'DIFFERENT'}")
        if one != other:
            sys.exit(1)
    first.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
    print("full-text index: consistent with its documents")


if __name__ == "__main__":
    main(*sys.argv[1:3])
