"""History: one hash-chained revision for every create, update, delete and restore.

A Session hook notes, after each flush, which audited rows the transaction created
or changed (a new row, or a row whose ``version`` moved), and appends their
revisions just before the transaction commits, so that a write and its revision
commit or roll back together. Each revision stores a canonical JSON snapshot of
the row (``after``, see :func:`snapshots`), the previous revision's snapshot of
the same row (``before``), and ``hash`` = SHA-256 over the previous revision's
hash and this revision's fields: altering any stored revision breaks the chain
from there on, and a row changed behind the API's back no longer matches the
``after`` of its last revision (``contested audit verify`` checks both).

Who wrote comes from ``session.info["audit"] = {"key_id", "request_id"}``, which
the API's unit of work sets; the command line (seeding) leaves both null.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, insert, inspect, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import (
    Actor,
    ActorAlias,
    ActorRelation,
    ApiKey,
    Claim,
    ClaimAccused,
    ClaimResponse,
    ClaimSource,
    ClaimTag,
    Event,
    Evidence,
    EvidenceSource,
    RelationSource,
    ResponseSource,
    Revision,
    Source,
    Verdict,
)
from app.models.common import Row, utcnow
from app.models.revision import Operation

# Registered first, its before_commit hook runs before ours: the search index is rebuilt
# before the chain lock is taken, which is then held only for the append itself.
from app.services import search as _search_hooks  # noqa: F401
from app.services.pagination import (
    MAX_INT64,
    SortKey,
    decode_cursor,
    encode_cursor,
    fingerprint,
)
from app.services.reads import Conn, by_ref

GENESIS = "0" * 64
# Any constant will do, as long as nothing else takes this advisory lock.
CHAIN_LOCK = 0x636F6E7465737465  # "conteste"
PENDING = "history_pending"
AUDIT = "audit"

ENTITIES: dict[str, type[Row]] = {
    "claim": Claim,
    "response": ClaimResponse,
    "evidence": Evidence,
    "verdict": Verdict,
    "actor": Actor,
    "event": Event,
    "source": Source,
    "relation": ActorRelation,
}
_KIND_OF: dict[type, str] = {model: kind for kind, model in ENTITIES.items()}
_WRITE_ORDER = ("actor", "event", "source", "relation", "claim", "verdict", "response", "evidence")
# Kinds whose revisions carry the claim they belong to (a claim carries its own id).
_OF_A_CLAIM = {"claim", "response", "evidence", "verdict"}

# Not part of a snapshot: updated_at also moves without a new version (a response added
# to a claim moves the claim's updated_at, not its version), and the others are derived
# from other rows (responses, evidence, the date) and recomputed whenever those change.
EXCLUDED = frozenset(
    {
        "updated_at",
        "dispute_status",
        "first_response_on",
        "response_lag_days",
        "support",
        "refute",
        "balance",
        "sort_date",
        "verdict_rating",  # the claim's copy of its verdict's rating (the verdict has its own)
    }
)


@dataclass(frozen=True)
class Link:
    """Rows of a link table that belong in their owner's snapshot, as ``name``."""

    name: str
    owner: Any
    values: tuple[Any, ...]
    order: Any


LINKS: dict[str, tuple[Link, ...]] = {
    "claim": (
        Link("accused", ClaimAccused.claim_id, (ClaimAccused.actor_id,), ClaimAccused.position),
        Link("tags", ClaimTag.claim_id, (ClaimTag.tag,), ClaimTag.tag),
        Link(
            "sources",
            ClaimSource.claim_id,
            (ClaimSource.source_id, ClaimSource.locator),
            ClaimSource.position,
        ),
    ),
    "response": (
        Link(
            "sources",
            ResponseSource.response_id,
            (ResponseSource.source_id, ResponseSource.locator),
            ResponseSource.position,
        ),
    ),
    "evidence": (
        Link(
            "sources",
            EvidenceSource.evidence_id,
            (EvidenceSource.source_id, EvidenceSource.locator),
            EvidenceSource.position,
        ),
    ),
    "actor": (Link("aliases", ActorAlias.actor_id, (ActorAlias.alias,), ActorAlias.position),),
    "relation": (
        Link(
            "sources",
            RelationSource.relation_id,
            (RelationSource.source_id,),
            RelationSource.position,
        ),
    ),
}


