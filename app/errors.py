"""The project's one error tree and the one problem shape (RFC 9457).

Services raise these; ``app.api.problems`` renders every one of them, and
FastAPI's and Starlette's own errors, as ``application/problem+json``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
# RFC 9110 names, whatever the Python version's HTTPStatus says.
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


def status_title(status: int) -> str:
    return _TITLES.get(status) or HTTPStatus(status).phrase


class ProblemItem(BaseModel):
    """One thing wrong with the request: a body field (``pointer``) or a parameter."""

    model_config = ConfigDict(title="ProblemItem")

    detail: str = Field(description="What is wrong, in words.")
    pointer: str | None = Field(
        default=None, description="JSON Pointer (RFC 6901) to the body member at fault."
    )
    parameter: str | None = Field(
        default=None, description="Name of the query, path or header parameter at fault."
    )
    suggestions: list[str] | None = Field(
        default=None, description="Close matches for an unknown reference, best first."
    )


class Problem(BaseModel):
    """RFC 9457 problem details; every 4xx and 5xx response has this shape."""

    model_config = ConfigDict(title="Problem")

    type: str = Field(default="about:blank", description="URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(default=None, description="What happened on this request.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[ProblemItem] | None = Field(
        default=None, description="Each field or parameter at fault."
    )


class ContestedError(Exception):
    """Base of every error a client can cause; carries its HTTP status and problem type."""

    status: int = 400
    type: str = "about:blank"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[ProblemItem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        return problem_body(self.status, self.detail, instance, self.errors, self.type)


def problem_body(
    status: int,
    detail: str | None,
    instance: str | None = None,
    errors: list[ProblemItem] | None = None,
    type_: str = "about:blank",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "title": status_title(status),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = [e.model_dump(exclude_none=True) for e in errors]
    return body


class BadRequest(ContestedError):
    status = 400


class Unauthorized(ContestedError):
    status = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="contested"'})


class Forbidden(ContestedError):
    status = 403


class NotFound(ContestedError):
    status = 404


class Gone(ContestedError):
    status = 410
    type = "urn:contested:problem:deleted"


class Conflict(ContestedError):
    status = 409
    type = "urn:contested:problem:conflict"


class PreconditionFailed(ContestedError):
    status = 412
    type = "urn:contested:problem:stale-version"


class PreconditionRequired(ContestedError):
    status = 428


class UnprocessableInput(ContestedError):
    status = 422
    type = "urn:contested:problem:invalid-input"


class UnknownReference(UnprocessableInput):
    """A slug, id or URL in a payload names no row; the detail suggests near matches."""

    type = "urn:contested:problem:unknown-reference"


class ServiceUnavailable(ContestedError):
    status = 503


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not serve the request in time: its write lock, or a connection
    from the pool, stayed taken past the timeout, or it could not be reached."""

    def __init__(self) -> None:
        super().__init__(
            "the database is busy or unreachable; retry shortly", headers={"Retry-After": "1"}
        )


class UnsupportedMediaType(ContestedError):
    status = 415


class IdempotencyKeyInFlight(Conflict):
    """The first request with this Idempotency-Key is still running."""

    type = "urn:contested:problem:idempotency-key-in-flight"


class IdempotencyKeyReused(UnprocessableInput):
    """An Idempotency-Key sent again with another request (path, query or body)."""

    type = "urn:contested:problem:idempotency-key-reused"


class TooManyRequests(ContestedError):
    status = 429
    type = "urn:contested:problem:rate-limited"
