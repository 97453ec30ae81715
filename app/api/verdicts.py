"""/v1/claims/{claim_id}/verdict: the newsroom's editorial rating of a claim."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.api.deps import Editor, ExpectedVersion, UnitOfWork, etag
from app.api.routing import RetryingRoute
from app.models.claim import VerdictPublic, VerdictPut
from app.services import claims

router = APIRouter(prefix="/v1/claims", tags=["verdicts"], route_class=RetryingRoute)


@router.put("/{claim_id}/verdict", operation_id="setVerdict")
def set_verdict(
    claim_id: uuid.UUID,
    body: VerdictPut,
    response: Response,
    session: UnitOfWork,
    principal: Editor,
    expected: ExpectedVersion,
) -> VerdictPublic:
    """Set the newsroom's verdict (editors). If-Match carries the verdict's ETag."""
    verdict = claims.set_verdict(session, claim_id, body, principal, expected)
    response.headers["ETag"] = etag(verdict.version)
    return VerdictPublic.model_validate(verdict)
