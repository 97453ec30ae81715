"""Restoring soft-deleted rows: what an editor deleted by mistake comes back.

A restored row is a new version like any change (so it gets a ``restore``
revision); it is back in lists, in search (the search hook reindexes it) and in
the views, and a claim's stored dispute status and evidence balance are
recomputed when one of its responses or evidence items comes back.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.errors import Conflict
from app.models import ActorRelation, Claim
from app.models.common import Row
from app.services import rows
from app.services.derived import dossier_changed, refresh_claim, refresh_claims_answered_by
from app.services.history import ENTITIES

NOUNS = {
    "claim": "claim",
    "response": "response",
    "evidence": "evidence item",
    "actor": "actor",
    "event": "event",
    "source": "source",
    "relation": "relation",
}


def restore(session: Session, kind: str, ref: str | uuid.UUID, expected: int | None) -> Row:
    """Undelete the ``kind`` row named by ``ref``: 404 if there is none, 412 if If-Match
    names another version, 409 if it is not deleted (or its claim is)."""
    noun = NOUNS[kind]
    row = rows.find_any(session, ENTITIES[kind], ref, noun)
    rows.check_version(row, expected)
    if row.deleted_at is None:
        raise Conflict(f"{noun} '{ref}' is not deleted; there is nothing to restore")
    claim_id: uuid.UUID | None = getattr(row, "claim_id", None)
    if kind in ("response", "evidence") and claim_id is not None:
        # Locks the claim too, so that its derived columns stay exact.
        claim = rows.find_any(session, Claim, claim_id, "claim")
        if claim.deleted_at is not None:
            raise Conflict(f"the claim '{claim_id}' of this {noun} is deleted; restore it first")
    rows.undelete(session, row)
    if kind == "claim":
        refresh_claim(session, row.id)
    elif claim_id is not None:
        dossier_changed(session, claim_id)
    elif isinstance(row, ActorRelation) and row.predicate == "part_of":
        refresh_claims_answered_by(session, row.subject_id)
    session.flush()
    return row
