"""The OpenAPI document: stable operationIds, one tag each, problems for every error."""

from __future__ import annotations

import re

import pytest

from app.api import openapi_shape
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
        json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if not json_body:
            continue  # none, or a stream (NDJSON, CSV) whose lines have no schema here
        ref = json_body["schema"]["$ref"].rsplit("/", 1)[1]
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


def test_every_operation_parameter_schema_and_field_is_described(spec):
    """Generated clients turn these into docstrings and comments (docs/clients.md)."""
    missing = []
    for path, method, operation in operations(spec):
        if not operation.get("description"):
            missing.append(f"{method.upper()} {path}")
        for parameter in operation.get("parameters", []):
            if not parameter.get("description"):
                missing.append(f"{method.upper()} {path} parameter {parameter['name']}")
    for name, schema in spec["components"]["schemas"].items():
        if not schema.get("description"):
            missing.append(f"schema {name}")
        for field, prop in schema.get("properties", {}).items():
            if not prop.get("description"):
                missing.append(f"{name}.{field}")
    assert not missing, f"describe on the model or in app/api/descriptions.py: {missing}"


def test_model_names_read_naturally(spec):
    """No names that FastAPI or pydantic invent: ``Page_ClaimSummary_``, ``Claim-Input``,
    ``app__models__x__Name``, ``Body_create_claim``."""
    for name in spec["components"]["schemas"]:
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", name), name
        assert not re.search(r"(Input|Output)$", name) or name == "CitationInput", name
        assert not name.startswith(("Body", "Page")), name


def test_optional_parameters_are_not_nullable(spec):
    """A query parameter is present or absent; ``anyOf [string, null]`` would make
    generators type it ``None | str``."""
    for path, method, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            variants = parameter["schema"].get("anyOf", [])
            assert {"type": "null"} not in variants, (path, method, parameter["name"])


def test_enums_have_identifier_member_names(spec):
    """``-stated_on`` would otherwise be ``VALUE_1`` in a generated enum."""
    schemas = spec["components"]["schemas"]
    assert (
        schemas["ClaimSort"]["x-enum-varnames"][schemas["ClaimSort"]["enum"].index("-stated_on")]
        == "stated_on_desc"
    )
    for name, schema in schemas.items():
        if "enum" in schema and "x-enum-varnames" in schema:
            assert len(schema["x-enum-varnames"]) == len(schema["enum"]), name
            assert all(v.isidentifier() for v in schema["x-enum-varnames"]), name
        elif "enum" in schema:
            assert all(str(v).isidentifier() for v in schema["enum"]), name


def test_free_form_objects_share_one_schema(spec):
    schemas = spec["components"]["schemas"]
    before = schemas["RevisionPublic"]["properties"]["before"]["anyOf"]
    assert {"$ref": "#/components/schemas/JsonObject"} in before
    assert schemas["JsonObject"]["additionalProperties"] is True


def test_non_json_bodies_are_text_or_files():
    """CSV and metrics are strings to a generated client; NDJSON streams are files."""
    document = {
        "paths": {
            "/export": {
                "post": {
                    "requestBody": {"content": {"application/x-ndjson": {}}},
                    "responses": {
                        "200": {
                            "content": {
                                "application/x-ndjson": {"schema": {"type": "string"}},
                                "text/csv": {"schema": {"type": "string"}},
                                "text/plain": {},
                                "application/ld+json": {"schema": {"$ref": "#/x"}},
                            }
                        }
                    },
                }
            }
        }
    }
    openapi_shape.shape(document)
    operation = document["paths"]["/export"]["post"]
    assert operation["requestBody"]["content"]["application/x-ndjson"]["schema"] == {
        "type": "string",
        "format": "binary",
    }
    assert operation["responses"]["200"]["content"] == {
        "application/x-ndjson": {"schema": {"type": "string", "format": "binary"}},
        "text/csv": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
        "application/ld+json": {"schema": {"$ref": "#/x"}},
    }
