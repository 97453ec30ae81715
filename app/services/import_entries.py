"""Lines of an export file as import entries: validated, normalised, ready to write.

Everything here depends on the line alone, not on the database, so that the import can
run it in a worker process beside the one that writes (app.services.import_worker).
An entry holds its row and link rows as the database driver takes them (ids as 32 hex
digits on SQLite, UUIDs on PostgreSQL; timestamps as SQLite's text), the record as the
export writes it (to compare with a stored one), the snapshot its revision records when
the row is new, and its search document: the writer only checks and inserts.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import cache, lru_cache, partial
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import Date, Table, Uuid
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from app.models.common import UNDATED, UTCDateTime, default_precision, new_id
from app.services import history
from app.services.export import BY_TYPE, EXPORTED_TYPES, FORMAT, FORMAT_VERSION, LinkSpec
from app.services.history import canonical, plain
from app.services.import_records import RecordMeta, validate, validate_json
from app.services.prepared import dashed
from app.services.search import terms
from app.services.urls import InvalidUrl, normalize_url

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
SEARCHED = ("actor", "event", "source", "claim", "response")
# What each accused row copies from its claim (database triggers keep the copies; an
# import writes them too, so that a bulk load can do without the trigger).
CLAIM_COPIES = ("sort_date", "dispute_status", "live")
# Columns a new row gets that an update leaves as they are: who created it, and the
# claim's derived figures (recomputed once its responses and evidence are stored).
INSERT_ONLY = {
    "created_by": None,
    "dispute_status": "unanswered",
    "first_response_on": None,
    "response_lag_days": None,
    "support": 0.0,
    "refute": 0.0,
    "balance": 0.0,
}


class ImportRefused(ValueError):
    """The file as a whole cannot be imported (another format, or a later version)."""


@dataclass(frozen=True)
class LineError:
    line: int
    detail: str


class Entry(NamedTuple):
    """One valid line, normalised and in the driver's own terms (a named tuple: entries
    travel from the parse workers, and a tuple is the cheapest thing to unpickle)."""

    line: int
    raw: bytes | str  # the line itself
    type: str
    id: Any  # the row's id as the driver takes it
    uid: str  # the same id as text, as records and revisions write it
    row: dict[str, Any]  # column -> value, every column a new row needs
    links: dict[str, list[tuple[Any, ...]]]  # link name -> rows of its link table
    refs: list[tuple[str, str, Any]]  # (field, record type it names, driver id)
    after: str  # the revision snapshot of the row as a new one (canonical JSON)
    # Search (title, body, terms) of a live searchable row; a response's title is made by
    # the writer, which knows the responder's name.
    document: tuple[str | None, str, str] | None
    claim_uid: str | None  # the claim a claim, response or evidence item belongs to
    # A claim's verdict row, and its snapshot unless it is the initial unassessed one.
    verdict: tuple[dict[str, Any], str | None] | None
    problem: str | None  # a refusal found here but reported with the checks


@dataclass(slots=True)
class Parsed:
    """What a run of lines gave: the entries, the refused lines, the last line number."""

    entries: list[Entry]
    errors: list[LineError]
    last_line: int


# ---- driver values ------------------------------------------------------------------------


@cache
def dialect_of(name: str) -> Dialect:
    return sqlite.dialect() if name == "sqlite" else postgresql.psycopg.dialect()  # type: ignore[no-any-return]


@cache
def _processors(dialect_name: str, table: Table) -> dict[str, Callable[[Any], Any] | None]:
    dialect = dialect_of(dialect_name)
    return {c.name: c.type._cached_bind_processor(dialect) for c in table.columns}


def driver_id(dialect_name: str, value: uuid.UUID | str) -> Any:
    """A UUID (or its text) as the driver takes it."""
    uid = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    return uid.hex if dialect_name == "sqlite" else uid


# Dates that records name recur: their text and driver forms are kept for this many.
REPEATED = 1 << 16


def _reference(dialect_name: str, value: uuid.UUID) -> tuple[Any, Any]:
    """A UUID another row names, as text (records, snapshots) and as the driver takes it.
    Its 32 hex digits come from its number, and its text from them, remembered (``str``
    and ``.hex`` of the UUID class each run Python code, and these ids recur)."""
    digits = f"{value.int:032x}"
    return dashed(digits), digits if dialect_name == "sqlite" else value


def as_uuid(value: Any) -> uuid.UUID:
    """A driver id (hex text on SQLite, a UUID on PostgreSQL) as a UUID."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)


