"""Responses to claims: counter-statements, threaded through ``in_reply_to``."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import ProblemItem, UnprocessableInput
from app.models import Claim, ClaimResponse, ResponseSource
from app.models.claim_response import ResponseCreate, ResponseUpdate
from app.security import Principal
from app.services import refs, rows
from app.services.derived import dossier_changed
from app.services.pagination import (
    SortKey,
    decode_cursor,
    fingerprint,
    keyset,
    parse_date,
    split_page,
)
from app.services.reads import Conn, fetch_one, live_claim
from app.services.sources import set_citations
from app.services.statements import accused_of, response_dicts, select_responses

BY_DATE = SortKey("stated_on", ClaimResponse.sort_date, False, parse_date)


def get_response(conn: Conn, response_id: uuid.UUID) -> dict[str, Any]:
    row = fetch_one(conn, select_responses(), ClaimResponse, str(response_id), "response")
    live_claim(conn, row.claim_id)
    return response_dicts(conn, [row], accused_of(conn, [row.claim_id]))[0]


def list_responses(
    conn: Conn, claim_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    live_claim(conn, claim_id)
    fp = fingerprint({"claim": str(claim_id)})
    after = decode_cursor(cursor, BY_DATE, fp) if cursor else None
    stmt = select_responses().where(
        ClaimResponse.claim_id == claim_id, ClaimResponse.deleted_at.is_(None)
    )
    found = conn.execute(keyset(stmt, BY_DATE, ClaimResponse.id, after, limit)).all()
    page, next_cursor = split_page(found, limit, BY_DATE, lambda r: r.sort_date, fp)
    return response_dicts(conn, page, accused_of(conn, [claim_id])), next_cursor


def _check_reply(
    session: Session, claim_id: uuid.UUID, response_id: uuid.UUID | None, parent_id: uuid.UUID
) -> None:
    """``in_reply_to`` must name a live response of the same claim, and make no cycle."""
    seen = {response_id} if response_id else set()
    current: uuid.UUID | None = parent_id
    while current is not None:
        row = session.execute(
            select(
                ClaimResponse.claim_id, ClaimResponse.in_reply_to_id, ClaimResponse.deleted_at
            ).where(ClaimResponse.id == current)
        ).first()
        if current == parent_id and (row is None or row.claim_id != claim_id or row.deleted_at):
            detail = f"no response '{parent_id}' on this claim to reply to"
            raise UnprocessableInput(
                detail, errors=[ProblemItem(detail=detail, pointer="/in_reply_to")]
            )
        if current in seen:
            detail = "in_reply_to would make the thread a loop"
            raise UnprocessableInput(
                detail, errors=[ProblemItem(detail=detail, pointer="/in_reply_to")]
            )
        seen.add(current)
        current = row.in_reply_to_id if row else None


def create_response(
    session: Session, claim_id: uuid.UUID, body: ResponseCreate, principal: Principal
) -> ClaimResponse:
    rows.find(session, Claim, claim_id, "claim")  # locks the claim: derived columns stay exact
    responder_id = refs.resolve_one(session, "actor", body.responder, "/responder")
    if body.in_reply_to is not None:
        _check_reply(session, claim_id, None, body.in_reply_to)
    response = ClaimResponse(
        **body.model_dump(exclude={"responder", "in_reply_to", "sources"}),
        claim_id=claim_id,
        responder_id=responder_id,
        in_reply_to_id=body.in_reply_to,
        created_by=principal.key_id,
    )
    session.add(response)
    session.flush()
    set_citations(session, ResponseSource, "response_id", response.id, body.sources, principal)
    dossier_changed(session, claim_id)
    return response


def update_response(
    session: Session,
    response_id: uuid.UUID,
    body: ResponseUpdate,
    principal: Principal,
    expected: int | None,
) -> ClaimResponse:
    response = rows.find_for_write(
        session, ClaimResponse, response_id, "response", principal, expected
    )
    rows.find(session, Claim, response.claim_id, "claim")
    fields = body.model_fields_set
    changes = body.model_dump(exclude_unset=True, exclude={"responder", "in_reply_to", "sources"})
    if "responder" in fields and body.responder:
        changes["responder_id"] = refs.resolve_one(session, "actor", body.responder, "/responder")
    if "in_reply_to" in fields:
        if body.in_reply_to is not None:
            _check_reply(session, response.claim_id, response.id, body.in_reply_to)
        changes["in_reply_to_id"] = body.in_reply_to
    changed = rows.apply(response, changes)
    if body.sources is not None and set_citations(
        session, ResponseSource, "response_id", response.id, body.sources, principal
    ):
        changed = True
    if changed:
        rows.bump(response)
        dossier_changed(session, response.claim_id)
    session.flush()
    return response


def delete_response(
    session: Session, response_id: uuid.UUID, principal: Principal, expected: int | None
) -> None:
    response = rows.find_for_write(
        session, ClaimResponse, response_id, "response", principal, expected
    )
    rows.soft_delete(session, response)
    dossier_changed(session, response.claim_id)
