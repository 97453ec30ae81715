"""Turn the ids and slugs a client names into row ids, or explain what it meant."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, bindparam, select
from sqlmodel import Session

from app.errors import ProblemItem, UnknownReference
from app.models import Actor, ActorAlias, Event, Source
from app.services.prepared import Prepared

_TABLES: dict[str, Any] = {"actor": Actor, "event": Event, "source": Source}


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def suggest(conn: Connection | Session, kind: str, value: str, limit: int = 3) -> list[str]:
    """Slugs of live actors or events that look like ``value`` (aliases count for actors)."""
    table = _TABLES[kind]
    choices: dict[str, str] = {}
    rows = conn.execute(select(table.slug, table.id).where(table.deleted_at.is_(None))).all()
    slug_of = {row.id: row.slug for row in rows}
    for row in rows:
        choices[row.slug] = row.slug
    if kind == "actor":
        for actor_id, alias in conn.execute(select(ActorAlias.actor_id, ActorAlias.alias)).all():
            if actor_id in slug_of:
                choices.setdefault(alias, slug_of[actor_id])
    matches = process.extract(
        value, list(choices), scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=60
    )
    suggestions: list[str] = []
    for text, _score, _index in matches:
        slug = choices[text]
        if slug not in suggestions:
            suggestions.append(slug)
    return suggestions[:limit]


def unknown(
    conn: Connection | Session, kind: str, value: str, pointer: str | None, parameter: str | None
) -> UnknownReference:
    """The 422 for a reference that names nothing, with near matches when there are any."""
    suggestions = [] if as_uuid(value) else suggest(conn, kind, value)
    detail = f"no {kind} '{value}'"
    if suggestions:
        detail += "; did you mean " + " or ".join(f"'{s}'" for s in suggestions) + "?"
    return UnknownReference(
        detail,
        errors=[
            ProblemItem(
                detail=detail, pointer=pointer, parameter=parameter, suggestions=suggestions or None
            )
        ],
    )


def resolve(
    conn: Connection | Session,
    kind: str,
    refs: Sequence[tuple[str, str]],
    *,
    as_parameter: bool = False,
) -> dict[str, uuid.UUID]:
    """Map each (reference, where) to the id of a live actor or event, in one query.

    ``where`` is the JSON pointer (or parameter name) blamed when the reference is
    unknown. All unknown references are reported together.
    """
    if not refs:
        return {}
    table = _TABLES[kind]
    values = {value for value, _ in refs}
    ids = [u for u in (as_uuid(v) for v in values) if u is not None]
    slugs = [v for v in values if as_uuid(v) is None]
    condition = table.slug.in_(slugs) if slugs else None
    if ids:
        by_id = table.id.in_(ids)
        condition = by_id if condition is None else (condition | by_id)
    rows = conn.execute(
        select(table.id, table.slug).where(condition, table.deleted_at.is_(None))
    ).all()
    live_ids = {row.id for row in rows}
    id_of_slug = {row.slug: row.id for row in rows}
    found: dict[str, uuid.UUID] = {}
    for value in values:
        as_id = as_uuid(value)
        if as_id in live_ids:
            found[value] = as_id  # type: ignore[assignment]
        elif value in id_of_slug:
            found[value] = id_of_slug[value]
    missing = [(value, where) for value, where in refs if value not in found]
    if missing:
        errors = [
            unknown(
                conn,
                kind,
                value,
                None if as_parameter else where,
                where if as_parameter else None,
            )
            for value, where in missing
        ]
        first = errors[0]
        raise UnknownReference(
            first.detail
            if len(errors) == 1
            else f"{len(errors)} unknown references: " + "; ".join(e.detail for e in errors),
            errors=[item for e in errors for item in (e.errors or [])],
        )
    return found


@cache
def _live_id_by(kind: str, key: str) -> Prepared:
    table = _TABLES[kind]
    column = table.id if key == "id" else table.slug
    return Prepared(
        select(table.id).where(column == bindparam("value"), table.deleted_at.is_(None))
    )


def resolve_one(
    conn: Connection | Session, kind: str, value: str, where: str, *, as_parameter: bool = False
) -> uuid.UUID:
    """The id of the live actor or event ``value`` names: one prepared lookup (filters name
    one on every request), or ``resolve``'s 422 with suggestions when it names nothing."""
    as_id = as_uuid(value)
    key = "slug" if as_id is None else "id"
    found = _live_id_by(kind, key).rows(conn, {"value": value if as_id is None else as_id})
    if found:
        return found[0][0] if isinstance(found[0][0], uuid.UUID) else uuid.UUID(found[0][0])
    return resolve(conn, kind, [(value, where)], as_parameter=as_parameter)[value]


def require_sources(
    conn: Connection | Session, source_ids: Iterable[uuid.UUID], pointer: str
) -> None:
    """Raise 422 unless every id names a live source."""
    wanted = set(source_ids)
    if not wanted:
        return
    live = set(
        conn.execute(
            select(Source.id).where(Source.id.in_(wanted), Source.deleted_at.is_(None))
        ).scalars()
    )
    missing = sorted(str(i) for i in wanted - live)
    if missing:
        detail = "no source " + ", ".join(f"'{m}'" for m in missing)
        raise UnknownReference(detail, errors=[ProblemItem(detail=detail, pointer=pointer)])
