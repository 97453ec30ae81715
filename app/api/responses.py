"""/v1/claims/{claim_id}/responses and /v1/responses: counter-statements."""

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
from app.models.claim_response import ResponseCreate, ResponsePage, ResponsePublic, ResponseUpdate
from app.services import claim_responses

router = APIRouter(tags=["responses"], route_class=RetryingRoute)


@router.get("/v1/claims/{claim_id}/responses", operation_id="listResponses")
async def list_responses(
    claim_id: uuid.UUID,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ResponsePage:
    """Responses to one claim in date order."""
    items, next_cursor = claim_responses.list_responses(conn, claim_id, page_limit(limit), cursor)
    link_next(request, response, next_cursor)
    return ResponsePage.model_validate({"items": items, "next_cursor": next_cursor})


@router.post(
    "/v1/claims/{claim_id}/responses",
    operation_id="createResponse",
    status_code=status.HTTP_201_CREATED,
)
def create_response(
    claim_id: uuid.UUID,
    body: ResponseCreate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
) -> ResponsePublic:
    """Record a counter-statement (a denial, an admission...) to a claim, optionally as a
    reply to another response of the same claim."""
    created = claim_responses.create_response(session, claim_id, body, principal)
    response.headers["ETag"] = etag(created.version)
    response.headers["Location"] = f"/v1/responses/{created.id}"
    return ResponsePublic.model_validate(claim_responses.get_response(session, created.id))


@router.get("/v1/responses/{response_id}", operation_id="getResponse")
async def get_response(response_id: uuid.UUID, response: Response, conn: Reader) -> ResponsePublic:
    """One response."""
    found = claim_responses.get_response(conn, response_id)
    response.headers["ETag"] = etag(found["version"])
    return ResponsePublic.model_validate(found)


@router.patch("/v1/responses/{response_id}", operation_id="updateResponse")
def update_response(
    response_id: uuid.UUID,
    body: ResponseUpdate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
    expected: ExpectedVersion,
) -> ResponsePublic:
    """Change some fields of a response. A stale If-Match is a 412."""
    updated = claim_responses.update_response(session, response_id, body, principal, expected)
    response.headers["ETag"] = etag(updated.version)
    return ResponsePublic.model_validate(claim_responses.get_response(session, response_id))


@router.delete(
    "/v1/responses/{response_id}",
    operation_id="deleteResponse",
    status_code=status.HTTP_204_NO_CONTENT,
)
def delete_response(
    response_id: uuid.UUID, session: UnitOfWork, principal: Contributor, expected: ExpectedVersion
) -> Response:
    """Soft-delete a response; the claim's dispute status is recomputed."""
    claim_responses.delete_response(session, response_id, principal, expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
