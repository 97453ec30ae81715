"""The claim list: its filters, and the page query on the hot path.

A page is one SQL statement: the claims with their claimant, event and verdict
joined, and their accused actors and tags aggregated into JSON by the database.
The statement depends only on the *shape* of the request (which filters, which
sort, first page or not), so it is prepared once per shape and dialect
(app.services.prepared); rows come back as plain values and are written JSON-ready
here. Measured against
building and executing a Core statement per request, this is what keeps the list
above half the throughput of a bare sqlite3 endpoint (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.models import Actor, Claim, ClaimAccused, ClaimResponse, ClaimTag, Event, Verdict
from app.models.claim import ClaimSort
from app.models.common import UNDATED
from app.services import refs, search
from app.services.pagination import (
    SortKey,
    decode_cursor,
    encode_cursor,
    fingerprint,
    parse_date,
    parse_datetime,
    parse_float,
)
from app.services.prepared import Plain, Prepared, plain_of

Conn = Connection | Session


@dataclass(frozen=True)
class ClaimFilters:
    q: str | None = None
    claimant: str | None = None
    accused: str | None = None
    actor: str | None = None
    event: str | None = None
    verdict: str | None = None
    status: str | None = None
    stance: str | None = None
    tag: str | None = None
    language: str | None = None
    stated_from: date | None = None
    stated_to: date | None = None
    updated_since: datetime | None = None


SORTS: dict[ClaimSort, SortKey] = {
    ClaimSort.stated_on: SortKey("stated_on", Claim.sort_date, False, parse_date),
    ClaimSort.stated_on_desc: SortKey("-stated_on", Claim.sort_date, True, parse_date),
    ClaimSort.updated_at: SortKey("updated_at", Claim.updated_at, False, parse_datetime),
    ClaimSort.updated_at_desc: SortKey("-updated_at", Claim.updated_at, True, parse_datetime),
    ClaimSort.created: SortKey("created", None, False),
    ClaimSort.created_desc: SortKey("-created", None, True),
    ClaimSort.balance: SortKey("balance", Claim.balance, False, parse_float),
    ClaimSort.balance_desc: SortKey("-balance", Claim.balance, True, parse_float),
    ClaimSort.status: SortKey("status", Claim.dispute_status, False, str),
    ClaimSort.status_desc: SortKey("-status", Claim.dispute_status, True, str),
}
FIRST_DATED = UNDATED + timedelta(days=1)


# ---- filters --------------------------------------------------------------------------------


def _accused_is(name: str) -> Any:
    # IN rather than a correlated EXISTS: the planner can then start from the actor's
    # rows in claim_accused instead of walking every claim of a status or date range and
    # probing each (1.4 s -> 50 ms for accused + status + dates at a million claims;
    # docs/benchmarks.md).
    return Claim.id.in_(
        select(ClaimAccused.claim_id).where(ClaimAccused.actor_id == bindparam(name))
    )


def _condition(name: str, dialect: str) -> Any:
    """The SQL of one filter, its value left as a bind parameter named after it."""
    value: Any = bindparam(name)
    match name:
        case "claimant":
            return Claim.claimant_id == value
        case "accused":
            return _accused_is(name)
        case "actor":
            return or_(Claim.claimant_id == value, _accused_is(name))
        case "event":
            return Claim.event_id == value
        case "verdict":
            return Claim.verdict_rating == value
        case "status":
            return Claim.dispute_status == value
        case "stance":
            return exists().where(
                ClaimResponse.claim_id == Claim.id,
                ClaimResponse.stance == value,
                ClaimResponse.deleted_at.is_(None),
            )
        case "tag":
            return exists().where(ClaimTag.claim_id == Claim.id, ClaimTag.tag == value)
        case "language":
            return Claim.quote_language == value
        # Through sort_date, which is indexed; undated claims (0001-01-01) never match.
        case "stated_from":
            return Claim.sort_date >= value
        case "stated_to":
            return Claim.sort_date.between(bindparam("first_dated", FIRST_DATED), value)
        case "updated_since":
            return Claim.updated_at >= value
        case "q":
            return Claim.id.in_(
                text(search.matching_sql(dialect))
                .bindparams(bindparam("q_kind"), bindparam("q"))
                .columns(entity_id=Claim.id.type)
            )
    raise ValueError(name)


def _values(conn: Conn, f: ClaimFilters) -> dict[str, Any]:
    """The value of each filter given, references resolved to ids (422 when unknown)."""
    values: dict[str, Any] = {}
    for name in ("claimant", "accused", "actor"):
        if getattr(f, name):
            values[name] = refs.resolve_one(
                conn, "actor", getattr(f, name), name, as_parameter=True
            )
    if f.event:
        values["event"] = refs.resolve_one(conn, "event", f.event, "event", as_parameter=True)
    for name in ("verdict", "status", "stance", "language", "updated_since"):
        if getattr(f, name):
            values[name] = getattr(f, name)
    if f.tag:
        values["tag"] = f.tag.casefold()
    if f.stated_from:
        values["stated_from"] = max(f.stated_from, FIRST_DATED)
    if f.stated_to:
        values["stated_to"] = f.stated_to
    if f.q:
        values["q"] = search.match_expression(conn, f.q)
        values["q_kind"] = "claim"
    return values


def _where(names: tuple[str, ...], dialect: str) -> list[Any]:
    return [Claim.deleted_at.is_(None), *(_condition(n, dialect) for n in names)]


def _where_via_accused(names: tuple[str, ...], dialect: str) -> list[Any]:
    """The filters of a page read from claim_accused: the accused actor, the status, the
    dates and liveness on its copies of the claim's columns, which its index holds."""
    mirrored = {
        "accused": ClaimAccused.actor_id == bindparam("accused"),
        "status": ClaimAccused.dispute_status == bindparam("status"),
        "stated_from": ClaimAccused.sort_date >= bindparam("stated_from"),
        "stated_to": ClaimAccused.sort_date.between(
            bindparam("first_dated", FIRST_DATED), bindparam("stated_to")
        ),
    }
    return [
        ClaimAccused.live.is_(True),
        *(mirrored[n] if n in mirrored else _condition(n, dialect) for n in names),
    ]


