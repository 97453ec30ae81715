"""Shared pieces of read queries: fetching one row by id or slug, and small lookups."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlmodel import Session

from app.errors import Gone, NotFound
from app.models import ActorAlias, Claim, Source
from app.services.prepared import Prepared
from app.services.refs import as_uuid

Conn = Connection | Session


def by_ref(model: Any, ref: str) -> Any:
    """WHERE clause naming a row by UUID, or by slug for tables that have one."""
    as_id = as_uuid(ref)
    if as_id is not None:
        return model.id == as_id
    if hasattr(model, "slug"):
        return model.slug == ref
    return None


def fetch_one(conn: Conn, stmt: Any, model: Any, ref: str, noun: str) -> Any:
    """Run a one-row query filtered by ``ref``; 404 if absent, 410 if soft-deleted."""
    condition = by_ref(model, ref)
    row = None if condition is None else conn.execute(stmt.where(condition)).first()
    if row is None:
        raise NotFound(f"no {noun} '{ref}'")
    if row.deleted_at is not None:
        raise Gone(f"{noun} '{ref}' was deleted")
    return row


@cache
def _id_and_deleted_at(model: Any, key: str) -> Prepared:
    column = model.id if key == "id" else model.slug
    return Prepared(select(model.id, model.deleted_at).where(column == bindparam("ref")))


def find_id(conn: Conn, model: Any, ref: str, noun: str) -> uuid.UUID:
    """The id of the row ``ref`` names (UUID, or slug where the table has one), in one
    prepared lookup; 404 if absent, 410 if soft-deleted."""
    as_id = as_uuid(ref)
    if as_id is None and not hasattr(model, "slug"):
        raise NotFound(f"no {noun} '{ref}'")
    found = _id_and_deleted_at(model, "slug" if as_id is None else "id").rows(
        conn, {"ref": ref if as_id is None else as_id}
    )
    if not found:
        raise NotFound(f"no {noun} '{ref}'")
    row_id, deleted_at = found[0]
    if deleted_at is not None:
        raise Gone(f"{noun} '{ref}' was deleted")
    return row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(row_id)


def live_claim(conn: Conn, claim_id: uuid.UUID) -> None:
    """404 or 410 unless the claim is live: what belongs to a deleted claim is gone with it."""
    fetch_one(conn, select(Claim.id, Claim.deleted_at), Claim, str(claim_id), "claim")


def actor_ref(row: Any, prefix: str) -> dict[str, Any] | None:
    """``{"id", "slug", "name"}`` from columns labelled ``<prefix>__id`` etc., or None."""
    actor_id = getattr(row, f"{prefix}__id")
    if actor_id is None:
        return None
    return {
        "id": actor_id,
        "slug": getattr(row, f"{prefix}__slug"),
        "name": getattr(row, f"{prefix}__name"),
    }


def actor_columns(alias: Any, prefix: str) -> list[Any]:
    """An actor's id, slug and name, labelled so that ``actor_ref(row, prefix)`` finds them."""
    return [
        alias.id.label(f"{prefix}__id"),
        alias.slug.label(f"{prefix}__slug"),
        alias.name.label(f"{prefix}__name"),
    ]


def aliases_of(conn: Conn, actor_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    ids = list(actor_ids)
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = conn.execute(
        select(ActorAlias.actor_id, ActorAlias.alias)
        .where(ActorAlias.actor_id.in_(ids))
        .order_by(ActorAlias.actor_id, ActorAlias.position)
    ).all()
    for actor_id, alias in rows:
        found[actor_id].append(alias)
    return found


@cache
def _citations_statement(link_table: Any, owner_column: Any) -> Any:
    """Built once per link table: executing the same statement object again skips
    SQLAlchemy's per-execution statement building and result adaptation."""
    return (
        select(
            owner_column.label("owner_id"),
            link_table.locator,
            Source.id,
            Source.title,
            Source.url,
            Source.kind,
            Source.published_on,
            Source.reliability,
        )
        .join(Source, Source.id == link_table.source_id)
        .where(owner_column.in_(bindparam("owner_ids", expanding=True)))
        .order_by(owner_column, link_table.position)
    )


def citations_of(
    conn: Conn, link_table: Any, owner_column: Any, owner_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The sources each owner cites, with locators, in citation order (one query)."""
    ids = list(owner_ids)
    found: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return found
    rows = conn.execute(_citations_statement(link_table, owner_column), {"owner_ids": ids}).all()
    for row in rows:
        found[row.owner_id].append(
            {
                "source": {
                    "id": row.id,
                    "title": row.title,
                    "url": row.url,
                    "kind": row.kind,
                    "published_on": row.published_on,
                    "reliability": row.reliability,
                },
                "locator": row.locator,
            }
        )
    return found
