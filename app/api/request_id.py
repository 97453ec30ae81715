"""The request id: taken from ``X-Request-ID`` when sane, made up otherwise, and sent back.

The same id is stored on ``request.state.request_id``, where the unit of work picks
it up for the revisions it writes, so that a client can find its own changes in the
history by the id it sent (or was given), and in a context variable that tags every log
record written meanwhile.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import current_request_id

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def choose(incoming: str | None) -> str:
    """The client's id when it is 1-64 characters of [A-Za-z0-9._-], else a new one."""
    if incoming is not None and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id(request: Request) -> str:
    """This request's id (the middleware's, or chosen now and kept for the rest of it)."""
    found = getattr(request.state, "request_id", None)
    if found is None:
        found = request.state.request_id = choose(request.headers.get(HEADER))
    return found  # type: ignore[no-any-return]


class RequestIdMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware), so that it costs next to nothing per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None
        )
        rid = choose(incoming)
        scope.setdefault("state", {})["request_id"] = rid
        # For every log record written while the request is handled. Not reset afterwards:
        # an unhandled error is logged outside this middleware (by the error handler and the
        # server), and the server runs each request in a task of its own, whose context ends
        # with it, so the id cannot leak into another request.
        current_request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        await self.app(scope, receive, send_with_id)
