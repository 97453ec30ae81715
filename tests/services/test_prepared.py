"""Prepared statements return what SQLAlchemy would, let watchers see every statement,
and fail with SQLAlchemy's errors, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, event, exc, select, text

from app.models import Actor
from app.services.prepared import Prepared

BY_SLUG = Prepared(select(Actor.id, Actor.slug, Actor.name).where(Actor.slug == bindparam("slug")))


def test_rows_are_the_driver_values_sqlalchemy_reads(seeded):
    with seeded.reading() as conn:
        found = BY_SLUG.rows(conn, {"slug": "fsb"})
        expected = conn.exec_driver_sql(BY_SLUG.sql(conn.dialect), _args(conn, "fsb")).all()
        assert [tuple(r) for r in found] == [tuple(r) for r in expected]
        assert found[0][1:] == ("fsb", "Federal Security Service")
        assert BY_SLUG.rows(conn, {"slug": "nobody"}) == []


def test_a_listener_on_the_statements_sees_each_one(seeded):
    seen: list[str] = []

    def watch(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(seeded.read, "before_cursor_execute", watch)
    try:
        with seeded.reading() as conn:
            BY_SLUG.rows(conn, {"slug": "fsb"})
    finally:
        event.remove(seeded.read, "before_cursor_execute", watch)
    assert BY_SLUG.sql(seeded.read.dialect) in seen


def test_a_failing_statement_raises_sqlalchemys_error(db):
    broken = Prepared(text("SELECT missing_column FROM actor"))
    with db.reading() as conn, pytest.raises(exc.DBAPIError):
        broken.rows(conn, {})


def _args(conn, slug: str):
    return (slug,) if conn.dialect.paramstyle == "qmark" else {"slug": slug}
