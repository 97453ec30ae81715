"""Descriptions of schemas, fields and parameters that the models leave undescribed.

A field means the same in a resource's Create, Update, Public and Ref models, so it is
described once here rather than on each. Lookup order for a field: ``Schema.field``,
then ``Resource.field`` (the schema name without its ``Create``/``Update``/``Public``/...
suffix), then the bare field name for names that mean one thing everywhere. A
description given on the model itself always wins.
"""

from __future__ import annotations

SUFFIXES = ("Create", "Update", "Public", "Ref", "Summary", "Dossier", "Put", "Input")

_DATE = "ISO 8601 date (YYYY-MM-DD); null if unknown."
_PRECISION = "How much of {0} is known: day, month or year (null when {0} is null)."
_SOURCES = "The sources cited, each with a locator; a list given replaces the stored one."

SCHEMAS: dict[str, str] = {
    "ActorCount": "An actor and how many claims it appears in.",
    "ActorCreate": "A new actor: who speaks or is accused.",
    "ActorKind": "What kind of body or person an actor is.",
    "ActorPublic": "An actor: who speaks or is accused.",
    "AsAccused": "What was alleged against the actor and how it answered.",
    "AsClaimant": "What the actor alleged and how it held up.",
    "Bearing": "How an evidence item bears on its claim.",
    "ByStatus": "Claim counts by dispute status.",
    "ByVerdict": "Claim counts by verdict rating.",
    "Citation": "A source cited, with where in it to look.",
    "ClaimCreate": "A new claim: one proposition asserted by a claimant.",
    "Contribution": "What one evidence item adds to the balance.",
    "Denials": "The actor's denials and how they held up.",
    "EventCreate": "A new event: the incident or matter claims are about.",
    "EventKind": "What kind of incident or matter an event is.",
    "EventPublic": "An event: the incident or matter claims are about.",
    "EvidenceByBearing": "A claim's evidence items, grouped by bearing.",
    "EvidenceCreate": "A new evidence item bearing on the claim in the path.",
    "EvidenceKind": "What kind of item a piece of evidence is.",
    "EvidencePublic": "An evidence item bearing on a claim.",
    "Health": "The process or the database is up.",
    "LineProblem": "A line of an import file that was refused.",
    "MonthCount": "Claims stated in one month.",
    "Operation": "What a revision did to its row.",
    "Rating": "The newsroom's editorial rating of a claim.",
    "RelationPublic": "A dated link between two actors.",
    "ResponseCreate": "A new counter-statement to the claim in the path.",
    "ResponsePublic": "A counter-statement to a claim or to another response.",
    "SearchHit": "One row that matched a search.",
    "SearchType": "The kind of row a search hit is.",
    "SourceCreate": "A new source: a published document.",
    "SourceKind": "What kind of document a source is.",
    "SourcePublic": "A published document that claims, responses and evidence cite.",
    "TimelineType": "The kind of row a timeline item is.",
    "TypeCounts": "What an import did with the records of one type.",
    "VerdictPublic": "The newsroom's editorial rating of a claim.",
    "VerdictPut": "The verdict to set on the claim in the path.",
}

