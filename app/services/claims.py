"""Claims: writing them (their dossier is read in app.services.dossier)."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, delete, select
from sqlmodel import Session

from app.models import (
    Claim,
    ClaimAccused,
    ClaimSource,
    ClaimTag,
    Verdict,
)
from app.models.claim import ClaimCreate, ClaimUpdate, VerdictPut
from app.models.common import utcnow
from app.security import Principal
from app.services import refs, rows
from app.services.derived import dossier_changed, refresh_claim
from app.services.reads import Conn
from app.services.sources import set_citations

TAGS_OF = (
    select(ClaimTag.claim_id, ClaimTag.tag)
    .where(ClaimTag.claim_id.in_(bindparam("claim_ids", expanding=True)))
    .order_by(ClaimTag.claim_id, ClaimTag.tag)
)


def _tags_of(conn: Conn, claim_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {claim_id: [] for claim_id in claim_ids}
    if claim_ids:
        for claim_id, tag in conn.execute(TAGS_OF, {"claim_ids": claim_ids}).all():
            found[claim_id].append(tag)
    return found


# ---- writes ------------------------------------------------------------------------------


def _resolve_actors(
    session: Session, claimant: str | None, accused: list[str] | None
) -> tuple[uuid.UUID | None, list[uuid.UUID] | None]:
    wanted: list[tuple[str, str]] = []
    if claimant is not None:
        wanted.append((claimant, "/claimant"))
    for index, ref in enumerate(accused or []):
        wanted.append((ref, f"/accused/{index}"))
    ids = refs.resolve(session, "actor", wanted)
    accused_ids = None if accused is None else list(dict.fromkeys(ids[r] for r in accused))
    return (ids[claimant] if claimant is not None else None), accused_ids


def _set_accused(session: Session, claim_id: uuid.UUID, accused: list[uuid.UUID]) -> None:
    session.execute(delete(ClaimAccused).where(ClaimAccused.claim_id == claim_id))
    for position, actor_id in enumerate(accused):
        session.add(ClaimAccused(claim_id=claim_id, actor_id=actor_id, position=position))


def _set_tags(session: Session, claim_id: uuid.UUID, tags: list[str]) -> None:
    session.execute(delete(ClaimTag).where(ClaimTag.claim_id == claim_id))
    for tag in dict.fromkeys(tags):
        session.add(ClaimTag(claim_id=claim_id, tag=tag))


def create_claim(session: Session, body: ClaimCreate, principal: Principal) -> Claim:
    claimant_id, accused_ids = _resolve_actors(session, body.claimant, body.accused)
    event_id = refs.resolve_one(session, "event", body.event, "/event") if body.event else None
    claim = Claim(
        **body.model_dump(exclude={"claimant", "accused", "event", "tags", "sources"}),
        claimant_id=claimant_id,
        event_id=event_id,
        created_by=principal.key_id,
    )
    session.add(claim)
    session.flush()
    _set_accused(session, claim.id, accused_ids or [])
    _set_tags(session, claim.id, body.tags)
    set_citations(session, ClaimSource, "claim_id", claim.id, body.sources, principal)
    session.add(Verdict(claim_id=claim.id, created_by=principal.key_id))
    refresh_claim(session, claim.id)
    return claim


def update_claim(
    session: Session,
    claim_id: uuid.UUID,
    body: ClaimUpdate,
    principal: Principal,
    expected: int | None,
) -> Claim:
    claim = rows.find_for_write(session, Claim, claim_id, "claim", principal, expected)
    fields = body.model_fields_set
    claimant_id, accused_ids = _resolve_actors(
        session, body.claimant if "claimant" in fields else None, body.accused
    )
    changes = body.model_dump(
        exclude_unset=True, exclude={"claimant", "accused", "event", "tags", "sources"}
    )
    if claimant_id is not None:
        changes["claimant_id"] = claimant_id
    if "event" in fields:
        changes["event_id"] = (
            refs.resolve_one(session, "event", body.event, "/event") if body.event else None
        )
    changed = rows.apply(claim, changes)
    if accused_ids is not None:
        current = list(
            session.execute(
                select(ClaimAccused.actor_id)
                .where(ClaimAccused.claim_id == claim.id)
                .order_by(ClaimAccused.position)
            ).scalars()
        )
        if current != accused_ids:
            _set_accused(session, claim.id, accused_ids)
            changed = True
    if body.tags is not None and _tags_of(session, [claim.id])[claim.id] != sorted(set(body.tags)):
        _set_tags(session, claim.id, body.tags)
        changed = True
    if body.sources is not None and set_citations(
        session, ClaimSource, "claim_id", claim.id, body.sources, principal
    ):
        changed = True
    if changed:
        rows.bump(claim)
        refresh_claim(session, claim.id)
    session.flush()
    return claim


def delete_claim(
    session: Session, claim_id: uuid.UUID, principal: Principal, expected: int | None
) -> None:
    claim = rows.find_for_write(session, Claim, claim_id, "claim", principal, expected)
    rows.soft_delete(session, claim)


def set_verdict(
    session: Session,
    claim_id: uuid.UUID,
    body: VerdictPut,
    principal: Principal,
    expected: int | None,
) -> Verdict:
    """Set the editorial verdict; If-Match carries the verdict's own version."""
    rows.find(session, Claim, claim_id, "claim")
    verdict = session.execute(
        select(Verdict).where(Verdict.claim_id == claim_id).with_for_update()
    ).scalar_one()
    rows.check_version(verdict, expected)
    if rows.apply(verdict, {"rating": body.rating.value, "rationale": body.rationale}):
        verdict.reviewed_by = principal.name
        verdict.reviewed_at = utcnow()
        rows.bump(verdict)
        dossier_changed(session, claim_id)
    session.flush()
    return verdict
