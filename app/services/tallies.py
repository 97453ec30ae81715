"""The unfiltered stats, counted on write: each write adjusts a few counters in its own
transaction, and ``GET /v1/stats`` without filters reads them instead of scanning claims.

A live claim (one with a verdict row, as the stats join it) is counted under these keys,
``dimension:key``: ``claims:all``, ``status:<dispute status>``, ``verdict:<rating>``,
``claimant:<actor>``, one ``accused:<actor>`` per accused actor, and, when known,
``month:<YYYY-MM of stated_on>`` and ``lag:<response lag in days>``. Actors are named by
their id as 32 hex digits. A deleted claim is counted nowhere.

Two invariants, which ``contested audit verify`` checks (``check``):

1. each claim's ``claim_tally`` row holds the keys its rows give it now (no row: none);
2. each ``tally`` counter is the number of ``claim_tally`` rows holding its key.

``recount_claims`` restores (1) for the claims it is given and keeps (2) by adding the
difference between the stored keys and the current ones to the counters. It may be called
for any claim, any number of times: a claim that did not change changes nothing. What
calls it: before a session commits, for every claim whose ``Claim``, ``Verdict`` or
``ClaimAccused`` rows the session flushed, and every claim whose dispute status and lag
``app.services.derived.refresh_claim`` recomputed (responses, part_of relations, evidence);
and the NDJSON import for every claim a batch wrote (``recount_claims``; a bulk load into
an empty database counts every claim at its end with ``rebuild``).

Concurrency: on PostgreSQL each recount first locks the claims' rows, in id order, and
reads their rows and stored keys after that; every writer of a claim's rows recounts it
before committing, so the last to commit reads what the others committed. Counters are
then changed in key order, so that two writers never wait on each other's counters in
opposite orders; this runs before the history hook takes the revision chain lock (see
app.services.history), so every writer takes the counters, then that lock. In READ
COMMITTED an upsert that waits on a counter adds to the committed value; a deadlock or
serialization failure all the same is retried by the routes (app.api.routing) and the
import like any other.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.models import Actor, Claim, ClaimAccused, Verdict
from app.models.claim import DisputeStatus, Rating
from app.models.tally import ClaimTally, Tally
from app.services.prepared import driver_rows

CLAIMS, STATUS, VERDICT, MONTH, CLAIMANT, ACCUSED, LAG = (
    "claims",
    "status",
    "verdict",
    "month",
    "claimant",
    "accused",
    "lag",
)
ALL = "all"
TOP = 10
CHUNK = 1000  # claims per IN (...) list
NOTED = "tallies_noted"

Keys = frozenset[str]
NOWHERE: Keys = frozenset()


# ---- what a claim is counted under --------------------------------------------------------


def month(stated_on: date) -> str:
    """YYYY-MM, as the filtered stats group by (strftime('%Y-%m') / to_char('YYYY-MM'))."""
    return f"{stated_on.year:04d}-{stated_on.month:02d}"


def keys_of(row: Any, accused: Iterable[uuid.UUID]) -> Keys:
    """The keys of one claim, from its row (joined with its verdict's rating)."""
    if row.deleted_at is not None:
        return NOWHERE
    stated = None if row.stated_on is None else month(row.stated_on)
    return _keys(
        row.dispute_status,
        row.rating,
        row.claimant_id.hex,
        [actor_id.hex for actor_id in accused],
        stated,
        row.response_lag_days,
    )


def _keys(
    status: str,
    rating: str,
    claimant: str,
    accused: list[str],
    stated: str | None,
    lag: int | None,
) -> Keys:
    """The keys of a live claim: actors as 32 hex digits, its month as YYYY-MM."""
    keys = {
        f"{CLAIMS}:{ALL}",
        f"{STATUS}:{status}",
        f"{VERDICT}:{rating}",
        f"{CLAIMANT}:{claimant}",
        *(f"{ACCUSED}:{actor}" for actor in accused),
    }
    if stated is not None:
        keys.add(f"{MONTH}:{stated}")
    if lag is not None:
        keys.add(f"{LAG}:{lag}")
    return frozenset(keys)


def _given(column: Any) -> Any:
    """``column IN (:claim_ids)``: statements built once and run with the ids (building a
    statement per write costs more than running it)."""
    return column.in_(bindparam("claim_ids", expanding=True))


_COUNTED = (
    select(
        Claim.id,
        Claim.deleted_at,
        Claim.dispute_status,
        Claim.claimant_id,
        Claim.stated_on,
        Claim.response_lag_days,
        Verdict.rating,
    )
    .join(Verdict, Verdict.claim_id == Claim.id)
    .where(_given(Claim.id))
)
_ACCUSED = select(ClaimAccused.claim_id, ClaimAccused.actor_id).where(_given(ClaimAccused.claim_id))
_STORED = select(ClaimTally.claim_id, ClaimTally.keys).where(_given(ClaimTally.claim_id))
_LOCK = select(Claim.id).where(_given(Claim.id)).order_by(Claim.id).with_for_update()
_FORGET_KEYS = delete(ClaimTally).where(_given(ClaimTally.claim_id))
_REPLACE_KEYS = (
    update(ClaimTally)
    .where(ClaimTally.claim_id == bindparam("b_claim_id"))
    .values(keys=bindparam("b_keys"))
)


def current_keys(conn: Connection, claim_ids: list[uuid.UUID]) -> dict[uuid.UUID, Keys]:
    """The keys each claim's rows give it now (a claim that does not exist: none)."""
    ids = {"claim_ids": claim_ids}
    accused: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for claim_id, actor_id in conn.execute(_ACCUSED, ids):
        accused[claim_id].append(actor_id)
    keys = dict.fromkeys(claim_ids, NOWHERE)
    keys.update({row.id: keys_of(row, accused[row.id]) for row in conn.execute(_COUNTED, ids)})
    return keys


def stored_keys(conn: Connection, claim_ids: list[uuid.UUID]) -> dict[uuid.UUID, Keys]:
    """The keys each claim is counted under now."""
    keys = dict.fromkeys(claim_ids, NOWHERE)
    for claim_id, stored in conn.execute(_STORED, {"claim_ids": claim_ids}):
        keys[claim_id] = frozenset(stored.split())
    return keys


def _text(keys: Keys) -> str:
    return " ".join(sorted(keys))


# ---- keeping the counts -------------------------------------------------------------------


def _chunks(ids: list[uuid.UUID], size: int = CHUNK) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _store(conn: Connection, before: dict[uuid.UUID, Keys], after: dict[uuid.UUID, Keys]) -> None:
    """Write the claims' new keys into claim_tally where they changed."""
    gone = [i for i in after if before[i] and not after[i]]
    new = [{"claim_id": i, "keys": _text(after[i])} for i in after if after[i] and not before[i]]
    changed = [
        {"b_claim_id": i, "b_keys": _text(after[i])}
        for i in after
        if after[i] and before[i] and after[i] != before[i]
    ]
    if gone:
        conn.execute(_FORGET_KEYS, {"claim_ids": gone})
    if new:
        conn.execute(insert(ClaimTally), new)
    if changed:
        conn.execute(_REPLACE_KEYS, changed)


def _add(conn: Connection, changes: dict[str, int]) -> None:
    """Add each change to its counter, in key order (see the module docstring)."""
    rows = []
    for token in sorted(changes):
        if changes[token]:
            dimension, key = token.split(":", 1)
            actor_id = uuid.UUID(key) if dimension in (CLAIMANT, ACCUSED) else None
            rows.append(
                {"dimension": dimension, "key": key, "claims": changes[token], "actor_id": actor_id}
            )
    if rows:
        conn.execute(_UPSERTS[conn.dialect.name], rows)


def _upsert(dialect_insert: Any) -> Any:
    """Add to a counter, creating it at the value added if it does not exist yet."""
    stmt = dialect_insert(Tally)
    return stmt.on_conflict_do_update(
        index_elements=[Tally.dimension, Tally.key],
        set_={"claims": Tally.claims + stmt.excluded.claims},
    )


_UPSERTS = {"postgresql": _upsert(postgres_insert), "sqlite": _upsert(sqlite_insert)}


def recount_claims(conn: Connection, claim_ids: Iterable[uuid.UUID]) -> None:
    """Bring the counts of these claims up to date with their rows, in this transaction."""
    changes: dict[str, int] = defaultdict(int)
    for chunk in _chunks(sorted(set(claim_ids))):
        if conn.dialect.name == "postgresql":
            conn.execute(_LOCK, {"claim_ids": chunk})
        after = current_keys(conn, chunk)
        before = stored_keys(conn, chunk)
        _store(conn, before, after)
        for claim_id in chunk:
            for token in after[claim_id] - before[claim_id]:
                changes[token] += 1
            for token in before[claim_id] - after[claim_id]:
                changes[token] -= 1
    _add(conn, changes)


# ---- the session hooks --------------------------------------------------------------------


def note(session: Session, claim_id: uuid.UUID) -> None:
    """Have the claim recounted before the session commits."""
    session.info.setdefault(NOTED, set()).add(claim_id)


@sa_event.listens_for(Session, "after_flush")
def _note_flushed_claims(session: Session, _context: Any) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Claim):
            note(session, obj.id)
        elif isinstance(obj, Verdict | ClaimAccused):
            note(session, obj.claim_id)


