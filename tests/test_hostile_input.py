"""Hostile input on every write route and every read parameter (RELIABILITY C1, C2, S3, S5).

The routes, their bodies and their parameters are read from the app's own route table
and OpenAPI document, so a route added tomorrow is attacked too. Each case must be
answered by a 4xx problem document (``status`` equal to the HTTP code, no traceback,
SQL or file path in it) and leave every table as it was. Free-text filters are the one
exception: an injection-like search is a search, so a 200 is a fine answer there.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, literal, select

from app.api.routing import endpoints
from app.config import Settings
from app.db import Database, open_database
from app.main import create_app
from app.models import metadata
from app.models.api_key import Role
from app.services import migrations
from app.services.keys import create_key
from app.services.seeding import seed
from tests.conftest import BACKENDS, SEEDS, empty_database
from tests.helpers import PROBLEM

APP = create_app(Settings())
SPEC = APP.openapi()
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
WRITES = sorted(
    (method, e.path)
    for e in endpoints(APP)
    if e.path.startswith("/v1")
    for method in e.methods & WRITE_METHODS
)
READS = sorted(
    e.path
    for e in endpoints(APP)
    if "GET" in e.methods and SPEC["paths"].get(e.path, {}).get("get", {}).get("parameters")
)
# Rows about requests (rate-limit windows, idempotency records), not data a request changes.
BOOKKEEPING = {"rate_limit_counter", "idempotency_key"}
SERVER_OWNED = ["id", "version", "created_at", "updated_at", "deleted_at", "created_by"]
# What must never leave the server in an error body.
LEAKS = [
    "Traceback",
    'File "',
    ".py",
    "site-packages",
    "/work/",
    "sqlalchemy",
    "sqlite3",
    "psycopg",
    "[SQL:",
    "Background on this error",
]

BIG = "x" * 200_000
DEEP_LIST = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
INJECTIONS = ["fsb' OR '1'='1", "1; DROP TABLE claim; --", '" OR ""="', "%' OR 1=1 --"]
BAD_DATES = ["2021-02-30", "10000-01-01", "0000-01-01", "2021-13-01", "20210230"]
BAD_DATETIMES = [
    "2021-02-30T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "2021-01-01T25:00:00Z",
    "yesterday",
]
BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)//https://x.org",
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "ftp://example.org/file",
    "mailto:editor@example.org",
    "//example.org/no-scheme",
    "http://",
    "http://exa mple.org/",
    "http://[::1/",
    "http://example.org:99999/",
]
HUGE_INTS = [2**64, -(2**64), 2**200]


# ---- the database, before and after --------------------------------------------------


def snapshot(db: Database) -> dict[str, tuple[int, int]]:
    """(rows, sum of versions) of every table: a hostile write must change neither."""
    state = {}
    with db.reading() as conn:
        for table in metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            versions = (
                func.coalesce(func.sum(table.c.version), 0) if "version" in table.c else literal(0)
            )
            count, total = conn.execute(select(func.count(), versions).select_from(table)).one()
            state[table.name] = (count, int(total))
    return state


# ---- reading the OpenAPI document ---------------------------------------------------------


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow $refs and drop the ``null`` branch of optional fields."""
    while True:
        if "$ref" in schema:
            schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            branches = [s for s in schema["anyOf"] if s.get("type") != "null"]
            schema = branches[0] if len(branches) == 1 else {"anyOf": branches}
        else:
            return schema


def kind_of(name: str, schema: dict[str, Any]) -> str:
    schema = resolve(schema)
    if "enum" in schema:
        return "enum"
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") in {"date", "date-time", "uuid"}:
            return str(schema["format"])
        if name.endswith("url"):
            return "url"
        if schema.get("pattern") == "^[a-z0-9]+(?:-[a-z0-9]+)*$":
            return "slug"
        if "UUID or" in schema.get("description", "") or "id or slug" in schema.get(
            "description", ""
        ):
            return "reference"
        return "pattern" if "pattern" in schema else "text"
    return str(kind or "object")


