"""Actors and their aliases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import Conflict, ProblemItem
from app.models import Actor, ActorAlias
from app.models.actor import ActorCreate, ActorUpdate
from app.security import Principal
from app.services import rows, search
from app.services.pagination import SortKey, decode_cursor, fingerprint, keyset, split_page
from app.services.reads import Conn, aliases_of, fetch_one

_COLUMNS = (
    Actor.id,
    Actor.slug,
    Actor.name,
    Actor.kind,
    Actor.country,
    Actor.description,
    Actor.wikidata_id,
    Actor.version,
    Actor.created_at,
    Actor.updated_at,
    Actor.deleted_at,
)
BY_SLUG = SortKey("slug", Actor.slug, descending=False)


def _public(conn: Conn, found: list[Any]) -> list[dict[str, Any]]:
    aliases = aliases_of(conn, [row.id for row in found])
    return [{**row._mapping, "aliases": aliases.get(row.id, [])} for row in found]


def get_actor(conn: Conn, ref: str) -> dict[str, Any]:
    row = fetch_one(conn, select(*_COLUMNS), Actor, ref, "actor")
    return _public(conn, [row])[0]


def list_actors(
    conn: Conn,
    *,
    q: str | None,
    kind: str | None,
    country: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    filters = {"q": q, "kind": kind, "country": country}
    fp = fingerprint(filters)
    stmt = select(*_COLUMNS).where(Actor.deleted_at.is_(None))
    if kind:
        stmt = stmt.where(Actor.kind == kind)
    if country:
        stmt = stmt.where(Actor.country == country)
    if q:
        stmt = stmt.where(Actor.id.in_(search.matching_ids(conn, "actor", q)))
    after = decode_cursor(cursor, BY_SLUG, fp) if cursor else None
    found = conn.execute(keyset(stmt, BY_SLUG, Actor.id, after, limit)).all()
    page, next_cursor = split_page(found, limit, BY_SLUG, lambda r: r.slug, fp)
    return _public(conn, page), next_cursor


def _ensure_slug_free(session: Session, slug: str) -> None:
    taken = session.execute(select(Actor.id).where(Actor.slug == slug)).first()
    if taken:
        detail = f"slug '{slug}' is already used by another actor"
        raise Conflict(detail, errors=[ProblemItem(detail=detail, pointer="/slug")])


def _set_aliases(session: Session, actor: Actor, aliases: list[str]) -> None:
    # Through the ORM, not a bulk DELETE, so that the search index sees the change.
    for old in session.execute(select(ActorAlias).where(ActorAlias.actor_id == actor.id)).scalars():
        session.delete(old)
    session.flush()
    unique = list(dict.fromkeys(a for a in aliases if a))
    for position, alias in enumerate(unique):
        session.add(
            ActorAlias(actor_id=actor.id, alias=alias, folded=alias.casefold(), position=position)
        )


def create_actor(session: Session, body: ActorCreate, principal: Principal) -> Actor:
    _ensure_slug_free(session, body.slug)
    actor = Actor(**body.model_dump(exclude={"aliases"}), created_by=principal.key_id)
    session.add(actor)
    session.flush()
    _set_aliases(session, actor, body.aliases)
    session.flush()
    return actor


def update_actor(
    session: Session, ref: str, body: ActorUpdate, principal: Principal, expected: int | None
) -> Actor:
    actor = rows.find_for_write(session, Actor, ref, "actor", principal, expected)
    changes = body.model_dump(exclude_unset=True, exclude={"aliases"})
    if "slug" in changes and changes["slug"] != actor.slug:
        _ensure_slug_free(session, changes["slug"])
    changed = rows.apply(actor, changes)
    if body.aliases is not None:
        current = aliases_of(session, [actor.id]).get(actor.id, [])
        if current != list(dict.fromkeys(body.aliases)):
            _set_aliases(session, actor, body.aliases)
            changed = True
    if changed:
        rows.bump(actor)
    session.flush()
    return actor


def delete_actor(session: Session, ref: str, principal: Principal, expected: int | None) -> None:
    actor = rows.find_for_write(session, Actor, ref, "actor", principal, expected)
    rows.soft_delete(session, actor)
