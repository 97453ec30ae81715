"""Dates known only to the month or the year, written without inventing the rest; and
instants, written in UTC to the second."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any


def iso_at_precision(on: date | None, precision: str | None) -> str | None:
    """ISO 8601 text of ``on`` cut to what is known: ``2020-10-15`` (day), ``2020-10``
    (month) or ``2020`` (year), the reduced-precision forms ISO 8601 and XML Schema
    (gYearMonth, gYear) allow. A stored month or year date keeps a placeholder day,
    which this leaves out."""
    if on is None:
        return None
    text = on.isoformat()
    if precision == "year":
        return text[:4]
    if precision == "month":
        return text[:7]
    return text


def utc_instant(value: Any) -> str:
    """A stored timestamp (a datetime, or ISO text as SQLite's driver may return it; naive
    means UTC) as ``2020-10-15T08:30:00Z``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))
