"""The application factory: settings, database, routers, error handlers, OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app import __version__
from app.api import (
    actors,
    body_limit,
    changes,
    claim_csv,
    claimreview,
    claims,
    events,
    evidence,
    health,
    history,
    idempotency,
    metrics,
    observe,
    openapi,
    problems,
    rate_limit,
    relations,
    response_cache,
    responses,
    search,
    sources,
    timelines,
    track_records,
    transfer,
    verdicts,
)
from app.api.deps import refuse_nul_in_url
from app.api.request_id import RequestIdMiddleware
from app.config import Settings, get_settings
from app.db import Database, open_database

DESCRIPTION = """\
Contested records allegations (**claims**) next to their counter-statements
(**responses**), tied to the **sources** they were published in and to
**evidence** graded with the Admiralty code.

* Reads are public; writes need an API key (`Authorization: Bearer ...`).
* Lists are paginated with an opaque `cursor` (`next_cursor` in the body and a
  `Link: rel="next"` header).
* Every error is an RFC 9457 problem document (`application/problem+json`).
"""

TAGS = [
    {"name": "claims", "description": "Allegations and their dossiers."},
    {"name": "verdicts", "description": "Editorial ratings of claims."},
    {
        "name": "claimreview",
        "description": "Verdicts as schema.org ClaimReview JSON-LD, for fact-check aggregators.",
    },
    {"name": "responses", "description": "Counter-statements to claims."},
    {"name": "evidence", "description": "Graded items that bear on a claim."},
    {"name": "actors", "description": "Who speaks or is accused."},
    {"name": "relations", "description": "Dated links between actors."},
    {"name": "events", "description": "Incidents the claims are about."},
    {"name": "sources", "description": "Published documents."},
    {"name": "stats", "description": "Figures for dashboards."},
    {"name": "search", "description": "Full-text search in every script."},
    {"name": "changes", "description": "Every write in order, for dashboards that sync."},
    {"name": "transfer", "description": "Every record out and back in, as NDJSON."},
    {"name": "health", "description": "Liveness and readiness."},
]


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.db = database or open_database(settings)
        yield
        if owned:
            app.state.db.dispose()

    app = FastAPI(
        title="Contested",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        dependencies=[Depends(refuse_nul_in_url)],
    )
    app.state.settings = settings
    if database is not None:
        app.state.db = database
    # FastAPI tries the routes in this order, at a cost per router passed over: the
    # reads dashboards poll come first (docs/benchmarks.md).
    for module in (
        claims,
        search,
        timelines,
        track_records,
        claim_csv,
        claimreview,
        verdicts,
        responses,
        evidence,
        actors,
        relations,
        events,
        sources,
        history,
        changes,
        transfer,
        health,
    ):
        app.include_router(module.router)
    metrics.install(app)
    problems.install(app)
    openapi.install(app)
    # The last added runs first: a request meets the rate limit, the body cap, then
    # idempotency (which reads the whole body, so it must sit inside the cap).
    idempotency.install(app)
    body_limit.install(app)
    # Kept answers are sent before routing, but after the rate limit has counted them.
    response_cache.install(app)
    rate_limit.install(app)
    # Every answer is counted and logged, with the request id chosen just outside.
    observe.install(app)
    # Outermost, so that every answer (a 413 or a 429 too) carries X-Request-ID.
    app.add_middleware(RequestIdMiddleware)
    return app
