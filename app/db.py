"""Engines and transactions.

SQLite gets two engines on the same file: readers begin deferred transactions
(a consistent WAL snapshot that never blocks writers), writers begin with
``BEGIN IMMEDIATE`` so that a transaction which reads and then writes takes the
lock up front instead of failing with "database is locked" half-way.
PostgreSQL uses one engine for both.

SQLite writers also queue on a lock of their own before ``BEGIN IMMEDIATE`` (see
``_WriteGate``): SQLite's busy handler polls with sleeps that grow to 100 ms, so a
writer that has waited a while loses the lock to every newcomer and, under a steady
write load, can wait out the whole busy timeout behind transactions that each last
milliseconds.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from app.config import Settings
from app.services import history as _history_hooks  # noqa: F401  (a revision for every write)
from app.services import search as _search_hooks  # noqa: F401  (keeps the search index in step)
from app.services import tallies as _tally_hooks  # noqa: F401  (keeps the stats counts in step)

log = logging.getLogger("contested")

LAST_REVISION = "SELECT seq, hash FROM revision ORDER BY seq DESC LIMIT 1"
# Connections of the SQLite writers' pool, per process.
WRITERS_POOL = 4


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

    def data_version(self) -> tuple[int, str] | None:
        """(seq, hash) of the last revision, or None before the first write.

        Every write appends its revisions in its own transaction (on PostgreSQL under the
        chain lock, so in commit order), so this pair moves with every committed change,
        and the hash tells one history from another (a restored backup) at the same seq.
        One indexed read in autocommit, on a pooled connection without SQLAlchemy's
        transaction handling: it runs before every cached answer.
        """
        raw = self.read.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(LAST_REVISION)
            row = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()  # back to the pool, which rolls back whatever the driver began
        return None if row is None else (int(row[0]), str(row[1]))

    def dispose(self) -> None:
        self.read.dispose()
        if self.write is not self.read:
            self.write.dispose()


class _WriteGate:
    """One writing transaction at a time across the server's processes, taken in turn.

    Acquired just before ``BEGIN IMMEDIATE`` and released once the transaction has ended.
    The threads of one process queue first come, first served; the one at the head then
    takes an exclusive ``flock`` on ``lock_path``, polled every millisecond, which the
    head of every other process's queue polls just as often. SQLite's own busy handler
    then finds the database free. A wait longer than the busy timeout fails as SQLite
    would ("database is locked", a 503), so that a stuck writer cannot hang the others.
    The kernel drops the ``flock`` of a process that dies.
    """

    def __init__(self, timeout_s: float, lock_path: str | None) -> None:
        self.timeout_s = timeout_s
        self.lock_path = lock_path
        self._lock = threading.Lock()
        self._tickets: list[threading.Lock] = []  # waiters, first come first served
        self._busy = False
        self._fd: int | None = None
        self._fd_pid = 0

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        self._take_turn(deadline)
        try:
            self._lock_file(deadline)
        except BaseException:
            self._hand_over()
            raise

    def release(self) -> None:
        try:
            if self.lock_path is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._hand_over()

    def _take_turn(self, deadline: float) -> None:
        with self._lock:
            if not self._busy and not self._tickets:
                self._busy = True
                return
            ticket = threading.Lock()
            ticket.acquire()
            self._tickets.append(ticket)
        if ticket.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return  # handed over by _hand_over(), still marked busy
        with self._lock:
            if ticket in self._tickets:
                self._tickets.remove(ticket)
                raise _locked()
        # Handed over between the timeout and the check above: the turn is ours.

    def _hand_over(self) -> None:
        with self._lock:
            if self._tickets:
                self._tickets.pop(0).release()  # stays busy: the next writer's turn
            else:
                self._busy = False

    def _lock_file(self, deadline: float) -> None:
        if self.lock_path is None:
            return
        if self._fd is None or self._fd_pid != os.getpid():
            # A forked child must not share its parent's open file (and so its flock).
            try:
                self._fd = _open_lock_file(self.lock_path)
            except OSError as exc:
                log.warning("writers queue on SQLite's busy handler alone: %s", exc)
                self.lock_path = None
                return
            self._fd_pid = os.getpid()
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _locked() from None
                # A short, constant poll: unlike SQLite's growing sleeps it does not
                # put the writer that has waited longest behind every newcomer.
                time.sleep(0.001)


def _open_lock_file(path: str) -> int:
    """Open (or create) the writers' lock file with the database file's permissions, as
    SQLite does for its -wal and -shm files, so that every user who may write the
    database may take the lock."""
    database = path.removesuffix("-writers")
    mode = os.stat(database).st_mode & 0o666 if os.path.exists(database) else 0o644
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
    with suppress(OSError):  # not the owner: the mode is whatever the owner made it
        os.fchmod(fd, mode)
    return fd


def _locked() -> DBAPIError:
    return OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))


def _gated_connection(gate: _WriteGate) -> type[sqlite3.Connection]:
    """A driver connection that lets go of ``gate`` when its transaction ends."""

    class GatedConnection(sqlite3.Connection):
        holds_gate = False

        def let_go(self) -> None:
            if self.holds_gate:
                self.holds_gate = False
                gate.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                if not self.in_transaction:
                    self.let_go()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self.let_go()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self.let_go()

    return GatedConnection


def _begin_read(conn: Connection) -> None:
    """BEGIN a read, on the driver's own connection: every read request starts one, and
    SQLAlchemy's statement machinery around it cost about a twentieth of a small read's
    CPU (docs/benchmarks.md). Through SQLAlchemy when something watches the statements."""
    if conn.dispatch.before_cursor_execute or conn.dispatch.after_cursor_execute:
        conn.exec_driver_sql("BEGIN")
    else:
        conn.connection.dbapi_connection.execute("BEGIN")  # type: ignore[union-attr]


def _sqlite_engine(url: str, settings: Settings, begin: str) -> Engine:
    gate = None
    if begin != "BEGIN":
        database = make_url(url).database
        on_disk = (
            bool(database) and database != ":memory:" and not str(database).startswith("file:")
        )
        gate = _WriteGate(
            settings.sqlite_busy_timeout_ms / 1000, f"{database}-writers" if on_disk else None
        )
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if gate is not None:
        connect_args["factory"] = _gated_connection(gate)
    # Writers take turns at the gate, so connections beyond a few only hold memory (a
    # page cache and the schema each) while their threads wait: a thread past the pool's
    # WRITERS_POOL waits for one instead (docs/benchmarks.md, the mixed load).
    pool = {"pool_size": WRITERS_POOL, "max_overflow": 0} if gate is not None else {}
    engine = create_engine(url, connect_args=connect_args, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how a transaction starts.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        if begin == "BEGIN":
            # Readers keep more of the file in memory than SQLite's default 2 MiB, which
            # one page of the claim list with its actors, events and verdicts outgrows;
            # 4 MiB read as fast as 16 at a million claims and kept the server under the
            # mixed load 25 MB smaller (docs/benchmarks.md). Taken only as pages are read.
            cursor.execute(f"PRAGMA cache_size=-{settings.sqlite_read_cache_mib * 1024}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if gate is None:
            _begin_read(conn)
            return
        dbapi_conn: Any = conn.connection.dbapi_connection
        gate.acquire()
        dbapi_conn.holds_gate = True
        try:
            conn.exec_driver_sql(begin)
        except BaseException:
            dbapi_conn.let_go()
            raise

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
