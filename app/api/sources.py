"""/v1/sources: the published documents everything cites."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

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
from app.models.source import SourceCreate, SourceKind, SourcePage, SourcePublic, SourceUpdate
from app.services import sources

router = APIRouter(prefix="/v1/sources", tags=["sources"], route_class=RetryingRoute)


@router.get("", operation_id="listSources")
async def list_sources(
    request: Request,
    response: Response,
    conn: Reader,
    url: Annotated[
        str | None,
        Query(max_length=2048, description="Find the source with this URL (compared normalised)."),
    ] = None,
    q: SearchQuery = None,
    kind: SourceKind | None = None,
    publisher: Annotated[str | None, Query(max_length=200, description="Actor id or slug.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SourcePage:
    """Sources in the order they were added."""
    items, next_cursor = sources.list_sources(
        conn, url=url, q=q, kind=kind, publisher=publisher, limit=page_limit(limit), cursor=cursor
    )
    link_next(request, response, next_cursor)
    return SourcePage.model_validate({"items": items, "next_cursor": next_cursor})


@router.get("/{source_id}", operation_id="getSource")
async def get_source(source_id: uuid.UUID, response: Response, conn: Reader) -> SourcePublic:
    """One source."""
    found = sources.get_source(conn, str(source_id))
    response.headers["ETag"] = etag(found["version"])
    return SourcePublic.model_validate(found)


@router.post("", operation_id="createSource", status_code=status.HTTP_201_CREATED)
def create_source(
    body: SourceCreate, response: Response, session: UnitOfWork, principal: Contributor
) -> SourcePublic:
    """Add a source. A URL already stored (after normalisation) is a 409 naming it."""
    created = sources.create_source(session, body, principal)
    response.headers["ETag"] = etag(created.version)
    response.headers["Location"] = f"/v1/sources/{created.id}"
    return SourcePublic.model_validate(sources.get_source(session, str(created.id)))


@router.patch("/{source_id}", operation_id="updateSource")
def update_source(
    source_id: uuid.UUID,
    body: SourceUpdate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
    expected: ExpectedVersion,
) -> SourcePublic:
    """Change some fields of a source. A stale If-Match is a 412."""
    updated = sources.update_source(session, str(source_id), body, principal, expected)
    response.headers["ETag"] = etag(updated.version)
    return SourcePublic.model_validate(sources.get_source(session, str(updated.id)))


@router.delete("/{source_id}", operation_id="deleteSource", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(
    source_id: uuid.UUID, session: UnitOfWork, principal: Contributor, expected: ExpectedVersion
) -> Response:
    """Soft-delete a source."""
    sources.delete_source(session, str(source_id), principal, expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
