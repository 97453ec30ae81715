"""/v1/changes: every write, in order, for dashboards that sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import Cursor, Limit, Reader, link_next, page_limit
from app.models.common import IsoDateTime
from app.models.revision import ChangePage
from app.services import history

router = APIRouter(prefix="/v1/changes", tags=["changes"])


@router.get("", operation_id="listChanges")
async def list_changes(
    request: Request,
    response: Response,
    conn: Reader,
    since: Annotated[
        IsoDateTime | None,
        Query(description="Changes at or after this instant (ISO 8601; UTC if no offset)."),
    ] = None,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**63 - 1,
            description="Changes after this seq: the last one a previous sync saw.",
        ),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ChangePage:
    """Every create, update, delete and restore, in the order they were committed
    (`seq`). Walking `next_cursor` never skips or repeats a change, even while writes
    go on. To sync later, pass the last `seq` you saw as `after`. Read a changed row by
    its `entity` and `entity_id`, or its history for the before and after."""
    items, next_cursor = history.changes(conn, since, after, page_limit(limit), cursor)
    link_next(request, response, next_cursor)
    return ChangePage.model_validate({"items": items, "next_cursor": next_cursor})
