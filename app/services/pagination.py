"""Opaque keyset cursors: a page resumes after the last (sort key, id) it showed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, tuple_

from app.errors import BadRequest, ProblemItem

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# The largest integer either database stores (a signed 64-bit BIGINT).
MAX_INT64 = 2**63 - 1


def clamp_limit(limit: int) -> int:
    """Limits above the maximum are served at the maximum rather than refused."""
    return min(limit, MAX_LIMIT)


@dataclass(frozen=True)
class SortKey:
    """A sort order: the column, its direction, and how to read its value back from JSON."""

    name: str
    column: Any  # a column expression, or None when the order is by id alone
    descending: bool
    # Reads the key back from a cursor; raises ValueError or TypeError for anything that
    # the sort could not have written, so that no forged value reaches the database.
    parse: Callable[[Any], Any] = lambda value: parse_text(value)


def parse_text(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > 1000:
        raise ValueError("not a text key")
    return value


def parse_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT64:
        raise ValueError("not a 64-bit integer")
    return value


def parse_date(value: Any) -> date:
    return date.fromisoformat(value)


def parse_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value)


def parse_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    number = float(value)  # OverflowError past the float range
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def fingerprint(filters: dict[str, Any]) -> str:
    """A short digest of the filters, so that a cursor is not reused with other ones."""
    canonical = json.dumps(filters, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def encode_cursor(sort: SortKey, key: Any, row_id: uuid.UUID, filters_fp: str) -> str:
    if isinstance(key, date | datetime):
        key = key.isoformat()
    payload = json.dumps([sort.name, key, str(row_id), filters_fp], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _bad_cursor(detail: str) -> BadRequest:
    return BadRequest(detail, errors=[ProblemItem(detail=detail, parameter="cursor")])


def decode_cursor(cursor: str, sort: SortKey, filters_fp: str) -> tuple[Any, uuid.UUID]:
    """Return the (key, id) a cursor resumes after, or raise 400 if it is not ours.

    A cursor is client input: whatever it decodes to is checked for shape and type
    before any of it reaches a query.
    """
    malformed = _bad_cursor("the cursor is malformed; start again without one")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    # RecursionError: a cursor of a thousand nested brackets.
    except (ValueError, binascii.Error, RecursionError):
        raise malformed from None
    if not (isinstance(payload, list) and len(payload) == 4):
        raise malformed
    name, key, row_id, fp = payload
    if not all(isinstance(part, str) for part in (name, row_id, fp)):
        raise malformed
    if name != sort.name:
        raise _bad_cursor("this cursor was made for another sort order")
    if fp != filters_fp:
        raise _bad_cursor("this cursor was made for other filters")
    try:
        parsed_key = None if sort.column is None else sort.parse(key)
        return parsed_key, uuid.UUID(row_id)
    except (ValueError, TypeError, OverflowError, IndexError, KeyError):
        raise malformed from None


def keyset(
    stmt: Select[Any],
    sort: SortKey,
    id_column: Any,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
) -> Select[Any]:
    """Order ``stmt`` by (sort key, id), resume after ``after``, and fetch one extra row."""
    if sort.column is None:
        order = [id_column.desc() if sort.descending else id_column.asc()]
    elif sort.descending:
        order = [sort.column.desc(), id_column.desc()]
    else:
        order = [sort.column.asc(), id_column.asc()]
    if after is not None:
        stmt = stmt.where(_after(sort, id_column, *after))
    return stmt.order_by(*order).limit(limit + 1)


def _after(sort: SortKey, id_column: Any, key: Any, row_id: uuid.UUID) -> ColumnElement[bool]:
    if sort.column is None:
        return id_column < row_id if sort.descending else id_column > row_id
    # A row-value comparison, which both SQLite and PostgreSQL serve from the (key, id) index.
    here, there = tuple_(sort.column, id_column), tuple_(key, row_id)
    return here < there if sort.descending else here > there


def split_page(
    rows: Sequence[Any], limit: int, sort: SortKey, key_of: Callable[[Any], Any], filters_fp: str
) -> tuple[list[Any], str | None]:
    """Cut the extra row off and mint the cursor of the next page, if there is one."""
    if len(rows) <= limit:
        return list(rows), None
    page = list(rows[:limit])
    last = page[-1]
    key = None if sort.column is None else key_of(last)
    return page, encode_cursor(sort, key, last.id, filters_fp)
