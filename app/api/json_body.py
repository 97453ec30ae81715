"""JSON bodies written straight from plain values, for the read hot path.

A route that returns a ``JSONBody`` keeps its response model for the OpenAPI document,
but FastAPI neither validates nor serialises the body again: validating a page of 50
claims into the model and dumping it cost more than reading the page
(docs/benchmarks.md). The services build these bodies field by field in the models'
order, and tests/api/test_json_bodies.py holds every one of them equal, byte for byte,
to what the response model renders.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.deps import next_link


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        # OPT_UTC_Z: a UTC datetime ends in "Z", as pydantic writes it.
        return orjson.dumps(content, option=orjson.OPT_UTC_Z)


def page_body(request: Request, items: list[Any], next_cursor: str | None) -> JSONBody:
    """A page ``{"items", "next_cursor"}`` with its ``Link: rel="next"`` header."""
    body = JSONBody({"items": items, "next_cursor": next_cursor})
    if next_cursor is not None:
        body.headers["Link"] = next_link(request, next_cursor)
    return body
