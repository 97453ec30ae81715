"""/v1/claims: allegations, their dossiers and their verdicts."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from app.api import query
from app.api.claim_queries import ListQuery
from app.api.deps import (
    Contributor,
    ExpectedVersion,
    UnitOfWork,
    etag,
    page_limit,
    reading,
)
from app.api.json_body import JSONBody, page_body
from app.api.routing import RetryingRoute
from app.models.claim import ClaimCreate, ClaimDossier, ClaimPage, ClaimUpdate
from app.services import claim_list, claims, dossier

router = APIRouter(prefix="/v1/claims", tags=["claims"], route_class=RetryingRoute)


@query.get(router, "", operation_id="listClaims", response_model=ClaimPage)
async def list_claims(request: Request, params: ListQuery) -> Response:
    """Claims matching every filter given, newest statement first by default."""
    with reading(request) as conn:
        items, next_cursor = claim_list.list_claims(
            conn, params.filters(), params.sort, page_limit(params.limit), params.cursor
        )
    return page_body(request, items, next_cursor)


@router.get("/{claim_id}", operation_id="getClaim", response_model=ClaimDossier)
async def get_claim(claim_id: uuid.UUID, request: Request) -> Response:
    """The dossier: the claim, who is accused, every response (threaded by in_reply_to),
    evidence grouped by bearing, the verdict, the dispute status and the evidence balance.

    **Dispute status** counts only responses by the accused (the responder is accused,
    or is `part_of` an accused actor): `unanswered` (none, or only `no_comment`),
    `denied` (denies, partially_denies, disputes_evidence or counter_accuses, and no
    admission), `admitted` (confirms or admits, and no denial), `mixed` (both).

    **Balance**: each item weighs R(reliability) x C(credibility) x (1.0 if independent
    else 0.5), with R A 1.0, B 0.8, C 0.6, D 0.4, E 0.2, F 0.3 and C 1 1.0, 2 0.8,
    3 0.6, 4 0.4, 5 0.1, 6 0.3; balance = (support - refute) / (support + refute + 1).
    """
    with reading(request) as conn:
        found = dossier.get_dossier(conn, claim_id)
    return JSONBody(found, headers={"ETag": etag(found["version"])})


@router.post("", operation_id="createClaim", status_code=status.HTTP_201_CREATED)
def create_claim(
    body: ClaimCreate, response: Response, session: UnitOfWork, principal: Contributor
) -> ClaimDossier:
    """Record an allegation. Actors and the event are named by id or slug; sources by
    `source_id` or inline (an inline URL already stored is reused)."""
    created = claims.create_claim(session, body, principal)
    response.headers["ETag"] = etag(created.version)
    response.headers["Location"] = f"/v1/claims/{created.id}"
    return ClaimDossier.model_validate(dossier.get_dossier(session, created.id))


@router.patch("/{claim_id}", operation_id="updateClaim")
def update_claim(
    claim_id: uuid.UUID,
    body: ClaimUpdate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
    expected: ExpectedVersion,
) -> ClaimDossier:
    """Change some fields of a claim. A stale If-Match is a 412."""
    updated = claims.update_claim(session, claim_id, body, principal, expected)
    response.headers["ETag"] = etag(updated.version)
    return ClaimDossier.model_validate(dossier.get_dossier(session, claim_id))


@router.delete("/{claim_id}", operation_id="deleteClaim", status_code=status.HTTP_204_NO_CONTENT)
def delete_claim(
    claim_id: uuid.UUID, session: UnitOfWork, principal: Contributor, expected: ExpectedVersion
) -> Response:
    """Soft-delete a claim: it answers 410 and leaves lists."""
    claims.delete_claim(session, claim_id, principal, expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