def _filter_names(values: dict[str, Any]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(ClaimFilters) if f.name in values)


def filtered_claims(conn: Conn, f: ClaimFilters) -> tuple[Any, dict[str, Any]]:
    """The live claims matching the filters, with their verdict, as a subquery, and the
    parameters to execute any statement built on it with."""
    values = _values(conn, f)
    dialect = _dialect(conn).name
    subquery = (
        select(
            Claim.id,
            Claim.claimant_id,
            Claim.stated_on,
            Claim.dispute_status,
            Claim.response_lag_days,
            Verdict.rating,
        )
        .join(Verdict, Verdict.claim_id == Claim.id)
        .where(*_where(_filter_names(values), dialect))
        .subquery()
    )
    return subquery, {"first_dated": FIRST_DATED, **values}


# ---- the page -------------------------------------------------------------------------------


def _dialect(conn: Conn) -> Dialect:
    return conn.get_bind().dialect if isinstance(conn, Session) else conn.dialect


def accused_and_tags(dialect: str) -> Any:
    """One JSON value per claim: [[[id, slug, name] of each accused, in order], [tags, sorted]].

    One value rather than two halves the JSON parsing per row.
    """
    accused = aliased(Actor)
    if dialect == "sqlite":
        ordered = (
            select(accused.id, accused.slug, accused.name)
            .join(ClaimAccused, ClaimAccused.actor_id == accused.id)
            .where(ClaimAccused.claim_id == Claim.id)
            .order_by(ClaimAccused.position)
            .correlate(Claim)
            .subquery()
        )
        accused_json = select(
            func.json_group_array(func.json_array(ordered.c.id, ordered.c.slug, ordered.c.name))
        ).scalar_subquery()
        # SQLite 3.40 has no ORDER BY inside aggregates: order in a correlated subquery.
        tags_sub = (
            select(ClaimTag.tag)
            .where(ClaimTag.claim_id == Claim.id)
            .order_by(ClaimTag.tag)
            .correlate(Claim)
            .subquery()
        )
        tags_json = select(func.json_group_array(tags_sub.c.tag)).scalar_subquery()
        # Joined as text: both halves are JSON already, and json() would parse them again.
        return (
            literal_column("'['")
            .op("||")(accused_json)
            .op("||")(literal_column("','"))
            .op("||")(tags_json)
            .op("||")(literal_column("']'"))
        )
    empty: Any = literal_column("'[]'::json")
    accused_json = (
        select(
            func.coalesce(
                func.json_agg(
                    aggregate_order_by(
                        func.json_build_array(accused.id, accused.slug, accused.name),
                        ClaimAccused.position,
                    )
                ),
                empty,
            )
        )
        .select_from(accused)
        .join(ClaimAccused, ClaimAccused.actor_id == accused.id)
        .where(ClaimAccused.claim_id == Claim.id)
        .scalar_subquery()
    )
    tags_json = (
        select(func.coalesce(func.json_agg(aggregate_order_by(ClaimTag.tag, ClaimTag.tag)), empty))
        .where(ClaimTag.claim_id == Claim.id)
        .scalar_subquery()
    )
    return func.json_build_array(accused_json, tags_json)


