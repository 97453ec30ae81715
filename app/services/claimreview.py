"""schema.org ClaimReview for claims with a verdict: the mapping, and the queries.

``claim_review`` is a pure function from one reviewed claim to its JSON-LD; ``review_of``
reads one claim, and ``reviews`` walks every reviewed claim in keyset batches of
``BATCH_SIZE`` (two statements a batch), so an export holds one batch in memory at a time.
The rating scale is documented in docs/claimreview.md.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.errors import NotFound
from app.models import Actor, Claim, ClaimSource, Source, Verdict
from app.models.claimreview import SCHEMA_ORG
from app.services.partial_dates import iso_at_precision, utc_instant
from app.services.reads import Conn, fetch_one

# Google's 1-5 truth scale (1 false ... 5 true), so that aggregators can set these next
# to other fact-checkers' ratings. Verdicts that take no side on the facts sit in the
# middle; the newsroom has no "mostly true" verdict, so 4 is not used.
WORST_RATING, BEST_RATING = 1, 5
RATINGS: dict[str, tuple[int, str]] = {
    "refuted": (1, "Refuted"),
    "misleading": (2, "Misleading"),
    "disputed": (3, "Disputed"),
    "unverified": (3, "Unverified"),
    "unprovable": (3, "Unprovable"),
    "substantiated": (5, "Substantiated"),
}
UNREVIEWED = "unassessed"
# Claims per keyset batch of the export.
BATCH_SIZE = 200


class NotReviewed(NotFound):
    """The claim exists, but its verdict is unassessed: there is no review to publish."""

    type = "urn:contested:problem:not-reviewed"


@dataclass(frozen=True)
class Party:
    """An actor, publisher or reviewer as schema.org sees it."""

    name: str
    kind: str | None = None  # the actor kind; None for a name without an actor
    wikidata_id: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Appearance:
    title: str
    url: str | None
    published_on: date | None
    published_on_precision: str | None
    language: str | None
    publisher: Party | None


@dataclass(frozen=True)
class ReviewedClaim:
    id: uuid.UUID
    proposition: str
    claimant: Party
    stated_on: date | None
    stated_on_precision: str | None
    rating: str
    rationale: str | None
    reviewed_at: datetime | None
    appearances: tuple[Appearance, ...]


# ---- the mapping ----------------------------------------------------------------------------


def claim_url(base_url: str, claim_id: uuid.UUID) -> str:
    """The claim's canonical URL under ``base_url`` (its dossier)."""
    return f"{base_url.rstrip('/')}/v1/claims/{claim_id}"


def _party(party: Party) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@type": "Person" if party.kind == "person" else "Organization",
        "name": party.name,
    }
    if party.url:
        found["url"] = party.url
    if party.wikidata_id:
        found["sameAs"] = f"https://www.wikidata.org/wiki/{party.wikidata_id}"
    return found


def _appearance(source: Appearance) -> dict[str, Any]:
    found: dict[str, Any] = {"@type": "CreativeWork", "name": source.title}
    if source.url:
        found["url"] = source.url
    published = iso_at_precision(source.published_on, source.published_on_precision)
    if published:
        found["datePublished"] = published
    if source.publisher is not None:
        found["publisher"] = _party(source.publisher)
    if source.language:
        found["inLanguage"] = source.language
    return found


def rating(verdict: str) -> dict[str, Any]:
    """The schema.org Rating of a verdict other than unassessed."""
    value, label = RATINGS[verdict]
    return {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": label,
    }


def claim_review(claim: ReviewedClaim, publisher: Party, base_url: str) -> dict[str, Any]:
    """The ClaimReview JSON-LD of one reviewed claim; properties with no value are left out."""
    item: dict[str, Any] = {"@type": "Claim", "author": _party(claim.claimant)}
    stated = iso_at_precision(claim.stated_on, claim.stated_on_precision)
    if stated:
        item["datePublished"] = stated
    item["appearance"] = [_appearance(a) for a in claim.appearances]
    review: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "ClaimReview",
        "url": claim_url(base_url, claim.id),
        "claimReviewed": claim.proposition,
        "itemReviewed": item,
        "author": _party(publisher),
    }
    if claim.reviewed_at is not None:
        review["datePublished"] = utc_instant(claim.reviewed_at)
    review["reviewRating"] = rating(claim.rating)
    if claim.rationale:
        review["reviewBody"] = claim.rationale
    return review


# ---- the queries ----------------------------------------------------------------------------

_claimant = aliased(Actor)
_publisher = aliased(Actor)


