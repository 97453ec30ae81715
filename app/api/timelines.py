"""/v1/events/{event}/timeline and /v1/actors/{actor}/timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.actors import ActorPath
from app.api.deps import Cursor, Limit, page_limit, reading
from app.api.events import EventPath
from app.api.json_body import page_body
from app.models.views import TimelinePage
from app.services import timelines

router = APIRouter()


@router.get(
    "/v1/events/{event}/timeline",
    operation_id="getEventTimeline",
    tags=["events"],
    response_model=TimelinePage,
)
async def event_timeline(
    event: EventPath,
    request: Request,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Claims about the event, their responses and their dated evidence, in date order
    (ties: claims, responses, evidence, then id); undated items come last."""
    with reading(request) as conn:
        items, next_cursor = timelines.event_timeline(conn, event, page_limit(limit), cursor)
    return page_body(request, items, next_cursor)


@router.get(
    "/v1/actors/{actor}/timeline",
    operation_id="getActorTimeline",
    tags=["actors"],
    response_model=TimelinePage,
)
async def actor_timeline(
    actor: ActorPath,
    request: Request,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Claims the actor made or is accused in (with their responses and dated evidence),
    the actor's own responses and the evidence it produced, in date order."""
    with reading(request) as conn:
        items, next_cursor = timelines.actor_timeline(conn, actor, page_limit(limit), cursor)
    return page_body(request, items, next_cursor)
