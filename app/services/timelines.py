"""Timelines of an event or an actor: claims, responses and dated evidence in date order.

One query per page: a UNION with a branch per kind gives the items' keys, the page is
cut from them by keyset on (date, type, id), and only its rows are joined to their text
and the actor shown beside them. Items without a known date sort last. The statements
are prepared once per shape and the items written JSON-ready (app.services.prepared).
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Uuid,
    bindparam,
    case,
    exists,
    func,
    literal,
    select,
    true,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from app.models import Actor, Claim, ClaimAccused, ClaimResponse, Event, Evidence
from app.services.pagination import (
    SortKey,
    decode_cursor,
    encode_cursor,
    fingerprint,
    parse_date,
    parse_int,
)
from app.services.prepared import Prepared, plain_of
from app.services.reads import Conn, find_id

LAST = date(9999, 12, 31)
_RANK = {"claim": 0, "response": 1, "evidence": 2}


def _parse_position(value: Any) -> tuple[date, int]:
    """The (date, rank of the kind) a timeline cursor resumes after."""
    on, rank = value  # ValueError or TypeError unless two items
    return parse_date(on), parse_int(rank)


BY_DATE = SortKey("date", "date", descending=False, parse=_parse_position)


def _keys(kind: str, model: Any, on: Any, condition: Any) -> Any:
    """One kind's items as (rank, id, sort key): what a page is chosen by."""
    return select(
        literal(_RANK[kind]).label("rank"),
        model.id.label("id"),
        # Unknown dates sort last.
        func.coalesce(on, literal(LAST)).label("sort_key"),
    ).where(model.deleted_at.is_(None), condition)


def _union(claims_of_interest: Any, responses_extra: Any = None, evidence_extra: Any = None) -> Any:
    """The keys of the claims of interest, their responses and dated evidence, and of the
    responses and evidence the ``extra`` conditions add (on other claims: each condition
    its own branch, so that each reads its own index rather than the whole table)."""
    branches = [_keys("claim", Claim, Claim.stated_on, Claim.id.in_(claims_of_interest))]
    for kind, model, on, shown, extra in (
        ("response", ClaimResponse, ClaimResponse.stated_on, true(), responses_extra),
        ("evidence", Evidence, Evidence.dated_on, Evidence.dated_on.is_not(None), evidence_extra),
    ):
        branches.append(_keys(kind, model, on, shown & model.claim_id.in_(claims_of_interest)))
        if extra is not None:
            elsewhere = model.claim_id.not_in(claims_of_interest)
            branches.append(_keys(kind, model, on, shown & extra & elsewhere))
    return union_all(*branches).subquery("timeline")


def _statement(timeline: Any, resume: bool) -> Any:
    """The page statement over ``timeline``, its scope, cursor and size as parameters.

    The page is chosen from the items' keys alone; only its rows are then joined to
    their claim, response or evidence item and its actor. Sorting every item of a busy
    event with its text, and looking up the actor of each, took a tenth (10k claims) to
    half (200k) more CPU per request (docs/benchmarks.md).
    """
    keys = select(timeline)
    order = (timeline.c.sort_key, timeline.c.rank, timeline.c.id)
    if resume:
        after = tuple_(
            bindparam("after_on", type_=Date()),
            bindparam("after_rank", type_=Integer()),
            bindparam("after_id", type_=Uuid()),
        )
        keys = keys.where(tuple_(*order) > after)
    page = keys.order_by(*order).limit(bindparam("page_size", type_=Integer())).subquery("page")
    claim, response, evidence, who = (
        aliased(Claim),
        aliased(ClaimResponse),
        aliased(Evidence),
        aliased(Actor),
    )

    def pick(of_claim: Any, of_response: Any, of_evidence: Any) -> Any:
        """The column of the page row's own kind."""
        return case(
            (page.c.rank == _RANK["claim"], of_claim),
            (page.c.rank == _RANK["response"], of_response),
            else_=of_evidence,
        )

    return (
        select(
            pick(literal("claim"), literal("response"), literal("evidence")).label("type"),
            page.c.rank,
            page.c.id,
            pick(claim.id, response.claim_id, evidence.claim_id).label("claim_id"),
            pick(claim.stated_on, response.stated_on, evidence.dated_on).label("date"),
            pick(
                claim.stated_on_precision,
                response.stated_on_precision,
                evidence.dated_on_precision,
            ).label("date_precision"),
            pick(
                claim.proposition,
                func.coalesce(response.quote, response.stance),
                evidence.summary,
            ).label("title"),
            who.id.label("actor__id"),
            who.slug.label("actor__slug"),
            who.name.label("actor__name"),
            response.stance,
            evidence.bearing,
            page.c.sort_key,
        )
        .select_from(page)
        .outerjoin(claim, (page.c.rank == _RANK["claim"]) & (claim.id == page.c.id))
        .outerjoin(response, (page.c.rank == _RANK["response"]) & (response.id == page.c.id))
        .outerjoin(evidence, (page.c.rank == _RANK["evidence"]) & (evidence.id == page.c.id))
        .outerjoin(
            who,
            who.id == pick(claim.claimant_id, response.responder_id, evidence.produced_by_id),
        )
        .order_by(page.c.sort_key, page.c.rank, page.c.id)
    )


