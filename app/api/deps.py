"""Dependencies as named types, so that route signatures read like sentences."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated
from urllib.parse import quote, unquote_plus

from fastapi import Depends, Header, Query, Request, Response
from sqlalchemy import Connection
from sqlmodel import Session

from app.api.request_id import request_id
from app.config import Settings
from app.db import Database
from app.errors import (
    PreconditionRequired,
    ProblemItem,
    UnprocessableInput,
)
from app.models.api_key import Role
from app.security import ANONYMOUS, Principal
from app.services.keys import authenticate
from app.services.pagination import DEFAULT_LIMIT, MAX_INT64, clamp_limit
from app.services.rows import NO_VERSION


def get_database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def caller(request: Request) -> Principal:
    """Who is calling. No header is an anonymous reader; a bad or revoked key is a 401."""
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    db: Database = request.app.state.db
    with db.reading() as conn:
        return authenticate(conn, header)


async def get_principal(request: Request) -> Principal:
    return caller(request)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


@contextmanager
def reading(request: Request) -> Iterator[Connection]:
    """A read snapshot, opened by the route itself: ``with reading(request) as conn``.
    Reads are public unless CONTESTED_PUBLIC_READ=false.

    For the reads dashboards poll (the claim list, dossiers, search, timelines), whose
    whole answer takes well under a millisecond of CPU: solving ``Reader`` and the
    caller as two dependencies (an async generator, exited through FastAPI's exit
    stack) took several percent of it (docs/benchmarks.md, change 12).
    """
    principal = caller(request)
    if not request.app.state.settings.public_read:
        principal.require(Role.viewer)
    with request.app.state.db.reading() as conn:
        yield conn


async def get_reader(request: Request) -> AsyncIterator[Connection]:
    """A read snapshot. An async dependency on purpose: read queries are index lookups of
    well under a millisecond, cheaper to run on the event loop than to hand to the
    threadpool."""
    with reading(request) as conn:
        yield conn


# scope="function": the connection goes back to the pool before the response is
# serialised and sent, not after.
Reader = Annotated[Connection, Depends(get_reader, scope="function")]


def get_unit_of_work(
    database: DatabaseDep, principal: PrincipalDep, request: Request
) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent. Its revisions
    record the caller's key and the request id (see app.services.history)."""
    with database.unit_of_work() as session:
        session.info["audit"] = {"key_id": principal.key_id, "request_id": request_id(request)}
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
Admin = Annotated[Principal, Depends(_role(Role.admin))]

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
        # Weak or malformed: it matches no version. The service answers 412 once it has
        # found the row, so that a missing row (404) or an invalid request (422) comes first.
        return NO_VERSION
    return int(match.group(1))


ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]

Limit = Annotated[
    int,
    Query(
        ge=1,
        # Past 64 bits a number is not a page size but an attack: 422, like every other
        # integer the API reads.
        le=MAX_INT64,
        description="Items per page (default 50; values above 200 are served as 200).",
    ),
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


def next_link(request: Request, next_cursor: str) -> str:
    """``Link`` header value pointing at the next page, keeping every other parameter as
    the client wrote it (parsing and re-encoding it took a few percent of a filtered
    page's CPU)."""
    query = request.scope["query_string"].decode("latin-1")
    kept = [part for part in query.split("&") if part and _name(part) != "cursor"]
    kept.append(f"cursor={quote(next_cursor, safe='')}")
    base = str(request.url).partition("?")[0]
    return f'<{base}?{"&".join(kept)}>; rel="next"'


def _name(part: str) -> str:
    """The decoded name of one ``name=value`` pair of a query string."""
    name = part.split("=", 1)[0]
    return unquote_plus(name) if "%" in name or "+" in name else name


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    """Point ``Link: rel="next"`` at the next page, keeping every other parameter."""
    if next_cursor is not None:
        response.headers["Link"] = next_link(request, next_cursor)


async def refuse_nul_in_url(request: Request) -> None:
    """A NUL character (%00) in a path or query parameter is a 422 on every route.

    It never belongs in a slug, an id, a filter or a cursor, and PostgreSQL can neither
    store nor compare text that holds one (bodies are checked by the input models).
    """
    named = [*request.path_params.items(), *request.query_params.multi_items()]
    for name, value in named:
        if "\x00" in str(value) or "\x00" in name:
            detail = "must not contain NUL characters"
            raise UnprocessableInput(
                f"{name.replace(chr(0), '')}: {detail}",
                errors=[ProblemItem(detail=detail, parameter=name.replace("\x00", ""))],
            )
