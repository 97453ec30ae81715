"""The app's routes as (path, methods, route), wherever routers were included."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import compile_path

from app.api.query import DocumentedRoute
from app.db import is_serialization_failure
from app.errors import ServiceUnavailable

log = logging.getLogger("contested")

# How often a unit of work is run again after a serialization failure or deadlock
# before the client gets a 503 (so at most RETRIES + 1 attempts).
RETRIES = 3
# FastAPI's scope key for the exit stack of scope="function" dependencies (the unit of
# work commits when it closes). FastAPI opens one stack around the whole handler; each
# attempt gets its own here, so that the commit, and so its failure, happens inside it.
_FUNCTION_STACK = "fastapi_function_astack"


class RetryingRoute(APIRoute):
    """A route that re-runs its whole unit of work (dependencies, route, commit) when
    PostgreSQL rolls it back with SQLSTATE 40001 or 40P01, up to ``RETRIES`` times, then
    answers 503 with Retry-After. The request body is cached on the Request, so every
    attempt sees the same input; the response of the attempt that succeeded is sent."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.methods and self.methods <= {"GET", "HEAD"}:
            return handler  # a read writes nothing, so it has nothing to retry

        async def run_with_retries(request: Request) -> Response:
            enclosing = request.scope.get(_FUNCTION_STACK)
            try:
                for attempt in range(RETRIES + 1):
                    try:
                        async with AsyncExitStack() as function_stack:
                            request.scope[_FUNCTION_STACK] = function_stack
                            return await handler(request)
                    except Exception as exc:
                        if not is_serialization_failure(exc):
                            raise
                        if attempt == RETRIES:
                            log.warning(
                                "gave up after %d serialization failures on %s %s",
                                attempt + 1,
                                request.method,
                                request.url.path,
                            )
                            raise ServiceUnavailable(
                                "the change kept colliding with concurrent ones; retry shortly",
                                headers={"Retry-After": "1"},
                            ) from exc
                        log.info("serialization failure, running the request again: %s", exc)
                        # Jittered backoff, so that the colliding transactions part ways.
                        await anyio.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
                raise AssertionError("unreachable")  # pragma: no cover
            finally:
                request.scope[_FUNCTION_STACK] = enclosing

        return run_with_retries


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: frozenset[str]
    route: APIRoute


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every API route of the app that serves requests, with its full path (included
    routers are nested); not the twins that only document a route (app.api.query)."""
    found = []
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and not isinstance(route, DocumentedRoute) and context.path:
            found.append(Endpoint(context.path, frozenset(context.methods or ()), route))
    return found


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves at ``path`` (Starlette's 405 names only one route's)."""
    allowed: set[str] = set()
    for endpoint in endpoints(app):
        regex, _, _ = compile_path(endpoint.path)
        if regex.match(path):
            allowed |= endpoint.methods
    return sorted(allowed)
