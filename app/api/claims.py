"""/v1/claims: allegations, their dossiers and their verdicts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.api.deps import (
    Contributor,
    Cursor,
    ExpectedVersion,
    Limit,
    Reader,
    SearchQuery,
    UnitOfWork,
    etag,
    page_limit,
)
from app.api.json_body import JSONBody, page_body
from app.api.routing import RetryingRoute
from app.models.claim import (
    ClaimCreate,
    ClaimDossier,
    ClaimPage,
    ClaimSort,
    ClaimUpdate,
    DisputeStatus,
    Rating,
)
from app.models.claim_response import Stance
from app.models.common import IsoDate, IsoDateTime
from app.services import claim_list, claims, dossier
from app.services.claim_list import ClaimFilters

router = APIRouter(prefix="/v1/claims", tags=["claims"], route_class=RetryingRoute)

ActorFilter = Annotated[str | None, Query(max_length=200, description="Actor id or slug.")]


# async although it does no I/O: a plain def would cost a threadpool hop on every list.
async def claim_filters(
    q: SearchQuery = None,
    claimant: ActorFilter = None,
    accused: ActorFilter = None,
    # Named apart from the {actor} path parameter of the routes that also take these filters.
    actor_filter: Annotated[
        str | None,
        Query(
            alias="actor", max_length=200, description="Actor id or slug, as claimant or accused."
        ),
    ] = None,
    event: Annotated[str | None, Query(max_length=200, description="Event id or slug.")] = None,
    verdict: Rating | None = None,
    status: Annotated[
        DisputeStatus | None, Query(description="Dispute status: how the accused answered.")
    ] = None,
    stance: Annotated[
        Stance | None, Query(description="Claims with at least one response of this stance.")
    ] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    language: Annotated[
        str | None, Query(max_length=35, description="Language of the claim's quote (BCP 47).")
    ] = None,
    stated_from: Annotated[
        IsoDate | None, Query(description="Stated on or after (YYYY-MM-DD).")
    ] = None,
    stated_to: Annotated[
        IsoDate | None, Query(description="Stated on or before (YYYY-MM-DD).")
    ] = None,
    updated_since: Annotated[
        IsoDateTime | None, Query(description="Changed at or after this instant (ISO 8601).")
    ] = None,
) -> ClaimFilters:
    return ClaimFilters(
        q=q,
        claimant=claimant,
        accused=accused,
        actor=actor_filter,
        event=event,
        verdict=verdict,
        status=status,
        stance=stance,
        tag=tag,
        language=language,
        stated_from=stated_from,
        stated_to=stated_to,
        updated_since=updated_since,
    )


Filters = Annotated[ClaimFilters, Depends(claim_filters)]


@router.get("", operation_id="listClaims", response_model=ClaimPage)
async def list_claims(
    request: Request,
    conn: Reader,
    filters: Filters,
    sort: Annotated[ClaimSort, Query(description="Order; a leading '-' is descending.")] = (
        ClaimSort.stated_on_desc
    ),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Claims matching every filter given, newest statement first by default."""
    items, next_cursor = claim_list.list_claims(conn, filters, sort, page_limit(limit), cursor)
    return page_body(request, items, next_cursor)


@router.get("/{claim_id}", operation_id="getClaim", response_model=ClaimDossier)
async def get_claim(claim_id: uuid.UUID, conn: Reader) -> Response:
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
