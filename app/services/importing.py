"""NDJSON import: load an export file, idempotently, one transaction per batch of lines.

Every line is validated with the API's own input rules and normalised
(app.services.import_entries; in worker processes when the caller asks for them, see
app.services.import_worker), then checked against the database: every id it names
must exist (earlier in the file or already stored), slugs and source URLs must not
belong to another row. A bad line is reported with its number and reason and skipped;
the good lines around it are loaded. A record whose id is stored already is compared
with the stored record: equal, it is left alone (so importing a file twice changes
nothing); different, the stored row takes the record's fields, version and timestamps.

Rows are written with the driver's executemany, not ORM objects. What derives from them
is written in the same transaction: the search documents of new and changed rows, the
stored dispute status and evidence balance of every claim whose responses, evidence or
accused changed, and one revision per created or changed row (its snapshot built from
the record, not read back), so that history and ``contested audit verify`` account for
imported rows as for any other write. Unchanged records write nothing.

On SQLite, a command-line import into a database whose tables are empty loads the whole
file in one transaction (app.services.import_bulk): the tables' other indexes and the
full-text index are built once at the end, instead of row by row.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.exc import IntegrityError

from app.db import Database, is_serialization_failure
from app.errors import ServiceUnavailable
from app.models import Revision
from app.models.revision import Operation
from app.services import history, import_bulk, tallies
from app.services.export import BY_TYPE, EXPORTED_TYPES, RecordSpec, records_by_id
from app.services.import_derived import chunks, refresh_claims
from app.services.import_entries import (
    Entry,
    ImportRefused,
    LineError,
    as_uuid,
    dialect_of,
    driver_id,
    link_columns,
    record_of,
)
from app.services.import_worker import parsed_chunks

__all__ = ["ImportRefused", "ImportReport", "LineError", "import_lines", "read_lines"]

# Lines per transaction: large enough that commits (each an fsync with synchronous=FULL)
# and per-batch lookups are a small share of the work, small enough to hold in memory.
BATCH_LINES = 5000
MAX_ERRORS = 1000
MAX_REMEMBERED = 200_000  # ids per type an import remembers as stored
# A batch that PostgreSQL rolls back for a serialization failure or deadlock is run again,
# this often, before the import stops (the request body cannot be replayed, so the batch
# is retried here rather than the whole request).
BATCH_RETRIES = 3
VERBS = ("imported", "updated", "unchanged")
# The operations as the revision table stores them (a plain str is cheaper than the enum's
# value property, read for every row).
CREATE, UPDATE, DELETE, RESTORE = (op.value for op in Operation)
UNIQUE = {"actor": "slug", "event": "slug", "source": "url_normalized"}
# Columns an update leaves as they are (who created the row; the claim's derived figures,
# recomputed from its responses and evidence, and its verdict's rating, which the
# verdict's own writes copy).
KEPT_ON_UPDATE = {
    "id",
    "created_by",
    "verdict_rating",
    "dispute_status",
    "first_response_on",
    "response_lag_days",
    "support",
    "refute",
    "balance",
}
SEARCH_COLUMNS = ("kind", "entity_id", "title", "body", "terms")
REVISION_COLUMNS = (
    "seq",
    "entity",
    "entity_id",
    "claim_id",
    "op",
    "version",
    "at",
    "key_id",
    "request_id",
    "before",
    "after",
    "prev_hash",
    "hash",
)


@dataclass
class ImportReport:
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {t: dict.fromkeys(VERBS, 0) for t in EXPORTED_TYPES}
    )
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    lines: int = 0

    def error(self, line: int, detail: str) -> None:
        """Count every refused line; keep the first MAX_ERRORS (a file of garbage must
        not fill the memory with its report)."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(LineError(line, detail))

    @property
    def changed(self) -> int:
        return sum(c["imported"] + c["updated"] for c in self.counts.values())


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
    parse_workers: int = 0,
    bulk: bool = False,
) -> ImportReport:
    """Import an export file given as lines; one transaction per ``batch_lines`` lines.

    ``parse_workers`` processes validate the lines while this one writes (0: this one
    does both). ``bulk`` lets an import into empty SQLite tables load the whole file in
    one transaction (see app.services.import_bulk); otherwise, and on PostgreSQL, each
    batch commits on its own. ``progress`` is called after each batch with the number of
    lines read so far. Raises ImportRefused when the header names another format or
    version.
    """
    report = ImportReport()
    importer = _Importer(database, report, key_id, request_id)
    dialect = database.write.dialect.name
    parsed = parsed_chunks(lines, dialect, max_line_bytes, parse_workers)
    with closing(parsed), importer.transaction(bulk):
        batch: list[Entry] = []
        for chunk in parsed:
            report.lines = max(report.lines, chunk.last_line)
            for problem in chunk.errors:
                report.error(problem.line, problem.detail)
            batch.extend(chunk.entries)
            while len(batch) >= batch_lines:
                importer.run(batch[:batch_lines])
                del batch[:batch_lines]
                if progress is not None:
                    progress(report.lines)
        if batch:
            importer.run(batch)
    if progress is not None:
        progress(report.lines)
    report.errors.sort(key=lambda e: e.line)
    return report


