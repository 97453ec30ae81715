"""SQLite's full-text index holds exactly the words app.services.search makes of a text:
the application folds and splits, and the index's tokenizer only splits on the spaces
between the words (migration 0009)."""

from __future__ import annotations

import sys

import pytest

from app.services.search import terms

# Every character but the surrogates, each inside a word and alone, a few thousand a
# document: what the index makes of it must be the words of the document's terms.
CHARACTERS = [chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF]
PER_DOCUMENT = 4096


def test_the_index_holds_the_words_of_the_terms_and_nothing_else(db):
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's tsvector is built by its own 'simple' configuration")
    documents = [
        terms(" ".join(f"a{c}b {c}" for c in CHARACTERS[start : start + PER_DOCUMENT]))
        for start in range(0, len(CHARACTERS), PER_DOCUMENT)
    ]
    with db.write.connect() as conn, conn.begin() as transaction:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, search_fts, instance)"
        )
        conn.exec_driver_sql(
            "INSERT INTO search_document (id, kind, entity_id, title, body, terms) "
            "VALUES (?, 'event', ?, '', '', ?)",
            [(n, f"{n:032x}", text) for n, text in enumerate(documents, 1)],
        )
        indexed = conn.exec_driver_sql(
            "SELECT doc, term FROM temp.vocabulary ORDER BY doc, offset"
        ).all()
        transaction.rollback()
    expected = [(n, word) for n, text in enumerate(documents, 1) for word in text.split()]
    assert len(expected) > 2 * len(CHARACTERS) // 3  # most characters are parts of words
    assert indexed == expected
