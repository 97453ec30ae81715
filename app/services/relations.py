"""Dated relations between actors (KTJ affiliated_with HTS; a ministry part_of a government)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.errors import ProblemItem, UnprocessableInput
from app.models import Actor, ActorRelation, RelationSource
from app.models.actor import RelationCreate, RelationUpdate
from app.security import Principal
from app.services import refs, rows
from app.services.derived import refresh_claims_answered_by
from app.services.pagination import SortKey, decode_cursor, fingerprint, keyset, split_page
from app.services.reads import Conn, actor_columns, actor_ref, fetch_one

_subject = aliased(Actor)
_object = aliased(Actor)
_COLUMNS = (
    ActorRelation.id,
    ActorRelation.predicate,
    ActorRelation.since,
    ActorRelation.since_precision,
    ActorRelation.until,
    ActorRelation.until_precision,
    ActorRelation.note,
    ActorRelation.version,
    ActorRelation.created_at,
    ActorRelation.updated_at,
    ActorRelation.deleted_at,
    *actor_columns(_subject, "subject"),
    *actor_columns(_object, "object"),
)
CREATED = SortKey("created", None, descending=False)


def _select() -> Any:
    return (
        select(*_COLUMNS)
        .join(_subject, _subject.id == ActorRelation.subject_id)
        .join(_object, _object.id == ActorRelation.object_id)
    )


def _public(conn: Conn, found: list[Any]) -> list[dict[str, Any]]:
    sources: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if found:
        for relation_id, source_id in conn.execute(
            select(RelationSource.relation_id, RelationSource.source_id)
            .where(RelationSource.relation_id.in_([r.id for r in found]))
            .order_by(RelationSource.relation_id, RelationSource.position)
        ).all():
            sources[relation_id].append(source_id)
    return [
        {
            **row._mapping,
            "subject": actor_ref(row, "subject"),
            "object": actor_ref(row, "object"),
            "sources": sources.get(row.id, []),
        }
        for row in found
    ]


def get_relation(conn: Conn, relation_id: uuid.UUID) -> dict[str, Any]:
    row = fetch_one(conn, _select(), ActorRelation, str(relation_id), "relation")
    return _public(conn, [row])[0]


def list_relations(
    conn: Conn, actor: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Relations in which the actor is subject or object."""
    fetch_one(conn, select(Actor.id, Actor.deleted_at), Actor, actor, "actor")
    actor_id = refs.resolve_one(conn, "actor", actor, "actor", as_parameter=True)
    fp = fingerprint({"actor": str(actor_id)})
    after = decode_cursor(cursor, CREATED, fp) if cursor else None
    stmt = _select().where(
        ActorRelation.deleted_at.is_(None),
        or_(ActorRelation.subject_id == actor_id, ActorRelation.object_id == actor_id),
    )
    found = conn.execute(keyset(stmt, CREATED, ActorRelation.id, after, limit)).all()
    page, next_cursor = split_page(found, limit, CREATED, lambda r: r.id, fp)
    return _public(conn, page), next_cursor


def _set_sources(session: Session, relation_id: uuid.UUID, source_ids: list[uuid.UUID]) -> None:
    refs.require_sources(session, source_ids, "/sources")
    session.execute(delete(RelationSource).where(RelationSource.relation_id == relation_id))
    for position, source_id in enumerate(dict.fromkeys(source_ids)):
        session.add(RelationSource(relation_id=relation_id, source_id=source_id, position=position))


def _not_self(subject_id: uuid.UUID, object_id: uuid.UUID) -> None:
    if subject_id == object_id:
        detail = "an actor cannot be related to itself"
        raise UnprocessableInput(detail, errors=[ProblemItem(detail=detail, pointer="/object")])


def _in_order(since: date | None, until: date | None, pointer: str) -> None:
    if since is not None and until is not None and until < since:
        detail = f"until ({until}) is before since ({since})"
        raise UnprocessableInput(detail, errors=[ProblemItem(detail=detail, pointer=pointer)])


def create_relation(
    session: Session, subject: str, body: RelationCreate, principal: Principal
) -> ActorRelation:
    subject_row = rows.find(session, Actor, subject, "actor")
    object_id = refs.resolve_one(session, "actor", body.object, "/object")
    _not_self(subject_row.id, object_id)
    _in_order(body.since, body.until, "/until")
    relation = ActorRelation(
        **body.model_dump(exclude={"object", "sources"}),
        subject_id=subject_row.id,
        object_id=object_id,
        created_by=principal.key_id,
    )
    session.add(relation)
    session.flush()
    _set_sources(session, relation.id, body.sources)
    if relation.predicate == "part_of":
        refresh_claims_answered_by(session, relation.subject_id)
    session.flush()
    return relation


def update_relation(
    session: Session,
    relation_id: uuid.UUID,
    body: RelationUpdate,
    principal: Principal,
    expected: int | None,
) -> ActorRelation:
    relation = rows.find_for_write(
        session, ActorRelation, relation_id, "relation", principal, expected
    )
    was_part_of = relation.predicate == "part_of"
    changes = body.model_dump(exclude_unset=True, exclude={"object", "sources"})
    if "object" in body.model_fields_set and body.object:
        changes["object_id"] = refs.resolve_one(session, "actor", body.object, "/object")
        _not_self(relation.subject_id, changes["object_id"])
    _in_order(
        changes.get("since", relation.since),
        changes.get("until", relation.until),
        "/until" if "until" in changes else "/since",
    )
    changed = rows.apply(relation, changes)
    if body.sources is not None:
        _set_sources(session, relation.id, body.sources)
        changed = True
    if changed:
        rows.bump(relation)
        session.flush()
        if was_part_of or relation.predicate == "part_of":
            refresh_claims_answered_by(session, relation.subject_id)
    session.flush()
    return relation


def delete_relation(
    session: Session, relation_id: uuid.UUID, principal: Principal, expected: int | None
) -> None:
    relation = rows.find_for_write(
        session, ActorRelation, relation_id, "relation", principal, expected
    )
    rows.soft_delete(session, relation)
    if relation.predicate == "part_of":
        refresh_claims_answered_by(session, relation.subject_id)
