"""/v1/actors: who speaks or is accused."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.api.deps import (
    Contributor,
    Cursor,
    ExpectedVersion,
    Limit,
    Reader,
    SearchQuery,
    UnitOfWork,
    etag,
    link_next,
    page_limit,
)
from app.api.routing import RetryingRoute
from app.models.actor import ActorCreate, ActorKind, ActorPage, ActorPublic, ActorUpdate
from app.services import actors

router = APIRouter(prefix="/v1/actors", tags=["actors"], route_class=RetryingRoute)

ActorPath = Annotated[
    str, Path(description="The actor's UUID or slug.", max_length=200, examples=["fsb"])
]


@router.get("", operation_id="listActors")
async def list_actors(
    request: Request,
    response: Response,
    conn: Reader,
    q: SearchQuery = None,
    kind: ActorKind | None = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ActorPage:
    """Actors in slug order."""
    items, next_cursor = actors.list_actors(
        conn, q=q, kind=kind, country=country, limit=page_limit(limit), cursor=cursor
    )
    link_next(request, response, next_cursor)
    return ActorPage.model_validate({"items": items, "next_cursor": next_cursor})


@router.get("/{actor}", operation_id="getActor")
async def get_actor(actor: ActorPath, response: Response, conn: Reader) -> ActorPublic:
    """One actor with its aliases."""
    found = actors.get_actor(conn, actor)
    response.headers["ETag"] = etag(found["version"])
    return ActorPublic.model_validate(found)


@router.post("", operation_id="createActor", status_code=status.HTTP_201_CREATED)
def create_actor(
    body: ActorCreate, response: Response, session: UnitOfWork, principal: Contributor
) -> ActorPublic:
    """Add an actor. The slug must be unused."""
    created = actors.create_actor(session, body, principal)
    found = actors.get_actor(session, str(created.id))
    response.headers["ETag"] = etag(created.version)
    response.headers["Location"] = f"/v1/actors/{created.slug}"
    return ActorPublic.model_validate(found)


@router.patch("/{actor}", operation_id="updateActor")
def update_actor(
    actor: ActorPath,
    body: ActorUpdate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
    expected: ExpectedVersion,
) -> ActorPublic:
    """Change some fields of an actor. A stale If-Match is a 412."""
    updated = actors.update_actor(session, actor, body, principal, expected)
    response.headers["ETag"] = etag(updated.version)
    return ActorPublic.model_validate(actors.get_actor(session, str(updated.id)))


@router.delete("/{actor}", operation_id="deleteActor", status_code=status.HTTP_204_NO_CONTENT)
def delete_actor(
    actor: ActorPath, session: UnitOfWork, principal: Contributor, expected: ExpectedVersion
) -> Response:
    """Soft-delete an actor: it leaves lists and can no longer be referenced."""
    actors.delete_actor(session, actor, principal, expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
