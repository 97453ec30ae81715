"""Every request timed once: counted in the Prometheus metrics and written to the access log.

A pure ASGI middleware just inside the request-id one, so that it sees every answer
(429s and 413s too) and its log line carries the request's id.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.metrics import HttpMetrics, method_label

access_log = logging.getLogger("contested.access")


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client gets when the app fails before it answers

        async def send_watching_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_watching_status)
        finally:
            seconds = time.perf_counter() - start
            method = method_label(scope["method"])
            route = self.metrics.route_of(scope)
            self.metrics.observe(method, route, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                fields = {
                    "method": scope["method"],
                    "route": route,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "client": client[0] if client else None,
                }
                # makeRecord and handle, not info(): the caller's file and line, which
                # info() looks up by walking the stack, say nothing in an access log.
                access_log.handle(
                    access_log.makeRecord(
                        access_log.name,
                        logging.INFO,
                        __file__,
                        0,
                        "%s %s %d",
                        (scope["method"], scope["path"], status),
                        None,
                        extra=fields,
                    )
                )


def install(app: FastAPI) -> None:
    app.add_middleware(ObserveMiddleware, metrics=app.state.metrics)