# ---- normalising a record -----------------------------------------------------------------


def _link_items(type_: str, model: Any) -> dict[str, list[Any]]:
    """Each list field of the record, its duplicates dropped (tags sorted)."""
    if type_ == "actor":
        return {"aliases": list(dict.fromkeys(model.aliases))}
    if type_ == "relation":
        return {"sources": list(dict.fromkeys(model.sources))}
    links: dict[str, list[Any]] = {}
    if type_ == "claim":
        links["accused"] = list(dict.fromkeys(model.accused))
        links["tags"] = sorted(set(model.tags))
    if hasattr(model, "sources"):
        cited: dict[uuid.UUID, str | None] = {}
        for citation in model.sources:
            cited.setdefault(citation.source_id, citation.locator)
        links["sources"] = [{"source_id": s, "locator": loc} for s, loc in cited.items()]
    return links


def _link_rows(
    dialect_name: str, link: LinkSpec, owner: Any, items: list[Any], claim: tuple[Any, ...]
) -> list[tuple[Any, ...]]:
    """Rows of a link table, in the column order of link_columns (``claim``: what an
    accused row copies from its claim)."""
    if link.name == "accused":
        return [(owner, driver_id(dialect_name, item), i, *claim) for i, item in enumerate(items)]
    if link.name == "tags":
        return [(owner, tag) for tag in items]
    if link.name == "aliases":
        return [(owner, alias, alias.casefold(), i) for i, alias in enumerate(items)]
    if isinstance(items[0] if items else None, dict):
        return [
            (owner, driver_id(dialect_name, item["source_id"]), item["locator"], i)
            for i, item in enumerate(items)
        ]
    return [(owner, driver_id(dialect_name, item), i) for i, item in enumerate(items)]


def link_columns(link: LinkSpec) -> tuple[str, ...]:
    if link.name == "accused":
        return (link.owner, *link.values, "position", *CLAIM_COPIES)
    if link.name == "tags":
        return (link.owner, "tag")
    if link.name == "aliases":
        return (link.owner, "alias", "folded", "position")
    return (link.owner, *link.values, "position")


def _plain_item(item: Any) -> Any:
    if isinstance(item, uuid.UUID):
        return dashed(f"{item.int:032x}")
    if isinstance(item, dict):
        return {k: _plain_item(v) for k, v in item.items()}
    return item  # text


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def _document(type_: str, values: dict[str, Any], links: dict[str, list[Any]]) -> tuple[Any, str]:
    """(title, body) as app.services.search builds them (a response's title is None)."""
    if type_ == "claim":
        body = _join(values["proposition"], values["quote"], values["translation"])
        return values["proposition"], body
    if type_ == "response":
        return None, _join(values["quote"], values["translation"])
    if type_ == "actor":
        body = _join(values["name"], *links["aliases"], values["slug"].replace("-", " "))
        return values["name"], body
    return values["title"], values["title"]


def _verdict(dialect_name: str, claim_id: uuid.UUID, model: Any, created: datetime) -> Any:
    """The claim's verdict: (record, row, snapshot or None for the initial one)."""
    if model is None:
        fields: dict[str, Any] = {"id": new_id(), **history.UNASSESSED}
        fields["created_at"] = fields["updated_at"] = created
    else:
        fields = dict(model.__dict__)
    fields["claim"] = claim_id
    # A verdict's fields are named as its columns, but for the claim it belongs to.
    _, plain_fields, row = _fields(dialect_name, "verdict", fields)
    del plain_fields["type"]
    plain_fields["claim_id"] = plain_fields.pop("claim")
    row["created_by"] = plain_fields["created_by"] = None
    snapshot = {c: v for c, v in plain_fields.items() if c not in history.EXCLUDED}
    after = None if history.is_initial_verdict(snapshot) else canonical(snapshot)
    record = None
    if model is not None:
        record = {k: v for k, v in plain_fields.items() if k not in ("claim_id", "created_by")}
    return record, row, after


# A value's JSON form (as records and snapshots hold it) and driver form.
Forms = Callable[[Any], tuple[Any, Any]]


def _forms(process: Callable[[Any], Any] | None) -> Forms:
    def forms(value: Any) -> tuple[Any, Any]:
        return plain(value), value if process is None else process(value)

    return forms


