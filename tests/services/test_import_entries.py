"""Reading an import's lines: the fast path (pydantic-core validating the JSON text) accepts
and refuses exactly what validating the parsed JSON with the API's input models does,
and lines are split and cut as readline would."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite

from app.models.common import UTCDateTime
from app.services import history, import_entries, import_worker
from app.services.import_entries import numbered_chunks, parse_lines
from app.services.importing import read_lines
from app.services.search import _TOKEN, fold, terms, tokens

META = {
    "version": 1,
    "created_at": "2024-01-01T00:00:00+00:00",
    "updated_at": "2024-01-02T10:20:30.123456+00:00",
    "deleted_at": None,
}
ID = "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6a"
OTHER = "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6b"
VERDICT = {"id": OTHER, "rating": "disputed", "rationale": "x", **META}
# fmt: off
RECORDS: list[dict[str, Any]] = [
    {"type": "actor", "id": ID, "slug": "fsb", "name": "ФСБ", "kind": "state_agency",
     "aliases": ["FSB", "ФСБ", "FSB"], "country": "RU", **META},
    {"type": "event", "id": ID, "slug": "plot", "title": "A plot", "kind": "plot",
     "occurred_on": "2020-10-15", "occurred_on_precision": "month", **META},
    {"type": "source", "id": ID, "url": "https://Example.org/a?utm_source=x", "title": "T",
     "publisher": OTHER, "kind": "news_report", "published_on": "2020-10-15", **META},
    {"type": "relation", "id": ID, "subject": OTHER, "predicate": "part_of",
     "object": "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6c", "sources": [OTHER], **META},
    {"type": "claim", "id": ID, "proposition": "A cell planned attacks.", "claimant": OTHER,
     "accused": [OTHER, OTHER], "stated_on": "2020-10-15", "quote": "Ёлка  и ели",
     "tags": ["b", "a", "a"], "sources": [{"source_id": OTHER, "locator": "p. 2"}],
     "verdict": VERDICT, **META},
    {"type": "response", "id": ID, "claim": OTHER, "responder": OTHER, "stance": "denies",
     "stated_on": "2020-10-16", "in_reply_to": None, "sources": [], **META},
    {"type": "evidence", "id": ID, "claim": OTHER, "summary": "Photos", "kind": "photo",
     "bearing": "supports", "independent": True, "reliability": "B", "credibility": 2,
     **META},
]
# fmt: on
# Values to put in a field: JSON-native values of every kind, and text that looks like
# another kind (the lax conversions are where two validators could differ).
ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2.0,
    2.5,
    2**64,
    "",
    " ",
    "1",
    "true",
    "yes",
    "2020-10-15",
    "2020-10-15T12:00:00Z",
    "2020-10-15T12:00:00+03:00",
    "2020-10-15 12:00",
    "2020-13-45",
    "2020-10-15T25:00:00",
    "1602720000",
    "A",
    "Z",
    "day",
    "unknown",
    "x" * 3000,
    "\x00",
    " padded ",
    ID,
    ID.upper(),
    ID.replace("-", ""),
    "{" + ID + "}",
    [],
    [ID],
    {},
    {"a": 1},
    [{"source_id": OTHER}],
    [{"source_id": OTHER, "title": "t"}],
    [{"title": "t"}],
]  # fmt: skip


def variants(rnd: random.Random) -> list[str]:
    lines = []
    for record in RECORDS:
        lines.append(json.dumps(record, ensure_ascii=False))
        for key in record:
            for value in ODD_VALUES:
                lines.append(json.dumps({**record, key: value}))
            lines.append(json.dumps({k: v for k, v in record.items() if k != key}))
        lines.append(json.dumps({**record, "extra": 1}))
        lines.append(json.dumps({**record, "type": rnd.choice([r["type"] for r in RECORDS])}))
        text = json.dumps(record)
        lines.append(text[:-1] + ', "id": "' + OTHER + '"}')  # a duplicate key: the last wins
        lines.append(text.replace('"' + ID + '"', '"\\u0030' + ID[1:] + '"'))  # an escape
        lines.append(text.replace('"T"', '"\\ud800"').replace('"Photos"', '"\\ud83d\\ude00"'))
    lines += ["", "  ", "{not json", "[1, 2]", "null", "\ufeff{}", '{"type": "api_key"}', "NaN"]
    lines += ['{"type": "actor", "id": "' + ID + '", "slug": "a", "version": NaN}']
    return lines


def without_new_ids(parsed: import_entries.Parsed) -> Any:
    """The parse result, with the id of an implied unassessed verdict left out (a new one
    is drawn each time)."""
    entries = []
    for entry in parsed.entries:
        verdict = entry.verdict
        if verdict is not None and verdict[1] is None:
            verdict = ({**verdict[0], "id": None}, None)
        entries.append(entry._replace(verdict=verdict))
    return entries, parsed.errors


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_fast_path_accepts_and_refuses_what_the_models_do(dialect, monkeypatch):
    lines = variants(random.Random(7))
    fast = [parse_lines(dialect, (n, [line]), 1 << 20) for n, line in enumerate(lines, 1)]
    monkeypatch.setattr(import_entries, "validate_json", lambda _: None)
    slow = [parse_lines(dialect, (n, [line]), 1 << 20) for n, line in enumerate(lines, 1)]
    assert sum(len(p.entries) for p in fast) > 100  # many of the variants are valid
    assert sum(len(p.errors) for p in fast) > 100  # and many are not
    for line, one, other in zip(lines, fast, slow, strict=True):
        assert without_new_ids(one) == without_new_ids(other), line


def utc_value(value: Any) -> Any:
    """A field's Python value as a column takes it: an enum's value, a timestamp in UTC."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def bound(dialect: str, table: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` through the columns' own bind processors, as SQLAlchemy would send them."""
    processors = import_entries._processors(dialect, table)
    return {
        column: value if processors[column] is None or value is None else processors[column](value)
        for column, value in values.items()
    }