def read_lines(file: IO[bytes], max_line_bytes: int, block: int = 1 << 20) -> Iterator[bytes]:
    """The lines of a binary file (split at b"\\n" only, as readline does); a line longer
    than ``max_line_bytes`` is cut to one byte more than that (so that it is refused as
    too long) and never held whole. Read a block at a time: a readline call per line
    costs more than the import's own work on it."""
    rest, skipping = b"", False
    while data := file.read(block):
        if skipping:  # the rest of a line that was too long
            end = data.find(b"\n")
            if end < 0:
                continue
            data, skipping = data[end + 1 :], False
        lines = (rest + data).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line + b"\n" if len(line) <= max_line_bytes else line[: max_line_bytes + 1]
        if len(rest) > max_line_bytes:
            yield rest[: max_line_bytes + 1]
            rest, skipping = b"", True
    if rest:
        yield rest


class _Importer:
    """Runs batches, each in its own transaction or, in a bulk load, its own savepoint."""

    def __init__(
        self,
        database: Database,
        report: ImportReport,
        key_id: uuid.UUID | None,
        request_id: str | None,
    ) -> None:
        self.database = database
        self.report = report
        self.key_id = key_id
        self.request_id = request_id
        # Ids this import has seen stored already (committed), so as not to look them up.
        self.stored: dict[str, set[Any]] = {}
        self.bulk_conn: Connection | None = None

    @contextmanager
    def transaction(self, bulk: bool) -> Iterator[None]:
        """Around the whole import: a bulk load's one transaction, when there is one."""
        if bulk and self.database.is_sqlite:
            with self.database.write.connect() as conn:
                with import_bulk.alone(conn) as journaled, conn.begin():
                    if import_bulk.tables_empty(conn):
                        with import_bulk.bulk_load(conn):
                            self.bulk_conn = conn
                            yield
                if self.bulk_conn is not None:
                    if not journaled:
                        import_bulk.truncate_log(conn)
                    return
        yield

    def _begin(self) -> AbstractContextManager[Connection]:
        if self.bulk_conn is None:
            return self.database.write.begin()
        return _savepoint(self.bulk_conn)

    def run(self, batch: list[Entry]) -> None:
        try:
            work = self._write(batch)
        except IntegrityError:
            # A constraint the checks did not foresee: load the lines one by one, so that
            # only the line at fault is lost (and named).
            if len(batch) == 1:
                self.report.error(batch[0].line, "refused by a constraint of the database")
                return
            for entry in batch:
                self.run([entry])
            return
        for problem in work.errors:
            self.report.error(problem.line, problem.detail)
        for (type_, verb), count in work.counts.items():
            self.report.counts[type_][verb] += count
        for type_, row_id in work.pending:
            ids = self.stored.setdefault(type_, set())
            if len(ids) >= MAX_REMEMBERED:
                ids.clear()  # forget, and look up again: memory stays bounded
            ids.add(row_id)

    def _write(self, batch: list[Entry]) -> _Batch:
        """One batch in one transaction, run again after a serialization failure (each
        attempt starts afresh: ``stored`` only changes once a batch has committed)."""
        for attempt in range(BATCH_RETRIES + 1):
            try:
                with self._begin() as conn:
                    work = _Batch(conn, self.stored, deferred=self.bulk_conn is not None)
                    by_type: dict[str, list[Entry]] = defaultdict(list)
                    for entry in batch:
                        by_type[entry.type].append(entry)
                    for type_ in EXPORTED_TYPES:
                        if by_type[type_]:
                            work.load(BY_TYPE[type_], by_type[type_])
                    work.finish(self.key_id, self.request_id)
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


