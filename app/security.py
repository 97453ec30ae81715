"""API keys and roles: who is calling, and what each role may do."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from app.errors import Forbidden, Unauthorized
from app.models.api_key import Role

KEY_PREFIX = "ctd_"


@dataclass(frozen=True)
class Principal:
    """The caller: an API key with a role, or an anonymous reader (``key_id`` None)."""

    key_id: uuid.UUID | None
    name: str | None
    role: Role | None

    @property
    def is_anonymous(self) -> bool:
        return self.key_id is None

    def at_least(self, role: Role) -> bool:
        return self.role is not None and self.role.rank >= role.rank

    def require(self, role: Role) -> None:
        """Raise 401 for an anonymous caller and 403 for a key whose role is too low."""
        if self.is_anonymous:
            raise Unauthorized(f"this operation needs an API key with the {role.value} role")
        if not self.at_least(role):
            raise Forbidden(
                f"this operation needs the {role.value} role; this key is a {self.role}"
            )

    def may_edit(self, created_by: uuid.UUID | None) -> bool:
        """Contributors edit what they created; editors and admins edit anything."""
        if self.at_least(Role.editor):
            return True
        return self.at_least(Role.contributor) and created_by == self.key_id


ANONYMOUS = Principal(key_id=None, name=None, role=None)


def new_key() -> tuple[str, str]:
    """A fresh key and its public prefix; the key itself is shown once and never stored."""
    prefix = secrets.token_hex(4)
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
