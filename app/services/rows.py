"""What every write does to a row: find it, check ownership and version, bump, soft-delete."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session

from app.errors import Forbidden, Gone, NotFound, PreconditionFailed
from app.models.common import Row, utcnow
from app.security import Principal
from app.services.refs import as_uuid

RowT = TypeVar("RowT", bound=Row)


def find(session: Session, model: type[RowT], ref: str | uuid.UUID, noun: str) -> RowT:
    """The row named by id (or slug, for tables that have one), locked for update; 404/410."""
    row = find_any(session, model, ref, noun)
    if row.deleted_at is not None:
        raise Gone(f"{noun} '{ref}' was deleted")
    return row


def find_any(session: Session, model: type[RowT], ref: str | uuid.UUID, noun: str) -> RowT:
    """Like ``find``, but a soft-deleted row is found too (to restore it); 404."""
    as_id = ref if isinstance(ref, uuid.UUID) else as_uuid(ref)
    if as_id is not None:
        condition = model.id == as_id  # type: ignore[arg-type]
    elif hasattr(model, "slug"):
        condition = model.slug == ref  # type: ignore[attr-defined]
    else:
        raise NotFound(f"no {noun} '{ref}'")
    row = session.execute(select(model).where(condition).with_for_update()).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no {noun} '{ref}'")
    return row


def authorize(row: Row, principal: Principal, noun: str) -> None:
    if not principal.may_edit(row.created_by):
        raise Forbidden(f"contributors may change only the {noun}s they created")


# The expected version of an If-Match that can match no version (weak or malformed):
# versions start at 1, so ``check_version`` refuses it, once the row is known to exist.
NO_VERSION = 0


def check_version(row: Row, expected: int | None) -> None:
    """Refuse the write when the client's If-Match names an older version (412)."""
    if expected == NO_VERSION:
        raise PreconditionFailed(
            'If-Match must be the strong ETag of the current version, as in "3"; weak or '
            "malformed tags never match"
        )
    if expected is not None and expected != row.version:
        raise PreconditionFailed(
            f"the {type(row).__name__.lower()} is at version {row.version}, "
            f"not {expected}; read it again and retry"
        )


def find_for_write(
    session: Session,
    model: type[RowT],
    ref: str | uuid.UUID,
    noun: str,
    principal: Principal,
    expected_version: int | None,
) -> RowT:
    row = find(session, model, ref, noun)
    authorize(row, principal, noun)
    check_version(row, expected_version)
    return row


def bump(row: Row) -> None:
    """Record a change: next version, new updated_at."""
    row.version += 1
    row.updated_at = utcnow()


def apply(row: Any, changes: dict[str, Any]) -> bool:
    """Set the changed attributes; True if anything differed."""
    changed = False
    for name, value in changes.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def soft_delete(session: Session, row: Row) -> None:
    row.deleted_at = utcnow()
    bump(row)
    session.add(row)
    session.flush()


def undelete(session: Session, row: Row) -> None:
    """Bring a soft-deleted row back (a new version, like any change)."""
    row.deleted_at = None
    bump(row)
    session.add(row)
    session.flush()
