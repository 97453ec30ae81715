"""Serialization failures and deadlocks (SQLSTATE 40001, 40P01) re-run the whole unit of
work a bounded number of times, then answer 503 with Retry-After (DESIGN §1, R16)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg.errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.api.routing import RETRIES, RetryingRoute, endpoints
from app.db import Database, is_serialization_failure
from app.main import create_app
from app.models import Actor
from tests.factories import make_actor
from tests.helpers import assert_problem

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class FlakyDatabase(Database):
    """The test database, whose first ``failures`` commits fail as PostgreSQL's do when
    a concurrent transaction won: with a serialization failure, after the route ran."""

    failures: int = 1
    error: type[psycopg.Error] = psycopg.errors.SerializationFailure
    attempts: list[str] = field(default_factory=list)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        self.attempts.append("attempt")
        with super().unit_of_work() as session:
            yield session
            if len(self.attempts) <= self.failures:
                session.flush()  # the route's writes reach the database, then the commit fails
                raise OperationalError("COMMIT", None, self.error("could not serialize access"))


@pytest.fixture
def flaky(db, settings):
    def build(failures: int, error: type[psycopg.Error] = psycopg.errors.SerializationFailure):
        database = FlakyDatabase(db.url, db.read, db.write, failures=failures, error=error)
        return database, TestClient(create_app(settings, database), raise_server_exceptions=False)

    return build


def actor_count(db: Database) -> int:
    with db.reading() as conn:
        return conn.execute(select(func.count()).select_from(Actor)).scalar_one()


def test_every_write_route_retries(client):
    writes = [e for e in endpoints(client.app) if e.methods & WRITE_METHODS]
    assert writes
    # The import's streamed body cannot be replayed: it retries each batch instead
    # (test_transfer.py::test_an_import_batch_that_collides_is_run_again).
    assert [e.path for e in writes if not isinstance(e.route, RetryingRoute)] == ["/v1/import"]


@pytest.mark.parametrize(
    "error", [psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected]
)
def test_a_failed_commit_reruns_the_whole_request(flaky, auth, db, error):
    database, client = flaky(failures=1, error=error)
    with client:
        response = client.post(
            "/v1/actors",
            json={"slug": "ktj", "name": "Katibat Tawhid wal-Jihad", "kind": "armed_group"},
            headers=auth("contributor"),
        )
        assert response.status_code == 201, response.text
        assert database.attempts == ["attempt", "attempt"]
        assert response.json()["slug"] == "ktj"
        assert response.headers["ETag"] == '"1"'
        # The first attempt's insert was rolled back: one actor, and the one returned.
        assert actor_count(db) == 1
        assert client.get("/v1/actors/ktj").json()["id"] == response.json()["id"]


def test_a_change_that_keeps_failing_is_a_503_and_changes_nothing(flaky, auth, db):
    database, client = flaky(failures=100)
    with client:
        response = client.post(
            "/v1/actors",
            json={"slug": "ktj", "name": "KTJ", "kind": "armed_group"},
            headers=auth("contributor"),
        )
        problem = assert_problem(response, 503)
        assert response.headers["Retry-After"] == "1"
        assert "serializ" not in problem["detail"].lower()
        assert len(database.attempts) == RETRIES + 1
        assert actor_count(db) == 0


def test_other_errors_are_not_retried(flaky, auth, db):
    database, client = flaky(failures=0)
    with client:
        make_actor(client, auth("contributor"), "ktj")
        database.attempts.clear()
        response = client.patch(
            "/v1/actors/ktj", json={"name": "K"}, headers={**auth("editor"), "If-Match": '"7"'}
        )
        assert_problem(response, 412)
        assert database.attempts == ["attempt"]


def test_only_serialization_failures_and_deadlocks_are_retryable():
    def wrapped(error: Exception) -> OperationalError:
        return OperationalError("UPDATE", None, error)

    assert is_serialization_failure(wrapped(psycopg.errors.SerializationFailure()))
    assert is_serialization_failure(wrapped(psycopg.errors.DeadlockDetected()))
    assert is_serialization_failure(psycopg.errors.SerializationFailure())
    assert not is_serialization_failure(wrapped(psycopg.errors.LockNotAvailable()))
    assert not is_serialization_failure(wrapped(psycopg.errors.UniqueViolation()))
    assert not is_serialization_failure(ValueError("40001"))


def test_a_real_postgres_serialization_failure_is_retried(client, auth, db):
    """PostgreSQL itself raises 40001 at COMMIT (a deferred trigger that fails twice)."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL only")
    with db.write.begin() as conn:
        conn.execute(text("CREATE SEQUENCE flaky_commit_seq"))
        conn.execute(
            text(
                """
                CREATE FUNCTION flaky_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('flaky_commit_seq') <= 2 THEN
                        RAISE EXCEPTION 'could not serialize access (forced by a test)'
                            USING ERRCODE = 'serialization_failure';
                    END IF;
                    RETURN NULL;
                END $$
                """
            )
        )
        conn.execute(
            text(
                "CREATE CONSTRAINT TRIGGER flaky_commit AFTER INSERT ON actor "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION flaky_commit()"
            )
        )
    try:
        response = client.post(
            "/v1/actors",
            json={"slug": "ktj", "name": "KTJ", "kind": "armed_group"},
            headers=auth("contributor"),
        )
        assert response.status_code == 201, response.text
        with db.reading() as conn:
            # Two commits refused by the server, the third one stored the actor once.
            assert conn.execute(text("SELECT last_value FROM flaky_commit_seq")).scalar() == 3
        assert actor_count(db) == 1
    finally:
        with db.write.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS flaky_commit ON actor"))
            conn.execute(text("DROP FUNCTION IF EXISTS flaky_commit()"))
            conn.execute(text("DROP SEQUENCE IF EXISTS flaky_commit_seq"))
