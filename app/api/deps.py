"""Dependencies as named types, so that route signatures read like sentences."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Header, Query, Request, Response
from sqlalchemy import Connection
from sqlmodel import Session

from app.config import Settings
from app.db import Database
from app.errors import PreconditionFailed, PreconditionRequired
from app.models.api_key import Role
from app.security import ANONYMOUS, Principal
from app.services.keys import authenticate
from app.services.pagination import DEFAULT_LIMIT, clamp_limit


def get_database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_principal(request: Request) -> Principal:
    """Who is calling. No header is an anonymous reader; a bad or revoked key is a 401."""
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    db: Database = request.app.state.db
    with db.reading() as conn:
        return authenticate(conn, header)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_reader(request: Request, principal: PrincipalDep) -> AsyncIterator[Connection]:
    """A read snapshot. Reads are public unless CONTESTED_PUBLIC_READ=false.

    An async dependency on purpose: read queries are index lookups of well under a
    millisecond, cheaper to run on the event loop than to hand to the threadpool.
    """
    if not request.app.state.settings.public_read:
        principal.require(Role.viewer)
    with request.app.state.db.reading() as conn:
        yield conn


Reader = Annotated[Connection, Depends(get_reader)]


def get_unit_of_work(database: DatabaseDep) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    with database.unit_of_work() as session:
        yield session


# scope="function": the commit runs when the route returns, before the response goes out.
UnitOfWork = Annotated[Session, Depends(get_unit_of_work, scope="function")]


def _role(role: Role):  # type: ignore[no-untyped-def]
    def check(principal: PrincipalDep) -> Principal:
        principal.require(role)
        return principal

    return check


Contributor = Annotated[Principal, Depends(_role(Role.contributor))]
Editor = Annotated[Principal, Depends(_role(Role.editor))]

_STRONG_ETAG = re.compile(r'^"(\d{1,18})"$')


def etag(version: int) -> str:
    return f'"{version}"'


def get_expected_version(
    request: Request,
    if_match: Annotated[
        str | None,
        Header(
            description='ETag from a previous read, e.g. "3": the write happens only if the '
            "row is still at that version (412 otherwise)."
        ),
    ] = None,
) -> int | None:
    """The version an ``If-Match`` header names; weak or foreign tags never match (412)."""
    if if_match is None:
        if request.app.state.settings.require_if_match:
            raise PreconditionRequired("send If-Match with the ETag of your last read")
        return None
    if if_match.strip() == "*":
        return None
    match = _STRONG_ETAG.match(if_match.strip())
    if match is None:
        raise PreconditionFailed(f"If-Match {if_match[:80]!r} does not match the current ETag")
    return int(match.group(1))


ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]

Limit = Annotated[
    int,
    Query(ge=1, description="Items per page (default 50; values above 200 are served as 200)."),
]
SearchQuery = Annotated[
    str | None,
    Query(
        max_length=500,
        description='Words to find, all of them; "quoted phrases" and prefix* work, in any '
        "script, ignoring case and accents.",
    ),
]
Cursor = Annotated[
    str | None,
    Query(max_length=2000, description="The next_cursor of the previous page."),
]


def page_limit(limit: int | None) -> int:
    return clamp_limit(limit or DEFAULT_LIMIT)


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    """Point ``Link: rel="next"`` at the next page, keeping every other parameter."""
    if next_cursor is None:
        return
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    params.append(("cursor", next_cursor))
    url = request.url.replace(query=urlencode(params))
    response.headers["Link"] = f'<{url}>; rel="next"'
