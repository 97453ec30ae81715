"""Creating, listing, revoking and checking API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlmodel import Session

from app.errors import NotFound, Unauthorized
from app.models.api_key import ApiKey, Role
from app.models.common import utcnow
from app.security import Principal, hash_key, new_key


@dataclass(frozen=True)
class IssuedKey:
    id: str
    name: str
    role: Role
    prefix: str
    key: str


def create_key(session: Session, name: str, role: Role) -> IssuedKey:
    key, prefix = new_key()
    row = ApiKey(name=name, role=role.value, prefix=prefix, key_hash=hash_key(key))
    session.add(row)
    session.flush()
    return IssuedKey(id=str(row.id), name=name, role=role, prefix=prefix, key=key)


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.execute(select(ApiKey).order_by(ApiKey.created_at)).scalars())


def revoke_key(session: Session, prefix: str) -> ApiKey:
    """Revoke the one live key whose prefix is ``prefix``."""
    rows = list(
        session.execute(
            select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        ).scalars()
    )
    if not rows:
        raise NotFound(f"no live key with prefix '{prefix}'")
    now: datetime = utcnow()
    session.execute(update(ApiKey).where(ApiKey.id == rows[0].id).values(revoked_at=now))
    rows[0].revoked_at = now
    return rows[0]


def authenticate(conn: Connection, authorization: str) -> Principal:
    """The principal of an ``Authorization: Bearer <key>`` header, or 401."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise Unauthorized("use 'Authorization: Bearer <api key>'")
    row = conn.execute(
        select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.revoked_at).where(
            ApiKey.key_hash == hash_key(token)
        )
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key")
    return Principal(key_id=row.id, name=row.name, role=Role(row.role))