# ---- snapshots and hashes -----------------------------------------------------------------


def plain(value: Any) -> Any:
    """A column value as JSON: UUIDs and dates as strings (timestamps in UTC)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def canonical(data: Any) -> str:
    """The one JSON text of ``data``: sorted keys, no spaces, UTF-8 kept as is.

    orjson writes exactly what ``json.dumps(data, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` writes for the values a snapshot holds (text, integers,
    booleans, null, lists and objects), several times faster; what it refuses (a lone
    surrogate in a string, an integer past 64 bits) is written by json.dumps.
    """
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshots(
    conn: Conn, kind: str, ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, dict[str, Any]]:
    """What a revision records of each row of ``kind`` (every row when ``ids`` is None):
    its own columns but ``EXCLUDED``, and its links (a claim's accused ids in order, its
    tags and its sources with locators; the sources of a response, an evidence item or
    a relation; an actor's aliases)."""
    table = ENTITIES[kind].__table__  # type: ignore[attr-defined]
    columns = [c for c in table.columns if c.name not in EXCLUDED]
    wanted = None if ids is None else list(ids)
    stmt = select(*columns)
    if wanted is not None:
        if not wanted:
            return {}
        stmt = stmt.where(table.c.id.in_(wanted))
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for row in conn.execute(stmt):
        found[row.id] = {c.name: plain(value) for c, value in zip(columns, row, strict=True)}
    for link in LINKS.get(kind, ()):
        for values in found.values():
            values[link.name] = []
        stmt = select(link.owner, *link.values).order_by(link.owner, link.order)
        if wanted is not None:
            stmt = stmt.where(link.owner.in_(wanted))
        for owner_id, *linked in conn.execute(stmt):
            if owner_id not in found:
                continue
            if len(linked) == 1:
                item: Any = plain(linked[0])
            else:
                item = {c.key: plain(v) for c, v in zip(link.values, linked, strict=True)}
            found[owner_id][link.name].append(item)
    return found


# The unassessed verdict every claim is created with, but its ids and timestamps.
UNASSESSED: dict[str, Any] = {
    "rating": "unassessed",
    "rationale": None,
    "reviewed_by": None,
    "reviewed_at": None,
    "version": 1,
    "deleted_at": None,
}


def initial_verdict(after: dict[str, Any]) -> dict[str, Any]:
    """The snapshot of the unassessed verdict every claim is created with."""
    return {**after, **UNASSESSED}


def is_initial_verdict(after: dict[str, Any]) -> bool:
    return after == initial_verdict(after)


HASHED = (
    "seq",
    "entity",
    "entity_id",
    "claim_id",
    "op",
    "version",
    "at",
    "key_id",
    "request_id",
    "before",
    "after",
)


def revision_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous revision's hash and this revision's canonical JSON."""
    return plain_revision_hash(prev_hash, {name: plain(fields[name]) for name in HASHED})


def plain_revision_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """revision_hash of fields that are JSON values already (ids and instants as text),
    exactly the ``HASHED`` ones. (orjson's bytes are hashed as they come: decoding them
    into the text canonical() returns and encoding that again took as long as the rest.)"""
    try:
        body = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        body = canonical(fields).encode()
    return hashlib.sha256(b"%b\n%b" % (prev_hash.encode(), body)).hexdigest()


# ---- the hook -----------------------------------------------------------------------------


def _operation(obj: Row) -> str | None:
    """What a flush did to a changed row: None when its version did not move."""
    state = inspect(obj)
    if not state.attrs.version.history.has_changes():
        return None
    deleted_at = state.attrs.deleted_at.history
    if deleted_at.has_changes():
        old = deleted_at.deleted[0] if deleted_at.deleted else None
        new = deleted_at.added[0] if deleted_at.added else None
        if old is None and new is not None:
            return Operation.delete.value
        if old is not None and new is None:
            return Operation.restore.value
    return Operation.update.value


@sa_event.listens_for(Session, "after_flush")
def _note_written_rows(session: Session, _context: Any) -> None:
    pending: dict[tuple[str, uuid.UUID], str] = session.info.setdefault(PENDING, {})
    created = [(_KIND_OF[type(obj)], obj.id) for obj in session.new if type(obj) in _KIND_OF]
    # session.new is unordered: record what others refer to first (a claim before its
    # responses), then by id, which is time-ordered.
    for key in sorted(created, key=lambda k: (_WRITE_ORDER.index(k[0]), k[1])):
        pending.setdefault(key, Operation.create.value)
    for obj in session.dirty:
        kind = _KIND_OF.get(type(obj))
        if kind is None:
            continue
        op = _operation(obj)
        if op is None:
            continue
        key = (kind, obj.id)
        earlier = pending.get(key)
        # One revision per row and transaction: a row created here stays a create; a
        # delete or a restore outranks an update.
        if earlier is None or (earlier == Operation.update.value and op != earlier):
            pending[key] = op


@sa_event.listens_for(Session, "before_commit")
def _append_revisions(session: Session) -> None:
    session.flush()
    pending = session.info.pop(PENDING, None)
    if pending:
        audit = session.info.get(AUDIT) or {}
        append(session.connection(), pending, audit.get("key_id"), audit.get("request_id"))


@sa_event.listens_for(Session, "after_rollback")
def _forget_written_rows(session: Session) -> None:
    session.info.pop(PENDING, None)


def last_after(conn: Connection, kind: str, entity_id: uuid.UUID) -> str | None:
    """The ``after`` of the row's last revision (None if it has none)."""
    return conn.execute(
        select(Revision.after)
        .where(Revision.entity == kind, Revision.entity_id == entity_id)
        .order_by(Revision.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def chain_head(conn: Connection) -> tuple[int, str, datetime]:
    """The seq and hash of the last revision, and the time to stamp the next ones with.

    On PostgreSQL this takes a lock held until commit: the next writer reads the last
    hash only after this one committed, so two transactions cannot both extend the
    same revision. (SQLite writers are serialised already by BEGIN IMMEDIATE.)
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    last = conn.execute(
        select(Revision.seq, Revision.hash, Revision.at).order_by(Revision.seq.desc()).limit(1)
    ).first()
    if last is None:
        return 0, GENESIS, utcnow()
    # Never before the last revision, even if the clock stepped back: the change feed's
    # ``since`` relies on ``at`` growing with ``seq``.
    return last.seq, last.hash, max(utcnow(), last.at)


def append(
    conn: Connection,
    pending: dict[tuple[str, uuid.UUID], str],
    key_id: uuid.UUID | None,
    request_id: str | None,
) -> int:
    """Append one revision per pending row, in the order the rows were first written;
    returns how many were appended."""
    by_kind: dict[str, list[uuid.UUID]] = defaultdict(list)
    for kind, entity_id in pending:
        by_kind[kind].append(entity_id)
    afters = {kind: snapshots(conn, kind, ids) for kind, ids in by_kind.items()}
    seq, prev_hash, at = chain_head(conn)
    rows = []
    for (kind, entity_id), op in pending.items():
        snapshot = afters[kind].get(entity_id)
        if snapshot is None:
            continue
        if kind == "verdict" and op == Operation.create.value and is_initial_verdict(snapshot):
            continue  # the verdict every claim is created with: part of the claim's create
        before = None
        if op != Operation.create.value:
            before = last_after(conn, kind, entity_id)
            if before is None and kind == "verdict":
                before = canonical(initial_verdict(snapshot))
        seq += 1
        fields = {
            "seq": seq,
            "entity": kind,
            "entity_id": entity_id,
            "claim_id": _claim_of(kind, snapshot),
            "op": op,
            "version": snapshot["version"],
            "at": at,
            "key_id": key_id,
            "request_id": request_id,
            "before": before,
            "after": canonical(snapshot),
        }
        digest = revision_hash(prev_hash, fields)
        rows.append({**fields, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    if rows:
        conn.execute(insert(Revision), rows)
    return len(rows)


def _claim_of(kind: str, snapshot: dict[str, Any]) -> uuid.UUID | None:
    if kind not in _OF_A_CLAIM:
        return None
    return uuid.UUID(snapshot["id"] if kind == "claim" else snapshot["claim_id"])


# ---- reading history ----------------------------------------------------------------------


def _parse_seq(value: Any) -> int:
    # Past 64 bits neither database could compare it: a forged cursor, not a position.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT64:
        raise ValueError("not a sequence number")
    return value


BY_SEQ = SortKey("seq", Revision.seq, descending=False, parse=_parse_seq)
_NO_ID = uuid.UUID(int=0)


def _page(
    conn: Conn, stmt: Any, filters: dict[str, Any], limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """One page of revisions in seq order, resuming after the cursor's seq."""
    fp = fingerprint(filters)
    if cursor:
        after, _ = decode_cursor(cursor, BY_SEQ, fp)
        stmt = stmt.where(Revision.seq > after)
    found = conn.execute(stmt.order_by(Revision.seq).limit(limit + 1)).all()
    if len(found) <= limit:
        return list(found), None
    page = list(found[:limit])
    return page, encode_cursor(BY_SEQ, page[-1].seq, _NO_ID, fp)


_HISTORY_COLUMNS = [
    Revision.seq,
    Revision.entity,
    Revision.entity_id,
    Revision.claim_id,
    Revision.op,
    Revision.version,
    Revision.at,
    Revision.request_id,
    Revision.before,
    Revision.after,
    Revision.hash,
]
_NOUNS = {
    "claim": "claim",
    "response": "response",
    "evidence": "evidence item",
    "actor": "actor",
    "event": "event",
    "source": "source",
    "relation": "relation",
}


def entity_id(conn: Conn, kind: str, ref: str) -> uuid.UUID:
    """The id of the row ``ref`` names (by UUID, or slug where there is one), deleted or
    not: a deleted row's history stays readable. 404 if there is no such row."""
    model = ENTITIES[kind]
    condition = by_ref(model, ref)
    found = None if condition is None else conn.execute(select(model.id).where(condition)).first()
    if found is None:
        raise NotFound(f"no {_NOUNS[kind]} '{ref}'")
    return found[0]  # type: ignore[no-any-return]


def history(
    conn: Conn, kind: str, ref: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One row's revisions, oldest first; a claim's include those of its responses,
    evidence items and verdict."""
    row_id = entity_id(conn, kind, ref)
    if kind == "claim":
        condition = Revision.claim_id == row_id
    else:
        condition = (Revision.entity == kind) & (Revision.entity_id == row_id)
    stmt = (
        select(*_HISTORY_COLUMNS, ApiKey.name.label("key"))
        .outerjoin(ApiKey, ApiKey.id == Revision.key_id)
        .where(condition)
    )
    filters = {"history": kind, "id": str(row_id)}
    page, next_cursor = _page(conn, stmt, filters, limit, cursor)
    items = [
        {
            **row._mapping,
            "before": None if row.before is None else json.loads(row.before),
            "after": None if row.after is None else json.loads(row.after),
        }
        for row in page
    ]
    return items, next_cursor


def changes(
    conn: Conn, since: datetime | None, after: int | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Every revision in the order it was written, from ``since`` on and after the
    ``after`` seq if given."""
    stmt = select(
        Revision.seq,
        Revision.entity,
        Revision.entity_id,
        Revision.claim_id,
        Revision.op,
        Revision.version,
        Revision.at,
    )
    if since is not None:
        # Revisions are stamped under the chain lock, so ``at`` grows with ``seq``.
        stmt = stmt.where(Revision.at >= since)
    if after is not None:
        stmt = stmt.where(Revision.seq > after)
    filters = {"changes": None if since is None else since.isoformat(), "after": after}
    page, next_cursor = _page(conn, stmt, filters, limit, cursor)
    return [dict(row._mapping) for row in page], next_cursor
