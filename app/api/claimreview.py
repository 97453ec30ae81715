"""/v1/claims/{claim_id}/claimreview and /v1/export/claimreview: schema.org ClaimReview."""

from __future__ import annotations

import json
import uuid

import mimeparse
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from app.api.deps import Reader, SettingsDep
from app.api.exports import SnapshotReader, base_url
from app.config import Settings
from app.models.claimreview import ClaimReview
from app.services import claimreview
from app.services.claimreview import Party

LD_JSON = "application/ld+json"
JSON = "application/json"

router = APIRouter(tags=["claimreview"])


class LdJsonResponse(JSONResponse):
    media_type = LD_JSON


def _publisher(settings: Settings, base: str) -> Party:
    return Party(settings.publisher_name, url=settings.publisher_url or base)


def _media_type(accept: str | None) -> str:
    """application/json when Accept ranks it above application/ld+json; otherwise, and
    for a malformed Accept, application/ld+json."""
    try:
        chosen = mimeparse.best_match([JSON, LD_JSON], accept or "*/*")
    except mimeparse.MimeTypeParseException:
        chosen = ""
    return chosen or LD_JSON


_SAME_BODY_AS_JSON = {
    "description": "The ClaimReview; served as application/json when Accept asks for that "
    "rather than application/ld+json.",
    "content": {JSON: {"schema": {"$ref": "#/components/schemas/ClaimReview"}}},
}


@router.get(
    "/v1/claims/{claim_id}/claimreview",
    operation_id="getClaimReview",
    response_model=ClaimReview,
    response_class=LdJsonResponse,
    responses={200: _SAME_BODY_AS_JSON},
)
async def get_claim_review(
    claim_id: uuid.UUID, request: Request, conn: Reader, settings: SettingsDep
) -> Response:
    """The claim's verdict as schema.org ClaimReview JSON-LD, the markup fact-check
    aggregators read (`application/ld+json`, or `application/json` when Accept prefers it).

    `reviewRating.ratingValue` puts the verdict on a 1-5 scale: refuted 1, misleading 2,
    disputed, unverified and unprovable 3, substantiated 5; `alternateName` names it.
    `itemReviewed.datePublished` keeps the claim's date precision (`2020-10` when only the
    month is known). A claim whose verdict is `unassessed` has no review: 404 with type
    `urn:contested:problem:not-reviewed`.
    """
    base = base_url(request, settings)
    review = claimreview.claim_review(
        claimreview.review_of(conn, claim_id), _publisher(settings, base), base
    )
    return Response(
        json.dumps(review, ensure_ascii=False),
        media_type=_media_type(request.headers.get("accept")),
    )


@router.get(
    "/v1/export/claimreview",
    operation_id="exportClaimReviews",
    response_model=list[ClaimReview],
    response_class=LdJsonResponse,
    responses={200: {"description": "A JSON array of ClaimReview documents, streamed."}},
)
async def export_claim_reviews(
    request: Request, conn: SnapshotReader, settings: SettingsDep
) -> StreamingResponse:
    """Every claim with a verdict other than unassessed as ClaimReview, streamed as one
    JSON array (`application/ld+json`), one review a line, in claim id order. Each review
    is the same document `getClaimReview` returns, with its own `@context`. The array is
    read from one snapshot of the database in batches; a response cut short is not valid
    JSON, so a truncated download shows."""
    base = base_url(request, settings)
    chunks = claimreview.export_chunks(conn, _publisher(settings, base), base)
    return StreamingResponse(chunks, media_type=LD_JSON)