FIELDS: dict[str, str] = {
    # The same in every resource.
    "id": "The row's UUID.",
    "version": 'Version of the row, +1 on each change; its ETag is "<version>", for If-Match.',
    "created_at": "When the row was created (UTC).",
    "updated_at": "When the row last changed (UTC).",
    "slug": "Unique lowercase name used in paths and payloads (letters, digits, hyphens).",
    "wikidata_id": "Wikidata item id, such as Q123.",
    "country": "ISO 3166-1 alpha-2 country code.",
    "language": "BCP 47 language tag.",
    "quote": "The words as published, in quote_language.",
    "quote_language": "BCP 47 language tag of the quote.",
    "translation": "A translation of the quote.",
    "stated_on": "When it was said: " + _DATE,
    "stated_on_precision": _PRECISION.format("stated_on"),
    "claim_id": "The claim it belongs to.",
    "sources": _SOURCES,
    "locator": "Where in the source: page, paragraph, timestamp.",
    "reliability": "Admiralty source reliability: A completely reliable ... E unreliable, "
    "F cannot be judged.",
    "items": "The rows of this page, in the list's order.",
    "next_cursor": "Opaque cursor of the next page, or null on the last page.",
    # Actors.
    "Actor.name": "The actor's usual name.",
    "Actor.aliases": "Other names, in any script; a list given replaces the stored one.",
    "Actor.kind": "What kind of body or person the actor is.",
    "Actor.description": "A few words on who the actor is.",
    "ActorCount.actor": "The actor.",
    "ActorCount.claims": "Claims matching the filters in which the actor has this role.",
    # Claims.
    "Claim.proposition": "The allegation, as one plain sentence.",
    "Claim.claimant": "The actor who makes the claim.",
    "Claim.accused": "The actors the claim accuses; a list given replaces the stored one.",
    "Claim.event": "The event the claim is about, if any.",
    "Claim.tags": "Lowercase topic tags; a list given replaces the stored one.",
    "Claim.verdict": "The newsroom's editorial verdict.",
    "ClaimSummary.verdict": "The rating of the newsroom's verdict.",
    "ClaimSummary.dispute_status": "How the accused answered (see Dispute).",
    "ClaimSummary.balance": "Evidence balance in (-1, 1): positive when evidence supports it.",
    "ClaimDossier.responses": "Every response, by stated_on (undated first); in_reply_to "
    "threads them.",
    "ClaimDossier.evidence": "The evidence items, grouped by bearing.",
    "ClaimDossier.dispute": "How the accused answered, and when.",
    "ClaimDossier.balance": "The evidence balance and what each item contributes.",
    "Dispute.status": "unanswered, denied, admitted or mixed, by the rules of Dispute.",
    "Balance.support": "Sum of the weights of the supporting items.",
    "Balance.refute": "Sum of the weights of the refuting items.",
    "Balance.balance": "(support - refute) / (support + refute + 1), in (-1, 1).",
    "Balance.contributions": "Each evidence item's weight.",
    "Contribution.evidence_id": "The evidence item.",
    "Contribution.bearing": "Which side it weighs on.",
    "Contribution.weight": "R(reliability) x C(credibility) x (1.0 if independent else 0.5).",
    "Verdict.rating": "The editorial rating.",
    "Verdict.rationale": "Why the claim got this rating.",
    "Verdict.reviewed_by": "Name of the API key that set the verdict; null until one is set.",
    "Verdict.reviewed_at": "When the verdict was set; null until one is set.",
    # Responses.
    "Response.responder": "The actor who responds, by id or slug in requests.",
    "Response.stance": "What the response does to the claim.",
    "Response.in_reply_to": "The response of the same claim that this one answers.",
    # Evidence.
    "Evidence.summary": "What the item is and shows, in a sentence or two.",
    "Evidence.kind": "What kind of item it is.",
    "Evidence.bearing": "Whether it supports, refutes or gives context to the claim.",
    "Evidence.produced_by": "The actor who produced the item, if known.",
    "Evidence.independent": "Produced independently of the claimant.",
    "Evidence.credibility": "Admiralty information credibility: 1 confirmed ... 5 improbable, "
    "6 cannot be judged.",
    "Evidence.note": "Why the item got its grades.",
    "Evidence.dated_on": "The item's date: " + _DATE,
    "Evidence.dated_on_precision": _PRECISION.format("dated_on"),
    "EvidenceByBearing.supports": "Items that support the claim.",
    "EvidenceByBearing.refutes": "Items that refute the claim.",
    "EvidenceByBearing.context": "Items that give context without taking a side.",
    # Events.
    "Event.title": "A short title for the event.",
    "Event.kind": "What kind of incident or matter it is.",
    "Event.occurred_on": "When it happened: " + _DATE,
    "Event.occurred_on_precision": _PRECISION.format("occurred_on"),
    "Event.place": "Where it happened, in words.",
    "Event.summary": "What happened, in a few sentences.",
    # Relations.
    "Relation.subject": "The actor the relation starts from.",
    "Relation.predicate": "How the subject is linked to the object.",
    "Relation.object": "The actor the relation points to; by id or slug in requests.",
    "Relation.since": "When the link began: " + _DATE,
    "Relation.since_precision": _PRECISION.format("since"),
    "Relation.until": "When the link ended: " + _DATE + " Null while it lasts.",
    "Relation.until_precision": _PRECISION.format("until"),
    "Relation.note": "What the link rests on, in words.",
    "Relation.sources": "Ids of the sources for the link; a list given replaces the stored one.",
    # Sources.
    "Source.url": "Where the document was published, if it has a URL.",
    "Source.url_normalized": "The URL as compared for uniqueness: scheme and host lowercased, "
    "tracking parameters (utm_*, fbclid, ...) and fragment dropped, query sorted.",
    "Source.title": "The document's title, or a short description of it.",
    "Source.publisher": "The actor who published it, if it is in the database.",
    "Source.publisher_name": "The publisher's name when it is not an actor in the database.",
    "Source.kind": "What kind of document it is.",
    "Source.published_on": "When it was published: " + _DATE,
    "Source.published_on_precision": _PRECISION.format("published_on"),
    "Source.archive_url": "A copy of the document in a web archive.",
    "Source.content_sha256": "SHA-256 of the document as captured, in hex.",
    "Citation.source": "The source cited.",
    "Citation.url": "URL of a new source.",
    "Citation.title": "Title of a new source.",
    "Citation.publisher_name": "The new source's publisher, when it is not an actor in the "
    "database.",
    "Citation.kind": "What kind of document the new source is.",
    "Citation.language": "BCP 47 language tag of the new source.",
    "Citation.published_on": "When the new source was published: " + _DATE,
    "Citation.published_on_precision": _PRECISION.format("published_on"),
    "Citation.archive_url": "A copy of the new source in a web archive.",
    "Citation.content_sha256": "SHA-256 of the new source as captured, in hex.",
    "Citation.source_id": "An existing source, instead of the fields of a new one.",
    # Views.
    "TimelineItem.type": "Whether the item is a claim, a response or an evidence item.",
    "TimelineItem.date_precision": "How much of date is known (null when date is null).",
    "AsAccused.by_status": "Those claims by dispute status.",
    "AsClaimant.by_verdict": "The actor's claims by verdict rating.",
    "AsClaimant.by_status": "The actor's claims by dispute status.",
    "TrackRecord.actor": "The actor.",
    "TrackRecord.as_claimant": "Claims the actor made.",
    "TrackRecord.as_accused": "Claims that accuse the actor.",
    "TrackRecord.denials": "How the actor's denials held up.",
    "MonthCount.claims": "Claims stated in that month.",
    "Stats.claims": "Claims matching the filters.",
    "Stats.by_status": "Those claims by dispute status.",
    "Stats.by_verdict": "Those claims by verdict rating.",
    "Stats.top_claimants": "The 10 actors who made most of those claims, most first.",
    "Stats.top_accused": "The 10 actors most accused in those claims, most first.",
    "Stats.median_response_lag_days": "Median response_lag_days of those claims, over the "
    "ones that have it; null if none does.",
    "SearchHit.id": "The matching row's UUID.",
    "Health.status": "ok, or unavailable when the database is not ready.",
    "LineProblem.detail": "Why the line was refused.",
    # History.
    "Change.entity": "The kind of row that changed.",
    "Change.entity_id": "The row that changed.",
    "Change.op": "What the change did.",
    "Change.at": "When the change was made (UTC).",
    "RevisionPublic.entity": "The kind of row that changed.",
    "RevisionPublic.entity_id": "The row that changed.",
    "RevisionPublic.op": "What the change did.",
    "RevisionPublic.at": "When the change was made (UTC).",
}

