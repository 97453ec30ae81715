"""Consistent copies of an SQLite database while it serves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupUnsupported(Exception):
    """The database is not an SQLite file (PostgreSQL has pg_dump for this)."""


def backup_sqlite(database_url: str, target: Path, pages_per_step: int = 1024) -> int:
    """Copy the SQLite database to ``target`` with SQLite's online backup API.

    Writers keep going while it runs; the copy is the database as of one moment, and
    is checked with ``PRAGMA integrity_check`` before this returns the page count.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupUnsupported(
            "backup copies SQLite files; for PostgreSQL use pg_dump, e.g. "
            "pg_dump --format=custom --file=contested.dump DATABASE"
        )
    if target.exists():
        raise FileExistsError(f"{target} exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(url.database)
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=5000")
        source.backup(copy, pages=pages_per_step)
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise RuntimeError(f"the copy failed its integrity check: {check}")
        return int(copy.execute("PRAGMA page_count").fetchone()[0])
    finally:
        copy.close()
        source.close()
