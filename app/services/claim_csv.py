"""The claim list as CSV for spreadsheets: every claim matching the list's filters.

The rows come from ``claim_list.list_claims`` itself, walked page by page with its own
keyset cursor, so the filters, the sort and their validation are the list's; each page
adds one statement for the figures the list does not show. A page of ``BATCH_SIZE``
claims is written and sent before the next is read, so memory stays flat however many
claims match.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some a tab or
a carriage return first) as a formula, so every text cell that starts with one of those
gets a leading ``'`` (OWASP, "CSV Injection"). Numbers the service computes (balance,
lag, counts) are written as numbers: a negative balance stays ``-0.23``.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import func, select

from app.models import Claim, ClaimResponse, ClaimSource, Evidence
from app.models.claim import ClaimSort
from app.services import claim_list
from app.services.claim_list import ClaimFilters
from app.services.claimreview import claim_url
from app.services.partial_dates import iso_at_precision, utc_instant
from app.services.reads import Conn

BOM = "\ufeff"  # so that Excel reads the file as UTF-8
BATCH_SIZE = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "id",
    "url",
    "stated_on",
    "stated_on_precision",
    "proposition",
    "claimant",
    "accused",
    "event",
    "status",
    "first_response_on",
    "response_lag_days",
    "balance",
    "verdict",
    "tags",
    "responses",
    "evidence_supports",
    "evidence_refutes",
    "evidence_context",
    "sources",
    "updated_at",
)
LIST_SEPARATOR = "; "


def neutralise(cell: str) -> str:
    """The text of a cell, with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _date(value: Any) -> date | None:
    # The list returns driver values: text on SQLite, dates on PostgreSQL.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _count(model: Any, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def _figures(conn: Conn, claim_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """What the list does not show, for one page of claims (one statement)."""
    if not claim_ids:
        return {}
    live_evidence = (Evidence.claim_id == Claim.id, Evidence.deleted_at.is_(None))
    rows = conn.execute(
        select(
            Claim.id,
            Claim.first_response_on,
            Claim.response_lag_days,
            _count(
                ClaimResponse,
                ClaimResponse.claim_id == Claim.id,
                ClaimResponse.deleted_at.is_(None),
            ).label("responses"),
            _count(Evidence, *live_evidence, Evidence.bearing == "supports").label("supports"),
            _count(Evidence, *live_evidence, Evidence.bearing == "refutes").label("refutes"),
            _count(Evidence, *live_evidence, Evidence.bearing == "context").label("context"),
            _count(ClaimSource, ClaimSource.claim_id == Claim.id).label("sources"),
        ).where(Claim.id.in_(claim_ids))
    ).all()
    return {row.id: row for row in rows}


def _cells(claim_id: uuid.UUID, item: dict[str, Any], figures: Any, base_url: str) -> list[Any]:
    event = item["event"]
    cells: list[Any] = [
        str(claim_id),
        claim_url(base_url, claim_id),
        iso_at_precision(_date(item["stated_on"]), item["stated_on_precision"]),
        item["stated_on_precision"],
        item["proposition"],
        item["claimant"]["name"],
        LIST_SEPARATOR.join(actor["name"] for actor in item["accused"]),
        event["title"] if event else None,
        item["dispute_status"],
        iso_at_precision(_date(figures.first_response_on), "day"),
        figures.response_lag_days,
        item["balance"],
        item["verdict"],
        LIST_SEPARATOR.join(item["tags"]),
        figures.responses,
        figures.supports,
        figures.refutes,
        figures.context,
        figures.sources,
        utc_instant(item["updated_at"]),
    ]
    return [neutralise(cell) if isinstance(cell, str) else cell for cell in cells]


def csv_chunks(conn: Conn, filters: ClaimFilters, sort: ClaimSort, base_url: str) -> Iterator[str]:
    """The CSV text, BOM and header first, in one chunk per page of claims.

    The first chunk is produced only once the first page has been read, so a filter that
    names nothing fails when the caller asks for it, before anything is sent.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the excel dialect: CRLF line endings, quoting as needed
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    cursor: str | None = None
    while True:
        items, cursor = claim_list.list_claims(conn, filters, sort, BATCH_SIZE, cursor)
        # The list gives ids as the driver returns them (hex text on SQLite).
        claim_ids = [uuid.UUID(str(item["id"])) for item in items]
        figures = _figures(conn, claim_ids)
        for claim_id, item in zip(claim_ids, items, strict=True):
            writer.writerow(_cells(claim_id, item, figures[claim_id], base_url))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if cursor is None:
            return
