"""NDJSON export: every record of the database, one JSON object a line, in constant memory.

The file opens with a header line, then holds actors, events, sources, relations,
claims (each with its verdict), responses and evidence, in that order, so that every
record comes after the records it names; within a type records are ordered by id.
Rows are read in keyset batches (``id > last ORDER BY id LIMIT n``), never a whole
table at once. Nothing volatile (no export time) is written, so two exports of the same
data are byte-for-byte the same file.

Each record holds its id, version and timestamps, soft-deleted rows included (with
``deleted_at``), so that ``contested import`` restores the database losslessly. Related
rows are named by id, under the field names of the API's write payloads (``claimant``,
``accused``, ``sources: [{"source_id", "locator"}]``). Not exported: API keys,
idempotency records, rate-limit counters, the revision history, and what is derived
from the records (dispute status, balance, sort dates, the search index, normalised
URLs), which the import computes again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Table, select

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
from app.services.history import plain

FORMAT = "contested-export"
FORMAT_VERSION = 1
BATCH = 1000
META = ("version", "created_at", "updated_at", "deleted_at")


@dataclass(frozen=True)
class LinkSpec:
    """A list field of a record, kept in a link table."""

    name: str
    table: Table
    owner: str  # the link table's column naming the record
    values: tuple[str, ...]  # one column: a list of values; several: a list of objects
    order: str
    keys: tuple[str, ...] = ()  # record keys of the values, when there are several

    def item(self, row: Sequence[Any]) -> Any:
        if len(self.values) == 1:
            return plain(row[0])
        return {key: plain(value) for key, value in zip(self.keys, row, strict=True)}


@dataclass(frozen=True)
class RecordSpec:
    """How one record type maps to its table: ``fields`` are (record key, column)."""

    type: str
    table: Table
    fields: tuple[tuple[str, str], ...]
    links: tuple[LinkSpec, ...] = ()
    # Other columns every row of the table needs, filled by the import.
    derived: tuple[str, ...] = field(default=())

    @property
    def columns(self) -> list[Column[Any]]:
        return [self.table.c[column] for _, column in self.fields]


def _citations(table: Table, owner: str) -> LinkSpec:
    return LinkSpec(
        "sources", table, owner, ("source_id", "locator"), "position", ("source_id", "locator")
    )


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _fields(*columns: str) -> tuple[tuple[str, str], ...]:
    """(record key, column): a column naming another row drops its ``_id`` in the record."""
    keep = {"id", "wikidata_id"}
    return tuple((c if c in keep else c.removesuffix("_id"), c) for c in columns)


SPECS: tuple[RecordSpec, ...] = (
    RecordSpec(
        "actor",
        _table(Actor),
        _fields("id", "slug", "name", "kind", "country", "description", "wikidata_id", *META),
        (LinkSpec("aliases", _table(ActorAlias), "actor_id", ("alias",), "position"),),
    ),
    RecordSpec(
        "event",
        _table(Event),
        _fields(
            "id",
            "slug",
            "title",
            "kind",
            "occurred_on",
            "occurred_on_precision",
            "place",
            "country",
            "summary",
            "wikidata_id",
            *META,
        ),
    ),
    RecordSpec(
        "source",
        _table(Source),
        _fields(
            "id",
            "url",
            "title",
            "publisher_id",
            "publisher_name",
            "kind",
            "language",
            "published_on",
            "published_on_precision",
            "archive_url",
            "content_sha256",
            "reliability",
            *META,
        ),
        derived=("url_normalized",),
    ),
    RecordSpec(
        "relation",
        _table(ActorRelation),
        _fields(
            "id",
            "subject_id",
            "predicate",
            "object_id",
            "since",
            "since_precision",
            "until",
            "until_precision",
            "note",
            *META,
        ),
        (LinkSpec("sources", _table(RelationSource), "relation_id", ("source_id",), "position"),),
    ),
    RecordSpec(
        "claim",
        _table(Claim),
        _fields(
            "id",
            "proposition",
            "claimant_id",
            "event_id",
            "stated_on",
            "stated_on_precision",
            "quote",
            "quote_language",
            "translation",
            *META,
        ),
        (
            LinkSpec("accused", _table(ClaimAccused), "claim_id", ("actor_id",), "position"),
            LinkSpec("tags", _table(ClaimTag), "claim_id", ("tag",), "tag"),
            _citations(_table(ClaimSource), "claim_id"),
        ),
        derived=(
            "sort_date",
            "dispute_status",
            "first_response_on",
            "response_lag_days",
            "support",
            "refute",
            "balance",
        ),
    ),
    RecordSpec(
        "verdict",
        _table(Verdict),
        _fields("id", "rating", "rationale", "reviewed_by", "reviewed_at", *META, "claim_id"),
    ),
    RecordSpec(
        "response",
        _table(ClaimResponse),
        _fields(
            "id",
            "claim_id",
            "responder_id",
            "stance",
            "stated_on",
            "stated_on_precision",
            "quote",
            "quote_language",
            "translation",
            "in_reply_to_id",
            *META,
        ),
        (_citations(_table(ResponseSource), "response_id"),),
        derived=("sort_date",),
    ),
    RecordSpec(
        "evidence",
        _table(Evidence),
        _fields(
            "id",
            "claim_id",
            "summary",
            "kind",
            "bearing",
            "produced_by_id",
            "independent",
            "reliability",
            "credibility",
            "dated_on",
            "dated_on_precision",
            "note",
            *META,
        ),
        (_citations(_table(EvidenceSource), "evidence_id"),),
    ),
)
BY_TYPE = {spec.type: spec for spec in SPECS}
# Written to the file: a claim's verdict travels inside the claim, as "verdict".
EXPORTED_TYPES = ("actor", "event", "source", "relation", "claim", "response", "evidence")


def dumps(record: dict[str, Any]) -> str:
    """One line of the file: compact, UTF-8 kept as is, keys in the record's own order."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def header() -> dict[str, Any]:
    return {"type": "header", "format": FORMAT, "version": FORMAT_VERSION}


