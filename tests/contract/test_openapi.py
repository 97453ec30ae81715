"""The OpenAPI document: stable operationIds, one tag each, problems for every error."""

from __future__ import annotations

import re

import pytest

from app.api.routing import endpoints
from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(database_url="sqlite:///unused.db"))


@pytest.fixture(scope="module")
def spec(app):
    return app.openapi()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_route_is_documented(app, spec):
    documented = {(path, method.upper()) for path, method, _ in operations(spec)}
    served = {(e.path, method) for e in endpoints(app) for method in e.methods}
    assert len(served) >= 38
    assert served == documented


def test_operation_ids_are_camel_case_and_unique(spec):
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", operation_id), operation_id
    for expected in (
        "listClaims",
        "createClaim",
        "getClaim",
        "updateClaim",
        "deleteClaim",
        "createResponse",
        "setVerdict",
        "listActors",
        "getEvent",
        "listSources",
    ):
        assert expected in ids


def test_one_tag_per_operation_and_a_description(spec):
    for path, method, operation in operations(spec):
        assert len(operation["tags"]) == 1, (path, method)
        assert operation.get("description") or operation.get("summary"), (path, method)


def test_every_error_is_a_problem_and_the_fastapi_schema_is_gone(spec):
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) >= {"title", "status"}
    for path, method, operation in operations(spec):
        for code, response in operation["responses"].items():
            readiness = path == "/readyz" and code == "503"  # answers with its own status body
            if code[0] in "45" and not readiness:
                content = response["content"]
                assert list(content) == ["application/problem+json"], (path, method, code)
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
        assert "422" in operation["responses"] or (method == "get" and "{" not in path)


def test_every_operation_declares_its_security(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, method, operation in operations(spec):
        assert "security" in operation, (path, method)
        if path.startswith("/v1") and method != "get":
            assert operation["security"] == [{"bearerAuth": []}]


def test_request_bodies_carry_examples_from_the_seed_cases(spec):
    schemas = spec["components"]["schemas"]
    for _, _, operation in operations(spec):
        body = operation.get("requestBody")
        if not body:
            continue
        ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert schemas[ref].get("examples"), ref
    assert schemas["ClaimCreate"]["examples"][0]["claimant"] == "fsb"
    assert schemas["ResponseCreate"]["examples"][0]["responder"] == "ktj"


def test_input_models_forbid_unknown_fields(spec):
    schemas = spec["components"]["schemas"]
    for name in (
        "ClaimCreate",
        "ClaimUpdate",
        "ResponseCreate",
        "EvidenceCreate",
        "ActorCreate",
        "EventCreate",
        "SourceCreate",
        "CitationInput",
        "VerdictPut",
        "RelationCreate",
    ):
        assert schemas[name]["additionalProperties"] is False, name


def test_enums_are_named_schemas(spec):
    schemas = spec["components"]["schemas"]
    for name in (
        "Stance",
        "Bearing",
        "Reliability",
        "Precision",
        "ActorKind",
        "Rating",
        "DisputeStatus",
        "SourceKind",
        "EventKind",
        "EvidenceKind",
    ):
        assert "enum" in schemas[name], name