def expected_verdict(dialect: str, claim: Any, entry: import_entries.Entry) -> Any:
    """A claim's verdict (record, row, snapshot) built from SQLAlchemy's conversions."""
    spec = import_entries.BY_TYPE["verdict"]
    if claim.verdict is None:
        created = utc_value(claim.created_at)
        values: dict[str, Any] = {
            "id": import_entries.as_uuid(entry.verdict[0]["id"]),  # drawn anew each time
            **history.UNASSESSED,
            "created_at": created,
            "updated_at": created,
        }
    else:
        values = {k: utc_value(getattr(claim.verdict, k)) for k, _ in spec.fields if k != "claim"}
    record = None
    if claim.verdict is not None:
        record = {key: history.plain(value) for key, value in values.items()}
    values.update(claim_id=claim.id, created_by=None)
    snapshot = {c: history.plain(v) for c, v in values.items() if c not in history.EXCLUDED}
    after = None if history.is_initial_verdict(snapshot) else history.canonical(snapshot)
    return record, bound(dialect, spec.table, values), after


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_an_entry_holds_each_field_as_the_column_binds_it(dialect):
    """The import's own conversions (timestamps already in UTC, remembered ids and dates)
    give each field, and each field of a claim's verdict, the JSON form plain() gives and
    the driver form the column's bind processor gives, for every valid variant (offsets,
    odd ids, dates and none)."""
    checked = verdicts = 0
    for n, line in enumerate(variants(random.Random(7)), 1):
        parsed = parse_lines(dialect, (n, [line]), 1 << 20)
        if not parsed.entries:
            continue
        (entry,) = parsed.entries
        model = import_entries.validate(entry.type, json.loads(line))
        spec = import_entries.BY_TYPE[entry.type]
        values = {column: utc_value(getattr(model, key)) for key, column in spec.fields}
        expected = bound(dialect, spec.table, values)
        record = import_entries.normalise(dialect, n, line, entry.type, model)[1]
        for key, column in spec.fields:
            if not column.endswith("_precision"):  # a default filled in, not converted
                assert entry.row[column] == expected[column], (column, line)
                assert record[key] == history.plain(values[column]), (key, line)
        if entry.type == "claim":
            verdict_record, verdict_row, verdict_after = expected_verdict(dialect, model, entry)
            assert (record["verdict"], *entry.verdict) == (
                verdict_record,
                verdict_row,
                verdict_after,
            ), line
            verdicts += 1
        checked += 1
    assert checked > 100
    assert verdicts > 10


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_worker_sends_back_what_parsing_gives(dialect):
    """What a parse worker returns (marshalled on SQLite, whose driver values marshal
    writes; the entries themselves on PostgreSQL, whose UUIDs and dates it does not)
    comes back as the same entries and refusals."""
    lines = variants(random.Random(7))
    chunk = (1, lines)
    packed = import_worker._parse_packed(dialect, chunk, 1 << 20)
    assert isinstance(packed, bytes if dialect == "sqlite" else import_entries.Parsed)
    sent = import_worker._unpacked(packed)
    parsed = parse_lines(dialect, chunk, 1 << 20)
    assert len(parsed.entries) > 100 and len(parsed.errors) > 100
    assert all(type(entry) is import_entries.Entry for entry in sent.entries)
    assert without_new_ids(sent) == without_new_ids(parsed)
    assert sent.last_line == parsed.last_line == len(lines)


