"""Request bodies are capped at ``CONTESTED_MAX_BODY_BYTES`` (413 problem).

A declared ``Content-Length`` over the cap is refused before a byte of the body is
read; a body without one (chunked) is counted as it streams in and refused as soon as
it passes the cap, so that no request ever holds more than the cap in memory.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import problem_response

# Bodies read as a stream, a line at a time, and never held whole: not capped here (the
# import caps each line instead) and not buffered by the idempotency middleware.
STREAMED_PATHS = frozenset({"/v1/import"})


class RequestBodyTooLarge(HTTPException):
    """Raised from ``receive`` once the body passes the cap.

    An HTTPException, so that FastAPI passes it on while it reads a body (it turns other
    errors into a 400) and the problem handler renders it; when it escapes the app
    instead (the idempotency middleware reads bodies too), the middleware answers.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in STREAMED_PATHS:
            return await self.app(scope, receive, send)
        limit: int = scope["app"].state.settings.max_body_bytes
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _too_large(scope, receive, send, RequestBodyTooLarge(limit))

        received = 0
        response_started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestBodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except RequestBodyTooLarge as exc:
            if response_started:
                raise
            await _too_large(scope, receive, send, exc)


async def _too_large(scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
    response = problem_response(Request(scope), 413, exc.detail)
    await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(BodyLimitMiddleware)