def utc_text_forms(value: datetime) -> tuple[str, str]:
    """A timestamp already in UTC as plain() writes it and as SQLite's DATETIME binds it
    (``YYYY-MM-DD HH:MM:SS.ffffff``), the second cut from the first: formatting each of
    its seven parts again cost twice as long."""
    text = value.isoformat()  # YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00
    if value.microsecond:
        return text, f"{text[:10]} {text[11:26]}"
    return text, f"{text[:10]} {text[11:19]}.000000"


@cache
def _columns(dialect_name: str, type_: str) -> list[tuple[str, str, Any, Forms]]:
    """(record key, column, bind processor, forms) of each field of a record type. The
    forms of a timestamp skip the column's conversion to UTC (done before), and those of
    an id another row names or of a date are remembered (they recur)."""
    spec = BY_TYPE[type_]
    dialect = dialect_of(dialect_name)
    processors = _processors(dialect_name, spec.table)
    found = []
    for key, column in spec.fields:
        kind = spec.table.c[column].type
        process = processors[column]
        if isinstance(kind, UTCDateTime) and dialect_name == "sqlite":
            forms: Forms = utc_text_forms
        elif isinstance(kind, UTCDateTime):
            impl = dialect.type_descriptor(kind.impl_instance)
            forms = _forms(impl._cached_bind_processor(dialect))
        elif isinstance(kind, Uuid) and column != "id":
            forms = partial(_reference, dialect_name)
        elif isinstance(kind, Date):
            forms = lru_cache(maxsize=REPEATED)(_forms(process))
        else:
            forms = _forms(process)
        found.append((key, column, process, forms))
    return found


@cache
def _insert_only(type_: str) -> dict[str, Any]:
    table = BY_TYPE[type_].table
    return {c: v for c, v in INSERT_ONLY.items() if c in table.c}


_AS_IS = (str, int, bool, float)


def _fields(
    dialect_name: str, type_: str, fields: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A record's fields three ways, in one pass: Python values by column, JSON values by
    record key (the record as the export writes it), driver values by column."""
    values: dict[str, Any] = {}
    record: dict[str, Any] = {"type": type_}
    row: dict[str, Any] = {}
    for key, column, process, forms in _columns(dialect_name, type_):
        value = fields[key]
        if value is None or type(value) in _AS_IS:
            values[column] = record[key] = value
            row[column] = value if process is None or value is None else process(value)
            continue
        if isinstance(value, Enum):
            value = value.value
            values[column] = record[key] = value
            row[column] = value if process is None else process(value)
            continue
        if isinstance(value, datetime):
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        values[column] = value
        record[key], row[column] = forms(value)
    for name in DATES.get(type_, ()):
        column = f"{name}_precision"
        precision = default_precision(values[name], values[column])
        values[column] = record[column] = row[column] = precision
    return values, record, row


def normalise(
    dialect_name: str, line: int, raw: bytes | str, type_: str, model: RecordMeta
) -> tuple[Entry, dict[str, Any]]:
    """The entry of a valid record, and the record as the export would write it."""
    spec = BY_TYPE[type_]
    values, record, row = _fields(dialect_name, type_, model.__dict__)
    items = _link_items(type_, model)
    for link in spec.links:
        record[link.name] = [_plain_item(item) for item in items[link.name]]
    problem = None
    if type_ == "source":
        url = values["url"]
        try:
            values["url_normalized"] = None if url is None else normalize_url(url)
        except InvalidUrl as exc:
            values["url_normalized"] = None
            problem = f"url is not an http(s) URL: {exc}"
    elif "stated_on" in values:
        values["sort_date"] = values["stated_on"] or UNDATED

    # The revision snapshot of the new row, from the record (whose values are JSON already).
    snapshot = {
        column: record[key] for key, column in spec.fields if column not in history.EXCLUDED
    }
    snapshot["created_by"] = None
    if "url_normalized" in values:
        snapshot["url_normalized"] = values["url_normalized"]
    for hlink in history.LINKS.get(type_, ()):
        snapshot[hlink.name] = record[hlink.name]

    verdict = None
    if type_ == "claim":
        verdict_record, verdict_row, verdict_after = _verdict(
            dialect_name,
            model.id,
            model.verdict,
            values["created_at"],  # type: ignore[attr-defined]
        )
        record["verdict"] = verdict_record
        verdict = (verdict_row, verdict_after)

    document = None
    if type_ in SEARCHED and values["deleted_at"] is None:
        title, body = _document(type_, values, items)
        document = (title, body, terms(body))

    for column in ("url_normalized", "sort_date"):
        if column in values:
            process = _processors(dialect_name, spec.table)[column]
            row[column] = values[column] if process is None else process(values[column])
    row.update(_insert_only(type_))
    copied: tuple[Any, ...] = ()
    if verdict is not None:
        row["verdict_rating"] = verdict[0]["rating"]  # as the verdict's trigger copies it
        copied = (row["sort_date"], row["dispute_status"], row["deleted_at"] is None)
    refs: list[tuple[str, str, Any]] = []
    for name, target in REFERENCES.get(type_, ()):
        found = items.get(name)
        refs.extend(
            (name, target, driver_id(dialect_name, ref))
            for ref in _refs(found if found is not None else getattr(model, name))
        )
    claim_uid = record["id"] if type_ == "claim" else record.get("claim")
    entry = Entry(
        line=line,
        raw=raw,
        type=type_,
        id=row["id"],
        uid=record["id"],
        row=row,
        links={
            link.name: _link_rows(dialect_name, link, row["id"], items[link.name], copied)
            for link in spec.links
        },
        refs=refs,
        after=canonical(snapshot),
        document=document,
        claim_uid=claim_uid,
        verdict=verdict,
        problem=problem,
    )
    return entry, record


def record_of(dialect_name: str, entry: Entry) -> dict[str, Any]:
    """The entry's record as the export would write it: its line is read again (the
    writer needs it only to compare the line with a row already stored)."""
    model = validate_json(entry.raw)
    if model is None:
        text = entry.raw.decode() if isinstance(entry.raw, bytes) else entry.raw
        parsed = _slow_parse(text, entry.line)
        assert isinstance(parsed, tuple), "a line accepted once is accepted again"
        model = parsed[1]
    return normalise(dialect_name, entry.line, entry.raw, entry.type, model)[1]


def _refs(value: Any) -> list[uuid.UUID]:
    if value is None:
        return []
    if isinstance(value, list):
        return [i["source_id"] if isinstance(i, dict) else i for i in value]
    return [value]


# ---- reading lines ------------------------------------------------------------------------


def _slow_parse(text: str, number: int) -> tuple[str, RecordMeta] | str | None:
    """The line checked step by step, as the import always has: (type, record), the
    reason it is refused, or None for the header. Raises ImportRefused for another
    format's header."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(data, dict):
        return "not a JSON object"
    type_ = data.get("type")
    if type_ == "header":
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise ImportRefused(f"line {number}: not a {FORMAT} file of version {FORMAT_VERSION}")
        return None
    if type_ not in EXPORTED_TYPES:
        return f"unknown type {type_!r}"
    try:
        return type_, validate(type_, data)
    except ValueError as exc:
        return f"invalid {type_}: {exc}"


