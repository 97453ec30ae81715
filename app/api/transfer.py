"""/v1/export and /v1/import: every record as NDJSON, out and back in."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from app.api.deps import Admin, DatabaseDep, Editor, SettingsDep
from app.api.request_id import request_id
from app.db import Database
from app.errors import UnprocessableInput, UnsupportedMediaType
from app.services.audit import snapshot_of
from app.services.export import export_chunks
from app.services.importing import ImportRefused, import_lines, read_lines

router = APIRouter(prefix="/v1", tags=["transfer"])

NDJSON = "application/x-ndjson"
# The request body is kept in memory up to this size, then on disk, never whole in memory.
SPOOL_BYTES = 8 * 1024 * 1024
HTTP_BATCH_LINES = 1000
_LINES_SCHEMA = {
    "type": "string",
    "description": "One JSON object a line: a header line, then records, each with a `type`.",
}


class TypeCounts(BaseModel):
    imported: int = Field(description="Records that were not stored and now are.")
    updated: int = Field(description="Stored records that the file changed.")
    unchanged: int = Field(description="Stored records equal to the file's (nothing written).")


class LineProblem(BaseModel):
    line: int = Field(description="Line number in the file, from 1.")
    detail: str


class ImportResult(BaseModel):
    """What an import did, per record type, and every line it refused and why."""

    lines: int = Field(description="Lines read.")
    counts: dict[str, TypeCounts] = Field(
        description="Per record type: actor, event, source, relation, claim, response, evidence."
    )
    errors: list[LineProblem] = Field(
        description="Refused lines (at most the first 1,000), in line order."
    )
    error_count: int = Field(description="All refused lines, also those not listed.")


def _stream(database: Database) -> Iterator[bytes]:
    # One snapshot for the whole file, so that it is consistent while writers go on.
    with snapshot_of(database) as conn:
        yield from export_chunks(conn)


@router.get(
    "/export",
    operation_id="exportRecords",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The NDJSON file.", "content": {NDJSON: {"schema": _LINES_SCHEMA}}}
    },
)
def export_records(database: DatabaseDep, principal: Editor) -> StreamingResponse:
    """Every actor, event, source, relation, claim (with its verdict), response and
    evidence item as NDJSON, streamed: a header line, then one record a line, each
    after the records it names and ordered by id within its type, so that two exports of
    the same data are the same bytes. Soft-deleted rows are included (with `deleted_at`),
    which is why this needs the editor role. API keys, idempotency records and the
    revision history are not exported; derived figures are recomputed by the import."""
    return StreamingResponse(
        _stream(database),
        media_type=NDJSON,
        headers={"Content-Disposition": 'attachment; filename="contested.ndjson"'},
    )


@router.post(
    "/import",
    operation_id="importRecords",
    openapi_extra={
        "requestBody": {"required": True, "content": {NDJSON: {"schema": _LINES_SCHEMA}}}
    },
)
async def import_records(
    request: Request, database: DatabaseDep, settings: SettingsDep, principal: Admin
) -> ImportResult:
    """Load a file written by `GET /v1/export` (or `contested export`). The body streams
    and is not held to the request size cap; each line is, instead. Lines are loaded
    1,000 at a time, each batch in one transaction; a record whose id is stored is
    updated when it differs and left alone when it is equal, so that importing a file
    twice changes nothing. A bad line (not JSON, an unknown type, a field the API would
    refuse, an id that names nothing) is skipped and reported with its number; the good
    lines are loaded. Each created or changed row gets a revision in the history."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != NDJSON:
        raise UnsupportedMediaType(f"send the file as {NDJSON}")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
        async for chunk in request.stream():
            body.write(chunk)
        body.seek(0)
        try:
            report = await anyio.to_thread.run_sync(
                lambda: import_lines(
                    database,
                    read_lines(body, settings.max_body_bytes),
                    key_id=principal.key_id,
                    request_id=request_id(request),
                    max_line_bytes=settings.max_body_bytes,
                    # Short transactions: the server's other writers wait for each one.
                    batch_lines=HTTP_BATCH_LINES,
                )
            )
        except ImportRefused as exc:
            raise UnprocessableInput(str(exc)) from None
    return ImportResult.model_validate(_result(report))


def _result(report: Any) -> dict[str, Any]:
    return {
        "lines": report.lines,
        "counts": report.counts,
        "errors": [{"line": e.line, "detail": e.detail} for e in report.errors],
        "error_count": report.error_count,
    }
