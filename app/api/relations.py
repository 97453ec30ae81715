"""/v1/actors/{actor}/relations and /v1/relations: dated links between actors."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from app.api.actors import ActorPath
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
from app.models.actor import RelationCreate, RelationPage, RelationPublic, RelationUpdate
from app.services import relations

router = APIRouter(tags=["relations"], route_class=RetryingRoute)


@router.get("/v1/actors/{actor}/relations", operation_id="listActorRelations")
async def list_actor_relations(
    actor: ActorPath,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RelationPage:
    """Relations in which the actor is the subject or the object."""
    items, next_cursor = relations.list_relations(conn, actor, page_limit(limit), cursor)
    link_next(request, response, next_cursor)
    return RelationPage.model_validate({"items": items, "next_cursor": next_cursor})


@router.post(
    "/v1/actors/{actor}/relations",
    operation_id="createActorRelation",
    status_code=status.HTTP_201_CREATED,
)
def create_actor_relation(
    actor: ActorPath,
    body: RelationCreate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
) -> RelationPublic:
    """Link the actor (the subject) to another. `part_of` makes the subject's responses
    count as the object's when the object is accused."""
    created = relations.create_relation(session, actor, body, principal)
    response.headers["ETag"] = etag(created.version)
    response.headers["Location"] = f"/v1/relations/{created.id}"
    return RelationPublic.model_validate(relations.get_relation(session, created.id))


@router.get("/v1/relations/{relation_id}", operation_id="getRelation")
async def get_relation(relation_id: uuid.UUID, response: Response, conn: Reader) -> RelationPublic:
    """One relation."""
    found = relations.get_relation(conn, relation_id)
    response.headers["ETag"] = etag(found["version"])
    return RelationPublic.model_validate(found)


@router.patch("/v1/relations/{relation_id}", operation_id="updateRelation")
def update_relation(
    relation_id: uuid.UUID,
    body: RelationUpdate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
    expected: ExpectedVersion,
) -> RelationPublic:
    """Change some fields of a relation. A stale If-Match is a 412."""
    updated = relations.update_relation(session, relation_id, body, principal, expected)
    response.headers["ETag"] = etag(updated.version)
    return RelationPublic.model_validate(relations.get_relation(session, relation_id))


@router.delete(
    "/v1/relations/{relation_id}",
    operation_id="deleteRelation",
    status_code=status.HTTP_204_NO_CONTENT,
)
def delete_relation(
    relation_id: uuid.UUID, session: UnitOfWork, principal: Contributor, expected: ExpectedVersion
) -> Response:
    """Soft-delete a relation."""
    relations.delete_relation(session, relation_id, principal, expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