def hostile_values(name: str, schema: dict[str, Any]) -> list[Any]:
    """Values that no field of this kind may accept."""
    kind = kind_of(name, schema)
    if kind == "object":
        return ["a string", 1, [1]]
    values: list[Any] = [{"$ne": None}]  # a wrong type for every non-object field
    if kind == "integer":
        return [*values, *HUGE_INTS, 1.5, "many", "true", "3"]
    if kind == "boolean":
        return [*values, "maybe", 2, 0, "true", [True]]
    if kind == "array":
        items = resolve(resolve(schema).get("items", {}))
        junk = {"title": "x"} if items.get("type") != "object" and "properties" not in items else 1
        return [*values, "a string", [junk], [junk] * 5000, [[[[1]]]]]
    values += [True, "a\x00b", "\ud800", BIG]
    if kind == "date":
        return [*values, *BAD_DATES, 0, 1.5, "2021-02-01T00:00:00", 2**64, -(2**64)]
    if kind == "date-time":
        return [*values, *BAD_DATETIMES, 0, "0.5"]
    if kind == "uuid":
        return [*values, "not-a-uuid", *INJECTIONS, 2**70]
    if kind == "enum":
        return [*values, "bogus", "", *INJECTIONS[:2]]
    if kind == "url":
        return [*values, *BAD_URLS]
    if kind in {"slug", "reference"}:
        return [*values, *INJECTIONS, "", "   "]
    if kind == "pattern":
        return [*values, *INJECTIONS[:1], ""]
    return [*values, 12345]  # free text: wrong types, NUL, lone surrogates, 200 KB