_CLAIM_COLUMNS = (
    Claim.id,
    Claim.proposition,
    Claim.stated_on,
    Claim.stated_on_precision,
    Claim.deleted_at,
    _claimant.name.label("claimant_name"),
    _claimant.kind.label("claimant_kind"),
    _claimant.wikidata_id.label("claimant_wikidata_id"),
    Verdict.rating,
    Verdict.rationale,
    Verdict.reviewed_at,
)
_SOURCE_COLUMNS = (
    ClaimSource.claim_id,
    Source.title,
    Source.url,
    Source.published_on,
    Source.published_on_precision,
    Source.language,
    Source.publisher_name,
    _publisher.name.label("publisher_actor_name"),
    _publisher.kind.label("publisher_kind"),
    _publisher.wikidata_id.label("publisher_wikidata_id"),
)


def _select_claims() -> Any:
    return (
        select(*_CLAIM_COLUMNS)
        .join(_claimant, _claimant.id == Claim.claimant_id)
        .join(Verdict, Verdict.claim_id == Claim.id)
    )


def _appearances(conn: Conn, claim_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Appearance]]:
    """The sources each claim cites, in citation order, with their publishers (one query)."""
    found: dict[uuid.UUID, list[Appearance]] = defaultdict(list)
    if not claim_ids:
        return found
    rows = conn.execute(
        select(*_SOURCE_COLUMNS)
        .join(Source, Source.id == ClaimSource.source_id)
        .outerjoin(_publisher, _publisher.id == Source.publisher_id)
        .where(ClaimSource.claim_id.in_(claim_ids))
        .order_by(ClaimSource.claim_id, ClaimSource.position)
    ).all()
    for row in rows:
        publisher = None
        if row.publisher_actor_name is not None:
            publisher = Party(
                row.publisher_actor_name, row.publisher_kind, row.publisher_wikidata_id
            )
        elif row.publisher_name:
            publisher = Party(row.publisher_name)
        found[row.claim_id].append(
            Appearance(
                title=row.title,
                url=row.url,
                published_on=row.published_on,
                published_on_precision=row.published_on_precision,
                language=row.language,
                publisher=publisher,
            )
        )
    return found


def _reviewed(row: Any, appearances: list[Appearance]) -> ReviewedClaim:
    return ReviewedClaim(
        id=row.id,
        proposition=row.proposition,
        claimant=Party(row.claimant_name, row.claimant_kind, row.claimant_wikidata_id),
        stated_on=row.stated_on,
        stated_on_precision=row.stated_on_precision,
        rating=row.rating,
        rationale=row.rationale,
        reviewed_at=row.reviewed_at,
        appearances=tuple(appearances),
    )


def review_of(conn: Conn, claim_id: uuid.UUID) -> ReviewedClaim:
    """One live claim with its verdict and sources: 404 if absent or unassessed, 410 if
    deleted. Two statements."""
    row = fetch_one(conn, _select_claims(), Claim, str(claim_id), "claim")
    if row.rating == UNREVIEWED:
        raise NotReviewed(f"claim '{claim_id}' has no review: its verdict is unassessed")
    return _reviewed(row, _appearances(conn, [row.id])[row.id])


def reviews(conn: Conn, batch_size: int | None = None) -> Iterator[list[ReviewedClaim]]:
    """Every live claim with a verdict other than unassessed, in id order, one batch at a
    time. Keyset on the id: each batch starts after the last id of the one before."""
    size = batch_size or BATCH_SIZE
    base = _select_claims().where(Claim.deleted_at.is_(None), Verdict.rating != UNREVIEWED)
    after: uuid.UUID | None = None
    while True:
        stmt = base if after is None else base.where(Claim.id > after)
        rows = conn.execute(stmt.order_by(Claim.id).limit(size)).all()
        if not rows:
            return
        appearances = _appearances(conn, [row.id for row in rows])
        yield [_reviewed(row, appearances[row.id]) for row in rows]
        if len(rows) < size:
            return
        after = rows[-1].id


def export_chunks(conn: Conn, publisher: Party, base_url: str) -> Iterator[str]:
    """Every review as one JSON array, one review a line, in text chunks of one batch."""
    yield "["
    separator = "\n"
    for batch in reviews(conn):
        lines = [
            json.dumps(claim_review(claim, publisher, base_url), ensure_ascii=False)
            for claim in batch
        ]
        yield separator + ",\n".join(lines)
        separator = ",\n"
    yield "\n]\n"
