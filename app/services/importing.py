"""NDJSON import: load an export file, idempotently, one transaction per batch of lines.

Every line is validated with the API's own input rules (app.services.import_records),
then checked against the database: every id it names must exist (earlier in the file
or already stored), slugs and source URLs must not belong to another row. A bad line
is reported with its number and reason and skipped; the good lines around it are
loaded. A record whose id is stored already is compared with the stored record:
equal, it is left alone (so importing a file twice changes nothing); different, the
stored row takes the record's fields, version and timestamps.

Rows are written with multi-row INSERTs, not ORM objects. What derives from them is
written in the same transaction: the search documents of new and changed rows, the
stored dispute status and evidence balance of every claim whose responses, evidence or
accused changed, and one revision per created or changed row (its snapshot built from
the record, not read back), so that history and ``contested audit verify`` account for
imported rows as for any other write. Unchanged records write nothing.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import IO, Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.db import Database, is_serialization_failure
from app.errors import ServiceUnavailable
from app.models import Claim, ClaimAccused, ClaimResponse, Evidence, Verdict
from app.models.common import UNDATED, default_precision, new_id
from app.models.revision import Operation
from app.models.search import SearchDocument
from app.services import balance as balance_rules
from app.services import history, tallies
from app.services.dispute import dispute, is_by_accused
from app.services.export import (
    BY_TYPE,
    EXPORTED_TYPES,
    FORMAT,
    FORMAT_VERSION,
    RecordSpec,
    records_by_id,
)
from app.services.history import plain as plain_value
from app.services.import_records import RecordMeta, validate
from app.services.search import tokens
from app.services.statements import part_of_pairs
from app.services.urls import InvalidUrl, normalize_url

# Lines per transaction: large enough that commits (each an fsync with synchronous=FULL)
# and per-batch lookups are a small share of the work, small enough to hold in memory.
BATCH_LINES = 5000
MAX_ERRORS = 1000
MAX_REMEMBERED = 200_000  # ids per type an import remembers as stored
CHUNK = 500  # ids per IN (...) list
# A batch that PostgreSQL rolls back for a serialization failure or deadlock is run again,
# this often, before the import stops (the request body cannot be replayed, so the batch
# is retried here rather than the whole request).
BATCH_RETRIES = 3
VERBS = ("imported", "updated", "unchanged")
# Which record type each reference field names.
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "source": (("publisher", "actor"),),
    "relation": (("subject", "actor"), ("object", "actor"), ("sources", "source")),
    "claim": (
        ("claimant", "actor"),
        ("accused", "actor"),
        ("event", "event"),
        ("sources", "source"),
    ),
    "response": (
        ("claim", "claim"),
        ("responder", "actor"),
        ("in_reply_to", "response"),
        ("sources", "source"),
    ),
    "evidence": (("claim", "claim"), ("produced_by", "actor"), ("sources", "source")),
}
DATES = {
    "event": ("occurred_on",),
    "source": ("published_on",),
    "relation": ("since", "until"),
    "claim": ("stated_on",),
    "response": ("stated_on",),
    "evidence": ("dated_on",),
}
UNIQUE = {"actor": "slug", "event": "slug", "source": "url_normalized"}


class ImportRefused(ValueError):
    """The file as a whole cannot be imported (another format, or a later version)."""


@dataclass(frozen=True)
class LineError:
    line: int
    detail: str


@dataclass
class ImportReport:
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {t: dict.fromkeys(VERBS, 0) for t in EXPORTED_TYPES}
    )
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    lines: int = 0

    def add(self, type_: str, verb: str) -> None:
        self.counts[type_][verb] += 1

    def error(self, line: int, detail: str) -> None:
        """Count every refused line; keep the first MAX_ERRORS (a file of garbage must
        not fill the memory with its report)."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(LineError(line, detail))

    @property
    def changed(self) -> int:
        return sum(c["imported"] + c["updated"] for c in self.counts.values())


@dataclass
class Entry:
    """One valid line, normalised: ``record`` in export form, ``row`` as column values."""

    line: int
    type: str
    model: RecordMeta
    record: dict[str, Any]
    row: dict[str, Any]
    links: dict[str, list[Any]]

    @property
    def id(self) -> uuid.UUID:
        return self.model.id