def _link_values(conn: Connection, link: LinkSpec, ids: list[Any]) -> dict[Any, list[Any]]:
    owner = link.table.c[link.owner]
    found: dict[Any, list[Any]] = defaultdict(list)
    stmt = (
        select(owner, *(link.table.c[v] for v in link.values))
        .where(owner.in_(ids))
        .order_by(owner, link.table.c[link.order], *(link.table.c[v] for v in link.values))
    )
    for owner_id, *values in conn.execute(stmt):
        found[owner_id].append(link.item(values))
    return found


def build_records(conn: Connection, spec: RecordSpec, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Records of ``rows`` (selected with ``spec.columns``), their links fetched at once."""
    if not rows:
        return []
    ids = [row[0] for row in rows]
    links = {link.name: _link_values(conn, link, ids) for link in spec.links}
    verdicts: dict[Any, dict[str, Any]] = {}
    if spec.type == "claim":
        verdicts = {
            record["claim"]: record
            for record in build_records(
                conn,
                BY_TYPE["verdict"],
                conn.execute(
                    select(*BY_TYPE["verdict"].columns).where(_table(Verdict).c.claim_id.in_(ids))
                ).all(),
            )
        }
    records = []
    for row in rows:
        record: dict[str, Any] = {"type": spec.type}
        for (key, _), value in zip(spec.fields, row, strict=True):
            record[key] = plain(value)
        for link in spec.links:
            record[link.name] = links[link.name].get(row[0], [])
        if spec.type == "claim":
            verdict = verdicts.get(record["id"])
            if verdict is not None:
                verdict = {k: v for k, v in verdict.items() if k not in ("type", "claim")}
            record["verdict"] = verdict
        records.append(record)
    return records


def records_by_id(
    conn: Connection, spec: RecordSpec, ids: Iterable[Any]
) -> dict[str, dict[str, Any]]:
    """The stored records of the given ids, keyed by their id as text."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = conn.execute(select(*spec.columns).where(spec.table.c.id.in_(wanted))).all()
    return {record["id"]: record for record in build_records(conn, spec, rows)}


def iter_records(conn: Connection, batch: int = BATCH) -> Iterator[dict[str, Any]]:
    """Every record, in file order, read ``batch`` rows at a time."""
    for type_ in EXPORTED_TYPES:
        spec = BY_TYPE[type_]
        id_column = spec.table.c.id
        last = None
        while True:
            stmt = select(*spec.columns).order_by(id_column).limit(batch)
            if last is not None:
                stmt = stmt.where(id_column > last)
            rows = conn.execute(stmt).all()
            if not rows:
                break
            yield from build_records(conn, spec, rows)
            last = rows[-1][0]
            if len(rows) < batch:
                break


def export_lines(conn: Connection, batch: int = BATCH) -> Iterator[str]:
    """The file, line by line (each ending in a newline), header first."""
    yield dumps(header()) + "\n"
    for record in iter_records(conn, batch):
        yield dumps(record) + "\n"


def export_chunks(conn: Connection, batch: int = BATCH) -> Iterator[bytes]:
    """The file as UTF-8 chunks of about ``batch`` lines, for a streamed response."""
    lines: list[str] = []
    for line in export_lines(conn, batch):
        lines.append(line)
        if len(lines) >= batch:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()