# Counts named after the enum value they count.
for _status in ("unanswered", "denied", "admitted", "mixed"):
    FIELDS[f"ByStatus.{_status}"] = f"Claims whose dispute status is {_status}."
for _rating in (
    "unassessed",
    "unverified",
    "disputed",
    "substantiated",
    "refuted",
    "misleading",
    "unprovable",
):
    FIELDS[f"ByVerdict.{_rating}"] = f"Claims whose verdict is {_rating}."

PARAMETERS: dict[str, str] = {
    "claim_id": "The claim's UUID.",
    "response_id": "The response's UUID.",
    "evidence_id": "The evidence item's UUID.",
    "relation_id": "The relation's UUID.",
    "source_id": "The source's UUID.",
    "verdict": "Claims whose verdict has this rating.",
    "tag": "Claims with this tag.",
    "bearing": "Only items with this bearing.",
    "kind": "Only rows of this kind.",
    "country": "Only rows of this ISO 3166-1 alpha-2 country.",
}


def resource(schema: str) -> str:
    """``ClaimDossier`` -> ``Claim``, ``CitationInput`` -> ``Citation``."""
    for suffix in SUFFIXES:
        if schema.endswith(suffix) and schema != suffix:
            return schema[: -len(suffix)]
    return schema


def field(schema: str, name: str) -> str | None:
    for key in (f"{schema}.{name}", f"{resource(schema)}.{name}", name):
        if key in FIELDS:
            return FIELDS[key]
    return None


def schema(name: str) -> str | None:
    if name in SCHEMAS:
        return SCHEMAS[name]
    if name.endswith("Page"):
        return "One page of a list; pass next_cursor back as ?cursor= for the next page."
    return None
