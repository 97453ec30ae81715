"""Fixtures: one migrated database per backend per run, emptied after each test.

Every test that uses ``client`` or ``database`` runs on SQLite, and again on
PostgreSQL when CONTESTED_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.db import Database, open_database
from app.main import create_app
from app.models import metadata
from app.models.api_key import Role
from app.services import migrations
from app.services.keys import create_key
from app.services.seeding import seed

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
POSTGRES_URL = os.environ.get("CONTESTED_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]


@contextmanager
def scratch_postgres(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards.

    Each run gets its own, so that two runs on one server never meet.
    """
    assert POSTGRES_URL
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    database = f"{name}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        server.dispose()


@contextmanager
def empty_database(backend: str, folder: Path, name: str = "contested_test") -> Iterator[str]:
    """The URL of an empty database of ``backend``, with nothing migrated yet."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / (name + '.db')}"
    else:
        with scratch_postgres(name) as url:
            yield url


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with empty_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    # Rate limiting is off for the suite, or its hundreds of requests from one test
    # client would be throttled; tests/api/test_limits.py turns it on where it is tested.
    return Settings(database_url=database_url, rate_limit_enabled=False)


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    db = open_database(settings)
    yield db
    db.dispose()


def empty(database: Database) -> None:
    """Delete every row, the append-only revisions included (their guard is lifted here only)."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with database.write.begin() as conn:
        if database.is_sqlite:
            guards = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name=:t"),
                {"t": "revision"},
            ).all()
            for name, _ in guards:
                conn.execute(text(f"DROP TRIGGER {name}"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            for _, sql in guards:
                conn.execute(text(sql))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The test database, emptied after the test."""
    yield database
    empty(database)


@pytest.fixture
def make_app(db: Database, settings: Settings) -> Callable[..., FastAPI]:
    """An app on the test database, with settings overridden as given."""

    def build(**overrides: Any) -> FastAPI:
        return create_app(settings.model_copy(update=overrides), db)

    return build


@pytest.fixture
def client(make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def keys(db: Database) -> dict[str, str]:
    """One API key per role, plus a second contributor ('other')."""
    issued = {}
    with db.unit_of_work() as session:
        for role in Role:
            issued[role.value] = create_key(session, f"test {role.value}", role).key
        issued["other"] = create_key(session, "other contributor", Role.contributor).key
    return issued


@pytest.fixture
def auth(keys: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """Headers for a role: ``auth("editor")``."""
    return lambda role: {"Authorization": f"Bearer {keys[role]}"}


@pytest.fixture
def seeded(db: Database) -> Database:
    with db.unit_of_work() as session:
        seed(session, SEEDS)
    return db


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.strip().upper() in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}:
            return
        self.count += 1
        self.statements.append(statement)


@pytest.fixture
def count_statements(db: Database) -> Iterator[Callable[[], StatementCounter]]:
    """``with``-less counter: call it to start counting SQL statements on both engines."""
    counters: list[StatementCounter] = []
    engines = {id(db.read): db.read, id(db.write): db.write}.values()

    def start() -> StatementCounter:
        counter = StatementCounter()
        for engine in engines:
            event.listen(engine, "before_cursor_execute", counter)
        counters.append(counter)
        return counter

    yield start
    for counter in counters:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", counter)


# A revision whose hash is the first one's again.
DUPLICATE_HASH = (
    "INSERT INTO revision (seq, entity, entity_id, claim_id, op, version, at, key_id, "
    "request_id, before, after, prev_hash, hash) SELECT seq + 1000000, entity, entity_id, "
    "claim_id, op, version, at, key_id, request_id, before, after, prev_hash, hash "
    "FROM revision ORDER BY seq LIMIT 1"
)
