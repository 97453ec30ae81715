"""The dossier of one claim, in four prepared statements whatever it holds.

1. the claim with its claimant, event and verdict, its accused and tags as JSON;
2. its live responses with their responders, and whether each is by the accused
   (the responder is accused, or is ``part_of`` an accused actor);
3. its live evidence with the actors that produced it;
4. the sources cited by the claim, its responses and its evidence, in one UNION.

The body is built JSON-ready in the order of ``ClaimDossier``'s fields; the dispute
status and the balance are computed here from the rows, by the same pure functions
the stored columns come from.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    exists,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from app.errors import Gone, NotFound
from app.models import (
    Actor,
    ActorRelation,
    Claim,
    ClaimAccused,
    ClaimResponse,
    ClaimSource,
    Event,
    Evidence,
    EvidenceSource,
    ResponseSource,
    Source,
    Verdict,
)
from app.services import balance as balance_rules
from app.services.claim_list import accused_and_tags, accused_refs, event_ref
from app.services.dispute import dispute
from app.services.prepared import Conn, Plain, Prepared, plain_of
from app.services.statements import select_evidence, select_responses

_claimant = aliased(Actor)
_CLAIM_ID = bindparam("claim_id", type_=Claim.id.type)

_CLAIM_COLUMNS: tuple[Any, ...] = (
    Claim.id,
    Claim.version,
    Claim.proposition,
    Claim.stated_on,
    Claim.stated_on_precision,
    Claim.quote,
    Claim.quote_language,
    Claim.translation,
    Claim.created_at,
    Claim.updated_at,
    Claim.deleted_at,
    _claimant.id,
    _claimant.slug,
    _claimant.name,
    Event.id,
    Event.slug,
    Event.title,
    Verdict.rating,
    Verdict.rationale,
    Verdict.reviewed_by,
    Verdict.reviewed_at,
    Verdict.version,
)
CLAIM = Prepared(
    lambda dialect: (
        select(*_CLAIM_COLUMNS, accused_and_tags(dialect))
        .join(_claimant, _claimant.id == Claim.claimant_id)
        .join(Verdict, Verdict.claim_id == Claim.id)
        .outerjoin(Event, Event.id == Claim.event_id)
        .where(Claim.id == _CLAIM_ID)
    )
)

# The claim's own accused, by its id: correlated to the response instead, two levels
# down, SQLAlchemy would read claim_accused whole for every response.
_accused_of_claim = select(ClaimAccused.actor_id).where(ClaimAccused.claim_id == _CLAIM_ID)
# Only direct membership counts: a department of a ministry does not speak for the state.
_speaks_for_accused = exists().where(
    ActorRelation.subject_id == ClaimResponse.responder_id,
    ActorRelation.predicate == "part_of",
    ActorRelation.deleted_at.is_(None),
    ActorRelation.object_id.in_(_accused_of_claim),
)
RESPONSES = Prepared(
    select_responses()
    .add_columns(
        case(
            (or_(ClaimResponse.responder_id.in_(_accused_of_claim), _speaks_for_accused), 1),
            else_=0,
        )
    )
    .where(ClaimResponse.claim_id == _CLAIM_ID, ClaimResponse.deleted_at.is_(None))
    .order_by(ClaimResponse.sort_date, ClaimResponse.id)
)
EVIDENCE = Prepared(
    select_evidence()
    .where(Evidence.claim_id == _CLAIM_ID, Evidence.deleted_at.is_(None))
    .order_by(Evidence.id)
)


def _cited(kind: str, link: Any, owner: Any, owners: Any) -> Any:
    return (
        select(
            literal(kind, String).label("kind"),
            owner.label("owner_id"),
            link.position.label("position"),
            link.locator,
            Source.id,
            Source.title,
            Source.url,
            Source.kind.label("source_kind"),
            Source.published_on,
            Source.reliability,
        )
        .join(Source, Source.id == link.source_id)
        .where(owners)
    )


_citations = union_all(
    _cited("claim", ClaimSource, ClaimSource.claim_id, ClaimSource.claim_id == _CLAIM_ID),
    _cited(
        "response",
        ResponseSource,
        ResponseSource.response_id,
        ResponseSource.response_id.in_(
            select(ClaimResponse.id).where(
                ClaimResponse.claim_id == _CLAIM_ID, ClaimResponse.deleted_at.is_(None)
            )
        ),
    ),
    _cited(
        "evidence",
        EvidenceSource,
        EvidenceSource.evidence_id,
        EvidenceSource.evidence_id.in_(
            select(Evidence.id).where(
                and_(Evidence.claim_id == _CLAIM_ID, Evidence.deleted_at.is_(None))
            )
        ),
    ),
).subquery("cited")
CITATIONS = Prepared(
    select(_citations).order_by(_citations.c.kind, _citations.c.owner_id, _citations.c.position)
)


def _day(value: Any) -> date | None:
    """A date column as ``date`` (SQLite hands back ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _actor(plain: Plain, actor_id: Any, slug: str | None, name: str | None) -> Any:
    return None if actor_id is None else {"id": plain.uuid(actor_id), "slug": slug, "name": name}


def _citations_by_owner(conn: Conn, claim_id: uuid.UUID, plain: Plain) -> dict[Any, list[Any]]:
    found: dict[Any, list[Any]] = {}
    for _kind, owner, _position, locator, *source in CITATIONS.rows(conn, {"claim_id": claim_id}):
        source_id, title, url, kind, published_on, reliability = source
        found.setdefault(owner, []).append(
            {
                "source": {
                    "id": plain.uuid(source_id),
                    "title": title,
                    "url": url,
                    "kind": kind,
                    "published_on": published_on,
                    "reliability": reliability,
                },
                "locator": locator,
            }
        )
    return found


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


def get_dossier(conn: Conn, claim_id: uuid.UUID) -> dict[str, Any]:
    """The claim with both sides, JSON-ready; 404 if unknown, 410 if deleted."""
    found = CLAIM.rows(conn, {"claim_id": claim_id})
    if not found:
        raise NotFound(f"no claim '{claim_id}'")
    (_id, version, proposition, stated_on, precision, quote, quote_language, translation,
     created_at, updated_at, deleted_at, claimant_id, claimant_slug, claimant_name, event_id,
     event_slug, event_title, rating, rationale, reviewed_by, reviewed_at, verdict_version,
     links) = found[0]  # fmt: skip
    if deleted_at is not None:
        raise Gone(f"claim '{claim_id}' was deleted")
    plain = plain_of(conn)
    uuid_, instant = plain.uuid, plain.instant
    accused, tags = json.loads(links) if isinstance(links, str) else links
    sources = _citations_by_owner(conn, claim_id, plain)
    responses = []
    answers = []
    for row in RESPONSES.rows(conn, {"claim_id": claim_id}):
        (r_id, r_claim, stance, on, r_precision, _sort_date, r_quote, r_language,
         r_translation, in_reply_to, r_version, r_created, r_updated, _deleted_at, who_id,
         who_slug, who_name, by_accused) = row  # fmt: skip
        if by_accused:
            answers.append((stance, _day(on)))
        responses.append(
            {
                "id": uuid_(r_id),
                "claim_id": uuid_(r_claim),
                "responder": _actor(plain, who_id, who_slug, who_name),
                "stance": stance,
                "stated_on": on,
                "stated_on_precision": r_precision,
                "quote": r_quote,
                "quote_language": r_language,
                "translation": r_translation,
                "in_reply_to": uuid_(in_reply_to),
                "by_accused": bool(by_accused),
                "sources": sources.get(r_id, []),
                "version": r_version,
                "created_at": instant(r_created),
                "updated_at": instant(r_updated),
            }
        )
    evidence: dict[str, list[Any]] = {"supports": [], "refutes": [], "context": []}
    graded = []
    for row in EVIDENCE.rows(conn, {"claim_id": claim_id}):
        (e_id, e_claim, summary, kind, bearing, independent, reliability, credibility,
         dated_on, dated_precision, note, e_version, e_created, e_updated, _deleted_at,
         by_id, by_slug, by_name) = row  # fmt: skip
        graded.append(
            balance_rules.Item(uuid_(e_id), bearing, reliability, credibility, independent)
        )
        evidence[bearing].append(
            {
                "id": uuid_(e_id),
                "claim_id": uuid_(e_claim),
                "summary": summary,
                "kind": kind,
                "bearing": bearing,
                "produced_by": _actor(plain, by_id, by_slug, by_name),
                "independent": plain.flag(independent),
                "reliability": reliability,
                "credibility": credibility,
                "weight": balance_rules.weight(reliability, credibility, independent),
                "dated_on": dated_on,
                "dated_on_precision": dated_precision,
                "note": note,
                "sources": sources.get(e_id, []),
                "version": e_version,
                "created_at": instant(e_created),
                "updated_at": instant(e_updated),
            }
        )
    disputed = dispute(_day(stated_on), answers)
    weights = balance_rules.balance(graded)
    return {
        "id": uuid_(_id),
        "version": version,
        "proposition": proposition,
        "claimant": _actor(plain, claimant_id, claimant_slug, claimant_name),
        "accused": accused_refs(accused, uuid_),
        "event": event_ref(event_id, event_slug, event_title, uuid_),
        "stated_on": stated_on,
        "stated_on_precision": precision,
        "quote": quote,
        "quote_language": quote_language,
        "translation": translation,
        "tags": tags,
        "sources": sources.get(_id, []),
        "responses": _threaded(responses),
        "evidence": evidence,
        "verdict": {
            "rating": rating,
            "rationale": rationale,
            "reviewed_by": reviewed_by,
            "reviewed_at": instant(reviewed_at),
            "version": verdict_version,
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
        "created_at": instant(created_at),
        "updated_at": instant(updated_at),
    }
