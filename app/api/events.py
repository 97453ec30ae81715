"""/v1/events: the incidents the claims are about."""

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
from app.models.event import EventCreate, EventKind, EventPage, EventPublic, EventUpdate
from app.services import events

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=RetryingRoute)

EventPath = Annotated[
    str,
    Path(description="The event's UUID or slug.", max_length=200, examples=["volgograd-plot-2020"]),
]


@router.get("", operation_id="listEvents")
async def list_events(
    request: Request,
    response: Response,
    conn: Reader,
    q: SearchQuery = None,
    kind: EventKind | None = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EventPage:
    """Events in slug order."""
    items, next_cursor = events.list_events(
        conn, q=q, kind=kind, country=country, limit=page_limit(limit), cursor=cursor
    )
    link_next(request, response, next_cursor)
    return EventPage.model_validate({"items": items, "next_cursor": next_cursor})


@router.get("/{event}", operation_id="getEvent")
async def get_event(event: EventPath, response: Response, conn: Reader) -> EventPublic:
    """One event."""
    found = events.get_event(conn, event)
    response.headers["ETag"] = etag(found["version"])
    return EventPublic.model_validate(found)


@router.post("", operation_id="createEvent", status_code=status.HTTP_201_CREATED)
def create_event(
    body: EventCreate, response: Response, session: UnitOfWork, principal: Contributor
) -> EventPublic:
    """Add an event. The slug must be unused."""
    created = events.create_event(session, body, principal)
    response.headers["ETag"] = etag(created.version)
    response.headers["Location"] = f"/v1/events/{created.slug}"
    return EventPublic.model_validate(events.get_event(session, str(created.id)))


@router.patch("/{event}", operation_id="updateEvent")
def update_event(
    event: EventPath,
    body: EventUpdate,
    response: Response,
    session: UnitOfWork,
    principal: Contributor,
    expected: ExpectedVersion,
) -> EventPublic:
    """Change some fields of an event. A stale If-Match is a 412."""
    updated = events.update_event(session, event, body, principal, expected)
    response.headers["ETag"] = etag(updated.version)
    return EventPublic.model_validate(events.get_event(session, str(updated.id)))


@router.delete("/{event}", operation_id="deleteEvent", status_code=status.HTTP_204_NO_CONTENT)
def delete_event(
    event: EventPath, session: UnitOfWork, principal: Contributor, expected: ExpectedVersion
) -> Response:
    """Soft-delete an event."""
    events.delete_event(session, event, principal, expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
