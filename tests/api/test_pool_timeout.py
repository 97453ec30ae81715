"""A request that cannot get a pooled connection in time gets a 503 it may retry, not a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from app.db import Database
from app.main import create_app
from tests.helpers import assert_problem


@pytest.fixture
def starved(settings) -> Iterator[TestClient]:
    """The app on a one-connection pool whose only connection is held elsewhere."""
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    database = Database(url=settings.database_url, read=engine, write=engine)
    held = engine.connect()
    try:
        app = create_app(settings, database)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        held.close()
        engine.dispose()


def assert_retry_later(response) -> None:
    problem = assert_problem(response, 503)
    assert response.headers["retry-after"] == "1"
    assert "QueuePool" not in response.text  # no driver or pool internals in the body
    assert problem["detail"] == "the database is busy or unreachable; retry shortly"


def test_a_read_that_waits_out_the_pool_timeout_gets_a_503(starved):
    assert_retry_later(starved.get("/v1/claims"))


def test_a_write_that_waits_out_the_pool_timeout_gets_a_503(starved):
    # The caller's key is looked up first, on a connection that never comes.
    headers = {"Authorization": "Bearer ctd_00000000_x"}
    assert_retry_later(starved.post("/v1/actors", json={"slug": "a", "name": "A"}, headers=headers))


def test_an_idempotent_post_that_waits_out_the_pool_timeout_gets_a_503(starved):
    # Answered by the idempotency middleware, outside the routes' exception handlers.
    headers = {"Authorization": "Bearer ctd_00000000_x", "Idempotency-Key": "k-1"}
    assert_retry_later(starved.post("/v1/actors", json={"slug": "a", "name": "A"}, headers=headers))
