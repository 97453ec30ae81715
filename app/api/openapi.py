"""The OpenAPI document: problem+json for every error, bearer security on every operation."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api import openapi_shape
from app.api.body_limit import STREAMED_PATHS
from app.api.rate_limit import UNLIMITED_PATHS
from app.errors import PROBLEM_MEDIA_TYPE, Problem, ProblemItem
from app.services.idempotency import HEADER as IDEMPOTENCY_KEY
from app.services.idempotency import MAX_KEY_LENGTH

_ERROR_TEXT = {
    "400": "Bad request (a malformed cursor or header).",
    "401": "Missing, malformed or revoked API key.",
    "403": "The key's role may not do this.",
    "404": "No such resource.",
    "405": "Method not allowed; see the Allow header.",
    "409": "Conflicts with stored data (a taken slug or URL, or a restore of a live row).",
    "410": "The resource was deleted.",
    "412": "If-Match names an older version.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "422": "Invalid input, or a reference that names nothing.",
    "428": "If-Match is required on this server.",
    "429": "Too many requests; see Retry-After.",
    "500": "Unexpected server error.",
    "503": "Database busy or unavailable; retry.",
}
_READ = ("400", "401", "403", "404", "422", "500", "503")
_ITEM = ("410",)
_WRITE = ("400", "401", "403", "404", "409", "410", "412", "413", "415", "422", "428", "500", "503")


def _problem_ref() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


_IDEMPOTENCY_PARAMETER = {
    "name": IDEMPOTENCY_KEY,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: a unique value per intended write, 1-255 printable ASCII "
        "characters, kept for your API key (24 hours by default). A retry with the same key "
        "and the same request replays the first status and body (with "
        "`Idempotent-Replayed: true`); the same key with another request is a 422; a retry "
        "while the first is still running is a 409. A 5xx is not kept, so a retry runs again."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": "^[\\x20-\\x7E]+$",
    },
    "example": "3f6c1a52-5f0e-4a5e-9d57-2d1f0c9b7e11",
}
_REPLAYED_HEADER = {
    "description": "`true` when this is the stored response to an earlier request with the "
    "same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}
_RETRY_AFTER_HEADER = {
    "description": "Seconds until the rate-limit window resets.",
    "schema": {"type": "integer", "minimum": 1},
}


def _document_idempotency(operation: dict[str, Any]) -> None:
    operation.setdefault("parameters", []).append(dict(_IDEMPOTENCY_PARAMETER))
    for code, response in operation["responses"].items():
        if code.startswith("2"):
            response.setdefault("headers", {})["Idempotent-Replayed"] = dict(_REPLAYED_HEADER)


def build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["ProblemItem"] = ProblemItem.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem.pop("$defs", None)
    schemas["Problem"] = problem
    components["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key."}
    }
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            is_read = method in ("get", "head")
            codes = list(_READ if is_read else _WRITE)
            if "{" in path:
                codes += _ITEM
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses[code] = {"description": _ERROR_TEXT[code], "content": _problem_ref()}
            if path not in UNLIMITED_PATHS:
                responses["429"] = {
                    "description": _ERROR_TEXT["429"],
                    "headers": {"Retry-After": dict(_RETRY_AFTER_HEADER)},
                    "content": _problem_ref(),
                }
            if method == "post" and path.startswith("/v1") and path not in STREAMED_PATHS:
                _document_idempotency(operation)
            if not path.startswith("/v1"):
                operation["security"] = [{}]
            elif is_read:
                operation["security"] = [{}, {"bearerAuth": []}]
            else:
                operation["security"] = [{"bearerAuth": []}]
    openapi_shape.shape(schema)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
