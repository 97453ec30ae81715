"""Post-processing that makes generated clients read naturally (see docs/clients.md).

Generic over the document, so that new routes and models get the same treatment:
descriptions filled from app.api.descriptions (and pydantic's titles that only repeat
a field's name dropped), optional parameters that are simply
optional (not "string or null"), enum members with names, free-form objects under one
named schema, and a string schema on every non-JSON body: text for text/*, a file
(``format: binary``) for streams such as NDJSON.
"""

from __future__ import annotations

import re
from typing import Any

from app.api import descriptions

JSON_OBJECT = "JsonObject"
_JSON_OBJECT_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "title": JSON_OBJECT,
    "description": "A JSON object whose members depend on the row it shows.",
}
_NULL = {"type": "null"}


def shape(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in list(schemas.items()):
        _hoist_free_form_objects(schemas, schema)
        _describe_schema(name, schema)
        _name_enum_members(schema)
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            _plain_optional_parameter(parameter)
            _drop_default_title(parameter["name"], parameter.get("schema", {}))
            if not parameter.get("description"):
                text = descriptions.PARAMETERS.get(parameter["name"])
                if text:
                    parameter["description"] = text
        bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
        for body in bodies:
            for media_type, content in body.get("content", {}).items():
                _describe_stream(media_type, content)


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in document.get("paths", {}).values() for op in item.values()]


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _describe_stream(media_type: str, content: dict[str, Any]) -> None:
    """text/* (CSV, metrics) is a string; any other non-JSON body (NDJSON) is a file, which
    generators turn into bytes or a file object rather than a model."""
    if _is_json(media_type):
        return
    schema = content.setdefault("schema", {"type": "string"})
    if schema.get("type") == "string" and not media_type.startswith("text/"):
        schema.setdefault("format", "binary")


def _describe_schema(name: str, schema: dict[str, Any]) -> None:
    if not schema.get("description"):
        text = descriptions.schema(name)
        if text:
            schema["description"] = text
    for field, prop in schema.get("properties", {}).items():
        _drop_default_title(field, prop)
        if not prop.get("description"):
            text = descriptions.field(name, field)
            if text:
                prop["description"] = text


def _drop_default_title(name: str, schema: dict[str, Any]) -> None:
    """Pydantic titles every field after its name ("Stated On"); generators print that
    above the description as if it said something."""
    if schema.get("title") == name.replace("_", " ").title():
        del schema["title"]


def _name_enum_members(schema: dict[str, Any]) -> None:
    """Member names for values that are no identifier (``-stated_on`` is ``stated_on_desc``,
    as in the Python enum), or generators number them: ``VALUE_1``."""
    values = schema.get("enum", [])
    if not all(isinstance(value, str) for value in values):
        return
    if all(value.isidentifier() for value in values):
        return
    names = []
    for value in values:
        name = f"{value[1:]}_desc" if value.startswith("-") else value
        names.append(re.sub(r"\W", "_", name))
    schema["x-enum-varnames"] = names


def _is_free_form(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and node.get("type") == "object"
        and "properties" not in node
        and node.get("additionalProperties", True) is True
    )


def _hoist_free_form_objects(schemas: dict[str, Any], schema: dict[str, Any]) -> None:
    """``dict[str, Any]`` fields become a ``$ref`` to one ``JsonObject`` schema, instead of
    a model class per field named after it (``RevisionPublicBeforeType0``)."""
    for prop in schema.get("properties", {}).values():
        variants = prop.get("anyOf", [])
        for index, variant in enumerate(variants):
            if _is_free_form(variant):
                variants[index] = {"$ref": f"#/components/schemas/{JSON_OBJECT}"}
                schemas.setdefault(JSON_OBJECT, dict(_JSON_OBJECT_SCHEMA))
        if _is_free_form(prop):
            keep = {k: v for k, v in prop.items() if k in ("title", "description")}
            prop.clear()
            prop.update({"$ref": f"#/components/schemas/{JSON_OBJECT}", **keep})
            schemas.setdefault(JSON_OBJECT, dict(_JSON_OBJECT_SCHEMA))


def _plain_optional_parameter(parameter: dict[str, Any]) -> None:
    """A query parameter is present or absent, never null: ``str | None = None`` in a
    route becomes an optional string rather than ``anyOf [string, null]``."""
    schema = parameter.get("schema", {})
    variants = schema.get("anyOf")
    if not variants or _NULL not in variants:
        return
    rest = [variant for variant in variants if variant != _NULL]
    if len(rest) != 1:
        return
    plain = {k: v for k, v in schema.items() if k != "anyOf"}
    if plain.get("default", "absent") is None:
        del plain["default"]
    parameter["schema"] = {**rest[0], **plain}