# ---- normalising a record -----------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _normalise(line: int, type_: str, model: RecordMeta) -> Entry:
    spec = BY_TYPE[type_]
    values = {key: _value(getattr(model, key)) for key, _ in spec.fields}
    for name in DATES.get(type_, ()):
        values[f"{name}_precision"] = default_precision(values[name], values[f"{name}_precision"])
    links: dict[str, list[Any]] = {}
    if type_ == "actor":
        links["aliases"] = list(dict.fromkeys(model.aliases))  # type: ignore[attr-defined]
    elif type_ == "relation":
        links["sources"] = list(dict.fromkeys(model.sources))  # type: ignore[attr-defined]
    else:
        if type_ == "claim":
            links["accused"] = list(dict.fromkeys(model.accused))  # type: ignore[attr-defined]
            links["tags"] = sorted(set(model.tags))  # type: ignore[attr-defined]
        if hasattr(model, "sources"):
            cited: dict[uuid.UUID, str | None] = {}
            for citation in model.sources:
                cited.setdefault(citation.source_id, citation.locator)
            links["sources"] = [{"source_id": s, "locator": loc} for s, loc in cited.items()]
    record: dict[str, Any] = {"type": type_}
    for key, _ in spec.fields:
        record[key] = plain_value(values[key])
    for link in spec.links:
        record[link.name] = [_plain_item(item) for item in links[link.name]]
    row = {column: values[key] for key, column in spec.fields}
    if type_ == "claim":
        verdict = model.verdict  # type: ignore[attr-defined]
        record["verdict"] = None
        if verdict is not None:
            vspec = BY_TYPE["verdict"]
            vvalues = {
                key: _value(getattr(verdict, key)) for key, _ in vspec.fields if key != "claim"
            }
            record["verdict"] = {key: plain_value(v) for key, v in vvalues.items()}
    return Entry(line, type_, model, record, row, links)


def _plain_item(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: plain_value(v) for k, v in item.items()}
    return plain_value(item)


# ---- reading lines ------------------------------------------------------------------------


def parse_lines(
    lines: Iterable[bytes | str], report: ImportReport, max_line_bytes: int
) -> Iterator[Entry]:
    """Valid entries of ``lines``; each bad line goes into ``report.errors``."""
    for number, raw in enumerate(lines, start=1):
        report.lines = number
        if len(raw) > max_line_bytes:
            report.error(number, f"line is longer than {max_line_bytes} bytes")
            continue
        text = raw.decode("utf-8", errors="strict") if isinstance(raw, bytes) else raw
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            report.error(number, f"not valid JSON: {exc}")
            continue
        if not isinstance(data, dict):
            report.error(number, "not a JSON object")
            continue
        type_ = data.get("type")
        if type_ == "header":
            if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
                raise ImportRefused(
                    f"line {number}: not a {FORMAT} file of version {FORMAT_VERSION}"
                )
            continue
        if type_ not in EXPORTED_TYPES:
            report.error(number, f"unknown type {type_!r}")
            continue
        try:
            model = validate(type_, data)
            yield _normalise(number, type_, model)
        except ValueError as exc:
            report.error(number, f"invalid {type_}: {exc}")


# ---- the import ---------------------------------------------------------------------------


