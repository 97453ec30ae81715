"""Events: the incidents or matters the claims are about."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import Conflict, ProblemItem
from app.models import Event
from app.models.event import EventCreate, EventUpdate
from app.security import Principal
from app.services import rows, search
from app.services.pagination import SortKey, decode_cursor, fingerprint, keyset, split_page
from app.services.reads import Conn, fetch_one

_COLUMNS = (
    Event.id,
    Event.slug,
    Event.title,
    Event.kind,
    Event.occurred_on,
    Event.occurred_on_precision,
    Event.place,
    Event.country,
    Event.summary,
    Event.wikidata_id,
    Event.version,
    Event.created_at,
    Event.updated_at,
    Event.deleted_at,
)
BY_SLUG = SortKey("slug", Event.slug, descending=False)


def get_event(conn: Conn, ref: str) -> dict[str, Any]:
    return dict(fetch_one(conn, select(*_COLUMNS), Event, ref, "event")._mapping)


def list_events(
    conn: Conn,
    *,
    q: str | None,
    kind: str | None,
    country: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    fp = fingerprint({"q": q, "kind": kind, "country": country})
    stmt = select(*_COLUMNS).where(Event.deleted_at.is_(None))
    if kind:
        stmt = stmt.where(Event.kind == kind)
    if country:
        stmt = stmt.where(Event.country == country)
    if q:
        stmt = stmt.where(Event.id.in_(search.matching_ids(conn, "event", q)))
    after = decode_cursor(cursor, BY_SLUG, fp) if cursor else None
    found = conn.execute(keyset(stmt, BY_SLUG, Event.id, after, limit)).all()
    page, next_cursor = split_page(found, limit, BY_SLUG, lambda r: r.slug, fp)
    return [dict(r._mapping) for r in page], next_cursor


def _ensure_slug_free(session: Session, slug: str) -> None:
    if session.execute(select(Event.id).where(Event.slug == slug)).first():
        detail = f"slug '{slug}' is already used by another event"
        raise Conflict(detail, errors=[ProblemItem(detail=detail, pointer="/slug")])


def create_event(session: Session, body: EventCreate, principal: Principal) -> Event:
    _ensure_slug_free(session, body.slug)
    event = Event(**body.model_dump(), created_by=principal.key_id)
    session.add(event)
    session.flush()
    return event


def update_event(
    session: Session, ref: str, body: EventUpdate, principal: Principal, expected: int | None
) -> Event:
    event = rows.find_for_write(session, Event, ref, "event", principal, expected)
    changes = body.model_dump(exclude_unset=True)
    if "slug" in changes and changes["slug"] != event.slug:
        _ensure_slug_free(session, changes["slug"])
    if rows.apply(event, changes):
        rows.bump(event)
    session.flush()
    return event


def delete_event(session: Session, ref: str, principal: Principal, expected: int | None) -> None:
    event = rows.find_for_write(session, Event, ref, "event", principal, expected)
    rows.soft_delete(session, event)
