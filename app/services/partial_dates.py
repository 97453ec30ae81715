"""Dates known only to the month or the year, written without inventing the rest."""

from __future__ import annotations

from datetime import date


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
