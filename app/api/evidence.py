"""/v1/claims/{claim_id}/evidence and /v1/evidence: graded items bearing on a claim."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from app.api.deps import (
    Contributor,
    Cursor,
    ExpectedVersion,
    Limit,
    Reader,
    UnitOfWork,
    etag,
    link_next,
    page_limit,
)
from app.api.routing import RetryingRoute
from app.models.evidence import (
    Bearing,
    EvidenceCreate,
    EvidencePage,
    EvidencePublic,
    EvidenceUpdate,
)
from app.services import evidence

router = APIRouter(tags=["evidence"], route_class=RetryingRoute)


@router.get("/v1/claims/{claim_id}/evidence", operation_id="listEvidence")
async def list_evidence(
    claim_id: uuid.UUID,
    request: Request,
    response: Response,
    conn: Reader,
    bearing: Bearing | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EvidencePage:
    """Evidence on one claim in the order it was added."""
    items, next_cursor = evidence.list_evidence(conn, claim_id, bearing, page_limit(limit), cursor)
    link_next(request, response, next_cursor)
    return EvidencePage.model_validate({"items": items, "next_cursor": next_cursor})


@router.post(
    "/v1/claims/{claim_id}/evidence",
    operation_id="createEvidence",
    status_code=status.HTTP_201_CREATED,
)
def create_evidence(
    claim_id: uuid.UUID,
    body: EvidenceCreate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
) -> EvidencePublic:
    """Add an evidence item with its Admiralty grades; the claim's balance is recomputed."""
    created = evidence.create_evidence(session, claim_id, body, principal)
    response.headers["ETag"] = etag(created.version)
    response.headers["Location"] = f"/v1/evidence/{created.id}"
    return EvidencePublic.model_validate(evidence.get_evidence(session, created.id))


@router.get("/v1/evidence/{evidence_id}", operation_id="getEvidence")
async def get_evidence(evidence_id: uuid.UUID, response: Response, conn: Reader) -> EvidencePublic:
    """One evidence item with its weight."""
    found = evidence.get_evidence(conn, evidence_id)
    response.headers["ETag"] = etag(found["version"])
    return EvidencePublic.model_validate(found)


@router.patch("/v1/evidence/{evidence_id}", operation_id="updateEvidence")
def update_evidence(
    evidence_id: uuid.UUID,
    body: EvidenceUpdate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
    expected: ExpectedVersion,
) -> EvidencePublic:
    """Change some fields of an evidence item. A stale If-Match is a 412."""
    updated = evidence.update_evidence(session, evidence_id, body, principal, expected)
    response.headers["ETag"] = etag(updated.version)
    return EvidencePublic.model_validate(evidence.get_evidence(session, evidence_id))


@router.delete(
    "/v1/evidence/{evidence_id}",
    operation_id="deleteEvidence",
    status_code=status.HTTP_204_NO_CONTENT,
)
def delete_evidence(
    evidence_id: uuid.UUID, session: UnitOfWork, principal: Contributor, expected: ExpectedVersion
) -> Response:
    """Soft-delete an evidence item; the claim's balance is recomputed."""
    evidence.delete_evidence(session, evidence_id, principal, expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