def _page(
    conn: Conn, statement: Prepared, scope: dict[str, str], params: dict[str, Any], limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
    fp = fingerprint(scope)
    params = {**params, "page_size": limit + 1}
    if cursor:
        (on, rank), row_id = decode_cursor(cursor, BY_DATE, fp)
        params |= {"after_on": on, "after_rank": rank, "after_id": row_id}
    rows = statement.rows(conn, params)
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        sort_key, rank, row_id = last[12], last[1], last[2]
        key = [sort_key.isoformat() if isinstance(sort_key, date) else sort_key, rank]
        next_cursor = encode_cursor(BY_DATE, key, uuid.UUID(str(row_id)), fp)
    uuid_ = plain_of(conn).uuid
    return [_item(row, uuid_) for row in rows[:limit]], next_cursor


def _item(row: Any, uuid_: Any) -> dict[str, Any]:
    """A JSON-ready item, in the order of ``TimelineItem``'s fields."""
    (kind, _rank, item_id, claim_id, on, precision, title, actor_id, actor_slug, actor_name,
     stance, bearing, _sort_key) = row  # fmt: skip
    return {
        "type": kind,
        "id": uuid_(item_id),
        "claim_id": uuid_(claim_id),
        "date": on,
        "date_precision": precision,
        "title": title,
        "actor": None
        if actor_id is None
        else {"id": uuid_(actor_id), "slug": actor_slug, "name": actor_name},
        "stance": stance,
        "bearing": bearing,
    }


# The statements are built once per shape (first page or resumed), with the event or
# actor id as a parameter: building the three-branch UNION and its aliases cost several
# times more than running it (docs/benchmarks.md).
@cache
def _event_statement(resume: bool) -> Prepared:
    scope = bindparam("scope_id", type_=Uuid())
    claims = select(Claim.id).where(Claim.event_id == scope, Claim.deleted_at.is_(None))
    return Prepared(_statement(_union(claims), resume))


@cache
def _actor_statement(resume: bool) -> Prepared:
    scope = bindparam("scope_id", type_=Uuid())
    # The ids it made or is accused in, each from its own index (an OR of the two
    # conditions on claim read every claim).
    made_or_accused = union(
        select(Claim.id).where(Claim.claimant_id == scope),
        select(ClaimAccused.claim_id).where(ClaimAccused.actor_id == scope),
    )
    claims = select(Claim.id).where(Claim.deleted_at.is_(None), Claim.id.in_(made_or_accused))

    def live(claim_id: Any) -> Any:
        # A keyed probe of the row's own claim: "IN (every live claim)" read them all.
        return exists().where(Claim.id == claim_id, Claim.deleted_at.is_(None))

    timeline = _union(
        claims,
        responses_extra=(ClaimResponse.responder_id == scope) & live(ClaimResponse.claim_id),
        evidence_extra=(Evidence.produced_by_id == scope) & live(Evidence.claim_id),
    )
    return Prepared(_statement(timeline, resume))


def event_timeline(
    conn: Conn, event: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Claims about the event, their responses and their dated evidence."""
    event_id = find_id(conn, Event, event, "event")
    statement = _event_statement(bool(cursor))
    scope = {"event": str(event_id)}
    return _page(conn, statement, scope, {"scope_id": event_id}, limit, cursor)


def actor_timeline(
    conn: Conn, actor: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Claims the actor made or is accused in, with their responses and dated evidence,
    plus the actor's own responses and the evidence it produced elsewhere."""
    actor_id = find_id(conn, Actor, actor, "actor")
    statement = _actor_statement(bool(cursor))
    scope = {"actor": str(actor_id)}
    return _page(conn, statement, scope, {"scope_id": actor_id}, limit, cursor)
