"""Load the seed cases from YAML, idempotently: a second run changes nothing.

Rows get deterministic ids (UUIDv5 of their seed key), actors and events are
matched by slug, and a row is written only when a field differs, so versions
and timestamps stay put when nothing changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlmodel import Session

from app.models import (
    Actor,
    ActorAlias,
    ActorRelation,
    Claim,
    ClaimAccused,
    ClaimResponse,
    ClaimSource,
    ClaimTag,
    Event,
    Evidence,
    EvidenceSource,
    RelationSource,
    ResponseSource,
    Source,
    Verdict,
)
from app.models.actor import ActorCreate, Predicate
from app.models.claim import Rating
from app.models.claim_response import Stance
from app.models.common import Precision, Reliability, utcnow
from app.models.event import EventCreate
from app.models.evidence import Bearing, EvidenceKind
from app.models.source import SourceKind
from app.services import rows
from app.services.derived import refresh_claim
from app.services.urls import normalize_url

SEED_NAMESPACE = uuid.UUID("6f1c3a52-5b0e-4a8e-9d7e-2b8f0c1d4e5a")
SEED_REVIEWER = "seed data"


_OWNERS: dict[Any, Any] = {
    ActorAlias: Actor,
    RelationSource: ActorRelation,
    ClaimAccused: Claim,
    ClaimTag: Claim,
    ClaimSource: Claim,
    ResponseSource: ClaimResponse,
    EvidenceSource: Evidence,
}


class SeedError(ValueError):
    """A seed file that does not match the documented format."""


def seed_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, f"{kind}:{key}")


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _load(folder: Path, name: str) -> list[dict[str, Any]]:
    path = folder / f"{name}.yaml"
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise SeedError(f"{path}: expected a list of entries")
    return data


def _enum(enum: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value).value
    except ValueError:
        raise SeedError(f"{where}: {value!r} is not one of {[m.value for m in enum]}") from None


class _Seeder:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.report = SeedReport()
        self.actors: dict[str, uuid.UUID] = {}
        self.events: dict[str, uuid.UUID] = {}
        self.sources: dict[str, uuid.UUID] = {}
        # Rows created or given a new version in this run (see replace_set).
        self.fresh: set[uuid.UUID] = set()

    # -- helpers ---------------------------------------------------------------------

    def upsert(self, model: Any, row_id: uuid.UUID, values: dict[str, Any], kind: str) -> Any:
        row = self.session.get(model, row_id)
        if row is None:
            row = model(id=row_id, **values)
            self.session.add(row)
            self.session.flush()
            self.report.count(kind, created=True)
            self.fresh.add(row_id)
        elif rows.apply(row, values):
            rows.bump(row)
            self.session.flush()
            self.report.count(kind, created=False)
            self.fresh.add(row_id)
        return row

    def replace_set(
        self, model: Any, owner: dict[str, Any], wanted: list[dict[str, Any]], kind: str
    ) -> None:
        """Make the link rows of one owner exactly ``wanted`` (compared as a whole)."""
        ((owner_column, owner_id),) = owner.items()
        current = (
            self.session.execute(select(model).where(getattr(model, owner_column) == owner_id))
            .scalars()
            .all()
        )
        # The columns the seed names: a link's other columns (claim_accused's copies of
        # its claim's) are the database's to fill.
        columns = [owner_column, *sorted({name for w in wanted for name in w})]
        have = sorted(tuple(str(getattr(r, c)) for c in columns) for r in current)
        want = sorted(tuple(str({**owner, **w}.get(c)) for c in columns) for w in wanted)
        if have == want:
            return
        for row in current:
            self.session.delete(row)
        self.session.flush()
        for values in wanted:
            self.session.add(model(**owner, **values))
        self.session.flush()
        self.report.count(kind, created=not current)
        # The links are part of their owner: changing them is a new version of it, and
        # so a revision (at most one version per owner and run).
        if owner_id not in self.fresh:
            owner_row = self.session.get(_OWNERS[model], owner_id)
            if owner_row is not None:
                rows.bump(owner_row)
                self.session.flush()
                self.fresh.add(owner_id)

    def actor(self, slug: str, where: str) -> uuid.UUID:
        if slug not in self.actors:
            raise SeedError(f"{where}: unknown actor {slug!r}")
        return self.actors[slug]

    def citations(self, entries: list[dict[str, Any]] | None, where: str) -> list[dict[str, Any]]:
        result = []
        for position, entry in enumerate(entries or []):
            key = entry["source"]
            if key not in self.sources:
                raise SeedError(f"{where}: unknown source {key!r}")
            result.append(
                {
                    "source_id": self.sources[key],
                    "locator": entry.get("locator"),
                    "position": position,
                }
            )
        return result

    # -- entities --------------------------------------------------------------------

    def load_actors(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            body = ActorCreate.model_validate(entry)
            existing = self.session.execute(
                select(Actor.id).where(Actor.slug == body.slug)
            ).scalar_one_or_none()
            actor_id = existing or seed_id("actor", body.slug)
            self.upsert(
                Actor, actor_id, body.model_dump(exclude={"aliases"}, mode="json"), "actors"
            )
            aliases = list(dict.fromkeys(body.aliases))
            self.replace_set(
                ActorAlias,
                {"actor_id": actor_id},
                [
                    {"alias": a, "folded": a.casefold(), "position": i}
                    for i, a in enumerate(aliases)
                ],
                "aliases",
            )
            self.actors[body.slug] = actor_id

    def load_events(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            body = EventCreate.model_validate(entry)
            existing = self.session.execute(
                select(Event.id).where(Event.slug == body.slug)
            ).scalar_one_or_none()
            event_id = existing or seed_id("event", body.slug)
            values = body.model_dump(mode="python")
            values["kind"] = body.kind.value
            values["occurred_on_precision"] = _enum(
                Precision, body.occurred_on_precision, body.slug
            )
            self.upsert(Event, event_id, values, "events")
            self.events[body.slug] = event_id

    def load_sources(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            key = entry["key"]
            where = f"source {key}"
            url = entry.get("url")
            values = {
                "url": url,
                "url_normalized": normalize_url(url) if url else None,
                "title": entry["title"],
                "publisher_id": self.actor(entry["publisher"], where)
                if entry.get("publisher")
                else None,
                "publisher_name": entry.get("publisher_name"),
                "kind": _enum(SourceKind, entry.get("kind", "other"), where),
                "language": entry.get("language"),
                "published_on": entry.get("published_on"),
                "published_on_precision": _enum(
                    Precision, entry.get("published_on_precision"), where
                ),
                "reliability": _enum(Reliability, entry.get("reliability", "F"), where),
            }
            self.upsert(Source, seed_id("source", key), values, "sources")
            self.sources[key] = seed_id("source", key)

    def load_relations(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            where = (
                f"relation {entry.get('subject')} {entry.get('predicate')} {entry.get('object')}"
            )
            subject = self.actor(entry["subject"], where)
            obj = self.actor(entry["object"], where)
            predicate = _enum(Predicate, entry["predicate"], where)
            relation_id = seed_id("relation", f"{entry['subject']}|{predicate}|{entry['object']}")
            values = {
                "subject_id": subject,
                "predicate": predicate,
                "object_id": obj,
                "since": entry.get("since"),
                "since_precision": _enum(Precision, entry.get("since_precision"), where),
                "until": entry.get("until"),
                "until_precision": _enum(Precision, entry.get("until_precision"), where),
                "note": entry.get("note"),
            }
            self.upsert(ActorRelation, relation_id, values, "relations")
            self.replace_set(
                RelationSource,
                {"relation_id": relation_id},
                [
                    {"source_id": c["source_id"], "position": c["position"]}
                    for c in self.citations(
                        [{"source": s} for s in entry.get("sources") or []], where
                    )
                ],
                "relation sources",
            )

    def load_claims(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            key = entry["key"]
            where = f"claim {key}"
            claim_id = seed_id("claim", key)
            values = {
                "proposition": entry["proposition"],
                "claimant_id": self.actor(entry["claimant"], where),
                "event_id": self.events[entry["event"]] if entry.get("event") else None,
                "stated_on": entry["stated_on"],
                "stated_on_precision": _enum(Precision, entry.get("stated_on_precision"), where),
                "quote": entry.get("quote"),
                "quote_language": entry.get("quote_language"),
                "translation": entry.get("translation"),
            }
            self.upsert(Claim, claim_id, values, "claims")
            accused = list(dict.fromkeys(self.actor(a, where) for a in entry.get("accused") or []))
            self.replace_set(
                ClaimAccused,
                {"claim_id": claim_id},
                [{"actor_id": a, "position": i} for i, a in enumerate(accused)],
                "accused",
            )
            tags = sorted({str(t).casefold() for t in entry.get("tags") or []})
            self.replace_set(ClaimTag, {"claim_id": claim_id}, [{"tag": t} for t in tags], "tags")
            self.replace_set(
                ClaimSource,
                {"claim_id": claim_id},
                self.citations(entry.get("sources"), where),
                "claim sources",
            )
            self.load_verdict(claim_id, entry.get("verdict"), where)
            responses: dict[str, uuid.UUID] = {}
            for response in entry.get("responses") or []:
                responses[response["key"]] = self.load_response(
                    claim_id, response, responses, where
                )
            for item in entry.get("evidence") or []:
                self.load_evidence(claim_id, item, where)
            refresh_claim(self.session, claim_id)

    def load_verdict(self, claim_id: uuid.UUID, verdict: dict[str, Any] | None, where: str) -> None:
        rating = _enum(Rating, (verdict or {}).get("rating", "unassessed"), where)
        rationale = (verdict or {}).get("rationale")
        row = self.session.execute(
            select(Verdict).where(Verdict.claim_id == claim_id)
        ).scalar_one_or_none()
        if row is None:
            row = Verdict(id=seed_id("verdict", str(claim_id)), claim_id=claim_id)
            self.session.add(row)
            self.report.count("verdicts", created=True)
        elif row.rating == rating and row.rationale == rationale:
            return
        else:
            rows.bump(row)
            self.report.count("verdicts", created=False)
        row.rating, row.rationale = rating, rationale
        if rating != "unassessed":
            row.reviewed_by, row.reviewed_at = SEED_REVIEWER, utcnow()
        self.session.flush()

    def load_response(
        self, claim_id: uuid.UUID, entry: dict[str, Any], earlier: dict[str, uuid.UUID], where: str
    ) -> uuid.UUID:
        where = f"{where} response {entry['key']}"
        response_id = seed_id("response", entry["key"])
        parent = entry.get("in_reply_to")
        if parent is not None and parent not in earlier:
            raise SeedError(
                f"{where}: in_reply_to {parent!r} is not an earlier response of the claim"
            )
        values = {
            "claim_id": claim_id,
            "responder_id": self.actor(entry["responder"], where),
            "stance": _enum(Stance, entry["stance"], where),
            "stated_on": entry["stated_on"],
            "stated_on_precision": _enum(Precision, entry.get("stated_on_precision"), where),
            "quote": entry.get("quote"),
            "quote_language": entry.get("quote_language"),
            "translation": entry.get("translation"),
            "in_reply_to_id": earlier[parent] if parent else None,
        }
        self.upsert(ClaimResponse, response_id, values, "responses")
        self.replace_set(
            ResponseSource,
            {"response_id": response_id},
            self.citations(entry.get("sources"), where),
            "response sources",
        )
        return response_id

    def load_evidence(self, claim_id: uuid.UUID, entry: dict[str, Any], where: str) -> None:
        where = f"{where} evidence {entry['key']}"
        evidence_id = seed_id("evidence", entry["key"])
        credibility = entry.get("credibility", 6)
        if credibility not in range(1, 7):
            raise SeedError(f"{where}: credibility must be 1-6")
        values = {
            "claim_id": claim_id,
            "summary": entry["summary"],
            "kind": _enum(EvidenceKind, entry["kind"], where),
            "bearing": _enum(Bearing, entry["bearing"], where),
            "produced_by_id": self.actor(entry["produced_by"], where)
            if entry.get("produced_by")
            else None,
            "independent": bool(entry.get("independent", False)),
            "reliability": _enum(Reliability, entry.get("reliability", "F"), where),
            "credibility": credibility,
            "dated_on": entry.get("dated_on"),
            "dated_on_precision": _enum(Precision, entry.get("dated_on_precision"), where),
            "note": entry.get("note"),
        }
        self.upsert(Evidence, evidence_id, values, "evidence")
        self.replace_set(
            EvidenceSource,
            {"evidence_id": evidence_id},
            self.citations(entry.get("sources"), where),
            "evidence sources",
        )


def seed(session: Session, folder: Path) -> SeedReport:
    """Load every seed file in ``folder`` into the session's transaction."""
    if not folder.is_dir():
        raise SeedError(f"{folder} is not a folder")
    seeder = _Seeder(session)
    seeder.load_actors(_load(folder, "actors"))
    seeder.load_events(_load(folder, "events"))
    seeder.load_sources(_load(folder, "sources"))
    seeder.load_relations(_load(folder, "relations"))
    seeder.load_claims(_load(folder, "claims"))
    return seeder.report