@lru_cache(maxsize=512)
def _page(names: tuple[str, ...], sort: ClaimSort, resume: bool) -> Prepared:
    """The page statement of one request shape (which filters, which sort, resumed or not),
    prepared once."""
    return Prepared(lambda dialect: _page_statement(dialect, names, sort, resume))


def _page_statement(dialect: str, names: tuple[str, ...], sort: ClaimSort, resume: bool) -> Any:
    key = SORTS[sort]
    claimant = aliased(Actor)
    stmt = (
        select(
            Claim.id,
            Claim.version,
            Claim.proposition,
            Claim.stated_on,
            Claim.stated_on_precision,
            Claim.sort_date,
            Claim.dispute_status,
            Claim.balance,
            Claim.created_at,
            Claim.updated_at,
            Verdict.rating,
            Event.id,
            Event.slug,
            Event.title,
            claimant.id,
            claimant.slug,
            claimant.name,
            accused_and_tags(dialect),
        )
        .join(claimant, claimant.id == Claim.claimant_id)
        .join(Verdict, Verdict.claim_id == Claim.id)
        .outerjoin(Event, Event.id == Claim.event_id)
    )
    id_column, key_column = Claim.id, key.column
    if "accused" in names and key.column is Claim.sort_date:
        # Walk the accused actor's claims in date order on claim_accused's index and stop
        # at the end of the page, whatever the number of its claims.
        stmt = stmt.join(ClaimAccused, ClaimAccused.claim_id == Claim.id).where(
            *_where_via_accused(names, dialect)
        )
        id_column, key_column = ClaimAccused.claim_id, ClaimAccused.sort_date
    else:
        stmt = stmt.where(*_where(names, dialect))
    if resume:
        after_id = bindparam("after_id", type_=Claim.id.type)
        if key_column is None:
            stmt = stmt.where(id_column < after_id if key.descending else id_column > after_id)
        else:
            here = tuple_(key_column, id_column)
            there = tuple_(bindparam("after_key", type_=key_column.type), after_id)
            stmt = stmt.where(here < there if key.descending else here > there)
    if key_column is None:
        order = [id_column.desc() if key.descending else id_column.asc()]
    else:
        column = key_column.desc() if key.descending else key_column.asc()
        order = [column, id_column.desc() if key.descending else id_column.asc()]
    return stmt.order_by(*order).limit(bindparam("page_size", type_=Integer()))


def accused_refs(accused: list[Any], uuid_: Any) -> list[dict[str, Any]]:
    """The accused of ``accused_and_tags``'s JSON as ActorRefs."""
    return [{"id": uuid_(a_id), "slug": slug, "name": name} for a_id, slug, name in accused]


def event_ref(event_id: Any, slug: str | None, title: str | None, uuid_: Any) -> Any:
    return None if event_id is None else {"id": uuid_(event_id), "slug": slug, "title": title}


def _item(row: Any, plain: Plain) -> dict[str, Any]:
    """The list item of one row, JSON-ready, in the order of ``ClaimSummary``'s fields."""
    (id_, version, proposition, stated_on, precision, _sort_date, status, balance, created_at,
     updated_at, verdict, event_id, event_slug, event_title, claimant_id, claimant_slug,
     claimant_name, links) = row  # fmt: skip
    accused, tags = json.loads(links) if isinstance(links, str) else links
    uuid_ = plain.uuid
    return {
        "id": uuid_(id_),
        "version": version,
        "proposition": proposition,
        "claimant": {"id": uuid_(claimant_id), "slug": claimant_slug, "name": claimant_name},
        "accused": accused_refs(accused, uuid_),
        "event": event_ref(event_id, event_slug, event_title, uuid_),
        "stated_on": stated_on,
        "stated_on_precision": precision,
        "tags": tags,
        "verdict": verdict,
        "dispute_status": status,
        "balance": balance,
        "created_at": plain.instant(created_at),
        "updated_at": plain.instant(updated_at),
    }


_KEY_INDEX = {"sort_date": 5, "dispute_status": 6, "balance": 7, "updated_at": 9}


def list_claims(
    conn: Conn, filters: ClaimFilters, sort: ClaimSort, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of claims: one statement whatever the page size (plus one per slug to resolve)."""
    key = SORTS[sort]
    fp = fingerprint(vars(filters))  # vars: asdict() copies recursively, and costs more
    after = decode_cursor(cursor, key, fp) if cursor else None
    values = _values(conn, filters)
    if after is not None:
        values["after_key"], values["after_id"] = after
    values["page_size"] = limit + 1
    rows = _page(_filter_names(values), sort, after is not None).rows(conn, values)
    plain = plain_of(conn)
    items = [_item(row, plain) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        sort_value = None if key.column is None else last[_KEY_INDEX[key.column.key]]
        next_cursor = encode_cursor(key, sort_value, uuid.UUID(str(last[0])), fp)
    return items, next_cursor
