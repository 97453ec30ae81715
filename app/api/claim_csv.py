"""/v1/claims.csv: the claim list as a spreadsheet, every claim matching its filters."""

from __future__ import annotations

import itertools

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from app.api import query
from app.api.claim_queries import CsvQuery
from app.api.deps import SettingsDep
from app.api.exports import SnapshotReader, base_url
from app.services import claim_csv

CSV = "text/csv; charset=utf-8"

router = APIRouter(tags=["claims"])


class CsvResponse(Response):
    media_type = "text/csv"


@query.get(
    router,
    "/v1/claims.csv",
    operation_id="exportClaimsCsv",
    response_class=CsvResponse,
    responses={
        200: {
            "description": "UTF-8 CSV with a byte order mark and CRLF line endings, one row "
            "per claim, sent as an attachment named claims.csv.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def export_claims_csv(
    request: Request,
    conn: SnapshotReader,
    settings: SettingsDep,
    params: CsvQuery,
) -> StreamingResponse:
    """The claims that `listClaims` would return for the same filters and sort, all of
    them rather than a page (there is no `limit` or `cursor`), as CSV for spreadsheets.

    Columns: id, url (the claim's canonical URL), stated_on (cut to its precision:
    `2020-10` when only the month is known), stated_on_precision, proposition, claimant,
    accused (names joined with `; `), event, status (dispute status), first_response_on,
    response_lag_days, balance, verdict, tags (joined with `; `), responses,
    evidence_supports, evidence_refutes, evidence_context, sources (counts) and
    updated_at. A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
    return gets a leading `'`, so that no spreadsheet runs it as a formula. Invalid
    filters are the same problems as on the list.
    """
    chunks = claim_csv.csv_chunks(conn, params.filters(), params.sort, base_url(request, settings))
    first = next(chunks)  # reads the first page now, so a bad filter is still a problem
    return StreamingResponse(
        itertools.chain([first], chunks),
        media_type=CSV,
        headers={"Content-Disposition": 'attachment; filename="claims.csv"'},
    )
