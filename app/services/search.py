"""Full-text search over claims, responses, actors, events and sources, in any script.

Each searchable row has one ``search_document`` whose ``terms`` are its words,
case- and accent-folded here in Python, so that SQLite (FTS5) and PostgreSQL
(tsvector + GIN) index and match exactly the same tokens. Documents are
rebuilt at commit time for every row the transaction touched, so the index is
always in step with the rows it describes.

Query syntax: plain words (all must match), "quoted phrases", and prefix*.
Anything else a user types — operators, brackets, stray quotes or stars — is
read as plain words; a query with no words at all is refused.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Uuid, delete, event, insert, select, text
from sqlalchemy.orm import Session

from app.errors import ProblemItem, UnprocessableInput
from app.models import (
    Actor,
    ActorAlias,
    Claim,
    ClaimResponse,
    Event,
    SearchDocument,
    Source,
)
from app.services.pagination import (
    SortKey,
    decode_cursor,
    encode_cursor,
    fingerprint,
    parse_float,
    parse_int,
    parse_text,
)
from app.services.prepared import Prepared, plain_of

KINDS = ("claim", "response", "actor", "event", "source")
MAX_TERMS = 16
_TOKEN = re.compile(r"[^\W_]+")
_TRACKED: dict[type, str] = {
    Claim: "claim",
    ClaimResponse: "response",
    Actor: "actor",
    Event: "event",
    Source: "source",
}


# ---- text ---------------------------------------------------------------------------------


@cache
def _combining_marks() -> dict[int, None]:
    """A str.translate table that deletes every combining character."""
    return {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    """Lower-case, without accents: "Ёлка" and "ёлка" and "елка" fold alike."""
    if text.isascii():  # nothing to decompose and no marks: the common case, done fast
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_combining_marks()).casefold()


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the index stores them (letters and digits, folded)."""
    if text.isascii():
        return _TOKEN.findall(text.lower())
    return list(chain.from_iterable(map(_chunk_tokens, text.split())))


def terms(text: str) -> str:
    """What a search document indexes of ``text``: its words, folded, joined by spaces."""
    if text.isascii():
        return " ".join(_TOKEN.findall(text.lower()))
    return " ".join(filter(None, map(_chunk_terms, text.split())))


# Folding never joins or splits text across whitespace (a space is a starter that nothing
# decomposes into or combines with), so the words of a text are those of its
# whitespace-separated chunks; most chunks recur, and each is folded once.
@lru_cache(maxsize=65536)
def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(fold(chunk)))


@lru_cache(maxsize=65536)
def _chunk_terms(chunk: str) -> str:
    return " ".join(_chunk_tokens(chunk))


@dataclass(frozen=True)
class Term:
    """Words that must appear together, in order; ``prefix`` extends the last one."""

    words: tuple[str, ...]
    prefix: bool = False


def parse_query(q: str) -> list[Term]:
    """Words, "quoted phrases" and prefix*; everything else is read as plain words."""
    terms: list[Term] = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', q):
        if phrase:
            words = tokens(phrase)
            if words:
                terms.append(Term(tuple(words)))
            continue
        words = tokens(word)
        if words:
            terms.append(Term(tuple(words), prefix=word.rstrip('"').endswith("*")))
    if not terms:
        detail = "the query has no words to search for"
        raise UnprocessableInput(detail, errors=[ProblemItem(detail=detail, parameter="q")])
    return terms[:MAX_TERMS]


def fts5_query(terms: Iterable[Term]) -> str:
    """FTS5 MATCH syntax: each term a quoted phrase (so no word acts as an operator)."""
    return " ".join(f'"{" ".join(t.words)}"' + ("*" if t.prefix else "") for t in terms)


def ts_query(terms: Iterable[Term]) -> str:
    """PostgreSQL tsquery syntax: phrases joined by <->, terms by &, prefixes with :*."""
    parts = []
    for term in terms:
        words = [f"'{w}'" for w in term.words]
        if term.prefix:
            words[-1] += ":*"
        parts.append(" <-> ".join(words))
    return " & ".join(f"({p})" for p in parts)