@contextmanager
def _savepoint(conn: Connection) -> Iterator[Connection]:
    with conn.begin_nested():
        yield conn


# ---- SQL in the driver's own terms ----------------------------------------------------------


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def insert_rows(
    conn: Connection, table: str, columns: Iterable[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT many rows of driver values with the driver's executemany."""
    if not rows:
        return
    names = list(columns)
    marks = ", ".join([_mark(conn)] * len(names))
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)


def select_in(conn: Connection, sql: str, values: Iterable[Any]) -> list[Any]:
    """Rows of ``sql``, whose ``IN :ids`` is each chunk of ``values`` in turn (driver
    values in, driver values out)."""
    found: list[Any] = []
    stmt = text(sql).bindparams(bindparam("ids", expanding=True))
    for chunk in chunks(list(values)):
        found.extend(conn.execute(stmt, {"ids": chunk}).all())
    return found


@dataclass(slots=True)
class _Change:
    """A stored row the file changes: the stored record and the file's."""

    entry: Entry
    before: dict[str, Any]
    record: dict[str, Any]


# A revision to append once the batch is written: (op, id as text, the claim's driver id
# or None, the claim's id as text or None, version, after); a version and after of None
# are read back from the row. (A plain tuple: there is one for every row written.)
_Revision = tuple[str, str, Any, str | None, int | None, str | None]


class _Batch:
    """The writes of one batch of lines, inside one transaction.

    With ``deferred`` (a bulk load), the claims' derived figures are left to the end of
    the load, when the indexes their queries need exist again."""

    def __init__(self, conn: Connection, stored: dict[str, set[Any]], deferred: bool) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.stored = stored
        self.deferred = deferred
        # Reported only once the batch has committed.
        self.errors: list[LineError] = []
        self.counts: Counter[tuple[str, str]] = Counter()
        self.pending: dict[tuple[str, Any], _Revision] = {}
        self.claims_to_refresh: set[Any] = set()
        self.seen: set[tuple[str, Any]] = set()
        # The search index's insert trigger, dropped until the batch's end (SQLite).
        self.fts_trigger: str | None = None

    def fail(self, entry: Entry, detail: str) -> None:
        self.errors.append(LineError(entry.line, f"{entry.type} {entry.uid}: {detail}"))

    # -- checks --

    def _existing_ids(self, type_: str, ids: set[Any]) -> set[Any]:
        known = self.stored.get(type_, set())
        found = ids & known
        table = BY_TYPE[type_].table.name
        rows = select_in(self.conn, f"SELECT id FROM {table} WHERE id IN :ids", ids - known)
        found.update(row[0] for row in rows)
        return found

    def _check_references(self, spec: RecordSpec, entries: list[Entry]) -> list[Entry]:
        wanted: dict[str, set[Any]] = defaultdict(set)
        own_ids = {e.id for e in entries}
        for entry in entries:
            for _, target, ref in entry.refs:
                if not (target == spec.type and ref in own_ids):
                    wanted[target].add(ref)
        present = {target: self._existing_ids(target, ids) for target, ids in wanted.items()}
        good = []
        for entry in entries:
            missing = [
                f"{name} names no {target} {as_uuid(ref)}"
                for name, target, ref in entry.refs
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
        parents = {e.row["in_reply_to_id"] for e in entries if e.row["in_reply_to_id"]}
        rows = select_in(
            self.conn,
            "SELECT id, claim_id FROM claim_response WHERE id IN :ids",
            parents - set(claim_of),
        )
        claim_of.update({row[0]: row[1] for row in rows})
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
        valid = []
        for entry in entries:
            if entry.problem is not None:
                self.fail(entry, entry.problem)
            else:
                valid.append(entry)
        values = {e.row[column] for e in valid if e.row[column] is not None}
        owner: dict[Any, Any] = {
            row[1]: row[0]
            for row in select_in(
                self.conn,
                f"SELECT id, {column} FROM {spec.table.name} WHERE {column} IN :ids",
                values,
            )
        }
        good = []
        noun = "url" if column == "url_normalized" else column
        for entry in valid:
            value = entry.row[column]
            holder = owner.get(value) if value is not None else None
            if holder is not None and holder != entry.id:
                self.fail(entry, f"{noun} {value!r} belongs to {spec.type} {as_uuid(holder)}")
                continue
            if value is not None:
                owner[value] = entry.id
            good.append(entry)
        return good

    def _drop_orphans(self, entries: list[Entry], batch_ids: set[Any]) -> list[Entry]:
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
        stored_ids = self._existing_ids(spec.type, {e.id for e in entries})
        stored = records_by_id(self.conn, spec, [as_uuid(i) for i in stored_ids])
        new: list[Entry] = []
        changed: list[_Change] = []
        for entry in entries:
            before = stored.get(entry.uid)
            if before is None:
                new.append(entry)
                continue
            record = record_of(self.dialect, entry)
            if spec.type == "claim" and record["verdict"] is None:
                record["verdict"] = before["verdict"]  # no verdict given: keep it
            if before == record:
                self.counts[spec.type, "unchanged"] += 1
            elif spec.type == "claim" and _without_verdict(before) == _without_verdict(record):
                self._update_verdicts([_Change(entry, before, record)])  # only the verdict
                self.counts[spec.type, "updated"] += 1
            else:
                changed.append(_Change(entry, before, record))
        if new:
            self._insert(spec, new)
        if changed:
            self._update(spec, changed)
        self._index(spec, new + [c.entry for c in changed], [c.entry for c in changed])
        self._note_derived(spec, new, changed)

    def _insert(self, spec: RecordSpec, entries: list[Entry]) -> None:
        insert_rows(
            self.conn, spec.table.name, entries[0].row, [tuple(e.row.values()) for e in entries]
        )
        self._insert_links(spec, entries)
        self.counts[spec.type, "imported"] += len(entries)
        type_, own = spec.type, spec.type == "claim"
        self.pending.update(
            (
                (type_, e.id),
                (
                    CREATE,
                    e.uid,
                    e.id if own else e.row.get("claim_id"),
                    e.claim_uid,
                    e.row["version"],
                    e.after,
                ),
            )
            for e in entries
        )
        if own:
            verdicts = [e.verdict for e in entries if e.verdict is not None]
            insert_rows(
                self.conn, "verdict", verdicts[0][0], [tuple(row.values()) for row, _ in verdicts]
            )
            for entry in entries:
                row, after = entry.verdict  # type: ignore[misc]
                if after is not None:  # the initial verdict is part of the claim's create
                    self.pending["verdict", row["id"]] = (
                        CREATE,
                        str(as_uuid(row["id"])),
                        entry.id,
                        entry.uid,
                        row["version"],
                        after,
                    )

    def _insert_links(self, spec: RecordSpec, entries: list[Entry]) -> None:
        for link in spec.links:
            rows = [row for entry in entries for row in entry.links[link.name]]
            insert_rows(self.conn, link.table.name, link_columns(link), rows)

    def _update(self, spec: RecordSpec, changed: list[_Change]) -> None:
        entries = [c.entry for c in changed]
        columns = [c for c in entries[0].row if c not in KEPT_ON_UPDATE]
        mark = _mark(self.conn)
        sets = ", ".join(f"{c} = {mark}" for c in columns)
        self.conn.exec_driver_sql(
            f"UPDATE {spec.table.name} SET {sets} WHERE id = {mark}",
            [(*(e.row[c] for c in columns), e.id) for e in entries],
        )
        ids = [e.id for e in entries]
        for link in spec.links:
            for chunk in chunks(ids):
                self.conn.execute(
                    text(f"DELETE FROM {link.table.name} WHERE {link.owner} IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": chunk},
                )
        self._insert_links(spec, entries)
        self.counts[spec.type, "updated"] += len(changed)
        for change in changed:
            entry = change.entry
            self.pending[spec.type, entry.id] = (
                _operation(change.before, change.record),
                entry.uid,
                entry.id if spec.type == "claim" else entry.row.get("claim_id"),
                entry.claim_uid,
                None,
                None,
            )
        if spec.type == "claim":
            self._update_verdicts(
                [c for c in changed if c.record["verdict"] != c.before["verdict"]]
            )

    def _update_verdicts(self, changed: list[_Change]) -> None:
        for change in changed:
            entry, before = change.entry, change.before
            row, _ = entry.verdict  # type: ignore[misc]
            if before["verdict"] is not None:
                self.conn.execute(
                    text("DELETE FROM verdict WHERE claim_id = :claim"), {"claim": entry.id}
                )
            insert_rows(self.conn, "verdict", row, [tuple(row.values())])
            op = UPDATE if before["verdict"] else CREATE
            uid = str(as_uuid(row["id"]))
            if before["verdict"] and before["verdict"]["id"] != uid:
                op = CREATE
            self.pending["verdict", row["id"]] = (op, uid, entry.id, entry.uid, None, None)

    def _index(self, spec: RecordSpec, written: list[Entry], changed: list[Entry]) -> None:
        """Search documents of written rows: one per live actor, event, source, claim and
        response (the same title, body and terms that app.services.search builds)."""
        if spec.type not in ("actor", "event", "source", "claim", "response"):
            return
        if changed:
            for chunk in chunks([e.id for e in changed]):
                self.conn.execute(
                    text(
                        "DELETE FROM search_document WHERE kind = :kind AND entity_id IN :ids"
                    ).bindparams(bindparam("ids", expanding=True)),
                    {"kind": spec.type, "ids": chunk},
                )
        names: dict[Any, str] = {}
        if spec.type == "response":
            responders = {e.row["responder_id"] for e in written}
            found = select_in(self.conn, "SELECT id, name FROM actor WHERE id IN :ids", responders)
            names = {row[0]: row[1] for row in found}
        documents = []
        for entry in written:
            if entry.document is None:
                continue
            title, body, terms = entry.document
            if title is None:  # a response: "<responder>: <stance>"
                name = names.get(entry.row["responder_id"], "")
                title = f"{name}: {entry.row['stance'].replace('_', ' ')}"
            documents.append((spec.type, entry.id, title, body, terms))
        if self.dialect != "sqlite" or self.deferred or not documents:
            insert_rows(self.conn, "search_document", SEARCH_COLUMNS, documents)
            return
        # SQLite: the FTS5 index takes the batch's documents in one statement per 500,
        # several times cheaper than its insert trigger's statement per document.
        if self.fts_trigger is None:
            self.fts_trigger = import_bulk.drop_fts_insert_trigger(self.conn)
        insert_rows(self.conn, "search_document", SEARCH_COLUMNS, documents)
        import_bulk.index_documents(self.conn, spec.type, [d[1] for d in documents])

    def _note_derived(self, spec: RecordSpec, new: list[Entry], changed: list[_Change]) -> None:
        if spec.type == "claim":
            # A new claim has no responses or evidence yet: its stored defaults are right.
            self.claims_to_refresh.update(c.entry.id for c in changed)
        elif spec.type in ("response", "evidence"):
            for entry in new:
                self.claims_to_refresh.add(entry.row["claim_id"])
            for change in changed:
                self.claims_to_refresh.add(change.entry.row["claim_id"])
                self.claims_to_refresh.add(driver_id(self.dialect, change.before["claim"]))
        elif spec.type == "relation":
            subjects = {e.row["subject_id"] for e in new if e.row["predicate"] == "part_of"}
            for change in changed:
                row, before = change.entry.row, change.before
                if "part_of" in (row["predicate"], before["predicate"]):
                    subjects.update({row["subject_id"], driver_id(self.dialect, before["subject"])})
            sql = "SELECT claim_id FROM claim_response WHERE responder_id IN :ids"
            rows = select_in(self.conn, sql, subjects)
            self.claims_to_refresh.update(row[0] for row in rows)

    def finish(self, key_id: uuid.UUID | None, request_id: str | None) -> None:
        if self.fts_trigger is not None:
            self.conn.exec_driver_sql(self.fts_trigger)
        if not self.deferred:  # a bulk load refreshes and counts every claim at its end
            refresh_claims(self.conn, self.claims_to_refresh)
            tallies.recount_claims(self.conn, self._claims_to_count())
        if self.pending:
            self._append_revisions(key_id, request_id)

    def _claims_to_count(self) -> set[uuid.UUID]:
        """The claims whose stats counts this batch may have changed: those it wrote, those
        whose verdict it wrote, and those whose derived columns it refreshed."""
        found = {as_uuid(claim_id) for claim_id in self.claims_to_refresh}
        for (kind, _), (_op, _uid, _claim, claim_uid, *_) in self.pending.items():
            if kind in ("claim", "verdict") and claim_uid is not None:
                found.add(as_uuid(claim_uid))
        return found

    def _append_revisions(self, key_id: uuid.UUID | None, request_id: str | None) -> None:
        """One hash-chained revision per created or changed row, in the order written."""
        unread: dict[str, list[uuid.UUID]] = defaultdict(list)
        for (kind, row_id), (*_, known) in self.pending.items():
            if known is None:
                unread[kind].append(as_uuid(row_id))
        read = {kind: history.snapshots(self.conn, kind, ids) for kind, ids in unread.items()}
        seq, prev_hash, at = history.chain_head(self.conn)
        revision_table = Revision.__table__  # type: ignore[attr-defined]
        processors = {
            c: revision_table.c[c].type._cached_bind_processor(dialect_of(self.dialect))
            for c in ("at", "key_id")
        }
        stamp = processors["at"](at) if processors["at"] else at
        at_text, key_text = history.plain(at), history.plain(key_id)
        key = key_id
        if processors["key_id"] is not None and key_id is not None:
            key = processors["key_id"](key_id)
        rows = []
        for (kind, row_id), (op, uid, claim, claim_uid, version, after) in self.pending.items():
            before = None
            if after is None:
                snapshot = read[kind].get(as_uuid(row_id))
                if snapshot is None:
                    continue
                initial = kind == "verdict" and history.is_initial_verdict(snapshot)
                if initial and op == CREATE:
                    continue  # the verdict every claim is created with
                after, version = history.canonical(snapshot), snapshot["version"]
            if op != CREATE:
                before = history.last_after(self.conn, kind, as_uuid(row_id))
                if before is None and kind == "verdict":
                    before = history.canonical(history.initial_verdict(json.loads(after)))
            seq += 1
            fields = {
                "seq": seq,
                "entity": kind,
                "entity_id": uid,
                "claim_id": claim_uid,
                "op": op,
                "version": version,
                "at": at_text,
                "key_id": key_text,
                "request_id": request_id,
                "before": before,
                "after": after,
            }
            digest = history.plain_revision_hash(prev_hash, fields)
            rows.append(
                (
                    seq,
                    kind,
                    row_id,
                    claim,
                    op,
                    version,
                    stamp,
                    key,
                    request_id,
                    before,
                    after,
                    prev_hash,
                    digest,
                )
            )
            prev_hash = digest
        insert_rows(self.conn, "revision", REVISION_COLUMNS, rows)


def _parents_first(entries: list[Entry]) -> list[Entry]:
    """Responses ordered so that one replying to another of the batch comes after it."""
    by_id = {e.id: e for e in entries}
    placed: set[Any] = set()
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
        return DELETE
    if before["deleted_at"] is not None and after["deleted_at"] is None:
        return RESTORE
    return UPDATE
