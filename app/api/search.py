"""/v1/search: full-text search across everything, in any script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from app.api import query
from app.api.deps import Cursor, Limit, page_limit, reading
from app.api.json_body import page_body
from app.api.query import query_model
from app.models.search import SearchPage, SearchType
from app.services import search

router = APIRouter(tags=["search"])


class SearchParams(BaseModel):
    q: Annotated[
        str,
        Field(
            min_length=1,
            max_length=500,
            description='Words to find, all of them; "quoted phrases" and prefix* work, in any '
            "script, ignoring case and accents. Other syntax is read as plain words.",
            examples=["Volgograd", '"absolute lie"', "Катибат", "uzbek*"],
        ),
    ]
    type: Annotated[list[SearchType] | None, Field(description="Only these kinds of results.")] = (
        None
    )
    limit: Limit = 50
    cursor: Cursor = None


@query.get(router, "/v1/search", operation_id="search", response_model=SearchPage)
async def search_everything(
    request: Request,
    params: Annotated[SearchParams, query_model(SearchParams)],
) -> Response:
    """Claims (proposition, quote, translation), responses (quote, translation), actors
    (name and aliases), events and sources (titles) matching every word, best first."""
    kinds = [t.value for t in params.type] if params.type else None
    with reading(request) as conn:
        items, next_cursor = search.search(
            conn, params.q, kinds, page_limit(params.limit), params.cursor
        )
    return page_body(request, items, next_cursor)
