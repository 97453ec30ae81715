"""SQLite connections are durable and safe for concurrent writers; readiness reflects the schema."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.db import open_database
from app.main import create_app
from app.services import migrations


@pytest.fixture
def sqlite_db(tmp_path):
    database = open_database(Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}"))
    yield database
    database.dispose()


def test_every_sqlite_connection_sets_the_pragmas(sqlite_db):
    for engine in (sqlite_db.read, sqlite_db.write):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_read_connections_keep_the_configured_page_cache(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", sqlite_read_cache_mib=48)
    database = open_database(settings)
    try:
        with database.read.connect() as conn:
            assert conn.execute(text("PRAGMA cache_size")).scalar() == -48 * 1024
        with database.write.connect() as conn:  # writers keep SQLite's default
            assert conn.execute(text("PRAGMA cache_size")).scalar() == -2000
    finally:
        database.dispose()


def test_writers_share_a_few_connections(sqlite_db):
    from app.db import WRITERS_POOL

    held = [sqlite_db.write.connect() for _ in range(WRITERS_POOL)]
    try:
        assert sqlite_db.write.pool.checkedout() == WRITERS_POOL
        with pytest.raises(Exception, match="QueuePool limit"):
            sqlite_db.write.pool._timeout = 0.1  # no need to wait the 30 s here
            sqlite_db.write.connect()
    finally:
        for conn in held:
            conn.close()


def test_writers_begin_immediate_and_readers_do_not(sqlite_db):
    statements: list[str] = []
    from sqlalchemy import event

    for engine in (sqlite_db.read, sqlite_db.write):
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with sqlite_db.reading() as conn:
        conn.execute(text("SELECT 1"))
    assert statements[:1] == ["BEGIN"]
    statements.clear()
    with sqlite_db.unit_of_work() as session:
        session.execute(text("SELECT 1"))
    assert statements[:1] == ["BEGIN IMMEDIATE"]


def test_a_read_nobody_watches_is_one_snapshot_too(sqlite_db):
    # Unwatched, BEGIN goes to the driver's connection itself rather than through
    # SQLAlchemy: the read must still be one transaction, blind to later commits.
    with sqlite_db.write.begin() as writer:
        writer.execute(text("CREATE TABLE seen (x INTEGER)"))
    assert not sqlite_db.read.dispatch.before_cursor_execute
    with sqlite_db.reading() as conn:
        assert conn.connection.dbapi_connection.in_transaction
        assert conn.execute(text("SELECT count(*) FROM seen")).scalar() == 0
        with sqlite_db.write.begin() as writer:
            writer.execute(text("INSERT INTO seen VALUES (1)"))
        assert conn.execute(text("SELECT count(*) FROM seen")).scalar() == 0
    with sqlite_db.reading() as conn:
        assert conn.execute(text("SELECT count(*) FROM seen")).scalar() == 1


def test_foreign_keys_are_enforced(sqlite_db, tmp_path):
    migrations.upgrade(sqlite_db.url)
    with pytest.raises(Exception, match="FOREIGN KEY"), sqlite_db.write.begin() as conn:
        missing = "0" * 32
        conn.execute(text(f"INSERT INTO claim_tag (claim_id, tag) VALUES ('{missing}', 'x')"))


def test_readiness_follows_the_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.json() == {"status": "unavailable"}
        migrations.upgrade(url)
        assert client.get("/readyz").json() == {"status": "ok"}


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="database_url"):
        Settings(database_url="mysql://nope")
    with pytest.raises(ValueError, match="sqlite_busy_timeout_ms"):
        Settings(sqlite_busy_timeout_ms=10)
    assert Settings(database_url="postgresql://u@h/db").database_url.startswith(
        "postgresql+psycopg://"
    )
