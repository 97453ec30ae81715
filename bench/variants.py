"""Diagnostic variants of the claim list, mounted on the real app (``app.asgi:app``) so that
middleware, dependencies, response model and serialisation are exactly Contested's. Each
route has the signature of ``GET /v1/claims`` and returns the same body; only the data
access differs. They split the gap between Contested and the floor; they are not the app.

- ``/x/cached``: no query at all, a page computed once (framework + pydantic alone).
- ``/x/core_tuned``: SQLAlchemy Core, statements built once at import, UUID columns
  read as text (``type_coerce(..., String)``) and dashed in Python.
- ``/x/raw``: the floor's three SQL queries (bench/floor.py ``read_page``) on the driver
  connection of the same read transaction.

    BENCH_VARIANTS=1 bash bench/run.sh
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlalchemy import Connection, String, bindparam, select, type_coerce
from sqlalchemy.orm import aliased

from app.api.claims import Filters
from app.api.deps import Cursor, Limit, Reader, link_next, page_limit
from app.asgi import app
from app.models import Actor, Claim, ClaimAccused, ClaimTag, Event, Verdict
from app.models.claim import ClaimPage, ClaimSort
from bench.floor import cursor_after, read_page, uuid_str

Sort = Annotated[ClaimSort, Query()]
claimant = aliased(Actor)


def as_text(column: Any, name: str) -> Any:
    return type_coerce(column, String).label(name)


PAGE = (
    select(
        as_text(Claim.id, "id"),
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
        as_text(Event.id, "event_id"),
        Event.slug,
        Event.title,
        as_text(claimant.id, "claimant_id"),
        claimant.slug,
        claimant.name,
    )
    .join(claimant, claimant.id == Claim.claimant_id)
    .join(Verdict, Verdict.claim_id == Claim.id)
    .outerjoin(Event, Event.id == Claim.event_id)
    .where(Claim.deleted_at.is_(None))
    .order_by(Claim.sort_date.desc(), Claim.id.desc())
    .limit(bindparam("n"))
)
IDS = bindparam("ids", expanding=True)
ACCUSED = (
    select(
        as_text(ClaimAccused.claim_id, "claim_id"), as_text(Actor.id, "id"), Actor.slug, Actor.name
    )
    .join(Actor, Actor.id == ClaimAccused.actor_id)
    .where(type_coerce(ClaimAccused.claim_id, String).in_(IDS))
    .order_by(ClaimAccused.claim_id, ClaimAccused.position)
)
TAGS = (
    select(as_text(ClaimTag.claim_id, "claim_id"), ClaimTag.tag)
    .where(type_coerce(ClaimTag.claim_id, String).in_(IDS))
    .order_by(ClaimTag.claim_id, ClaimTag.tag)
)


def core_page(conn: Connection, limit: int) -> dict:
    rows = conn.execute(PAGE, {"n": limit + 1}).all()
    more, rows = len(rows) > limit, rows[:limit]
    ids = [r[0] for r in rows]
    accused: dict[str, list] = {claim_id: [] for claim_id in ids}
    tags: dict[str, list] = {claim_id: [] for claim_id in ids}
    for claim_id, actor_id, slug, name in conn.execute(ACCUSED, {"ids": ids}):
        accused[claim_id].append({"id": uuid_str(actor_id), "slug": slug, "name": name})
    for claim_id, tag in conn.execute(TAGS, {"ids": ids}):
        tags[claim_id].append(tag)
    items = [
        {
            "id": uuid_str(r[0]),
            "version": r[1],
            "proposition": r[2],
            "claimant": {"id": uuid_str(r[14]), "slug": r[15], "name": r[16]},
            "accused": accused[r[0]],
            "event": r[11] and {"id": uuid_str(r[11]), "slug": r[12], "title": r[13]},
            "stated_on": r[3],
            "stated_on_precision": r[4],
            "tags": tags[r[0]],
            "verdict": r[10],
            "dispute_status": r[6],
            "balance": r[7],
            "created_at": r[8],
            "updated_at": r[9],
        }
        for r in rows
    ]
    next_cursor = cursor_after(str(rows[-1][5]), uuid_str(rows[-1][0])) if more else None
    return {"items": items, "next_cursor": next_cursor}


CACHED: dict[str, Any] = {}


def respond(request: Request, response: Response, body: dict) -> ClaimPage:
    link_next(request, response, body["next_cursor"])
    return ClaimPage.model_validate(body)


async def cached(
    request: Request,
    response: Response,
    conn: Reader,
    filters: Filters,
    sort: Sort = ClaimSort.stated_on_desc,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ClaimPage:
    if not CACHED:
        CACHED.update(read_page(conn.connection.driver_connection, 50))
    return respond(request, response, CACHED)


async def core_tuned(
    request: Request,
    response: Response,
    conn: Reader,
    filters: Filters,
    sort: Sort = ClaimSort.stated_on_desc,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ClaimPage:
    return respond(request, response, core_page(conn, page_limit(limit)))


async def raw(
    request: Request,
    response: Response,
    conn: Reader,
    filters: Filters,
    sort: Sort = ClaimSort.stated_on_desc,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ClaimPage:
    body = read_page(conn.connection.driver_connection, page_limit(limit))
    return respond(request, response, body)


for route in (cached, core_tuned, raw):
    app.add_api_route(f"/x/{route.__name__}", route, methods=["GET"])
