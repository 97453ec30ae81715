"""``contested audit verify``: is the history intact, and does it account for every row?

Two checks, in one consistent snapshot of the database:

1. the chain: walking the revisions in ``seq`` order, each one's ``prev_hash`` is the
   hash of the one before (64 zeros for the first), and its ``hash`` is what its
   content hashes to. An altered, removed or inserted revision breaks it there.
2. the rows: every row of every audited table, live or deleted, equals the ``after``
   of its last revision. A row changed behind the API's back (raw SQL, a restored
   backup of one table) no longer does. The one row allowed no revision is the
   unassessed verdict each claim is created with.
3. the stats counts: every claim is counted under the keys its rows give it, and every
   counter equals a recount of the claims (app.services.tallies); ``contested tallies
   rebuild`` counts them afresh.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, select

from app.db import Database
from app.models import Revision
from app.services import tallies
from app.services.history import (
    ENTITIES,
    GENESIS,
    canonical,
    is_initial_verdict,
    revision_hash,
    snapshots,
)


@dataclass(frozen=True)
class AuditReport:
    revisions: int
    rows: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _digest(text: str | None) -> bytes:
    return hashlib.sha256((text or "").encode()).digest()


def verify(conn: Connection) -> AuditReport:
    """Check the chain, the rows, then the stats counts; the report names the first
    problem found."""
    previous = GENESIS
    last: dict[tuple[str, uuid.UUID], tuple[int, bytes]] = {}
    revisions = 0
    stmt = select(Revision.__table__).order_by(Revision.seq)  # type: ignore[attr-defined]
    for rev in conn.execution_options(yield_per=2000).execute(stmt):
        revisions += 1
        if rev.prev_hash != previous:
            return AuditReport(
                revisions,
                0,
                f"revision {rev.seq} is broken: its prev_hash is not the hash of the "
                "revision before it (a revision was altered, removed or inserted)",
            )
        if revision_hash(previous, dict(rev._mapping)) != rev.hash:
            return AuditReport(
                revisions,
                0,
                f"revision {rev.seq} is broken: its content does not match its hash "
                "(it was altered)",
            )
        previous = rev.hash
        last[(rev.entity, rev.entity_id)] = (rev.seq, _digest(rev.after))
    rows = 0
    for kind in ENTITIES:
        for row_id, snapshot in sorted(snapshots(conn, kind).items()):
            rows += 1
            found = last.get((kind, row_id))
            if found is None:
                if kind == "verdict" and is_initial_verdict(snapshot):
                    continue
                return AuditReport(
                    revisions,
                    rows,
                    f"{kind} {row_id} has no revision: it was written behind the API's back",
                )
            seq, digest = found
            if digest != _digest(canonical(snapshot)):
                return AuditReport(
                    revisions,
                    rows,
                    f"{kind} {row_id} differs from its last revision (seq {seq}): "
                    "it was changed behind the API's back",
                )
    miscount = tallies.check(conn)
    if miscount is not None:
        return AuditReport(
            revisions,
            rows,
            f"the stats counts differ from a recount: {miscount} "
            "(contested tallies rebuild counts them afresh)",
        )
    return AuditReport(revisions, rows)


@contextmanager
def snapshot_of(database: Database) -> Iterator[Connection]:
    """One consistent read of the whole database, even while the server writes."""
    if database.is_sqlite:
        with database.reading() as conn:
            yield conn
        return
    with (
        database.read.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
        conn.begin(),
    ):
        yield conn