def test_a_line_is_numbered_and_checked_in_order():
    header = '{"type":"header","format":"contested-export","version":1}'
    lines = [header, b"\xff\xfe", "x" * 900, json.dumps(RECORDS[0]), "", "[]"]
    parsed = parse_lines("sqlite", next(numbered_chunks(lines, 10)), 800)
    assert [(e.line, e.detail) for e in parsed.errors] == [
        (2, "not UTF-8 text"),
        (3, "line is longer than 800 bytes"),
        (6, "not a JSON object"),
    ]
    assert [(e.line, e.type) for e in parsed.entries] == [(4, "actor")]
    assert parsed.last_line == 6
    with pytest.raises(import_entries.ImportRefused, match="line 1"):
        parse_lines("sqlite", (1, [header.replace("1}", "2}")]), 1000)


def test_numbered_chunks_number_from_one():
    assert list(numbered_chunks(["a", "b", "c"], 2)) == [(1, ["a", "b"]), (3, ["c"])]


def readline_lines(file: io.BytesIO, limit: int) -> list[bytes]:
    """What reading with readline gives (the import's former reader)."""
    found = []
    while line := file.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := file.readline(limit + 1)) and not rest.endswith(b"\n"):
                pass
        found.append(line)
    return found


def test_read_lines_splits_and_cuts_as_readline_does():
    rnd = random.Random(5)
    pieces = [b"a", b"\n", b"bb", b"\r", b"\r\n", b"xyz" * 4, "é".encode()]
    for _ in range(3000):
        limit, block = rnd.randint(1, 12), rnd.randint(1, 20)
        data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        expected = readline_lines(io.BytesIO(data), limit)
        assert list(read_lines(io.BytesIO(data), limit, block=block)) == expected, data


def test_search_terms_are_the_folded_words_of_each_chunk():
    texts = [
        "Ёлка и ЕЛИ", "café  CAFÉ\tcafe\u0301", "ﬁne ① Ａ", "ΑΣ ς σ", "straße İ",
        "a\u00a0b\u2003c", "x\u0308 \u00a8y", "بِسْمِ اللَّهِ", "tab\tnew\nline", "",
    ]  # fmt: skip
    rnd = random.Random(3)
    alphabet = "aZé\u0301\u0308 \t\nёЙΣςß①\u00a0\u2003ﬁ_-'.ب\u0651"
    texts += ["".join(rnd.choice(alphabet) for _ in range(20)) for _ in range(2000)]
    for text in texts:
        assert tokens(text) == _TOKEN.findall(fold(text)), text
        assert terms(text) == " ".join(_TOKEN.findall(fold(text))), text


@pytest.mark.parametrize(
    "instant",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        datetime(2024, 1, 2, 10, 20, 30, 123456, tzinfo=UTC),
        datetime(2024, 1, 2, 10, 20, 30, 100000, tzinfo=UTC),
        datetime(2024, 6, 21, 0, 0, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_a_timestamp_is_cut_into_the_text_sqlite_binds(instant):
    """The SQLite form of a timestamp, cut from its ISO text, is what SQLAlchemy's
    DATETIME writes, with or without a fraction of a second, for any year."""
    column = UTCDateTime()
    process = column.impl_instance._cached_bind_processor(sqlite.dialect())
    assert import_entries.utc_text_forms(instant) == (instant.isoformat(), process(instant))
