"""Answers to anonymous reads, kept until the data changes.

Dashboards poll the same few URLs all day, while journalists change the data a few
times an hour. Each answer to an anonymous ``GET /v1/...`` is kept with the data
version it was computed at: the last revision, which every write appends in its own
transaction (``Database.data_version``). Every such request first reads the current
version, one indexed query: when it is the one the answer was kept at, the kept bytes
are sent; any write moves the version and drops every kept answer. So a kept answer is
never older than what reading the rows again would give; what it saves is the reading
and the writing of the body (docs/benchmarks.md).

Not kept: requests with an ``Authorization`` header (what a key may see is the route's
business), ``Cache-Control: no-cache`` requests, the streamed exports and CSV, answers
other than 200 and bodies over a sixteenth of the cache. ``CONTESTED_RESPONSE_CACHE_MIB=0``
turns it off.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import Database

# Streamed and possibly large: read straight through every time.
UNCACHED_PATHS = frozenset({"/v1/export", "/v1/export/claimreview", "/v1/claims.csv"})


@dataclass(frozen=True)
class Kept:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    route: Any  # the route that answered, for the metrics' route label


def _key(scope: Scope) -> tuple[Any, ...] | None:
    """What an answer depends on besides the data, or None when it must not be kept."""
    accept = host = b""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return None
        if name == b"cache-control" and b"no-cache" in value:
            return None
        if name == b"accept":
            accept = value
        elif name == b"host":
            host = value
    return (scope["scheme"], host, scope.get("root_path", ""), scope["path"],
            scope["query_string"], accept)  # fmt: skip


class ResponseCacheMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 16
        self._version: Any = None
        self._entries: OrderedDict[tuple[Any, ...], Kept] = OrderedDict()
        self._size = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith("/v1/")
            or scope["path"] in UNCACHED_PATHS
            or not scope["app"].state.settings.public_read
        ):
            return await self.app(scope, receive, send)
        key = _key(scope)
        if key is None:
            return await self.app(scope, receive, send)
        db: Database = scope["app"].state.db
        try:
            version = db.data_version()
        except Exception:  # the route will meet the same trouble and answer for it
            return await self.app(scope, receive, send)
        if version != self._version:
            self._entries.clear()
            self._size = 0
            self._version = version
        kept = self._entries.get(key)
        if kept is not None:
            self._entries.move_to_end(key)
            scope["route"] = kept.route
            await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
            await send({"type": "http.response.body", "body": kept.body})
            return
        await self._answer_and_keep(scope, receive, send, key, version)

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[Any, ...], version: Any
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] | None = []

        async def keeping_send(message: Message) -> None:
            nonlocal start, chunks
            if message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    chunks = None
            elif message["type"] == "http.response.body" and chunks is not None:
                chunks.append(message.get("body", b""))
                if sum(map(len, chunks)) > self.max_entry:
                    chunks = None
                elif not message.get("more_body", False):
                    assert start is not None
                    self._keep(key, version, start, b"".join(chunks), scope.get("route"))
            await send(message)

        await self.app(scope, receive, keeping_send)

    def _keep(
        self, key: tuple[Any, ...], version: Any, start: Message, body: bytes, route: Any
    ) -> None:
        if version != self._version:
            return  # a newer version was seen meanwhile: this key would never be asked again
        replaced = self._entries.pop(key, None)
        if replaced is not None:
            self._size -= len(replaced.body)
        self._entries[key] = Kept(list(start.get("headers", [])), body, route)
        self._size += len(body)
        while self._size > self.max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self._size -= len(dropped.body)


def install(app: FastAPI) -> None:
    mib = app.state.settings.response_cache_mib
    if mib > 0:
        app.add_middleware(ResponseCacheMiddleware, max_bytes=mib * 1024 * 1024)