# Lines and the number of the first one.
Chunk = tuple[int, list[bytes | str]]


def parse_lines(dialect_name: str, chunk: Chunk, max_line_bytes: int) -> Parsed:
    """The entries of some numbered lines; each bad line becomes a LineError.

    Most lines are validated straight from their JSON text by pydantic-core; any line
    that path does not accept (a header, or a line to refuse) is read again step by
    step, so that what is accepted and the reason a line is refused stay exactly those
    of validating the parsed JSON with the API's input models.
    """
    entries: list[Entry] = []
    errors: list[LineError] = []
    first, lines = chunk
    number = first - 1
    for number, raw in enumerate(lines, start=first):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                errors.append(LineError(number, "not UTF-8 text"))
                continue
        else:
            text = raw
        if len(raw) > max_line_bytes:
            errors.append(LineError(number, f"line is longer than {max_line_bytes} bytes"))
            continue
        if not text.strip():
            continue
        model = validate_json(raw)
        if model is None:
            parsed = _slow_parse(text, number)
            if parsed is None:
                continue
            if isinstance(parsed, str):
                errors.append(LineError(number, parsed))
                continue
            type_, model = parsed
        type_ = model.type  # type: ignore[attr-defined]
        try:
            entries.append(normalise(dialect_name, number, raw, type_, model)[0])
        except ValueError as exc:
            errors.append(LineError(number, f"invalid {type_}: {exc}"))
    return Parsed(entries, errors, number)


def numbered_chunks(lines: Iterable[bytes | str], size: int) -> Iterator[Chunk]:
    """The lines in lists of ``size``, each with the number of its first line (from 1)."""
    iterator = iter(lines)
    first = 1
    while chunk := list(islice(iterator, size)):
        yield first, chunk
        first += len(chunk)
