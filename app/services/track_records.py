"""Track records of actors and stats for dashboards, computed with SQL aggregates.

The stats without filters are read from the counts kept on write (app.services.tallies);
with filters, they are aggregated over the matching claims here.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, func, select
from sqlmodel import Session

from app.models import Actor, ActorRelation, ClaimAccused, ClaimResponse
from app.models.claim import DisputeStatus, Rating
from app.services import tallies
from app.services.claim_list import ClaimFilters, filtered_claims
from app.services.dispute import DENIALS
from app.services.reads import Conn, fetch_one

TOP = 10


class _Filtered:
    """A connection whose statements carry the parameters of the claim filters."""

    def __init__(self, conn: Conn, params: dict[str, Any]) -> None:
        self.conn, self.params = conn, params
        self.dialect = (conn.get_bind() if isinstance(conn, Session) else conn).dialect

    def execute(self, statement: Any) -> Any:
        return self.conn.execute(statement, self.params)


def _counts(conn: _Filtered, column: Any, source: Any, keys: type) -> dict[str, int]:
    """Rows of ``source`` per value of ``column``, with every enum value present."""
    counts = {member.value: 0 for member in keys}
    for value, n in conn.execute(
        select(column, func.count()).select_from(source).group_by(column)
    ).all():
        counts[value] = n
    return counts


def median(conn: _Filtered, values: Select[Any]) -> float | None:
    """The median of a one-column query, in SQL: count, then read the middle one or two."""
    sub = values.subquery()
    column = sub.c[0]
    n = conn.execute(select(func.count()).select_from(sub).where(column.is_not(None))).scalar_one()
    if n == 0:
        return None
    middle = (
        conn.execute(
            select(column)
            .where(column.is_not(None))
            .order_by(column)
            .limit(2 - n % 2)
            .offset((n - 1) // 2)
        )
        .scalars()
        .all()
    )
    return float(sum(middle)) / len(middle)


def _speakers(actor_id: uuid.UUID) -> Any:
    """The actor and the bodies part_of it: who answers in its name."""
    return (
        select(ActorRelation.subject_id)
        .where(
            ActorRelation.object_id == actor_id,
            ActorRelation.predicate == "part_of",
            ActorRelation.deleted_at.is_(None),
        )
        .union(select(Actor.id).where(Actor.id == actor_id))
    )


def _denied_by(actor_id: uuid.UUID) -> Any:
    """Ids of the claims the actor, or a body part_of it, denied."""
    return select(ClaimResponse.claim_id).where(
        ClaimResponse.responder_id.in_(_speakers(actor_id)),
        ClaimResponse.stance.in_(DENIALS),
        ClaimResponse.deleted_at.is_(None),
    )


def track_record(conn: Conn, actor: str, filters: ClaimFilters) -> dict[str, Any]:
    row = fetch_one(
        conn, select(Actor.id, Actor.slug, Actor.name, Actor.deleted_at), Actor, actor, "actor"
    )
    claims, params = filtered_claims(conn, filters)
    run = _Filtered(conn, params)
    # Each set starts from the actor's own rows (claims it made, is accused in, or denied),
    # by index, and is intersected with the filtered claims by id: an EXISTS correlated to
    # every claim read them all (20 s for one actor at a million claims).
    accused_in = select(ClaimAccused.claim_id).where(ClaimAccused.actor_id == row.id)
    made = select(claims).where(claims.c.claimant_id == row.id).subquery()
    accused = select(claims).where(claims.c.id.in_(accused_in)).subquery()
    denied = select(claims).where(claims.c.id.in_(_denied_by(row.id))).subquery()
    accused_total = run.execute(select(func.count()).select_from(accused)).scalar_one()
    accused_denied = run.execute(
        select(func.count()).select_from(accused).where(accused.c.id.in_(_denied_by(row.id)))
    ).scalar_one()
    verdicts = _counts(run, denied.c.rating, denied, Rating)
    return {
        "actor": {"id": row.id, "slug": row.slug, "name": row.name},
        "as_claimant": {
            "total": run.execute(select(func.count()).select_from(made)).scalar_one(),
            "by_verdict": _counts(run, made.c.rating, made, Rating),
            "by_status": _counts(run, made.c.dispute_status, made, DisputeStatus),
        },
        "as_accused": {
            "total": accused_total,
            "by_status": _counts(run, accused.c.dispute_status, accused, DisputeStatus),
            "denial_rate": round(accused_denied / accused_total, 4) if accused_total else None,
            "median_response_lag_days": median(run, select(accused.c.response_lag_days)),
        },
        "denials": {
            "total": sum(verdicts.values()),
            "later_substantiated": verdicts["substantiated"],
            "later_refuted": verdicts["refuted"],
        },
    }


def _month(conn: _Filtered, column: Any) -> Any:
    if conn.dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def _top(
    conn: _Filtered, actor_column: Any, source: Any, joins: Any = None
) -> list[dict[str, Any]]:
    # Counted per actor id first, then joined to the few thousand actors for names: grouping
    # the joined rows by id, slug and name instead cost 7-29 s at 1M claims on SQLite.
    counted = select(actor_column.label("actor_id"), func.count().label("claims")).select_from(
        source
    )
    if joins is not None:
        counted = counted.join(*joins)
    per_actor = counted.group_by(actor_column).subquery()
    rows = conn.execute(
        select(Actor.id, Actor.slug, Actor.name, per_actor.c.claims)
        .join(per_actor, per_actor.c.actor_id == Actor.id)
        .order_by(per_actor.c.claims.desc(), Actor.slug)
        .limit(TOP)
    ).all()
    return [
        {"actor": {"id": r.id, "slug": r.slug, "name": r.name}, "claims": r.claims} for r in rows
    ]


def stats(conn: Conn, filters: ClaimFilters) -> dict[str, Any]:
    if not any(vars(filters).values()):  # filters left empty are ignored, as in the list
        return tallies.stats(conn.connection() if isinstance(conn, Session) else conn)
    return aggregated_stats(conn, filters)


def aggregated_stats(conn: Conn, filters: ClaimFilters) -> dict[str, Any]:
    """The stats over the claims matching the filters, aggregated from their rows: one
    grouped pass for the counts, the months and the lags, and one per top list (each
    pass starts from the index of the most selective filter)."""
    claims, params = filtered_claims(conn, filters)
    run = _Filtered(conn, params)
    month = _month(run, claims.c.stated_on).label("month")
    columns = (claims.c.dispute_status, claims.c.rating, month, claims.c.response_lag_days)
    total = 0
    by_status = {s.value: 0 for s in DisputeStatus}
    by_verdict = {r.value: 0 for r in Rating}
    per_month: dict[str, int] = defaultdict(int)
    lags: dict[int, int] = defaultdict(int)
    for status, rating, stated_in, lag, n in run.execute(
        select(*columns, func.count()).select_from(claims).group_by(*columns)
    ):
        total += n
        by_status[status] += n
        by_verdict[rating] += n
        if stated_in is not None:
            per_month[stated_in] += n
        if lag is not None:
            lags[lag] += n
    return {
        "claims": total,
        "by_status": by_status,
        "by_verdict": by_verdict,
        "per_month": [{"month": m, "claims": per_month[m]} for m in sorted(per_month)],
        "top_claimants": _top(run, claims.c.claimant_id, claims),
        "top_accused": _top(
            run,
            ClaimAccused.actor_id,
            claims,
            (ClaimAccused, ClaimAccused.claim_id == claims.c.id),
        ),
        "median_response_lag_days": tallies.median_of(lags),
    }
