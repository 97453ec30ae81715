"""Rate limits: who a request counts against, and where the counts are kept.

A fixed window (``limits.FixedWindowRateLimiter``) per identity: the API key when the
request carries one that looks like ours, else the client address. Counts are kept in
the ``rate_limit_counter`` table by default, so that every worker and every host on one
database shares them, or in Redis (``limits``' own storage) when one is configured.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Connection, Engine, case, create_engine, delete, event, select, text
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.db import Database
from app.models.rate_limit import RateLimitCounter
from app.security import KEY_PREFIX

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_KEY_SHAPE = re.compile(re.escape(KEY_PREFIX) + r"[0-9a-f]{8}_[A-Za-z0-9_-]{20,100}")
_COUNTERS = RateLimitCounter.__table__


def client_identity(
    authorization: str | None,
    peer: str | None,
    forwarded_for: list[str],
    trusted: tuple[Network, ...],
) -> str:
    """What a request counts against: ``key:<digest>`` or ``addr:<client address>``.

    A bearer token shaped like one of our keys counts as that key without a database
    lookup (the route authenticates it); its digest is salted so that the counters
    never hold the ``api_key.key_hash`` of a key.
    """
    if authorization:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and _KEY_SHAPE.fullmatch(token):
            digest = hashlib.sha256(b"contested rate limit\x00" + token.encode()).hexdigest()
            return "key:" + digest[:32]
    return "addr:" + client_address(peer, forwarded_for, trusted)


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The client's address: the ASGI peer, unless the peer is a trusted proxy.

    Behind trusted proxies, ``X-Forwarded-For`` is read from the right (each proxy
    appends the address it saw): the first hop that is not a trusted proxy is the
    client. Everything left of it may have been written by the client, so it is never
    believed; a hop that is not an IP address stops the walk at the last one vouched for.
    """
    if peer is None:
        return "unknown"
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    client = peer
    for hop in reversed(hops):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            break
        client = str(address)
        if not any(address in network for network in trusted):
            break
    return client


def _is_trusted(peer: str, trusted: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in trusted)


class DatabaseStorage(Storage):
    """``limits`` storage on the ``rate_limit_counter`` table (SQLite or PostgreSQL).

    Enough of the interface for the fixed-window strategy: ``incr`` is one atomic
    upsert that starts a new window when the stored one has expired, so concurrent
    workers never lose a hit. Times are seconds since the epoch, as ``limits`` counts.
    """

    STORAGE_SCHEME = None  # built from a Database, not from a storage URI

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self._postgres = engine.dialect.name == "postgresql"

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            if self._postgres:
                # A lost counter after a crash costs nothing; not waiting for the WAL
                # flush on every request does (the transaction stays atomic).
                conn.execute(text("SET LOCAL synchronous_commit = off"))
            yield conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        expired = _COUNTERS.c.expires_at <= now
        insert = (postgres_insert if self._postgres else sqlite_insert)(_COUNTERS)
        statement = (
            insert.values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[_COUNTERS.c.key],
                set_={
                    "count": case((expired, amount), else_=_COUNTERS.c.count + amount),
                    "expires_at": case((expired, now + expiry), else_=_COUNTERS.c.expires_at),
                },
            )
            .returning(_COUNTERS.c.count)
        )
        with self._transaction() as conn:
            return int(conn.execute(statement).scalar_one())

    def _live(self, key: str) -> Any:
        with self._transaction() as conn:
            return conn.execute(
                select(_COUNTERS.c.count, _COUNTERS.c.expires_at).where(
                    _COUNTERS.c.key == key, _COUNTERS.c.expires_at > self.clock()
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._live(key)
        return int(row.count) if row is not None else 0

    def get_expiry(self, key: str) -> float:
        row = self._live(key)
        return float(row.expires_at) if row is not None else self.clock()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._transaction() as conn:
            return int(conn.execute(delete(_COUNTERS)).rowcount or 0)

    def clear(self, key: str) -> None:
        with self._transaction() as conn:
            conn.execute(delete(_COUNTERS).where(_COUNTERS.c.key == key))

    def purge_expired(self) -> int:
        """Delete the counters of windows that have ended."""
        with self._transaction() as conn:
            result = conn.execute(delete(_COUNTERS).where(_COUNTERS.c.expires_at <= self.clock()))
            return int(result.rowcount or 0)


def counter_engine(db: Database, busy_timeout_ms: int) -> Engine:
    """The engine the counters are written with.

    On an SQLite file, a writer engine of its own with ``synchronous=NORMAL``: every
    request, reads included, writes a counter, and an fsync per hit would serialise the
    whole service on the disk. NORMAL in WAL mode still syncs at checkpoints, so the
    file stays consistent; a power cut can only lose the last counts. ``synchronous``
    is per connection, so the data's own writes keep FULL. Elsewhere, the write engine.
    """
    database = make_url(db.url).database
    if not db.is_sqlite or not database or database == ":memory:":
        return db.write
    engine = create_engine(db.url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class RequestLimiter:
    """One limit (``600/minute``) applied per identity, on a ``limits`` storage."""

    def __init__(
        self, storage: Storage, limit: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.storage = storage
        self.item: RateLimitItem = parse(limit)
        self.strategy = FixedWindowRateLimiter(storage)
        self.clock = clock

    def hit(self, identity: str) -> int | None:
        """Count one request; ``None`` if it is allowed, else whole seconds (at least 1)
        until the window resets, for ``Retry-After``."""
        if self.strategy.hit(self.item, identity):
            return None
        reset, _ = self.strategy.get_window_stats(self.item, identity)
        return max(1, math.ceil(reset - self.clock()))
