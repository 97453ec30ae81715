"""Claims: writing them, reading one as a dossier, and the filtered list."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.errors import Gone, NotFound
from app.models import (
    Actor,
    Claim,
    ClaimAccused,
    ClaimResponse,
    ClaimSource,
    ClaimTag,
    Event,
    Evidence,
    Verdict,
)
from app.models.claim import ClaimCreate, ClaimUpdate, VerdictPut
from app.models.common import utcnow
from app.security import Principal
from app.services import balance as balance_rules
from app.services import refs, rows
from app.services.derived import dossier_changed, refresh_claim
from app.services.dispute import dispute
from app.services.reads import Conn, actor_columns, actor_ref, citations_of
from app.services.sources import set_citations
from app.services.statements import (
    accused_of,
    evidence_dicts,
    response_dicts,
    select_evidence,
    select_responses,
)

_claimant = aliased(Actor)

SUMMARY_COLUMNS = (
    Claim.id,
    Claim.version,
    Claim.proposition,
    Claim.stated_on,
    Claim.stated_on_precision,
    Claim.sort_date,
    Claim.dispute_status,
    Claim.balance,
    Claim.created_at,
    Claim.updated_at,
    Claim.deleted_at,
    Verdict.rating.label("verdict"),
    Event.id.label("event_ref_id"),
    Event.slug.label("event_slug"),
    Event.title.label("event_title"),
    *actor_columns(_claimant, "claimant"),
)
DOSSIER_COLUMNS = (
    *SUMMARY_COLUMNS,
    Claim.quote,
    Claim.quote_language,
    Claim.translation,
    Verdict.rationale.label("verdict_rationale"),
    Verdict.reviewed_by.label("verdict_reviewed_by"),
    Verdict.reviewed_at.label("verdict_reviewed_at"),
    Verdict.version.label("verdict_version"),
)


def _select(columns: tuple[Any, ...]) -> Any:
    return (
        select(*columns)
        .join(_claimant, _claimant.id == Claim.claimant_id)
        .join(Verdict, Verdict.claim_id == Claim.id)
        .outerjoin(Event, Event.id == Claim.event_id)
    )


def _event(row: Any) -> dict[str, Any] | None:
    if row.event_ref_id is None:
        return None
    return {"id": row.event_ref_id, "slug": row.event_slug, "title": row.event_title}


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


def _summaries(conn: Conn, found: list[Any]) -> list[dict[str, Any]]:
    ids = [row.id for row in found]
    accused = accused_of(conn, ids)
    tags = _tags_of(conn, ids)
    return [
        {
            "id": row.id,
            "version": row.version,
            "proposition": row.proposition,
            "claimant": actor_ref(row, "claimant"),
            "accused": accused[row.id],
            "event": _event(row),
            "stated_on": row.stated_on,
            "stated_on_precision": row.stated_on_precision,
            "tags": tags[row.id],
            "verdict": row.verdict,
            "dispute_status": row.dispute_status,
            "balance": row.balance,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
        for row in found
    ]


# ---- the dossier -------------------------------------------------------------------------


def _threaded(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Responses in thread order: each root by date, followed depth-first by its replies."""
    by_id = {r["id"]: r for r in responses}
    children: dict[Any, list[dict[str, Any]]] = {}
    for r in responses:
        parent = r["in_reply_to"] if r["in_reply_to"] in by_id else None
        children.setdefault(parent, []).append(r)
    ordered: list[dict[str, Any]] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        current = stack.pop()
        ordered.append(current)
        stack.extend(reversed(children.get(current["id"], [])))
    return ordered


# The dossier's statements, built once with the claim id as a parameter: executing the
# same statement objects again skips SQLAlchemy's statement building and result
# adaptation, which cost more than the queries themselves (docs/benchmarks.md).
DOSSIER = _select(DOSSIER_COLUMNS).where(Claim.id == bindparam("claim_id"))
DOSSIER_RESPONSES = (
    select_responses()
    .where(ClaimResponse.claim_id == bindparam("claim_id"), ClaimResponse.deleted_at.is_(None))
    .order_by(ClaimResponse.sort_date, ClaimResponse.id)
)
DOSSIER_EVIDENCE = (
    select_evidence()
    .where(Evidence.claim_id == bindparam("claim_id"), Evidence.deleted_at.is_(None))
    .order_by(Evidence.id)
)


def get_dossier(conn: Conn, claim_id: uuid.UUID) -> dict[str, Any]:
    """The claim with both sides, in nine queries whatever it holds."""
    row = conn.execute(DOSSIER, {"claim_id": claim_id}).first()
    if row is None:
        raise NotFound(f"no claim '{claim_id}'")
    if row.deleted_at is not None:
        raise Gone(f"claim '{claim_id}' was deleted")
    summary = _summaries(conn, [row])[0]
    accused = {claim_id: summary["accused"]}
    responses = response_dicts(
        conn, conn.execute(DOSSIER_RESPONSES, {"claim_id": claim_id}).all(), accused
    )
    evidence = evidence_dicts(conn, conn.execute(DOSSIER_EVIDENCE, {"claim_id": claim_id}).all())
    disputed = dispute(
        row.stated_on, [(r["stance"], r["stated_on"]) for r in responses if r["by_accused"]]
    )
    weights = balance_rules.balance(
        balance_rules.Item(
            e["id"], e["bearing"], e["reliability"], e["credibility"], e["independent"]
        )
        for e in evidence
    )
    return {
        **summary,
        "quote": row.quote,
        "quote_language": row.quote_language,
        "translation": row.translation,
        "sources": citations_of(conn, ClaimSource, ClaimSource.claim_id, [claim_id])[claim_id],
        "responses": _threaded(responses),
        "evidence": {
            bearing: [e for e in evidence if e["bearing"] == bearing]
            for bearing in ("supports", "refutes", "context")
        },
        "verdict": {
            "rating": row.verdict,
            "rationale": row.verdict_rationale,
            "reviewed_by": row.verdict_reviewed_by,
            "reviewed_at": row.verdict_reviewed_at,
            "version": row.verdict_version,
        },
        "dispute": {
            "status": disputed.status,
            "first_response_on": disputed.first_response_on,
            "response_lag_days": disputed.response_lag_days,
        },
        "balance": {
            "support": weights.support,
            "refute": weights.refute,
            "balance": weights.balance,
            "contributions": weights.contributions,
        },
    }


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
