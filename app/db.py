"""Engines and transactions.

SQLite gets two engines on the same file: readers begin deferred transactions
(a consistent WAL snapshot that never blocks writers), writers begin with
``BEGIN IMMEDIATE`` so that a transaction which reads and then writes takes the
lock up front instead of failing with "database is locked" half-way.
PostgreSQL uses one engine for both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import Settings
from app.services import history as _history_hooks  # noqa: F401  (a revision for every write)
from app.services import search as _search_hooks  # noqa: F401  (keeps the search index in step)


@dataclass(frozen=True)
class Database:
    """The engines of one database: ``read`` for queries, ``write`` for units of work."""

    url: str
    read: Engine
    write: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.read.dialect.name == "sqlite"

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only connection inside one transaction (one snapshot)."""
        with self.read.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with Session(self.write, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.read.dispose()
        if self.write is not self.read:
            self.write.dispose()


def _sqlite_engine(url: str, settings: Settings, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how a transaction starts.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


def open_database(settings: Settings) -> Database:
    """Create the engines for ``settings.database_url`` (SQLite folders are created)."""
    url = settings.database_url
    if settings.is_sqlite:
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return Database(
            url=url,
            read=_sqlite_engine(url, settings, "BEGIN"),
            write=_sqlite_engine(url, settings, "BEGIN IMMEDIATE"),
        )
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    return Database(url=url, read=engine, write=engine)


# PostgreSQL asks for the whole transaction to be run again after these (PostgreSQL
# docs §13.5): serialization_failure and deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_serialization_failure(exc: BaseException) -> bool:
    """True when ``exc``, or the driver error it wraps, is a serialization failure or a
    deadlock: the transaction was rolled back and running it again may well succeed."""
    current: BaseException | None = exc
    for _ in range(8):  # a short, bounded walk down the wrapping chain
        if current is None:
            return False
        if getattr(current, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        current = getattr(current, "orig", None) or current.__cause__
    return False
