"""History and restore of every resource: GET .../history and POST .../restore.

Each route carries its resource's tag (claims, actors, ...), so that a generated
client finds ``restoreClaim`` and ``listClaimHistory`` next to ``getClaim``.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from app.api.actors import ActorPath
from app.api.deps import (
    Cursor,
    Editor,
    ExpectedVersion,
    Limit,
    Reader,
    UnitOfWork,
    etag,
    link_next,
    page_limit,
)
from app.api.events import EventPath
from app.api.routing import RetryingRoute
from app.models.actor import ActorPublic, RelationPublic
from app.models.claim import ClaimDossier
from app.models.claim_response import ResponsePublic
from app.models.event import EventPublic
from app.models.evidence import EvidencePublic
from app.models.revision import HistoryPage
from app.models.source import SourcePublic
from app.services import actors, claim_responses, dossier, events, evidence, relations, sources
from app.services import history as history_service
from app.services.restore import restore

router = APIRouter(route_class=RetryingRoute)

_HISTORY = (
    "Oldest first, paginated by `seq`. Each item says who wrote (`key`, the API key's "
    "name; null for seeding), which request (`request_id`, the `X-Request-ID`), and the "
    "row `before` and `after` the change. Deleted rows keep their history readable."
)
_RESTORE = (
    "Editors only. If-Match is honoured; a row that is not deleted is a 409. "
    "Returns the restored resource with its new ETag."
)


def _history_page(
    request: Request,
    response: Response,
    conn: Reader,
    kind: str,
    ref: str,
    limit: int | None,
    cursor: str | None,
) -> HistoryPage:
    items, next_cursor = history_service.history(conn, kind, ref, page_limit(limit), cursor)
    link_next(request, response, next_cursor)
    return HistoryPage.model_validate({"items": items, "next_cursor": next_cursor})


# ---- history -----------------------------------------------------------------------------


@router.get(
    "/v1/claims/{claim_id}/history",
    operation_id="listClaimHistory",
    tags=["claims"],
    description="Every change to the claim and to its responses, evidence items and "
    "verdict. " + _HISTORY,
)
async def list_claim_history(
    claim_id: uuid.UUID,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HistoryPage:
    return _history_page(request, response, conn, "claim", str(claim_id), limit, cursor)


@router.get(
    "/v1/responses/{response_id}/history",
    operation_id="listResponseHistory",
    tags=["responses"],
    description="Every change to the response. " + _HISTORY,
)
async def list_response_history(
    response_id: uuid.UUID,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HistoryPage:
    return _history_page(request, response, conn, "response", str(response_id), limit, cursor)


@router.get(
    "/v1/evidence/{evidence_id}/history",
    operation_id="listEvidenceHistory",
    tags=["evidence"],
    description="Every change to the evidence item. " + _HISTORY,
)
async def list_evidence_history(
    evidence_id: uuid.UUID,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HistoryPage:
    return _history_page(request, response, conn, "evidence", str(evidence_id), limit, cursor)


@router.get(
    "/v1/actors/{actor}/history",
    operation_id="listActorHistory",
    tags=["actors"],
    description="Every change to the actor and its aliases. " + _HISTORY,
)
async def list_actor_history(
    actor: ActorPath,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HistoryPage:
    return _history_page(request, response, conn, "actor", actor, limit, cursor)


@router.get(
    "/v1/relations/{relation_id}/history",
    operation_id="listRelationHistory",
    tags=["relations"],
    description="Every change to the relation. " + _HISTORY,
)
async def list_relation_history(
    relation_id: uuid.UUID,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HistoryPage:
    return _history_page(request, response, conn, "relation", str(relation_id), limit, cursor)


@router.get(
    "/v1/events/{event}/history",
    operation_id="listEventHistory",
    tags=["events"],
    description="Every change to the event. " + _HISTORY,
)
async def list_event_history(
    event: EventPath,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HistoryPage:
    return _history_page(request, response, conn, "event", event, limit, cursor)


@router.get(
    "/v1/sources/{source_id}/history",
    operation_id="listSourceHistory",
    tags=["sources"],
    description="Every change to the source. " + _HISTORY,
)
async def list_source_history(
    source_id: uuid.UUID,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HistoryPage:
    return _history_page(request, response, conn, "source", str(source_id), limit, cursor)


# ---- restore -----------------------------------------------------------------------------


@router.post(
    "/v1/claims/{claim_id}/restore",
    operation_id="restoreClaim",
    tags=["claims"],
    description="Bring a deleted claim back into lists, search and views. " + _RESTORE,
)
def restore_claim(
    claim_id: uuid.UUID,
    response: Response,
    session: UnitOfWork,
    principal: Editor,
    expected: ExpectedVersion,
) -> ClaimDossier:
    row = restore(session, "claim", claim_id, expected)
    response.headers["ETag"] = etag(row.version)
    return ClaimDossier.model_validate(dossier.get_dossier(session, row.id))


@router.post(
    "/v1/responses/{response_id}/restore",
    operation_id="restoreResponse",
    tags=["responses"],
    description="Bring a deleted response back; the claim's dispute status is recomputed. "
    + _RESTORE,
)
def restore_response(
    response_id: uuid.UUID,
    response: Response,
    session: UnitOfWork,
    principal: Editor,
    expected: ExpectedVersion,
) -> ResponsePublic:
    row = restore(session, "response", response_id, expected)
    response.headers["ETag"] = etag(row.version)
    return ResponsePublic.model_validate(claim_responses.get_response(session, row.id))


@router.post(
    "/v1/evidence/{evidence_id}/restore",
    operation_id="restoreEvidence",
    tags=["evidence"],
    description="Bring a deleted evidence item back; the claim's evidence balance is "
    "recomputed. " + _RESTORE,
)
def restore_evidence(
    evidence_id: uuid.UUID,
    response: Response,
    session: UnitOfWork,
    principal: Editor,
    expected: ExpectedVersion,
) -> EvidencePublic:
    row = restore(session, "evidence", evidence_id, expected)
    response.headers["ETag"] = etag(row.version)
    return EvidencePublic.model_validate(evidence.get_evidence(session, row.id))


@router.post(
    "/v1/actors/{actor}/restore",
    operation_id="restoreActor",
    tags=["actors"],
    description="Bring a deleted actor back; it can be referenced again. " + _RESTORE,
)
def restore_actor(
    actor: ActorPath,
    response: Response,
    session: UnitOfWork,
    principal: Editor,
    expected: ExpectedVersion,
) -> ActorPublic:
    row = restore(session, "actor", actor, expected)
    response.headers["ETag"] = etag(row.version)
    return ActorPublic.model_validate(actors.get_actor(session, str(row.id)))


@router.post(
    "/v1/relations/{relation_id}/restore",
    operation_id="restoreRelation",
    tags=["relations"],
    description="Bring a deleted relation back. " + _RESTORE,
)
def restore_relation(
    relation_id: uuid.UUID,
    response: Response,
    session: UnitOfWork,
    principal: Editor,
    expected: ExpectedVersion,
) -> RelationPublic:
    row = restore(session, "relation", relation_id, expected)
    response.headers["ETag"] = etag(row.version)
    return RelationPublic.model_validate(relations.get_relation(session, row.id))


@router.post(
    "/v1/events/{event}/restore",
    operation_id="restoreEvent",
    tags=["events"],
    description="Bring a deleted event back; it can be referenced again. " + _RESTORE,
)
def restore_event(
    event: EventPath,
    response: Response,
    session: UnitOfWork,
    principal: Editor,
    expected: ExpectedVersion,
) -> EventPublic:
    row = restore(session, "event", event, expected)
    response.headers["ETag"] = etag(row.version)
    return EventPublic.model_validate(events.get_event(session, str(row.id)))


@router.post(
    "/v1/sources/{source_id}/restore",
    operation_id="restoreSource",
    tags=["sources"],
    description="Bring a deleted source back; it can be cited again. " + _RESTORE,
)
def restore_source(
    source_id: uuid.UUID,
    response: Response,
    session: UnitOfWork,
    principal: Editor,
    expected: ExpectedVersion,
) -> SourcePublic:
    row = restore(session, "source", source_id, expected)
    response.headers["ETag"] = etag(row.version)
    return SourcePublic.model_validate(sources.get_source(session, str(row.id)))
