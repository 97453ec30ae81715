"""Prometheus metrics: requests and their latency per route template, served at ``/metrics``.

Labels name the route template (``/v1/claims/{claim_id}``), never the raw path, so that
their number stays bounded whatever clients ask for; a path that matches no route is
``unmatched``. With several worker processes (``contested serve --workers N``) each
worker writes its samples to files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds
them up, whichever worker answers (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    multiprocess,
)
from prometheus_client.exposition import choose_encoder
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, compile_path
from starlette.types import Scope

from app.api.routing import endpoints

PATH = "/metrics"
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
# Methods outside this set (made up by a client) share one label.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Reads take about a millisecond, so the buckets start well below Prometheus' default.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    """The app's request metrics, in a registry of its own (one per app, so that tests
    and several apps in one process do not share counts)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        if MULTIPROC_DIR not in os.environ:
            # In multiprocess mode these would describe one worker only, so they are left out.
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "contested_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "contested_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by method and route.",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._routes: _RouteTable | None = None

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # labels() takes a lock and builds a tuple: do it once per key
            children = self._children[key] = (
                self.requests.labels(method, route, str(status)),
                self.duration.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def route_of(self, scope: Scope) -> str:
        """The template of the route that handled the request, or ``unmatched``."""
        if self._routes is None:
            self._routes = _RouteTable(scope["app"])
        return self._routes.template_of(scope)

    def collected(self) -> CollectorRegistry:
        """This app's registry, or in multiprocess mode one that sums every worker's files."""
        if MULTIPROC_DIR not in os.environ:
            return self.registry
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry


class _RouteTable:
    def __init__(self, app: FastAPI) -> None:
        plain = [
            r for r in app.router.routes if isinstance(r, Route) and not isinstance(r, APIRoute)
        ]
        api = endpoints(app)
        self.by_endpoint = {id(route.endpoint): route.path for route in plain}
        self.by_route = {id(e.route): e.path for e in api}
        self.patterns = [(compile_path(path)[0], path) for path in [e.path for e in api]]
        self.patterns += [(route.path_regex, route.path) for route in plain]

    def template_of(self, scope: Scope) -> str:
        # API routes are found by the route (routers are nested, so a route knows only its
        # own part of the path), plain ones (/docs, /metrics) by their endpoint.
        route = scope.get("route")
        if route is not None:
            template = self.by_route.get(id(route))
            return template if template is not None else str(getattr(route, "path", UNMATCHED))
        endpoint = scope.get("endpoint")
        if endpoint is not None:
            return self.by_endpoint.get(id(endpoint), UNMATCHED)
        # Answered before routing (a 429, a 413) or by no route: match the path itself.
        path = scope["path"]
        return next((template for regex, template in self.patterns if regex.match(path)), UNMATCHED)


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


async def serve_metrics(request: Request) -> Response:
    """The metrics in Prometheus' text format (OpenMetrics when the Accept header asks)."""
    metrics: HttpMetrics = request.app.state.metrics
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(metrics.collected()), headers={"Content-Type": content_type})


def install(app: FastAPI) -> None:
    app.state.metrics = HttpMetrics()
    # A plain route, outside the OpenAPI document: it is for Prometheus, not for clients.
    app.add_route(PATH, serve_metrics, methods=["GET"], include_in_schema=False)
