"""Render every error, ours and the framework's, as RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.routing import allowed_methods
from app.errors import (
    PROBLEM_MEDIA_TYPE,
    ContestedError,
    DatabaseUnavailable,
    ProblemItem,
    problem_body,
)

log = logging.getLogger("contested")


def problem_response(
    request: Request,
    status: int,
    detail: str | None,
    errors: list[ProblemItem] | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, request.url.path, errors, type_),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


# The database could not serve the request in time (a lock or a pooled connection stayed
# taken past its timeout, or the server is down): a 503 the client may retry, not a 500.
DATABASE_UNAVAILABLE = (OperationalError, PoolTimeout)


def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", getattr(exc, "orig", None) or exc)
    problem = DatabaseUnavailable()
    return problem_response(request, problem.status, problem.detail, headers=problem.headers)


def _pointer(parts: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def validation_items(exc: RequestValidationError) -> list[ProblemItem]:
    """One item per pydantic error: a JSON pointer for the body, a name for parameters."""
    items = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        message = str(error.get("msg", "invalid value"))
        where = loc[0] if loc else "body"
        if where == "body":
            # Drop the union/validator tags pydantic puts in the location.
            path = tuple(p for p in loc[1:] if not (isinstance(p, str) and "[" in p))
            items.append(ProblemItem(detail=message, pointer=_pointer(path)))
        else:
            name = str(loc[1]) if len(loc) > 1 else str(where)
            items.append(ProblemItem(detail=message, parameter=name))
    return items


def install(app: FastAPI) -> None:
    @app.exception_handler(ContestedError)
    async def _ours(request: Request, exc: ContestedError) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, exc.errors, exc.type, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = validation_items(exc)
        detail = items[0].detail if len(items) == 1 else f"{len(items)} problems in the request"
        return problem_response(request, 422, detail, items, "urn:contested:problem:invalid-input")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.url.path}"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed here"
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        return problem_response(request, exc.status_code, detail, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A race that the service's own checks could not see (two inserts of one slug).
        log.info("integrity error: %s", exc.orig)
        return problem_response(
            request,
            409,
            "the change conflicts with data stored meanwhile; read and retry",
            type_="urn:contested:problem:conflict",
        )

    for kind in DATABASE_UNAVAILABLE:

        @app.exception_handler(kind)
        async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
            return database_unavailable(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            # Raised in a middleware (idempotency, authentication), outside the handlers above.
            return database_unavailable(request, exc)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "an unexpected error occurred; it has been logged")
