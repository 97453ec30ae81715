"""Evidence items on claims, each weighted by its Admiralty grades."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from app.models import Claim, Evidence, EvidenceSource
from app.models.evidence import EvidenceCreate, EvidenceUpdate
from app.security import Principal
from app.services import refs, rows
from app.services.derived import dossier_changed
from app.services.pagination import SortKey, decode_cursor, fingerprint, keyset, split_page
from app.services.reads import Conn, fetch_one, live_claim
from app.services.sources import set_citations
from app.services.statements import evidence_dicts, select_evidence

CREATED = SortKey("created", None, descending=False)


def get_evidence(conn: Conn, evidence_id: uuid.UUID) -> dict[str, Any]:
    row = fetch_one(conn, select_evidence(), Evidence, str(evidence_id), "evidence item")
    live_claim(conn, row.claim_id)
    return evidence_dicts(conn, [row])[0]


def list_evidence(
    conn: Conn, claim_id: uuid.UUID, bearing: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    live_claim(conn, claim_id)
    fp = fingerprint({"claim": str(claim_id), "bearing": bearing})
    after = decode_cursor(cursor, CREATED, fp) if cursor else None
    stmt = select_evidence().where(Evidence.claim_id == claim_id, Evidence.deleted_at.is_(None))
    if bearing:
        stmt = stmt.where(Evidence.bearing == bearing)
    found = conn.execute(keyset(stmt, CREATED, Evidence.id, after, limit)).all()
    page, next_cursor = split_page(found, limit, CREATED, lambda r: r.id, fp)
    return evidence_dicts(conn, page), next_cursor


def create_evidence(
    session: Session, claim_id: uuid.UUID, body: EvidenceCreate, principal: Principal
) -> Evidence:
    rows.find(session, Claim, claim_id, "claim")  # locks the claim: derived columns stay exact
    producer_id = (
        refs.resolve_one(session, "actor", body.produced_by, "/produced_by")
        if body.produced_by
        else None
    )
    item = Evidence(
        **body.model_dump(exclude={"produced_by", "sources"}),
        claim_id=claim_id,
        produced_by_id=producer_id,
        created_by=principal.key_id,
    )
    session.add(item)
    session.flush()
    set_citations(session, EvidenceSource, "evidence_id", item.id, body.sources, principal)
    dossier_changed(session, claim_id)
    return item


def update_evidence(
    session: Session,
    evidence_id: uuid.UUID,
    body: EvidenceUpdate,
    principal: Principal,
    expected: int | None,
) -> Evidence:
    item = rows.find_for_write(session, Evidence, evidence_id, "evidence item", principal, expected)
    rows.find(session, Claim, item.claim_id, "claim")
    changes = body.model_dump(exclude_unset=True, exclude={"produced_by", "sources"})
    if "produced_by" in body.model_fields_set:
        changes["produced_by_id"] = (
            refs.resolve_one(session, "actor", body.produced_by, "/produced_by")
            if body.produced_by
            else None
        )
    changed = rows.apply(item, changes)
    if body.sources is not None and set_citations(
        session, EvidenceSource, "evidence_id", item.id, body.sources, principal
    ):
        changed = True
    if changed:
        rows.bump(item)
        dossier_changed(session, item.claim_id)
    session.flush()
    return item


def delete_evidence(
    session: Session, evidence_id: uuid.UUID, principal: Principal, expected: int | None
) -> None:
    item = rows.find_for_write(session, Evidence, evidence_id, "evidence item", principal, expected)
    rows.soft_delete(session, item)
    dossier_changed(session, item.claim_id)
