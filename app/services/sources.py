"""Sources, and the citations that tie claims, responses and evidence to them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.errors import Conflict, ProblemItem, UnprocessableInput
from app.models import Actor, Source
from app.models.source import CitationInput, SourceCreate, SourceFields, SourceUpdate
from app.security import Principal
from app.services import refs, rows, search
from app.services.pagination import SortKey, decode_cursor, fingerprint, keyset, split_page
from app.services.reads import Conn, actor_columns, actor_ref, fetch_one
from app.services.urls import InvalidUrl, normalize_url

_publisher = aliased(Actor)
_COLUMNS = (
    Source.id,
    Source.url,
    Source.url_normalized,
    Source.title,
    Source.publisher_name,
    Source.kind,
    Source.language,
    Source.published_on,
    Source.published_on_precision,
    Source.archive_url,
    Source.content_sha256,
    Source.reliability,
    Source.version,
    Source.created_at,
    Source.updated_at,
    Source.deleted_at,
    *actor_columns(_publisher, "publisher"),
)
CREATED = SortKey("created", None, descending=False)


def _select() -> Any:
    return select(*_COLUMNS).outerjoin(_publisher, _publisher.id == Source.publisher_id)


def _public(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data["publisher"] = actor_ref(row, "publisher")
    return data


def get_source(conn: Conn, ref: str) -> dict[str, Any]:
    return _public(fetch_one(conn, _select(), Source, ref, "source"))


def normalized(url: str, pointer: str) -> str:
    try:
        return normalize_url(url)
    except InvalidUrl as exc:
        detail = f"invalid URL: {exc}"
        raise UnprocessableInput(
            detail, errors=[ProblemItem(detail=detail, pointer=pointer)]
        ) from None


def list_sources(
    conn: Conn,
    *,
    url: str | None,
    q: str | None,
    kind: str | None,
    publisher: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    fp = fingerprint({"url": url, "q": q, "kind": kind, "publisher": publisher})
    stmt = _select().where(Source.deleted_at.is_(None))
    if url:
        try:
            stmt = stmt.where(Source.url_normalized == normalize_url(url))
        except InvalidUrl:
            return [], None
    if kind:
        stmt = stmt.where(Source.kind == kind)
    if publisher:
        publisher_id = refs.resolve_one(conn, "actor", publisher, "publisher", as_parameter=True)
        stmt = stmt.where(Source.publisher_id == publisher_id)
    if q:
        stmt = stmt.where(Source.id.in_(search.matching_ids(conn, "source", q)))
    after = decode_cursor(cursor, CREATED, fp) if cursor else None
    found = conn.execute(keyset(stmt, CREATED, Source.id, after, limit)).all()
    page, next_cursor = split_page(found, limit, CREATED, lambda r: r.id, fp)
    return [_public(r) for r in page], next_cursor


def _columns_from(session: Session, body: SourceFields, pointer: str) -> dict[str, Any]:
    """Table columns from the fields a client sent (publisher resolved, URL normalised)."""
    data = body.model_dump(exclude_unset=True, exclude={"publisher", "source_id", "locator"})
    if "publisher" in body.model_fields_set:
        data["publisher_id"] = (
            refs.resolve_one(session, "actor", body.publisher, f"{pointer}/publisher")
            if body.publisher
            else None
        )
    if "url" in body.model_fields_set:
        data["url_normalized"] = normalized(body.url, f"{pointer}/url") if body.url else None
    if body.archive_url:
        normalized(body.archive_url, f"{pointer}/archive_url")
    return data


def _existing_by_url(session: Session, url_normalized: str) -> Source | None:
    return session.execute(
        select(Source).where(Source.url_normalized == url_normalized)
    ).scalar_one_or_none()


def _url_taken(existing: Source, pointer: str) -> Conflict:
    detail = f"a source with this URL already exists: {existing.id}"
    return Conflict(detail, errors=[ProblemItem(detail=detail, pointer=pointer)])


def create_source(session: Session, body: SourceCreate, principal: Principal) -> Source:
    data = _columns_from(session, body, "")
    data.setdefault("kind", body.kind.value)
    data.setdefault("reliability", body.reliability.value)
    if data.get("url_normalized"):
        existing = _existing_by_url(session, data["url_normalized"])
        if existing is not None:
            raise _url_taken(existing, "/url")
    source = Source(**data, created_by=principal.key_id)
    session.add(source)
    session.flush()
    return source


def update_source(
    session: Session, ref: str, body: SourceUpdate, principal: Principal, expected: int | None
) -> Source:
    source = rows.find_for_write(session, Source, ref, "source", principal, expected)
    data = _columns_from(session, body, "")
    if data.get("url_normalized") and data["url_normalized"] != source.url_normalized:
        existing = _existing_by_url(session, data["url_normalized"])
        if existing is not None:
            raise _url_taken(existing, "/url")
    if rows.apply(source, data):
        rows.bump(source)
    session.flush()
    return source


def delete_source(session: Session, ref: str, principal: Principal, expected: int | None) -> None:
    source = rows.find_for_write(session, Source, ref, "source", principal, expected)
    rows.soft_delete(session, source)


def resolve_citations(
    session: Session, citations: list[CitationInput], pointer: str, principal: Principal
) -> list[tuple[uuid.UUID, str | None]]:
    """Source ids for a list of citations, creating inline sources not stored yet.

    An inline source whose normalised URL is already stored is reused as it is
    (a 422 if that source was deleted: citing it by id would be refused too).
    The same source cited twice keeps its first locator.
    """
    resolved: list[tuple[uuid.UUID, str | None]] = []
    by_id = [c.source_id for c in citations if c.source_id is not None]
    refs.require_sources(session, by_id, pointer)
    for index, citation in enumerate(citations):
        where = f"{pointer}/{index}"
        if citation.source_id is not None:
            resolved.append((citation.source_id, citation.locator))
            continue
        data = _columns_from(session, citation, where)
        existing = (
            _existing_by_url(session, data["url_normalized"])
            if data.get("url_normalized")
            else None
        )
        if existing is not None and existing.deleted_at is not None:
            detail = f"the source with this URL was deleted: {existing.id}"
            raise UnprocessableInput(
                detail, errors=[ProblemItem(detail=detail, pointer=f"{where}/url")]
            )
        if existing is not None:
            resolved.append((existing.id, citation.locator))
            continue
        if not citation.title:
            detail = "a new source needs a title"
            raise UnprocessableInput(
                detail, errors=[ProblemItem(detail=detail, pointer=f"{where}/title")]
            )
        data.setdefault("kind", "other")
        data.setdefault("reliability", "F")
        source = Source(**data, created_by=principal.key_id)
        session.add(source)
        session.flush()
        resolved.append((source.id, citation.locator))
    seen: set[uuid.UUID] = set()
    return [(sid, loc) for sid, loc in resolved if not (sid in seen or seen.add(sid))]  # type: ignore[func-returns-value]


def set_citations(
    session: Session,
    link_model: Any,
    owner_field: str,
    owner_id: uuid.UUID,
    citations: list[CitationInput],
    principal: Principal,
) -> bool:
    """Make the owner cite exactly ``citations``, in order; True if that changed anything.

    Inline sources are created, or reused when their URL is stored (see resolve_citations).
    """
    wanted = resolve_citations(session, citations, "/sources", principal)
    owner = getattr(link_model, owner_field)
    current = [
        (link.source_id, link.locator)
        for link in session.execute(
            select(link_model).where(owner == owner_id).order_by(link_model.position)
        ).scalars()
    ]
    if current == wanted:
        return False
    session.execute(delete(link_model).where(owner == owner_id))
    for position, (source_id, locator) in enumerate(wanted):
        session.add(
            link_model(
                **{owner_field: owner_id}, source_id=source_id, locator=locator, position=position
            )
        )
    session.flush()
    return True