# insert=True: before the history hook, which takes the revision chain lock (module docstring).
@sa_event.listens_for(Session, "before_commit", insert=True)
def _recount_noted_claims(session: Session) -> None:
    session.flush()
    noted = session.info.pop(NOTED, None)
    if noted:
        recount_claims(session.connection(), noted)


@sa_event.listens_for(Session, "after_rollback")
def _forget_noted_claims(session: Session) -> None:
    session.info.pop(NOTED, None)


# ---- every claim at once: rebuild and check ------------------------------------------------


def _every_claim(conn: Connection) -> Iterator[list[uuid.UUID]]:
    """The ids of every claim, deleted or not, a chunk at a time in id order."""
    after: uuid.UUID | None = None
    while True:
        stmt = select(Claim.id).order_by(Claim.id).limit(CHUNK * 5)
        if after is not None:
            stmt = stmt.where(Claim.id > after)
        ids = list(conn.execute(stmt).scalars())
        if not ids:
            return
        yield from _chunks(ids)
        after = ids[-1]


def rebuild(conn: Connection) -> int:
    """Count every claim afresh (after a migration, or writes made behind the app's back);
    returns the number of counters. On PostgreSQL, writers that count claims wait until
    the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE tally, claim_tally IN ACCESS EXCLUSIVE MODE"))
    conn.execute(delete(ClaimTally))
    conn.execute(delete(Tally))
    counts: dict[str, int] = defaultdict(int)
    if conn.dialect.name == "sqlite":
        _count_sqlite(conn, counts)
    else:
        for chunk in _every_claim(conn):
            after = current_keys(conn, chunk)
            _store(conn, dict.fromkeys(chunk, NOWHERE), after)
            for keys in after.values():
                for token in keys:
                    counts[token] += 1
    _add(conn, counts)
    return len(counts)


def _count_sqlite(conn: Connection, counts: dict[str, int]) -> None:
    """rebuild's pass over every claim on SQLite, in the driver's own terms: ids are
    stored as the 32 hex digits the keys name actors by, and dates as ISO text (a UUID
    and a date built per row cost more than the counting). Stores each claim's keys and
    adds them to ``counts``."""
    last = ""
    while True:
        claims = driver_rows(
            conn,
            "SELECT claim.id, claim.deleted_at, claim.dispute_status, verdict.rating, "
            "claim.claimant_id, claim.stated_on, claim.response_lag_days FROM claim "
            "JOIN verdict ON verdict.claim_id = claim.id WHERE claim.id > ? "
            "ORDER BY claim.id LIMIT ?",
            (last, CHUNK),
        )
        if not claims:
            return
        last = claims[-1][0]
        ids = [row[0] for row in claims]
        accused: dict[str, list[str]] = defaultdict(list)
        for claim_id, actor_id in driver_rows(
            conn,
            "SELECT claim_id, actor_id FROM claim_accused "
            f"WHERE claim_id IN ({', '.join('?' * len(ids))})",
            tuple(ids),
        ):
            accused[claim_id].append(actor_id)
        stored = []
        for claim_id, deleted_at, status, rating, claimant, stated_on, lag in claims:
            if deleted_at is not None:
                continue
            stated = None if stated_on is None else stated_on[:7]
            keys = _keys(status, rating, claimant, accused[claim_id], stated, lag)
            stored.append((claim_id, _text(keys)))
            for token in keys:
                counts[token] += 1
        if stored:
            conn.exec_driver_sql("INSERT INTO claim_tally (claim_id, keys) VALUES (?, ?)", stored)


def check(conn: Connection) -> str | None:
    """None when the counts agree with a recount of every claim; else the first difference."""
    counts: dict[str, int] = defaultdict(int)
    for chunk in _every_claim(conn):
        after = current_keys(conn, chunk)
        before = stored_keys(conn, chunk)
        for claim_id in chunk:
            if before[claim_id] != after[claim_id]:
                return (
                    f"claim {claim_id} is counted under [{_text(before[claim_id])}], "
                    f"its rows say [{_text(after[claim_id])}]"
                )
            for token in after[claim_id]:
                counts[token] += 1
    kept = {
        f"{dimension}:{key}": n
        for dimension, key, n in conn.execute(select(Tally.dimension, Tally.key, Tally.claims))
        if n
    }
    for token in sorted(counts.keys() | kept.keys()):
        if kept.get(token, 0) != counts.get(token, 0):
            return (
                f"the count of {token} is {kept.get(token, 0)}, "
                f"the claims give {counts.get(token, 0)}"
            )
    return None


# ---- reading the stats --------------------------------------------------------------------


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of the values counted in ``histogram`` (value -> how many): the middle
    one, or the mean of the middle two."""
    n = sum(histogram.values())
    if n == 0:
        return None
    positions = ((n - 1) // 2, n // 2)  # 0-based, in sorted order; equal when n is odd
    middle: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(middle) < 2 and seen > positions[len(middle)]:
            middle.append(value)
        if len(middle) == 2:
            return float(middle[0] + middle[1]) / 2
    raise AssertionError("unreachable")  # pragma: no cover


def _top(conn: Connection, dimension: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(Actor.id, Actor.slug, Actor.name, Tally.claims)
        .join(Actor, Actor.id == Tally.actor_id)
        .where(Tally.dimension == dimension, Tally.claims > 0)
        .order_by(Tally.claims.desc(), Actor.slug)
        .limit(TOP)
    ).all()
    return [
        {"actor": {"id": r.id, "slug": r.slug, "name": r.name}, "claims": r.claims} for r in rows
    ]


def stats(conn: Connection) -> dict[str, Any]:
    """The stats over every live claim, from the counters: three statements, whatever
    the number of claims."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for dimension, key, n in conn.execute(
        select(Tally.dimension, Tally.key, Tally.claims).where(
            Tally.dimension.in_((CLAIMS, STATUS, VERDICT, MONTH, LAG)), Tally.claims > 0
        )
    ):
        counts[dimension][key] = n
    return {
        "claims": counts[CLAIMS].get(ALL, 0),
        "by_status": {s.value: counts[STATUS].get(s.value, 0) for s in DisputeStatus},
        "by_verdict": {r.value: counts[VERDICT].get(r.value, 0) for r in Rating},
        "per_month": [{"month": m, "claims": counts[MONTH][m]} for m in sorted(counts[MONTH])],
        "top_claimants": _top(conn, CLAIMANT),
        "top_accused": _top(conn, ACCUSED),
        "median_response_lag_days": median_of({int(lag): n for lag, n in counts[LAG].items()}),
    }
