"""Responses and evidence with everything shown beside them, in a fixed number of queries."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from app.models import (
    Actor,
    ActorRelation,
    ClaimAccused,
    ClaimResponse,
    Evidence,
    EvidenceSource,
    ResponseSource,
)
from app.services import balance as balance_rules
from app.services.dispute import is_by_accused
from app.services.reads import Conn, actor_columns, actor_ref, citations_of

_responder = aliased(Actor)
_producer = aliased(Actor)

RESPONSE_COLUMNS = (
    ClaimResponse.id,
    ClaimResponse.claim_id,
    ClaimResponse.stance,
    ClaimResponse.stated_on,
    ClaimResponse.stated_on_precision,
    ClaimResponse.sort_date,
    ClaimResponse.quote,
    ClaimResponse.quote_language,
    ClaimResponse.translation,
    ClaimResponse.in_reply_to_id.label("in_reply_to"),
    ClaimResponse.version,
    ClaimResponse.created_at,
    ClaimResponse.updated_at,
    ClaimResponse.deleted_at,
    *actor_columns(_responder, "responder"),
)
EVIDENCE_COLUMNS = (
    Evidence.id,
    Evidence.claim_id,
    Evidence.summary,
    Evidence.kind,
    Evidence.bearing,
    Evidence.independent,
    Evidence.reliability,
    Evidence.credibility,
    Evidence.dated_on,
    Evidence.dated_on_precision,
    Evidence.note,
    Evidence.version,
    Evidence.created_at,
    Evidence.updated_at,
    Evidence.deleted_at,
    *actor_columns(_producer, "produced_by"),
)


def select_responses() -> Any:
    return select(*RESPONSE_COLUMNS).join(_responder, _responder.id == ClaimResponse.responder_id)


def select_evidence() -> Any:
    return select(*EVIDENCE_COLUMNS).outerjoin(_producer, _producer.id == Evidence.produced_by_id)


# Built once: executing the same statement object again skips SQLAlchemy's statement
# building and result adaptation, most of the cost of these small queries.
ACCUSED_OF = (
    select(ClaimAccused.claim_id, Actor.id, Actor.slug, Actor.name)
    .join(Actor, Actor.id == ClaimAccused.actor_id)
    .where(ClaimAccused.claim_id.in_(bindparam("claim_ids", expanding=True)))
    .order_by(ClaimAccused.claim_id, ClaimAccused.position)
)
PART_OF = select(ActorRelation.subject_id, ActorRelation.object_id).where(
    ActorRelation.predicate == "part_of",
    ActorRelation.deleted_at.is_(None),
    ActorRelation.subject_id.in_(bindparam("subjects", expanding=True)),
    ActorRelation.object_id.in_(bindparam("objects", expanding=True)),
)


def accused_of(conn: Conn, claim_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Accused actors of each claim, in the order given (one query)."""
    found: dict[uuid.UUID, list[dict[str, Any]]] = {claim_id: [] for claim_id in claim_ids}
    if not claim_ids:
        return found
    for row in conn.execute(ACCUSED_OF, {"claim_ids": claim_ids}).all():
        found[row.claim_id].append({"id": row.id, "slug": row.slug, "name": row.name})
    return found


def part_of_pairs(
    conn: Conn, subjects: set[uuid.UUID], objects: set[uuid.UUID]
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """Live (subject, object) ``part_of`` relations among the given actors (one query)."""
    if not subjects or not objects:
        return set()
    rows = conn.execute(PART_OF, {"subjects": list(subjects), "objects": list(objects)}).all()
    return {(row.subject_id, row.object_id) for row in rows}


def response_dicts(
    conn: Conn, found: list[Any], accused_by_claim: dict[uuid.UUID, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Public responses with ``by_accused`` and their sources (two more queries)."""
    accused_ids = {a["id"] for accused in accused_by_claim.values() for a in accused}
    pairs = part_of_pairs(conn, {r.responder__id for r in found}, accused_ids)
    sources = citations_of(conn, ResponseSource, ResponseSource.response_id, [r.id for r in found])
    result = []
    for row in found:
        accused = {a["id"] for a in accused_by_claim.get(row.claim_id, [])}
        data = dict(row._mapping)
        data["responder"] = actor_ref(row, "responder")
        data["by_accused"] = is_by_accused(row.responder__id, accused, pairs)
        data["sources"] = sources.get(row.id, [])
        result.append(data)
    return result


def evidence_dicts(conn: Conn, found: list[Any]) -> list[dict[str, Any]]:
    """Public evidence items with their weight and sources (one more query)."""
    sources = citations_of(conn, EvidenceSource, EvidenceSource.evidence_id, [r.id for r in found])
    result = []
    for row in found:
        data = dict(row._mapping)
        data["produced_by"] = actor_ref(row, "produced_by")
        data["weight"] = balance_rules.weight(row.reliability, row.credibility, row.independent)
        data["sources"] = sources.get(row.id, [])
        result.append(data)
    return result
