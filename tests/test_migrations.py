"""The schema exists only through Alembic: up, down and up again, and it matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from app.models import metadata
from app.services import migrations
from app.services.migrations import include_object
from tests.conftest import BACKENDS, empty_database


def schema_diff(url: str) -> list[object]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def all_tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def tables(url: str) -> set[str]:
    return {n for n in all_tables(url) if n != "alembic_version" and not n.startswith("search_fts")}


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_downgrade_upgrade_matches_the_models(backend, tmp_path):
    with empty_database(backend, tmp_path, "contested_migrations") as url:
        migrations.upgrade(url)
        assert tables(url) == set(metadata.tables)
        assert schema_diff(url) == []
        migrations.downgrade(url, "base")
        assert tables(url) == set()
        assert not any(name.startswith("search_fts") for name in all_tables(url))
        migrations.upgrade(url)
        migrations.downgrade(url, "-1")
        migrations.upgrade(url)
        assert schema_diff(url) == []
        engine = create_engine(url, poolclass=NullPool)
        assert migrations.is_at_head(engine)
        engine.dispose()