def snippet(body: str, terms: list[Term], width: int = 160) -> str:
    """A window of ``body`` around the first matching word."""
    folded_words = [w for t in terms for w in t.words]
    start = 0
    for match in _TOKEN.finditer(body):
        token = fold(match.group())
        if any(token == w or token.startswith(w) for w in folded_words):
            start = match.start()
            break
    begin = max(0, start - width // 3)
    text_ = body[begin : begin + width].strip()
    return ("…" if begin > 0 else "") + text_ + ("…" if begin + width < len(body) else "")


# ---- keeping the index in step ------------------------------------------------------------


def _document(conn: Connection, kind: str, entity_id: uuid.UUID) -> tuple[str, str] | None:
    """(title, body) of a live row, or None when it is gone or soft-deleted."""
    if kind == "claim":
        row = conn.execute(
            select(Claim.proposition, Claim.quote, Claim.translation).where(
                Claim.id == entity_id, Claim.deleted_at.is_(None)
            )
        ).first()
        return None if row is None else (row.proposition, _join(*row))
    if kind == "response":
        row = conn.execute(
            select(ClaimResponse.stance, ClaimResponse.quote, ClaimResponse.translation, Actor.name)
            .join(Actor, Actor.id == ClaimResponse.responder_id)
            .where(ClaimResponse.id == entity_id, ClaimResponse.deleted_at.is_(None))
        ).first()
        if row is None:
            return None
        return f"{row.name}: {row.stance.replace('_', ' ')}", _join(row.quote, row.translation)
    if kind == "actor":
        row = conn.execute(
            select(Actor.name, Actor.slug).where(Actor.id == entity_id, Actor.deleted_at.is_(None))
        ).first()
        if row is None:
            return None
        aliases = conn.execute(
            select(ActorAlias.alias)
            .where(ActorAlias.actor_id == entity_id)
            .order_by(ActorAlias.position)
        ).scalars()
        return row.name, _join(row.name, *aliases, row.slug.replace("-", " "))
    model = Event if kind == "event" else Source
    title = conn.execute(
        select(model.title).where(model.id == entity_id, model.deleted_at.is_(None))
    ).scalar_one_or_none()
    return None if title is None else (title, title)


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def reindex(conn: Connection, kind: str, entity_id: uuid.UUID) -> None:
    """Rebuild one row's document (or drop it when the row is gone or deleted)."""
    conn.execute(
        delete(SearchDocument).where(
            SearchDocument.kind == kind, SearchDocument.entity_id == entity_id
        )
    )
    document = _document(conn, kind, entity_id)
    if document is not None:
        title, body = document
        conn.execute(
            insert(SearchDocument).values(
                kind=kind,
                entity_id=entity_id,
                title=title,
                body=body,
                terms=terms(body),
            )
        )


def rebuild(conn: Connection) -> int:
    """Index every live row from scratch; returns the number of rows visited."""
    conn.execute(delete(SearchDocument))
    count = 0
    for model, kind in _TRACKED.items():
        for entity_id in conn.execute(select(model.id)).scalars():
            reindex(conn, kind, entity_id)
            count += 1
    return count


@event.listens_for(Session, "after_flush")
def _note_touched_rows(session: Session, _context: Any) -> None:
    touched = session.info.setdefault("search_touched", set())
    for obj in chain(session.new, session.dirty, session.deleted):
        kind = _TRACKED.get(type(obj))
        if kind is not None:
            touched.add((kind, obj.id))
        elif isinstance(obj, ActorAlias):
            touched.add(("actor", obj.actor_id))


@event.listens_for(Session, "before_commit")
def _reindex_touched_rows(session: Session) -> None:
    session.flush()
    touched = session.info.pop("search_touched", set())
    if touched:
        conn = session.connection()
        for kind, entity_id in sorted(touched, key=str):
            reindex(conn, kind, entity_id)


@event.listens_for(Session, "after_rollback")
def _forget_touched_rows(session: Session) -> None:
    session.info.pop("search_touched", None)


# ---- querying -----------------------------------------------------------------------------


def _parse_rank(value: Any) -> tuple[float, str, int]:
    """The (score, kind, document id) a search cursor resumes after."""
    score, kind, document_id = value  # ValueError or TypeError unless three items
    return parse_float(score), parse_text(kind), parse_int(document_id)


BY_RANK = SortKey("rank", "rank", descending=False, parse=_parse_rank)


_MATCHES = {
    "sqlite": (
        "SELECT d.id, d.kind, d.entity_id, d.title, d.body, bm25(search_fts) AS score "
        "FROM search_fts JOIN search_document AS d ON d.id = search_fts.rowid "
        "WHERE search_fts MATCH :query"
    ),
    "postgresql": (
        "SELECT d.id, d.kind, d.entity_id, d.title, d.body, "
        # float8, so that the score round-trips exactly through the cursor.
        "-CAST(ts_rank(d.search_vector, to_tsquery('simple', :query)) AS float8) AS score "
        "FROM search_document AS d "
        "WHERE d.search_vector @@ to_tsquery('simple', :query)"
    ),
}


def _dialect_name(conn: Connection | Session) -> str:
    return (conn.get_bind() if isinstance(conn, Session) else conn).dialect.name


def match_expression(conn: Connection | Session, q: str) -> str:
    """``q`` in the database's own full-text syntax (FTS5 MATCH or tsquery)."""
    terms = parse_query(q)
    return fts5_query(terms) if _dialect_name(conn) == "sqlite" else ts_query(terms)


def matching_sql(dialect: str) -> str:
    """SQL of the ids of documents of kind ``:q_kind`` that match ``:q`` (a match_expression)."""
    sql = _MATCHES[dialect].replace(":query", ":q")
    return f"SELECT m.entity_id FROM ({sql}) AS m WHERE m.kind = :q_kind"


def matching_ids(conn: Connection | Session, kind: str, q: str) -> Any:
    """A subquery of the ids of ``kind`` rows matching ``q`` (for list filters)."""
    return (
        text(matching_sql(_dialect_name(conn)))
        .bindparams(q_kind=kind, q=match_expression(conn, q))
        .columns(entity_id=Uuid())
    )


# Up to this many kinds in ``type=``; unused slots stay NULL, which matches no kind.
_KIND_SLOTS = len(KINDS)


@cache
def _page(dialect: str, by_kind: bool, resume: bool) -> Prepared:
    """The page of matches of one request shape, compiled once (docs/benchmarks.md)."""
    where = ["1 = 1"]
    if by_kind:
        where.append(f"m.kind IN ({', '.join(f':kind_{i}' for i in range(_KIND_SLOTS))})")
    if resume:
        where.append(
            "(m.score > :after_score OR (m.score = :after_score AND "
            "(m.kind > :after_kind OR (m.kind = :after_kind AND m.id > :after_id))))"
        )
    return Prepared(
        text(
            f"SELECT m.kind, m.entity_id, m.title, m.body, m.score, m.id "
            f"FROM ({_MATCHES[dialect]}) AS m "
            f"WHERE {' AND '.join(where)} ORDER BY m.score, m.kind, m.id LIMIT :limit"
        )
    )


def search(
    conn: Connection, q: str, kinds: list[str] | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Ranked matches, best first, JSON-ready; ties in rank are broken by type and id."""
    terms = parse_query(q)
    fp = fingerprint({"q": q, "types": sorted(kinds or [])})
    dialect = conn.dialect.name
    params: dict[str, Any] = {
        "query": fts5_query(terms) if dialect == "sqlite" else ts_query(terms),
        "limit": limit + 1,
    }
    for i, kind in enumerate(dict.fromkeys(kinds or [])):
        params[f"kind_{i}"] = kind
    if cursor:
        after, _ = decode_cursor(cursor, BY_RANK, fp)
        params.update(after_score=after[0], after_kind=after[1], after_id=after[2])
    rows = _page(dialect, bool(kinds), bool(cursor)).rows(conn, params)
    uuid_ = plain_of(conn).uuid
    items = [
        {"type": kind, "id": uuid_(entity_id), "title": title, "snippet": snippet(body, terms)}
        for kind, entity_id, title, body, _score, _id in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        kind, _entity_id, _title, _body, score, document_id = rows[limit - 1]
        next_cursor = encode_cursor(BY_RANK, [score, kind, document_id], uuid.UUID(int=0), fp)
    return items, next_cursor
