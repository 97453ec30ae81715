"""Keep each claim's dispute status and evidence balance stored, so lists filter and sort on them.

Both are recomputed, in the writing transaction, whenever a response, an evidence
item, the accused list or a ``part_of`` relation changes.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlmodel import Session

from app.models import Claim, ClaimAccused, ClaimResponse, Evidence
from app.models.common import utcnow
from app.services import balance as balance_rules
from app.services import tallies
from app.services.dispute import dispute, is_by_accused
from app.services.statements import part_of_pairs

_DERIVED = (
    Claim.stated_on,
    Claim.dispute_status,
    Claim.first_response_on,
    Claim.response_lag_days,
    Claim.support,
    Claim.refute,
    Claim.balance,
)


def refresh_claim(session: Session, claim_id: uuid.UUID) -> bool:
    """Recompute the claim's stored dispute status and balance; True when they changed."""
    session.flush()
    tallies.note(session, claim_id)  # its status and lag are counted in the stats
    stated_on, *before = session.execute(select(*_DERIVED).where(Claim.id == claim_id)).one()
    accused = set(
        session.execute(
            select(ClaimAccused.actor_id).where(ClaimAccused.claim_id == claim_id)
        ).scalars()
    )
    answers = session.execute(
        select(ClaimResponse.responder_id, ClaimResponse.stance, ClaimResponse.stated_on).where(
            ClaimResponse.claim_id == claim_id, ClaimResponse.deleted_at.is_(None)
        )
    ).all()
    pairs = part_of_pairs(session, {a.responder_id for a in answers}, accused)
    result = dispute(
        stated_on,
        [(a.stance, a.stated_on) for a in answers if is_by_accused(a.responder_id, accused, pairs)],
    )
    items = [
        balance_rules.Item(row.id, row.bearing, row.reliability, row.credibility, row.independent)
        for row in session.execute(
            select(
                Evidence.id,
                Evidence.bearing,
                Evidence.reliability,
                Evidence.credibility,
                Evidence.independent,
            ).where(Evidence.claim_id == claim_id, Evidence.deleted_at.is_(None))
        ).all()
    ]
    weights = balance_rules.balance(items)
    after = [
        str(result.status),
        result.first_response_on,
        result.response_lag_days,
        weights.support,
        weights.refute,
        weights.balance,
    ]
    session.execute(
        update(Claim)
        .where(Claim.id == claim_id)
        .values(
            dispute_status=result.status,
            first_response_on=result.first_response_on,
            response_lag_days=result.response_lag_days,
            support=weights.support,
            refute=weights.refute,
            balance=weights.balance,
        )
        .execution_options(synchronize_session="fetch")
    )
    return before != after


def _touch(session: Session, claim_id: uuid.UUID) -> None:
    session.execute(
        update(Claim)
        .where(Claim.id == claim_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


def dossier_changed(session: Session, claim_id: uuid.UUID) -> None:
    """A response, an evidence item or the verdict of the claim changed: recompute what
    derives from them, and move the claim's updated_at so that ``updated_since`` and
    ``sort=updated_at`` see the change (its version, which guards its own fields, stays)."""
    refresh_claim(session, claim_id)
    _touch(session, claim_id)


def refresh_claims_answered_by(session: Session, actor_id: uuid.UUID) -> None:
    """After a part_of relation of ``actor_id`` changes: refresh the claims it answered, and
    move updated_at of those whose status changed, so that ``updated_since`` sees them."""
    claim_ids = set(
        session.execute(
            select(ClaimResponse.claim_id).where(ClaimResponse.responder_id == actor_id)
        ).scalars()
    )
    for claim_id in claim_ids:
        if refresh_claim(session, claim_id):
            _touch(session, claim_id)
