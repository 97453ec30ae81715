"""A test-only app: the real one plus a route that runs until the test lets it finish, to
show that a server told to stop finishes the requests in flight (tests/test_serving.py)."""

from __future__ import annotations

import logging

import anyio
from fastapi import FastAPI

from app.main import create_app

log = logging.getLogger("contested")


def create() -> FastAPI:
    app = create_app()

    @app.get("/test/slow", include_in_schema=False)
    async def slow(until: str) -> dict[str, str]:
        """Answers once the file ``until`` exists: the test decides when, not a clock."""
        log.info("slow request started")  # the test waits for this line
        while not await anyio.Path(until).exists():
            await anyio.sleep(0.05)
        return {"done": "yes"}

    return app


app = create()
