"""The app's routes as (path, methods, route), wherever routers were included."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import compile_path


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: frozenset[str]
    route: APIRoute


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every API route of the app, with its full path (included routers are nested)."""
    found = []
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path:
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
