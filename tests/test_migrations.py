"""The schema exists only through Alembic: up, down and up again, and it matches the models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.db import Database, open_database
from app.models import metadata
from app.services import migrations, tallies, track_records
from app.services.claim_list import ClaimFilters
from app.services.migrations import include_object
from app.services.search import terms
from app.services.seeding import seed
from tests.conftest import BACKENDS, DUPLICATE_HASH, SEEDS, empty_database


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


@contextmanager
def seeded_database(backend: str, tmp_path: Path, name: str) -> Iterator[tuple[str, Database]]:
    """A database migrated to the latest revision and seeded: its URL and engines."""
    with empty_database(backend, tmp_path, name) as url:
        migrations.upgrade(url)
        database = open_database(Settings(database_url=url))
        try:
            with database.unit_of_work() as session:
                seed(session, SEEDS)
            yield url, database
        finally:
            database.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_tallies_migration_counts_the_claims_already_there(backend, tmp_path):
    with seeded_database(backend, tmp_path, "contested_tallies") as (url, database):
        with database.reading() as conn:
            counted = tallies.stats(conn)
        assert counted["claims"] > 0
        migrations.downgrade(url, "0003")  # the counts are gone with their tables
        migrations.upgrade(url)
        with database.reading() as conn:
            assert tallies.check(conn) is None
            assert tallies.stats(conn) == counted
            assert track_records.aggregated_stats(conn, ClaimFilters()) == counted


RATINGS = "SELECT v.rating, c.verdict_rating FROM claim c JOIN verdict v ON v.claim_id = c.id"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_verdict_rating_migration_copies_the_ratings_already_there(backend, tmp_path):
    with seeded_database(backend, tmp_path, "contested_ratings") as (url, database):
        migrations.downgrade(url, "0005")
        with database.write.begin() as conn:
            if database.is_sqlite:
                conn.exec_driver_sql("ANALYZE")  # a database with statistics
            # Ratings written while the column and its triggers are gone.
            conn.exec_driver_sql("UPDATE verdict SET rating = 'misleading'")
        migrations.upgrade(url)
        with database.reading() as conn:
            rows = conn.exec_driver_sql(RATINGS).all()
            assert rows and set(rows) == {("misleading", "misleading")}
            if database.is_sqlite:
                # ... and statistics for the new index, like the others.
                stat = "SELECT 1 FROM sqlite_stat1 WHERE idx = ?"
                index = "ix_claim_verdict_rating_sort_date_id"
                assert conn.exec_driver_sql(stat, (index,)).first() is not None


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_revision_hash_index_migration_keeps_the_history_and_its_guards(backend, tmp_path):
    with seeded_database(backend, tmp_path, "contested_hash_index") as (url, database):
        history = "SELECT seq, hash FROM revision ORDER BY seq"
        with database.reading() as conn:
            before = conn.exec_driver_sql(history).all()
        assert before
        migrations.downgrade(url, "0006")
        migrations.upgrade(url)
        with database.reading() as conn:
            assert conn.exec_driver_sql(history).all() == before
        with pytest.raises(DBAPIError, match="append-only"), database.write.begin() as conn:
            conn.exec_driver_sql("DELETE FROM revision")
        with pytest.raises(IntegrityError), database.write.begin() as conn:
            conn.exec_driver_sql(DUPLICATE_HASH)


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_index_repeats_the_leading_columns_of_another(backend, tmp_path):
    """An index on the first columns of another index of its table serves nothing the
    longer one does not, and costs a write with every row (unique ones are constraints,
    and stay)."""
    with empty_database(backend, tmp_path, "contested_index_prefixes") as url:
        migrations.upgrade(url)
        engine = create_engine(url, poolclass=NullPool)
        inspector = inspect(engine)
        repeated = []
        for table in tables(url):
            indexes = {
                i["name"]: (tuple(i["column_names"]), i["unique"])
                for i in inspector.get_indexes(table)
            }
            for name, (columns, unique) in indexes.items():
                repeated.extend(
                    (name, other)
                    for other, (longer, _) in indexes.items()
                    if not unique and other != name and longer[: len(columns)] == columns
                )
        engine.dispose()
        assert repeated == []


FTS_SQL = "SELECT sql FROM sqlite_master WHERE name = 'search_fts'"
# Seeded words in Latin, Cyrillic, Arabic and Devanagari script.
SEARCHED_WORDS = ("Volgograd", "Кремль", "القاعدة", "भारत")


def found(database: Database) -> dict[str, int]:
    with database.reading() as conn:
        return {
            word: conn.exec_driver_sql(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (f'"{terms(word)}"',)
            ).scalar_one()
            for word in SEARCHED_WORDS
        }


def test_the_ascii_tokenizer_migration_indexes_the_documents_already_there(tmp_path):
    with seeded_database("sqlite", tmp_path, "contested_tokenizer") as (url, database):
        with database.reading() as conn:
            assert "tokenize='ascii'" in conn.exec_driver_sql(FTS_SQL).scalar_one()
        now = found(database)
        assert all(now.values())
        migrations.downgrade(url, "0008")
        with database.reading() as conn:
            assert "unicode61" in conn.exec_driver_sql(FTS_SQL).scalar_one()
        assert found(database) == now
        migrations.upgrade(url)
        assert found(database) == now
        with database.reading() as conn:  # rebuilt with a larger hash, then the default
            hash_size = "SELECT v FROM search_fts_config WHERE k = 'hashsize'"
            assert conn.exec_driver_sql(hash_size).scalar_one() == 1024 * 1024
        with database.write.begin() as conn:  # and the triggers still keep it current
            conn.exec_driver_sql("DELETE FROM search_document")
            conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')")
        assert set(found(database).values()) == {0}
