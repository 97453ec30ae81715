"""``Idempotency-Key`` on every POST under /v1, as a pure ASGI middleware.

Only a POST that carries the header and a valid API key is handled; anything else
passes through untouched (an anonymous POST is refused by its route anyway). The rules
are in ``app.services.idempotency``; this module reads the request, buffers the response
and replays stored ones.

The clock is ``app.state.clock`` when set (a callable returning an aware datetime), so
that a test can move time past the TTL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import anyio
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.body_limit import STREAMED_PATHS
from app.api.problems import problem_response
from app.db import Database
from app.errors import ContestedError, DatabaseUnavailable, Unauthorized
from app.models.common import utcnow
from app.services import idempotency
from app.services.idempotency import Claimed, StoredResponse
from app.services.keys import authenticate

log = logging.getLogger("contested")

# Expired records are deleted at most this often per process, in a transaction of
# their own, so that the table stays the size of one TTL's worth of POSTs.
PURGE_EVERY_SECONDS = 600.0


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._next_purge = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not _under_v1(scope["path"])
            or scope["path"] in STREAMED_PATHS  # idempotent by itself, and too big to buffer
        ):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        keys = headers.getlist("idempotency-key")
        authorization = headers.get("authorization")
        if not keys or authorization is None:
            return await self.app(scope, receive, send)
        state = scope["app"].state
        db: Database = state.db
        try:
            # The same indexed read the route's own authentication does.
            with db.reading() as conn:
                principal = authenticate(conn, authorization)
        except Unauthorized:
            return await self.app(scope, receive, send)  # the route answers 401
        assert principal.key_id is not None

        clock: Callable[[], datetime] = getattr(state, "clock", utcnow)
        ttl = timedelta(hours=state.settings.idempotency_ttl_hours)
        try:
            key = idempotency.valid_key(keys)
            body = await _read_body(receive)
            request_hash = idempotency.fingerprint(
                "POST", scope.get("raw_path") or scope["path"].encode(), scope["query_string"], body
            )
            now = clock()
            await self._purge_now_and_then(db, now, ttl)
            outcome = await anyio.to_thread.run_sync(
                idempotency.claim, db, principal.key_id, key, request_hash, now, ttl
            )
        except ClientDisconnect:
            return  # nobody to answer, and nothing was claimed
        except ContestedError as exc:
            return await _problem(scope, receive, send, exc)
        except (OperationalError, PoolTimeout) as exc:
            log.warning("idempotency store unavailable: %s", getattr(exc, "orig", None) or exc)
            return await _problem(scope, receive, send, DatabaseUnavailable())

        if isinstance(outcome, Claimed):
            await self._run_and_keep(scope, receive, send, body, db, outcome.record_id)
        else:
            await _send_stored(send, outcome.response, replayed=True)

    async def _run_and_keep(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, db: Database, record: int
    ) -> None:
        """Run the app on the buffered body; keep its response unless it is a 5xx."""
        sent_body = False

        async def replay_body() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # waits for the client to go away

        status: int | None = None
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            # The handler crashed (the error middleware answers 500) or was cancelled:
            # the key must not stay claimed, or every retry would get 409 until the TTL.
            with anyio.CancelScope(shield=True):
                await _release(db, record)
            raise
        if status is None:
            await _release(db, record)
            return
        response = StoredResponse(
            status,
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response_headers],
            b"".join(chunks),
        )
        if status >= 500:
            await _release(db, record)
        else:
            try:
                await anyio.to_thread.run_sync(idempotency.complete, db, record, response)
            except Exception:
                # The write itself is committed; the client gets its answer, and a retry
                # meets the key in flight (409) until the TTL rather than writing twice.
                log.exception("could not keep the response of an idempotent request")
        # Stored before it is sent: a retry that follows the answer always finds it.
        await _send_stored(send, response, replayed=False, original_headers=response_headers)

    async def _purge_now_and_then(self, db: Database, now: datetime, ttl: timedelta) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY_SECONDS
        try:
            await anyio.to_thread.run_sync(idempotency.purge_expired, db, now, ttl)
        except Exception as exc:  # housekeeping: the next round will try again
            log.warning("could not purge expired idempotency keys: %s", exc)


def _under_v1(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _release(db: Database, record: int) -> None:
    try:
        await anyio.to_thread.run_sync(idempotency.release, db, record)
    except Exception:
        log.exception("could not release an idempotency key after a failed request")


async def _send_stored(
    send: Send,
    response: StoredResponse,
    *,
    replayed: bool,
    original_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    if original_headers is not None:
        headers = original_headers
    else:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        headers.append((b"content-length", str(len(response.body)).encode()))
    if replayed:
        headers = [*headers, (b"idempotent-replayed", b"true")]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


async def _problem(scope: Scope, receive: Receive, send: Send, exc: ContestedError) -> None:
    response = problem_response(
        Request(scope), exc.status, exc.detail, exc.errors, exc.type, exc.headers
    )
    await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(IdempotencyMiddleware)
