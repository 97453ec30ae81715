"""/v1/events/{event}/timeline and /v1/actors/{actor}/timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.actors import ActorPath
from app.api.deps import Cursor, Limit, Reader, link_next, page_limit
from app.api.events import EventPath
from app.models.views import TimelinePage
from app.services import timelines

router = APIRouter()


@router.get("/v1/events/{event}/timeline", operation_id="getEventTimeline", tags=["events"])
async def event_timeline(
    event: EventPath,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TimelinePage:
    """Claims about the event, their responses and their dated evidence, in date order
    (ties: claims, responses, evidence, then id); undated items come last."""
    items, next_cursor = timelines.event_timeline(conn, event, page_limit(limit), cursor)
    link_next(request, response, next_cursor)
    return TimelinePage.model_validate({"items": items, "next_cursor": next_cursor})


@router.get("/v1/actors/{actor}/timeline", operation_id="getActorTimeline", tags=["actors"])
async def actor_timeline(
    actor: ActorPath,
    request: Request,
    response: Response,
    conn: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TimelinePage:
    """Claims the actor made or is accused in (with their responses and dated evidence),
    the actor's own responses and the evidence it produced, in date order."""
    items, next_cursor = timelines.actor_timeline(conn, actor, page_limit(limit), cursor)
    link_next(request, response, next_cursor)
    return TimelinePage.model_validate({"items": items, "next_cursor": next_cursor})
