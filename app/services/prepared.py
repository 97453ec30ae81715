"""Statements compiled once and run on the driver, and driver values made JSON-ready.

On the read hot path SQLAlchemy's per-execution work (building and cache-keying a
statement, adapting the cached result map, a processor per column of every row) costs
more than SQLite spends running the query (docs/benchmarks.md). A ``Prepared`` statement
is compiled once per dialect; each execution only processes its bind values and runs
the SQL on the driver's cursor (through ``exec_driver_sql`` instead while a listener
watches the connection's statements, as the statement-count tests do, so that they see
every one). Rows come back as the driver's own values, which a ``Plain`` of the dialect
turns into what the response models would render.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlmodel import Session

Conn = Connection | Session


def connection_of(conn: Conn) -> Connection:
    return conn.connection() if isinstance(conn, Session) else conn


class Prepared:
    """A Core statement compiled once per dialect, run with plain parameter values.

    ``statement`` is the statement, or a function of the dialect's name that builds it
    (for SQL that differs between SQLite and PostgreSQL).
    """

    def __init__(self, statement: Any | Callable[[str], Any]) -> None:
        self.build = statement if callable(statement) else lambda _dialect: statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def _compile(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        compiled = self.build(dialect.name).compile(dialect=dialect)
        binds = {
            name: (bind.type._cached_bind_processor(dialect), bind.value)
            for name, bind in compiled.binds.items()
        }
        positions = compiled.positiontup if compiled.positional else None
        found = self._compiled[dialect.name] = (compiled.string, positions, binds)
        return found

    def sql(self, dialect: Dialect) -> str:
        return (self._compiled.get(dialect.name) or self._compile(dialect))[0]

    def rows(self, conn: Conn, params: Mapping[str, Any]) -> Sequence[Any]:
        if isinstance(conn, Session) and conn.autoflush:
            conn.flush()  # what Session.execute would do: the query sees pending rows
        bind = connection_of(conn)
        dialect = bind.dialect
        sql, positions, binds = self._compiled.get(dialect.name) or self._compile(dialect)
        processed = {}
        for name, (process, default) in binds.items():
            value = params.get(name, default)
            processed[name] = process(value) if process is not None and value is not None else value
        args: Any = tuple(processed[n] for n in positions) if positions is not None else processed
        if bind.dispatch.before_cursor_execute or bind.dispatch.after_cursor_execute:
            return bind.exec_driver_sql(sql, args).all()  # someone watches the statements
        try:
            cursor = bind.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(sql, args)
                return cursor.fetchall()  # type: ignore[no-any-return]
            finally:
                cursor.close()
        except Exception:
            # Only reads are prepared, so the statement may run again, through SQLAlchemy:
            # it raises the error the app's handlers know (a busy database is a 503) and
            # invalidates a connection that broke.
            return bind.exec_driver_sql(sql, args).all()


def driver_rows(conn: Connection, sql: str, params: Any = ()) -> Sequence[Any]:
    """The rows of a statement as the driver gives them (plain tuples), read in one call:
    for passes over many rows, where a Row object and a fetch call per row cost more than
    the work done with the row. The statement still goes through SQLAlchemy (its
    listeners, its errors)."""
    result = conn.exec_driver_sql(sql, params)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


@lru_cache(maxsize=1 << 16)
def dashed(hex32: str | None) -> str | None:
    """32 hex digits, as SQLite stores a UUID, in the dashed form the API shows.

    Remembered: ids recur (the actors, events and sources of one answer in the next; the
    actors, sources and claims that an import's records name).
    """
    if hex32 is None:
        return None
    h = hex32
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _sqlite_instant(stored: str | None) -> str | None:
    """'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC, as stored on SQLite) in ISO 8601 with 'Z',
    as pydantic renders a UTC datetime (no fraction when it is zero)."""
    if stored is None:
        return None
    if stored.endswith(".000000"):
        stored = stored[:-7]
    return stored.replace(" ", "T", 1) + "Z"


def _aware_instant(value: datetime | None) -> datetime | None:
    """A timestamptz in UTC, which the JSON writer renders with 'Z'."""
    if value is None or value.utcoffset() is None or not value.utcoffset():
        return value
    return value.astimezone(UTC)


def _same(value: Any) -> Any:
    return value


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


class Plain:
    """Turns one dialect's driver values into JSON-ready ones.

    SQLite hands back UUIDs as 32 hex digits, timestamps as naive text and booleans as
    0/1; PostgreSQL hands back ``uuid.UUID``, aware ``datetime`` and ``bool``, which the
    JSON writer renders as the response models would.
    """

    def __init__(self, dialect_name: str) -> None:
        sqlite = dialect_name == "sqlite"
        self.uuid = dashed if sqlite else _same
        self.instant = _sqlite_instant if sqlite else _aware_instant
        self.flag = _flag if sqlite else _same


_PLAIN = {name: Plain(name) for name in ("sqlite", "postgresql")}


def plain_of(conn: Conn) -> Plain:
    return _PLAIN[connection_of(conn).dialect.name]
