"""the full-text index splits its terms on ASCII separators alone (SQLite)

search_document.terms holds words the application has already folded for case and
accents (app.services.search.terms) and joined by single spaces, and every query is
folded the same way, so FTS5's unicode61 tokenizer had nothing left to fold: it only
classified every character again, which took about two fifths of the time of indexing
the documents. The ascii tokenizer takes every non-ASCII character as part of a word
and splits on ASCII spaces and punctuation, which gives the application's own words
(tests/test_search_tokens.py). On PostgreSQL the tsvector is built by 'simple' and
nothing changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The triggers on search_document name search_fts and keep working once it is back.
FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_document', "
    "content_rowid='id', tokenize='{}')"
)


# Rebuilt with a 64 MiB hash for its terms, as a bulk import rebuilds it (fewer segments
# to write and merge), then put back to FTS5's default of 1 MiB, stored with the index.
HASH_SIZE = "INSERT INTO search_fts(search_fts, rank) VALUES ('hashsize', {})"


def _recreate(tokenize: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE search_fts")
    op.execute(FTS.format(tokenize))
    op.execute(HASH_SIZE.format(64 * 1024 * 1024))
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    op.execute(HASH_SIZE.format(1024 * 1024))


def upgrade() -> None:
    _recreate("ascii")


def downgrade() -> None:
    _recreate("unicode61 remove_diacritics 2")