def request_body(method: str, path: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(schema, a valid example) of the route's JSON body, or None if it has none."""
    operation = SPEC["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = resolve(content["schema"])
    examples = schema.get("examples") or [{}]
    return schema, dict(examples[0])


# ---- the cases ------------------------------------------------------------------------------


@dataclass
class Case:
    label: str
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    lenient: bool = False  # a 200 is an acceptable answer too

    def describe(self) -> str:
        return self.label if len(self.label) < 120 else self.label[:117] + "..."


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def body_cases(method: str, path: str, target: str) -> Iterator[Case]:
    found = request_body(method, path)
    if found is None:
        return
    schema, example = found
    if "slug" in example and method == "POST":
        example["slug"] = "hostile-new"  # so that only the mutation can be wrong
    properties = schema.get("properties", {})
    for name, prop in properties.items():
        for value in hostile_values(name, prop):
            yield Case(f"{name}={short(value)}", target, json={**example, name: value})
        items = resolve(resolve(prop).get("items", {}))
        if "properties" in items:
            base = (example.get(name) or [{"title": "A statement"}])[0]
            base = {k: v for k, v in base.items() if k != "source_id"}
            for item_name, item_prop in items["properties"].items():
                if item_name == "source_id":
                    continue
                for value in hostile_values(item_name, item_prop):
                    yield Case(
                        f"{name}/0/{item_name}={short(value)}",
                        target,
                        json={**example, name: [{**base, item_name: value}]},
                    )
            yield Case(
                f"{name}/0 unknown field", target, json={**example, name: [{**base, "z": 1}]}
            )
    yield Case("unknown field", target, json={**example, "zzz_unknown": 1})
    for name in SERVER_OWNED:
        if name not in properties:
            yield Case(f"server-owned {name}", target, json={**example, name: "1"})
    first = next(iter(properties))
    raw = [
        ("broken JSON", b'{"title": '),
        ("broken UTF-8", b'{"title": "\xff\xfe\xfd"}'),
        ("broken UTF-8 key", b'{"\xc3\x28": 1}'),
        ("1000 nested lists", DEEP_LIST.encode()),
        ("1000 nested objects", DEEP_OBJECT.encode()),
        ("1000 nested lists in a field", f'{{"{first}": {DEEP_LIST}}}'.encode()),
        ("a list", b"[]"),
        ("a string", b'"claim"'),
        ("a number", b"1e999"),
        ("null", b"null"),
        ("NaN", f'{{"{first}": NaN}}'.encode()),
        ("an integer past 64 bits", f'{{"{first}": {2**70}}}'.encode()),
        ("a number past float", f'{{"{first}": 1e999999}}'.encode()),
        ("a NUL byte in the JSON", b'{"title": "a\x00b"}'),
        ("an escaped NUL", b'{"title": "a\\u0000b"}'),
    ]
    for label, content in raw:
        yield Case(label, target, content=content, headers={"Content-Type": "application/json"})
    yield Case(
        "text/plain body",
        target,
        content=json.dumps(example).encode(),
        headers={"Content-Type": "text/plain"},
    )


def header_cases(method: str, target: str, body: Any) -> Iterator[Case]:
    if method == "POST":
        return
    for value in ['W/"1"', '"abc"', '"99999999999999999999999"', "1", '"0"', '"-1"', '"1""']:
        yield Case(f"If-Match {value}", target, json=body, headers={"If-Match": value})


PATH_ATTACKS = [
    "not-a-uuid",
    "fsb' OR '1'='1",
    "1; DROP TABLE claim; --",
    "a%00b",
    "x" * 300,
    str(2**70),
    "00000000-0000-0000-0000-000000000000",
    "..%2F..%2Fetc%2Fpasswd",
]


def path_cases(path: str, values: dict[str, str], body: Any) -> Iterator[Case]:
    for name in values:
        if "{" + name + "}" not in path:
            continue
        for attack in PATH_ATTACKS:
            target = fill(path, {**values, name: quote(attack, safe="%")})
            yield Case(f"path {name}={short(attack)}", target, json=body)


def fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


# ---- the checks -----------------------------------------------------------------------------


def trouble(response: Any, case: Case) -> str | None:
    """What is wrong with the answer to a hostile case, or None."""
    status = response.status_code
    if status >= 500 or (status < 400 and not case.lenient):
        return f"{status} for {case.describe()}: {response.text[:300]}"
    if status < 400:
        return None
    if response.headers.get("content-type") != PROBLEM:
        return f"{status} without problem+json for {case.describe()}"
    if len(response.content) > 20_000:
        return f"{len(response.content)}-byte error body for {case.describe()}"
    problem = response.json()
    if problem.get("status") != status or not problem.get("title"):
        return f"bad problem document for {case.describe()}: {problem}"
    leaks = [leak for leak in LEAKS if leak in response.text]
    if leaks:
        return f"{status} for {case.describe()} leaks {leaks}: {response.text[:300]}"
    return None


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """A seeded database of its own, an editor, and one live row for every kind of path
    parameter. Shared by the module: the attacks change nothing, and each example that
    proves a route's body valid touches only that route's own target."""
    folder = tmp_path_factory.mktemp("hostile")
    with empty_database(request.param, folder, "hostile") as url:
        migrations.upgrade(url)
        settings = Settings(database_url=url, rate_limit_enabled=False)
        database = open_database(settings)
        try:
            with database.unit_of_work() as session:
                seed(session, SEEDS)
                editor = create_key(session, "hostile editor", Role.editor).key
            client = TestClient(create_app(settings, database), raise_server_exceptions=False)
            yield {
                "client": client,
                "editor": {"Authorization": f"Bearer {editor}"},
                "values": path_values(client),
                "db": database,
            }
        finally:
            database.dispose()


def path_values(client: TestClient) -> dict[str, str]:
    """A live row for every kind of path parameter, from the seeded cases."""
    claims = client.get("/v1/claims", params={"limit": 200}).json()["items"]
    claim = next(c for c in claims if client.get(f"/v1/claims/{c['id']}/evidence").json()["items"])
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    actor = client.get("/v1/actors", params={"limit": 1}).json()["items"][0]
    event = client.get("/v1/events", params={"limit": 1}).json()["items"][0]
    source = client.get("/v1/sources", params={"limit": 1}).json()["items"][0]
    relations = []
    for candidate in client.get("/v1/actors", params={"limit": 200}).json()["items"]:
        relations = client.get(f"/v1/actors/{candidate['slug']}/relations").json()["items"]
        if relations:
            break
    evidence = [e for bearing in dossier["evidence"].values() for e in bearing]
    return {
        "claim_id": claim["id"],
        "response_id": dossier["responses"][0]["id"] if dossier["responses"] else str(uuid.uuid4()),
        "evidence_id": evidence[0]["id"],
        "actor": actor["slug"],
        "event": event["slug"],
        "source_id": source["id"],
        "relation_id": relations[0]["id"] if relations else str(uuid.uuid4()),
    }


def send(client: TestClient, method: str, case: Case, editor: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": {**editor, **case.headers}}
    if case.content is not None:
        kwargs["content"] = case.content
    elif case.json is not None and method != "DELETE":
        kwargs["content"] = json.dumps(case.json).encode()
        kwargs["headers"].setdefault("Content-Type", "application/json")
    if case.params:
        kwargs["params"] = case.params
    return client.request(method, case.path, **kwargs)


# The import takes NDJSON lines, not a JSON body, and only from admins: its bad lines
# (broken JSON, NUL characters, oversized lines, unknown fields) are tested in
# tests/api/test_transfer.py.
JSON_WRITES = [(method, path) for method, path in WRITES if path != "/v1/import"]


@pytest.mark.parametrize(("method", "path"), JSON_WRITES)
def test_hostile_writes_are_refused_and_change_nothing(world, method, path):
    client, editor, values = world["client"], world["editor"], world["values"]
    target = fill(path, values)
    found = request_body(method, path)
    example = found[1] if found else None
    cases = [
        *body_cases(method, path, target),
        *header_cases(method, target, example),
        *path_cases(path, values, example),
    ]
    assert cases, f"no hostile case for {method} {path}"
    db = world["db"]
    before = snapshot(db)
    failures = [
        problem
        for case in cases
        if (problem := trouble(send(client, method, case, editor), case)) is not None
    ]
    assert failures == [], f"{method} {path}:\n" + "\n".join(failures[:40])
    assert snapshot(db) == before
    # The same request without the attack succeeds, so each refusal was the attack's doing.
    if example is not None:
        if "slug" in example and method == "POST":
            example["slug"] = "hostile-new"
        valid = send(client, method, Case("the example", target, json=example), editor)
        assert valid.status_code < 300, f"{method} {path} example: {valid.text}"


# ---- read parameters ------------------------------------------------------------------------


def parameter_values(param: dict[str, Any]) -> list[tuple[Any, bool]]:
    """(value, lenient) pairs for one query parameter."""
    name, schema = param["name"], resolve(param["schema"])
    kind = kind_of(name, param["schema"])
    strict: list[Any] = ["a\x00b"]
    lenient: list[Any] = []
    if kind == "integer":
        strict += ["abc", "1.5", str(2**64), str(-(2**64)), str(2**200), "1e3", ""]
        if "minimum" in schema:
            strict.append(str(schema["minimum"] - 1))
    elif kind == "date":
        strict += [*BAD_DATES, "today", "0"]
    elif kind == "date-time":
        strict += [*BAD_DATETIMES, "0.5", "1700000000"]
    elif kind in {"enum", "array"}:
        strict += ["bogus", INJECTIONS[0]]
    elif kind == "pattern":
        strict += ["ru", INJECTIONS[0]]
    else:
        if "maxLength" in schema:
            strict.append("x" * (schema["maxLength"] + 1))
        if name == "cursor":
            strict += ["garbage!!", "AAAA", b64("[" * 1400), b64("{}"), b64('"x"'), b64("[1,2]")]
        else:
            lenient += [*INJECTIONS, "\\", "*", '"', "NEAR(", "a OR", "-x", "^x", "x:y", "()"]
            if name == "url":
                lenient += BAD_URLS
    return [(v, False) for v in strict] + [(v, True) for v in lenient]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def tampered_cursors(cursor: str) -> list[tuple[str, bool]]:
    """(cursor, lenient): a real cursor with its parts replaced by junk of every shape.

    A forged sort key of the right type is indistinguishable from a real one, so a 200
    is a fine answer to those; a forged id or shape is a 400.
    """
    name, key, row_id, fp = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    junk: list[Any] = [{"a": 1}, [1], 10**400, 2**64, "2021-02-30", None, True, "x" * 100, 1.5]
    if isinstance(key, list):
        junk += [[*key[:-1], j] for j in (2**64, {"a": 1}, "x", None)]
        junk += [[j, *key[1:]] for j in (10**400, "x", None)] + [key[:1], [*key, 1]]
    forged = [([name, j, row_id, fp], True) for j in junk]
    forged += [([name, key, j, fp], False) for j in junk if not isinstance(j, str)]
    forged += [([name, key, "x"], False), ([name, key, row_id], False)]
    forged += [([name, key, row_id, fp, 1], False), ([None, key, row_id, fp], False)]
    return [(b64(json.dumps(f)), lenient) for f, lenient in forged]


@pytest.mark.parametrize("path", READS)
def test_hostile_read_parameters_are_refused(world, path):
    client, values = world["client"], world["values"]
    target = fill(path, values)
    parameters = SPEC["paths"][path]["get"].get("parameters", [])
    required = {p["name"]: "ktj" for p in parameters if p["in"] == "query" and p.get("required")}
    cases = [
        Case(
            f"{p['name']}={short(value)}",
            target,
            params={**required, p["name"]: value},
            lenient=lenient,
        )
        for p in parameters
        if p["in"] == "query"
        for value, lenient in parameter_values(p)
    ]
    if any(p["name"] == "cursor" for p in parameters):
        page = client.get(target, params={**required, "limit": 1}).json()
        if page.get("next_cursor"):
            cases += [
                Case(
                    f"tampered cursor {short(c)}",
                    target,
                    params={**required, "limit": 1, "cursor": c},
                    lenient=lenient,
                )
                for c, lenient in tampered_cursors(page["next_cursor"])
            ]
    cases += path_cases(path, values, None)
    db = world["db"]
    before = snapshot(db)
    failures = [
        problem
        for case in cases
        if (problem := trouble(client.get(case.path, params=case.params), case)) is not None
    ]
    assert failures == [], f"GET {path}:\n" + "\n".join(failures[:40])
    assert snapshot(db) == before


def test_every_route_is_attacked():
    """The tables above follow the app: a new write route or list parameter is covered."""
    assert len(WRITES) >= 17
    assert "/v1/claims" in READS and "/v1/search" in READS
