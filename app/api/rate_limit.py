"""Rate limiting per API key and per client address (429 problem with Retry-After).

A pure ASGI middleware, outermost of the app's own, so that every request counts,
refused ones included. Health checks, metrics and the API documentation are never limited.
If the counter store fails (Redis down, database busy) the request is let through and
a warning logged: the limit protects the service, it must not be what takes it down.
"""

from __future__ import annotations

import logging
import time

import anyio
from fastapi import FastAPI
from limits.storage import RedisStorage
from sqlalchemy import Engine
from starlette.datastructures import Headers, State
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import problem_response
from app.errors import TooManyRequests
from app.services.rate_limits import (
    DatabaseStorage,
    RequestLimiter,
    client_identity,
    counter_engine,
)

log = logging.getLogger("contested")

UNLIMITED_PATHS = frozenset(
    {
        "/healthz",
        "/readyz",
        "/metrics",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
    }
)
# Expired database counters are deleted at most this often per process.
PURGE_EVERY_SECONDS = 600.0
# A failing counter store is reported at most this often, not on every request.
WARN_EVERY_SECONDS = 60.0
REDIS_TIMEOUT_SECONDS = 1.0


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limiter: RequestLimiter | None = None
        self._engine: Engine | None = None  # an engine of our own, disposed at shutdown
        self._next_purge = 0.0
        self._next_warning = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, self._closing_on_shutdown(send))
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            return await self.app(scope, receive, send)
        state = scope["app"].state
        settings = state.settings
        if not settings.rate_limit_enabled:
            return await self.app(scope, receive, send)

        headers = Headers(scope=scope)
        client = scope.get("client")
        identity = client_identity(
            headers.get("authorization"),
            client[0] if client else None,
            headers.getlist("x-forwarded-for"),
            settings.trusted_proxy_networks,
        )
        try:
            limiter = self._limiter_for(state)
            retry_after = await anyio.to_thread.run_sync(limiter.hit, identity)
        except Exception as exc:
            self._warn(exc)
            return await self.app(scope, receive, send)
        await self._purge_now_and_then(limiter)
        if retry_after is None:
            return await self.app(scope, receive, send)
        refusal = TooManyRequests(
            f"more than {settings.rate_limit} from this "
            f"{'API key' if identity.startswith('key:') else 'address'}; "
            f"retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
        response = problem_response(
            Request(scope),
            refusal.status,
            refusal.detail,
            type_=refusal.type,
            headers=refusal.headers,
        )
        await response(scope, receive, send)

    def _limiter_for(self, state: State) -> RequestLimiter:
        if self._limiter is None:
            settings = state.settings
            if settings.redis_url:
                storage: RedisStorage | DatabaseStorage = RedisStorage(
                    settings.redis_url,
                    key_prefix="contested",
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                )
            else:
                db = state.db
                engine = counter_engine(db, settings.sqlite_busy_timeout_ms)
                self._engine = engine if engine is not db.write else None
                storage = DatabaseStorage(engine)
            self._limiter = RequestLimiter(storage, settings.rate_limit)
        return self._limiter

    async def _purge_now_and_then(self, limiter: RequestLimiter) -> None:
        if time.monotonic() < self._next_purge or not isinstance(limiter.storage, DatabaseStorage):
            return
        self._next_purge = time.monotonic() + PURGE_EVERY_SECONDS
        try:
            await anyio.to_thread.run_sync(limiter.storage.purge_expired)
        except Exception as exc:  # housekeeping: the next round will try again
            log.warning("could not purge expired rate-limit counters: %s", exc)

    def _warn(self, exc: Exception) -> None:
        if time.monotonic() >= self._next_warning:
            self._next_warning = time.monotonic() + WARN_EVERY_SECONDS
            log.warning("rate limit store unavailable, requests pass unlimited: %s", exc)

    def _closing_on_shutdown(self, send: Send) -> Send:
        async def closing_send(message: Message) -> None:
            if message["type"].startswith("lifespan.shutdown."):
                self._close()
            await send(message)

        return closing_send

    def _close(self) -> None:
        limiter, self._limiter = self._limiter, None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if limiter is not None and isinstance(limiter.storage, RedisStorage):
            limiter.storage.storage.close()


def install(app: FastAPI) -> None:
    app.add_middleware(RateLimitMiddleware)