def import_lines(
    database: Database,
    lines: Iterable[bytes | str],
    *,
    key_id: uuid.UUID | None = None,
    request_id: str | None = None,
    batch_lines: int = BATCH_LINES,
    max_line_bytes: int = 16 * 1024 * 1024,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import an export file given as lines; one transaction per ``batch_lines`` lines.

    ``progress`` is called after each batch with the number of lines read so far.
    Raises ImportRefused when the header names another format or version.
    """
    report = ImportReport()
    stored: dict[str, set[uuid.UUID]] = {}
    batch: list[Entry] = []
    for entry in parse_lines(_safe_utf8(lines, report), report, max_line_bytes):
        batch.append(entry)
        if len(batch) >= batch_lines:
            _run_batch(database, batch, report, key_id, request_id, stored)
            batch = []
            if progress is not None:
                progress(report.lines)
    if batch:
        _run_batch(database, batch, report, key_id, request_id, stored)
    if progress is not None:
        progress(report.lines)
    report.errors.sort(key=lambda e: e.line)
    return report


def read_lines(file: IO[bytes], max_line_bytes: int) -> Iterator[bytes]:
    """The lines of a binary file; a line longer than ``max_line_bytes`` is cut to one
    byte more than that (so that it is refused as too long) and never read whole."""
    while True:
        line = file.readline(max_line_bytes + 1)
        if not line:
            return
        if len(line) > max_line_bytes and not line.endswith(b"\n"):
            while True:  # skip the rest of it
                rest = file.readline(max_line_bytes + 1)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


def _safe_utf8(lines: Iterable[bytes | str], report: ImportReport) -> Iterator[bytes | str]:
    """Lines that are not UTF-8 are reported here (the line number is the next one)."""
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                report.error(number, "not UTF-8 text")
                yield b"\n"  # keeps the numbering; an empty line is skipped
                continue
        yield raw


def _run_batch(
    database: Database,
    batch: list[Entry],
    report: ImportReport,
    key_id: uuid.UUID | None,
    request_id: str | None,
    stored: dict[str, set[uuid.UUID]],
) -> None:
    try:
        work = _write_batch(database, batch, key_id, request_id, stored)
    except IntegrityError:
        # A constraint the checks above did not foresee: load the lines one by one, so
        # that only the line at fault is lost (and named).
        if len(batch) == 1:
            report.error(batch[0].line, "refused by a constraint of the database")
            return
        for entry in batch:
            _run_batch(database, [entry], report, key_id, request_id, stored)
        return
    for problem in work.errors:
        report.error(problem.line, problem.detail)
    for type_, verb in work.counts:
        report.add(type_, verb)
    for type_, row_id in work.pending:
        ids = stored.setdefault(type_, set())
        if len(ids) >= MAX_REMEMBERED:
            ids.clear()  # forget, and look up again: memory stays bounded
        ids.add(row_id)


def _write_batch(
    database: Database,
    batch: list[Entry],
    key_id: uuid.UUID | None,
    request_id: str | None,
    stored: dict[str, set[uuid.UUID]],
) -> _Batch:
    """One batch in one transaction, run again after a serialization failure (each
    attempt starts afresh: ``stored`` only changes once a batch has committed)."""
    for attempt in range(BATCH_RETRIES + 1):
        try:
            with database.write.begin() as conn:
                work = _Batch(conn, stored)
                for type_ in EXPORTED_TYPES:
                    entries = [e for e in batch if e.type == type_]
                    if entries:
                        work.load(BY_TYPE[type_], entries)
                work.finish(key_id, request_id)
            return work
        except IntegrityError:
            raise
        except Exception as exc:
            if not is_serialization_failure(exc):
                raise
            if attempt == BATCH_RETRIES:
                raise ServiceUnavailable(
                    f"the batch from line {batch[0].line} kept colliding with concurrent "
                    "writes; the lines before it are stored, and importing the file again "
                    "loads the rest (an import is idempotent)",
                    headers={"Retry-After": "1"},
                ) from exc
            # Jittered backoff, so that the colliding transactions part ways.
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Batch:
    """The writes of one batch of lines, inside one transaction."""

    def __init__(self, conn: Connection, stored: dict[str, set[uuid.UUID]]) -> None:
        self.conn = conn
        # Ids this import has seen stored already (committed), so as not to look them up.
        self.stored = stored
        # Reported only once the batch has committed.
        self.errors: list[LineError] = []
        self.counts: list[tuple[str, str]] = []
        self.pending: dict[tuple[str, uuid.UUID], str] = {}
        self.known: dict[str, dict[uuid.UUID, dict[str, Any]]] = defaultdict(dict)
        self.claims_to_refresh: set[uuid.UUID] = set()
        self.seen: set[tuple[str, uuid.UUID]] = set()

    def fail(self, entry: Entry, detail: str) -> None:
        self.errors.append(LineError(entry.line, f"{entry.type} {entry.id}: {detail}"))

    # -- checks --

    def _existing_ids(self, type_: str, ids: set[uuid.UUID]) -> set[uuid.UUID]:
        known = self.stored.get(type_, set())
        found = ids & known
        table = BY_TYPE[type_].table
        for chunk in _chunks(list(ids - known)):
            found.update(
                self.conn.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars()
            )
        return found

    def _check_references(self, spec: RecordSpec, entries: list[Entry]) -> list[Entry]:
        wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
        own_ids = {e.id for e in entries}
        for entry in entries:
            for name, target in REFERENCES.get(spec.type, ()):
                for ref in _refs(entry, name):
                    if not (target == spec.type and ref in own_ids):
                        wanted[target].add(ref)
        present = {target: self._existing_ids(target, ids) for target, ids in wanted.items()}
        good = []
        for entry in entries:
            missing = [
                f"{name} names no {target} {ref}"
                for name, target in REFERENCES.get(spec.type, ())
                for ref in _refs(entry, name)
                if ref not in present.get(target, set())
                and not (target == spec.type and ref in own_ids)
            ]
            if spec.type == "relation" and entry.row["subject_id"] == entry.row["object_id"]:
                missing.append("subject and object are the same actor")
            if missing:
                self.fail(entry, "dangling reference: " + "; ".join(missing))
            else:
                good.append(entry)
        if spec.type == "response":
            good = self._check_threads(good)
        return good

    def _check_threads(self, entries: list[Entry]) -> list[Entry]:
        """in_reply_to names a response of the same claim (as the API requires)."""
        claim_of = {e.id: e.row["claim_id"] for e in entries}
        parents = {e.row["in_reply_to_id"] for e in entries if e.row["in_reply_to_id"]} - set(
            claim_of
        )
        for chunk in _chunks(list(parents)):
            rows = self.conn.execute(
                select(ClaimResponse.id, ClaimResponse.claim_id).where(ClaimResponse.id.in_(chunk))
            )
            claim_of.update({row.id: row.claim_id for row in rows})
        good = []
        for entry in entries:
            parent = entry.row["in_reply_to_id"]
            if parent is not None and (
                parent == entry.id or claim_of.get(parent) != entry.row["claim_id"]
            ):
                self.fail(entry, "in_reply_to must name another response of the same claim")
            else:
                good.append(entry)
        return good

    def _check_unique(self, spec: RecordSpec, entries: list[Entry]) -> list[Entry]:
        column = UNIQUE.get(spec.type)
        if column is None:
            return entries
        if spec.type == "source":
            good_urls = []
            for entry in entries:
                try:
                    url = entry.row["url"]
                    entry.row["url_normalized"] = None if url is None else normalize_url(url)
                    good_urls.append(entry)
                except InvalidUrl as exc:
                    self.fail(entry, f"url is not an http(s) URL: {exc}")
            entries = good_urls
        values = {e.row[column] for e in entries if e.row[column] is not None}
        owner: dict[Any, uuid.UUID] = {}
        table = spec.table
        for chunk in _chunks(list(values)):
            for row in self.conn.execute(
                select(table.c.id, table.c[column]).where(table.c[column].in_(chunk))
            ):
                owner[row[1]] = row[0]
        good = []
        noun = "url" if column == "url_normalized" else column
        for entry in entries:
            value = entry.row[column]
            holder = owner.get(value) if value is not None else None
            if holder is not None and holder != entry.id:
                self.fail(entry, f"{noun} {value!r} belongs to {spec.type} {holder}")
                continue
            if value is not None:
                owner[value] = entry.id
            good.append(entry)
        return good

    def _drop_orphans(self, entries: list[Entry], batch_ids: set[uuid.UUID]) -> list[Entry]:
        """Replies whose parent, a line of this batch, was refused, are refused too."""
        while True:
            kept = {e.id for e in entries}
            orphans = [
                e
                for e in entries
                if e.row["in_reply_to_id"] in batch_ids and e.row["in_reply_to_id"] not in kept
            ]
            if not orphans:
                return entries
            for entry in orphans:
                self.fail(entry, "in_reply_to names a response refused on another line")
            entries = [e for e in entries if e not in orphans]

    # -- loading --

    def load(self, spec: RecordSpec, entries: list[Entry]) -> None:
        batch_ids = {e.id for e in entries}
        checked = self._check_unique(spec, self._check_references(spec, entries))
        entries = []
        for entry in checked:
            if (spec.type, entry.id) in self.seen:
                self.fail(entry, "the same id is on an earlier line of this batch")
                continue
            self.seen.add((spec.type, entry.id))
            entries.append(entry)
        if spec.type == "response":
            entries = _parents_first(self._drop_orphans(entries, batch_ids))
        stored = records_by_id(self.conn, spec, [e.id for e in entries])
        new: list[Entry] = []
        changed: list[tuple[Entry, dict[str, Any]]] = []
        for entry in entries:
            before = stored.get(str(entry.id))
            if before is None:
                new.append(entry)
                continue
            if spec.type == "claim" and entry.record["verdict"] is None:
                entry.record["verdict"] = before["verdict"]  # no verdict given: keep it
            if before == entry.record:
                self.counts.append((spec.type, "unchanged"))
            elif spec.type == "claim" and _without_verdict(before) == _without_verdict(
                entry.record
            ):
                self._update_verdicts([(entry, before)])  # only the verdict changed
                self.counts.append((spec.type, "updated"))
            else:
                changed.append((entry, before))
        if new:
            self._insert(spec, new)
        if changed:
            self._update(spec, changed)
        self._index(spec, [e for e in new] + [e for e, _ in changed], [e for e, _ in changed])
        self._note_derived(spec, new, changed)

    def _insert(self, spec: RecordSpec, entries: list[Entry]) -> None:
        rows = [self._full_row(spec, e) for e in entries]
        bulk_insert(self.conn, spec.table, rows)
        self._insert_links(spec, entries)
        for entry, row in zip(entries, rows, strict=True):
            self.pending[(spec.type, entry.id)] = Operation.create.value
            self.known[spec.type][entry.id] = _record_snapshot(spec, entry, row)
            self.counts.append((spec.type, "imported"))
        if spec.type == "claim":
            verdicts = [_verdict_row(e) for e in entries]
            bulk_insert(self.conn, Verdict.__table__, verdicts)  # type: ignore[attr-defined]
            for verdict in verdicts:
                self.pending[("verdict", verdict["id"])] = Operation.create.value
                self.known["verdict"][verdict["id"]] = _snapshot(BY_TYPE["verdict"], verdict, {})

    def _full_row(self, spec: RecordSpec, entry: Entry) -> dict[str, Any]:
        row = {**entry.row, "created_by": None}
        if spec.type == "claim":
            row.update(
                sort_date=row["stated_on"] or UNDATED,
                dispute_status="unanswered",
                first_response_on=None,
                response_lag_days=None,
                support=0.0,
                refute=0.0,
                balance=0.0,
            )
        elif spec.type == "response":
            row["sort_date"] = row["stated_on"] or UNDATED
        return row

    def _insert_links(self, spec: RecordSpec, entries: list[Entry]) -> None:
        for link in spec.links:
            rows = []
            for entry in entries:
                for position, item in enumerate(entry.links[link.name]):
                    if link.name == "tags":
                        rows.append({"claim_id": entry.id, "tag": item})
                        continue
                    row: dict[str, Any] = {link.owner: entry.id}
                    if isinstance(item, dict):
                        row.update(item)
                    else:
                        row[link.values[0]] = item
                    if link.name == "aliases":
                        row["folded"] = item.casefold()
                    row["position"] = position
                    rows.append(row)
            if rows:
                bulk_insert(self.conn, link.table, rows)

    def _update(self, spec: RecordSpec, changed: list[tuple[Entry, dict[str, Any]]]) -> None:
        table = spec.table
        first = next(iter(changed))[0].row
        derived = [c for c in spec.derived if c in ("sort_date", "url_normalized")]
        columns = list(dict.fromkeys([c for c in first if c != "id"] + derived))
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in columns})
        )
        rows = []
        for entry, _ in changed:
            row = self._full_row(spec, entry)
            rows.append({"b_id": entry.id, **{f"b_{c}": row[c] for c in columns}})
        self.conn.execute(stmt, rows)
        ids = [e.id for e, _ in changed]
        for link in spec.links:
            owner = link.table.c[link.owner]
            for chunk in _chunks(ids):
                self.conn.execute(delete(link.table).where(owner.in_(chunk)))
        self._insert_links(spec, [e for e, _ in changed])
        for entry, before in changed:
            self.pending[(spec.type, entry.id)] = _operation(before, entry.record)
            self.counts.append((spec.type, "updated"))
        if spec.type == "claim":
            self._update_verdicts(
                [(e, b) for e, b in changed if e.record["verdict"] != b["verdict"]]
            )

    def _update_verdicts(self, changed: list[tuple[Entry, dict[str, Any]]]) -> None:
        table = Verdict.__table__  # type: ignore[attr-defined]
        for entry, before in changed:
            row = _verdict_row(entry)
            if before["verdict"] is not None:
                self.conn.execute(delete(table).where(table.c.claim_id == entry.id))
            self.conn.execute(insert(table), [row])
            op = Operation.update.value if before["verdict"] else Operation.create.value
            if before["verdict"] and before["verdict"]["id"] != row["id"]:
                op = Operation.create.value
            self.pending[("verdict", row["id"])] = op

    def _index(self, spec: RecordSpec, written: list[Entry], changed: list[Entry]) -> None:
        """Search documents of written rows: one per live actor, event, source, claim and
        response (the same title, body and terms that app.services.search builds)."""
        if spec.type not in ("actor", "event", "source", "claim", "response"):
            return
        table = SearchDocument.__table__  # type: ignore[attr-defined]
        for chunk in _chunks([e.id for e in changed]):
            self.conn.execute(
                delete(table).where(table.c.kind == spec.type, table.c.entity_id.in_(chunk))
            )
        names: dict[uuid.UUID, str] = {}
        if spec.type == "response":
            actor = BY_TYPE["actor"].table
            responders = list({e.row["responder_id"] for e in written})
            for chunk in _chunks(responders):
                names.update(
                    self.conn.execute(
                        select(actor.c.id, actor.c.name).where(actor.c.id.in_(chunk))
                    ).all()  # type: ignore[arg-type]
                )
        documents = []
        for entry in written:
            if entry.row["deleted_at"] is not None:
                continue
            title, body = _document(spec.type, entry, names)
            documents.append(
                {
                    "kind": spec.type,
                    "entity_id": entry.id,
                    "title": title,
                    "body": body,
                    "terms": " ".join(tokens(body)),
                }
            )
        if documents:
            bulk_insert(self.conn, table, documents)

    def _note_derived(
        self, spec: RecordSpec, new: list[Entry], changed: list[tuple[Entry, dict[str, Any]]]
    ) -> None:
        if spec.type == "claim":
            # A new claim has no responses or evidence yet: its stored defaults are right.
            self.claims_to_refresh.update(e.id for e, _ in changed)
        elif spec.type in ("response", "evidence"):
            for entry in new:
                self.claims_to_refresh.add(entry.row["claim_id"])
            for entry, before in changed:
                self.claims_to_refresh.add(entry.row["claim_id"])
                self.claims_to_refresh.add(uuid.UUID(before["claim"]))
        elif spec.type == "relation":
            subjects = {e.row["subject_id"] for e in new if e.row["predicate"] == "part_of"}
            for entry, before in changed:
                if "part_of" in (entry.row["predicate"], before["predicate"]):
                    subjects.update({entry.row["subject_id"], uuid.UUID(before["subject"])})
            for chunk in _chunks(list(subjects)):
                self.claims_to_refresh.update(
                    self.conn.execute(
                        select(ClaimResponse.claim_id).where(ClaimResponse.responder_id.in_(chunk))
                    ).scalars()
                )

    def finish(self, key_id: uuid.UUID | None, request_id: str | None) -> None:
        refresh_claims(self.conn, self.claims_to_refresh)
        tallies.recount_written(self.conn, self.pending, self.claims_to_refresh)
        if self.pending:
            history.append(self.conn, self.pending, key_id, request_id, known=self.known)


def _refs(entry: Entry, name: str) -> list[uuid.UUID]:
    if name in entry.links:
        items = entry.links[name]
        return [i["source_id"] if isinstance(i, dict) else i for i in items]
    value = getattr(entry.model, name)
    return [] if value is None else [value]


def _parents_first(entries: list[Entry]) -> list[Entry]:
    """Responses ordered so that one replying to another of the batch comes after it."""
    by_id = {e.id: e for e in entries}
    placed: set[uuid.UUID] = set()
    ordered: list[Entry] = []

    def place(entry: Entry, depth: int = 0) -> None:
        if entry.id in placed:
            return
        parent = by_id.get(entry.row["in_reply_to_id"])
        placed.add(entry.id)
        if parent is not None and depth < 1000:
            place(parent, depth + 1)
        ordered.append(entry)

    for entry in entries:
        place(entry)
    return ordered


def _without_verdict(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "verdict"}


def _operation(before: dict[str, Any], after: dict[str, Any]) -> str:
    if before["deleted_at"] is None and after["deleted_at"] is not None:
        return Operation.delete.value
    if before["deleted_at"] is not None and after["deleted_at"] is None:
        return Operation.restore.value
    return Operation.update.value


def _verdict_row(entry: Entry) -> dict[str, Any]:
    verdict = entry.model.verdict  # type: ignore[attr-defined]
    if verdict is None:
        created = entry.row["created_at"]
        return {
            "id": new_id(),
            "claim_id": entry.id,
            "rating": "unassessed",
            "rationale": None,
            "reviewed_by": None,
            "reviewed_at": None,
            "version": 1,
            "created_at": created,
            "updated_at": created,
            "deleted_at": None,
            "created_by": None,
        }
    row = {
        key: _value(getattr(verdict, key)) for key, _ in BY_TYPE["verdict"].fields if key != "claim"
    }
    return {**row, "claim_id": entry.id, "created_by": None}


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows that all have the same keys. On SQLite the values go through the
    columns' own bind processors straight to the driver's executemany, without
    SQLAlchemy's per-row statement bookkeeping, which costs more than the insert."""
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    columns = list(rows[0])
    processors = [table.c[c].type._cached_bind_processor(conn.dialect) for c in columns]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    conn.exec_driver_sql(
        sql,
        [
            tuple(
                row[column] if process is None else process(row[column])
                for column, process in zip(columns, processors, strict=True)
            )
            for row in rows
        ],
    )


def _record_snapshot(spec: RecordSpec, entry: Entry, row: dict[str, Any]) -> dict[str, Any]:
    """The revision snapshot of a new row, from its record (whose values are JSON already)."""
    snapshot = {
        column: entry.record[key] for key, column in spec.fields if column not in history.EXCLUDED
    }
    snapshot["created_by"] = None
    if "url_normalized" in row:
        snapshot["url_normalized"] = row["url_normalized"]
    for link in history.LINKS.get(spec.type, ()):
        snapshot[link.name] = entry.record[link.name]
    return snapshot


def _snapshot(spec: RecordSpec, row: dict[str, Any], links: dict[str, list[Any]]) -> dict[str, Any]:
    """What app.services.history.snapshots would read back for this new row."""
    snapshot = {
        column: history.plain(value)
        for column, value in row.items()
        if column not in history.EXCLUDED
    }
    for link in history.LINKS.get(spec.type, ()):
        snapshot[link.name] = [_plain_item(item) for item in links[link.name]]
    return snapshot


def _document(type_: str, entry: Entry, names: dict[uuid.UUID, str]) -> tuple[str, str]:
    row = entry.row
    if type_ == "claim":
        return row["proposition"], _join(row["proposition"], row["quote"], row["translation"])
    if type_ == "response":
        name = names.get(row["responder_id"], "")
        title = f"{name}: {row['stance'].replace('_', ' ')}"
        return title, _join(row["quote"], row["translation"])
    if type_ == "actor":
        body = _join(row["name"], *entry.links["aliases"], row["slug"].replace("-", " "))
        return row["name"], body
    return row["title"], row["title"]


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


# ---- stored dispute status and balance ----------------------------------------------------


def refresh_claims(conn: Connection, claim_ids: Iterable[uuid.UUID]) -> None:
    """Recompute the stored dispute status and balance of many claims, a few queries per
    500 claims (the rules are those of app.services.derived, applied in bulk)."""
    if conn.dialect.name == "sqlite":
        _refresh_sqlite(conn, claim_ids)
        return
    ids = sorted(set(claim_ids))
    stmt = (
        update(Claim)
        .where(Claim.id == bindparam("b_id"))  # type: ignore[arg-type]
        .values(
            dispute_status=bindparam("b_status"),
            first_response_on=bindparam("b_first"),
            response_lag_days=bindparam("b_lag"),
            support=bindparam("b_support"),
            refute=bindparam("b_refute"),
            balance=bindparam("b_balance"),
        )
    )
    for chunk in _chunks(ids):
        stated: dict[uuid.UUID, Any] = dict(
            conn.execute(select(Claim.id, Claim.stated_on).where(Claim.id.in_(chunk))).all()  # type: ignore[attr-defined,arg-type]
        )
        accused: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for claim_id, actor_id in conn.execute(
            select(ClaimAccused.claim_id, ClaimAccused.actor_id).where(
                ClaimAccused.claim_id.in_(chunk)  # type: ignore[attr-defined]
            )
        ):
            accused[claim_id].add(actor_id)
        answers: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for row in conn.execute(
            select(
                ClaimResponse.claim_id,
                ClaimResponse.responder_id,
                ClaimResponse.stance,
                ClaimResponse.stated_on,
            ).where(ClaimResponse.claim_id.in_(chunk), ClaimResponse.deleted_at.is_(None))  # type: ignore[attr-defined,union-attr]
        ):
            answers[row.claim_id].append(row)
        items: dict[uuid.UUID, list[balance_rules.Item]] = defaultdict(list)
        for row in conn.execute(
            select(
                Evidence.claim_id,
                Evidence.id,
                Evidence.bearing,
                Evidence.reliability,
                Evidence.credibility,
                Evidence.independent,
            ).where(Evidence.claim_id.in_(chunk), Evidence.deleted_at.is_(None))  # type: ignore[attr-defined,union-attr]
        ):
            items[row.claim_id].append(balance_rules.Item(*row[1:]))
        pairs = part_of_pairs(
            conn,
            {a.responder_id for rows in answers.values() for a in rows},
            {a for actors in accused.values() for a in actors},
        )
        updates = []
        for claim_id in chunk:
            if claim_id not in stated:
                continue
            result = dispute(
                stated[claim_id],
                [
                    (a.stance, a.stated_on)
                    for a in answers.get(claim_id, [])
                    if is_by_accused(a.responder_id, accused.get(claim_id, set()), pairs)
                ],
            )
            weights = balance_rules.balance(items.get(claim_id, []))
            updates.append(
                {
                    "b_id": claim_id,
                    "b_status": result.status,
                    "b_first": result.first_response_on,
                    "b_lag": result.response_lag_days,
                    "b_support": weights.support,
                    "b_refute": weights.refute,
                    "b_balance": weights.balance,
                }
            )
        if updates:
            conn.execute(stmt, updates)


def _refresh_sqlite(conn: Connection, claim_ids: Iterable[uuid.UUID]) -> None:
    """refresh_claims in the driver's own terms (ids as the 32-digit hex SQLite stores, dates
    as ISO text): the same rules, without building a UUID or a date for every row read."""
    ids = sorted({claim_id.hex for claim_id in claim_ids})

    def day(value: str | None) -> Any:
        return None if value is None else datetime.strptime(value, "%Y-%m-%d").date()

    for chunk in _chunks(ids):
        marks = ", ".join("?" * len(chunk))
        params = tuple(chunk)
        stated: dict[str, str | None] = dict(
            conn.exec_driver_sql(
                f"SELECT id, stated_on FROM claim WHERE id IN ({marks})", params
            ).all()  # type: ignore[arg-type]
        )
        accused: dict[str, set[str]] = defaultdict(set)
        for claim_id, actor_id in conn.exec_driver_sql(
            f"SELECT claim_id, actor_id FROM claim_accused WHERE claim_id IN ({marks})", params
        ):
            accused[claim_id].add(actor_id)
        answers: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
        for claim_id, responder, stance, on in conn.exec_driver_sql(
            "SELECT claim_id, responder_id, stance, stated_on FROM claim_response "
            f"WHERE claim_id IN ({marks}) AND deleted_at IS NULL",
            params,
        ):
            answers[claim_id].append((responder, stance, on))
        items: dict[str, list[balance_rules.Item]] = defaultdict(list)
        for claim_id, *item in conn.exec_driver_sql(
            "SELECT claim_id, id, bearing, reliability, credibility, independent FROM evidence "
            f"WHERE claim_id IN ({marks}) AND deleted_at IS NULL",
            params,
        ):
            items[claim_id].append(balance_rules.Item(*item))
        subjects = {a[0] for rows in answers.values() for a in rows}
        objects = {a for actors in accused.values() for a in actors}
        pairs: set[tuple[str, str]] = set()
        if subjects and objects:
            pairs = set(
                conn.exec_driver_sql(
                    "SELECT subject_id, object_id FROM actor_relation WHERE predicate = 'part_of' "
                    "AND deleted_at IS NULL "
                    f"AND subject_id IN ({', '.join('?' * len(subjects))}) "
                    f"AND object_id IN ({', '.join('?' * len(objects))})",
                    (*subjects, *objects),
                ).all()  # type: ignore[arg-type]
            )
        updates = []
        for claim_id in chunk:
            if claim_id not in stated:
                continue
            mine = accused.get(claim_id, set())
            result = dispute(
                day(stated[claim_id]),
                [
                    (stance, day(on))
                    for responder, stance, on in answers.get(claim_id, [])
                    if is_by_accused(responder, mine, pairs)  # type: ignore[arg-type]
                ],
            )
            weights = balance_rules.balance(items.get(claim_id, []))
            first = result.first_response_on
            updates.append(
                (
                    result.status,
                    None if first is None else first.isoformat(),
                    result.response_lag_days,
                    weights.support,
                    weights.refute,
                    weights.balance,
                    claim_id,
                )
            )
        if updates:
            conn.exec_driver_sql(
                "UPDATE claim SET dispute_status = ?, first_response_on = ?, "
                "response_lag_days = ?, support = ?, refute = ?, balance = ? WHERE id = ?",
                updates,
            )
