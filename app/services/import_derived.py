"""The stored dispute status and balance of many claims at once, for the import.

The rules are those of app.services.derived (app.services.dispute and
app.services.balance), applied a few queries per 500 claims. Claims are named by
their ids as the database driver gives them: 32 hex digits on SQLite, UUIDs on
PostgreSQL; on SQLite the rows are read in the driver's own terms too (dates as ISO
text), without building a UUID or a date for every row read.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from app.models import Claim, ClaimAccused, ClaimResponse, Evidence
from app.services import balance as balance_rules
from app.services.dispute import dispute, is_by_accused
from app.services.prepared import driver_rows
from app.services.statements import part_of_pairs

CHUNK = 500


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def refresh_claims(conn: Connection, claim_ids: Iterable[Any]) -> None:
    """Recompute the stored dispute status and balance of the given claims."""
    ids = sorted(set(claim_ids))
    refresh = _refresh_sqlite if conn.dialect.name == "sqlite" else _refresh_chunk
    for chunk in chunks(ids):
        refresh(conn, chunk)


def _refresh_chunk(conn: Connection, chunk: list[uuid.UUID]) -> None:
    stated: dict[uuid.UUID, Any] = dict(
        conn.execute(select(Claim.id, Claim.stated_on).where(Claim.id.in_(chunk))).all()  # type: ignore[attr-defined,arg-type]
    )
    accused: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for claim_id, actor_id in conn.execute(
        select(ClaimAccused.claim_id, ClaimAccused.actor_id).where(
            ClaimAccused.claim_id.in_(chunk)  # type: ignore[attr-defined]
        )
    ):
        accused[claim_id].add(actor_id)
    answers: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in conn.execute(
        select(
            ClaimResponse.claim_id,
            ClaimResponse.responder_id,
            ClaimResponse.stance,
            ClaimResponse.stated_on,
        ).where(ClaimResponse.claim_id.in_(chunk), ClaimResponse.deleted_at.is_(None))  # type: ignore[attr-defined,union-attr]
    ):
        answers[row.claim_id].append(row)
    items: dict[uuid.UUID, list[balance_rules.Item]] = defaultdict(list)
    for row in conn.execute(
        select(
            Evidence.claim_id,
            Evidence.id,
            Evidence.bearing,
            Evidence.reliability,
            Evidence.credibility,
            Evidence.independent,
        ).where(Evidence.claim_id.in_(chunk), Evidence.deleted_at.is_(None))  # type: ignore[attr-defined,union-attr]
    ):
        items[row.claim_id].append(balance_rules.Item(*row[1:]))
    pairs = part_of_pairs(
        conn,
        {a.responder_id for rows in answers.values() for a in rows},
        {a for actors in accused.values() for a in actors},
    )
    updates = []
    for claim_id in chunk:
        if claim_id not in stated:
            continue
        result = dispute(
            stated[claim_id],
            [
                (a.stance, a.stated_on)
                for a in answers.get(claim_id, [])
                if is_by_accused(a.responder_id, accused.get(claim_id, set()), pairs)
            ],
        )
        weights = balance_rules.balance(items.get(claim_id, []))
        updates.append(
            {
                "b_id": claim_id,
                "b_status": result.status,
                "b_first": result.first_response_on,
                "b_lag": result.response_lag_days,
                "b_support": weights.support,
                "b_refute": weights.refute,
                "b_balance": weights.balance,
            }
        )
    if updates:
        conn.execute(_UPDATE, updates)


_UPDATE = (
    update(Claim)
    .where(Claim.id == bindparam("b_id"))  # type: ignore[arg-type]
    .values(
        dispute_status=bindparam("b_status"),
        first_response_on=bindparam("b_first"),
        response_lag_days=bindparam("b_lag"),
        support=bindparam("b_support"),
        refute=bindparam("b_refute"),
        balance=bindparam("b_balance"),
    )
)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _refresh_sqlite(conn: Connection, chunk: list[str]) -> None:
    marks = ", ".join("?" * len(chunk))
    params = tuple(chunk)
    stated: dict[str, str | None] = dict(
        driver_rows(conn, f"SELECT id, stated_on FROM claim WHERE id IN ({marks})", params)
    )
    accused: dict[str, set[str]] = defaultdict(set)
    for claim_id, actor_id in driver_rows(
        conn, f"SELECT claim_id, actor_id FROM claim_accused WHERE claim_id IN ({marks})", params
    ):
        accused[claim_id].add(actor_id)
    answers: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for claim_id, responder, stance, on in driver_rows(
        conn,
        "SELECT claim_id, responder_id, stance, stated_on FROM claim_response "
        f"WHERE claim_id IN ({marks}) AND deleted_at IS NULL",
        params,
    ):
        answers[claim_id].append((responder, stance, on))
    items: dict[str, list[balance_rules.Item]] = defaultdict(list)
    for claim_id, *item in driver_rows(
        conn,
        "SELECT claim_id, id, bearing, reliability, credibility, independent FROM evidence "
        f"WHERE claim_id IN ({marks}) AND deleted_at IS NULL",
        params,
    ):
        items[claim_id].append(balance_rules.Item(*item))
    subjects = {a[0] for rows in answers.values() for a in rows}
    objects = {a for actors in accused.values() for a in actors}
    pairs: set[tuple[str, str]] = set()
    if subjects and objects:
        pairs = set(
            driver_rows(
                conn,
                "SELECT subject_id, object_id FROM actor_relation WHERE predicate = 'part_of' "
                "AND deleted_at IS NULL "
                f"AND subject_id IN ({', '.join('?' * len(subjects))}) "
                f"AND object_id IN ({', '.join('?' * len(objects))})",
                (*subjects, *objects),
            )
        )
    updates = []
    for claim_id in chunk:
        if claim_id not in stated:
            continue
        mine = accused.get(claim_id, set())
        result = dispute(
            _day(stated[claim_id]),
            [
                (stance, _day(on))
                for responder, stance, on in answers.get(claim_id, [])
                if is_by_accused(responder, mine, pairs)  # type: ignore[arg-type]
            ],
        )
        weights = balance_rules.balance(items.get(claim_id, []))
        first = result.first_response_on
        updates.append(
            (
                result.status,
                None if first is None else first.isoformat(),
                result.response_lag_days,
                weights.support,
                weights.refute,
                weights.balance,
                claim_id,
            )
        )
    if updates:
        conn.exec_driver_sql(
            "UPDATE claim SET dispute_status = ?, first_response_on = ?, "
            "response_lag_days = ?, support = ?, refute = ?, balance = ? WHERE id = ?",
            updates,
        )
