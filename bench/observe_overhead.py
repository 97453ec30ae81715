"""What the metrics and access-log middleware adds to each request, in microseconds.

It times the app's outer middleware around an endpoint that does nothing, with and without
ObserveMiddleware (and with the access log written as JSON to /dev/null, as in
production), so that the database and the network add no noise.

    .venv/bin/python bench/observe_overhead.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import time
from typing import Any

from app.api.observe import ObserveMiddleware
from app.api.request_id import RequestIdMiddleware
from app.api.routing import endpoints
from app.config import Settings
from app.logs import JsonFormatter, RequestIdFilter
from app.main import create_app

N = 20_000
ROUNDS = 7


async def endpoint(scope: Any, receive: Any, send: Any) -> None:
    scope["route"] = ROUTE  # what the router leaves in the scope
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def send(message: Any) -> None:
    pass


async def per_request_us(app: Any) -> float:
    best = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(N):
            scope = {
                "type": "http",
                "method": "GET",
                "path": "/v1/claims",
                "headers": [(b"x-request-id", b"bench-1")],
                "client": ("127.0.0.1", 5000),
                "app": APP,
            }
            await app(scope, receive, send)
        best.append((time.perf_counter() - start) / N * 1e6)
    return statistics.median(best)


APP = create_app(Settings(database_url="sqlite:///unused.db"))
ROUTE = next(e.route for e in endpoints(APP) if e.path == "/v1/claims" and "GET" in e.methods)


async def main() -> None:
    access = logging.getLogger("contested.access")
    without = RequestIdMiddleware(endpoint)
    observed = RequestIdMiddleware(ObserveMiddleware(endpoint, APP.state.metrics))

    access.setLevel(logging.WARNING)
    base = await per_request_us(without)
    quiet = await per_request_us(observed)

    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    access.addHandler(handler)
    access.propagate = False
    access.setLevel(logging.INFO)
    logged = await per_request_us(observed)

    print(f"request id only:                    {base:6.1f} us/request")
    print(f"+ metrics (access log off):         {quiet:6.1f} us/request (+{quiet - base:.1f})")
    print(f"+ metrics and JSON access log:      {logged:6.1f} us/request (+{logged - base:.1f})")


if __name__ == "__main__":
    asyncio.run(main())
