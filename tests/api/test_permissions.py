"""Who may do what, checked on every route of the app's own route table.

The routes are read from the app (``app.routes``, through the included routers that
FastAPI nests there), so a new route is covered the day it is added: anonymous
writers get a 401 challenge, viewers a 403, and a bad key a 401.
"""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from app.api.routing import endpoints
from app.config import Settings
from app.main import create_app
from app.models.api_key import Role
from app.services.keys import create_key, revoke_key
from tests.factories import (
    make_actor,
    make_claim,
    make_event,
    make_evidence,
    make_relation,
    make_response,
    make_source,
)
from tests.helpers import assert_problem

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Query parameters that a read route cannot do without.
REQUIRED_QUERY = {"/v1/search": {"q": "ktj"}}
# Reads that answer in another media type than application/json.
MEDIA_TYPES = {
    "/v1/claims.csv": "text/csv; charset=utf-8",
    "/v1/claims/{claim_id}/claimreview": "application/ld+json",
    "/v1/export/claimreview": "application/ld+json",
}


def api_routes(app) -> list[tuple[str, str, str]]:
    """(method, path, operation id) of every /v1 route of ``app``."""
    return sorted(
        (method, endpoint.path, endpoint.route.operation_id or endpoint.route.name)
        for endpoint in endpoints(app)
        if endpoint.path.startswith("/v1")
        for method in endpoint.methods
    )


ROUTES = api_routes(create_app(Settings()))
WRITES = [(method, path) for method, path, _ in ROUTES if method in WRITE_METHODS]
# Reads that are not public: the export holds soft-deleted rows too, so it is for editors
# (tests/api/test_transfer.py).
EDITOR_READS = {"/v1/export"}
READS = [path for method, path, _ in ROUTES if method == "GET" and path not in EDITOR_READS]


def fill(path: str, values: dict[str, str] | None = None) -> str:
    """The path with each {parameter} replaced by its value (or a random UUID)."""
    return re.sub(
        r"\{(\w+)\}",
        lambda m: (values or {}).get(m.group(1)) or str(uuid.uuid4()),
        path,
    )


def test_the_route_table_is_the_apps_and_has_every_write(client):
    assert api_routes(client.app) == ROUTES
    operations = {op for method, _, op in ROUTES if method in WRITE_METHODS}
    assert {
        "createActor",
        "updateActor",
        "deleteActor",
        "createEvent",
        "updateEvent",
        "deleteEvent",
        "createSource",
        "updateSource",
        "deleteSource",
        "createClaim",
        "updateClaim",
        "deleteClaim",
        "setVerdict",
        "createResponse",
        "updateResponse",
        "deleteResponse",
        "createEvidence",
        "updateEvidence",
        "deleteEvidence",
        "createActorRelation",
        "updateRelation",
        "deleteRelation",
    } <= operations


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_anonymous_writes_are_401_with_a_challenge(client, method, path):
    response = client.request(method, fill(path), json={})
    problem = assert_problem(response, 401)
    assert problem["instance"] == response.request.url.path
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="contested"'


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_viewers_may_not_write(client, auth, method, path):
    response = client.request(method, fill(path), json={}, headers=auth("viewer"))
    assert_problem(response, 403)


BAD_CREDENTIALS = {
    "unknown key": "Bearer ctd_deadbeef_" + "x" * 43,
    "empty bearer": "Bearer ",
    "no scheme": "ctd_deadbeef_abc",
    "basic auth": "Basic dXNlcjpwYXNz",
    "overlong token": "Bearer " + "k" * 500,
}


@pytest.mark.parametrize("credential", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize(("method", "path"), WRITES)
def test_malformed_or_unknown_keys_are_401(client, method, path, credential):
    response = client.request(method, fill(path), json={}, headers={"Authorization": credential})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_401(client, db):
    with db.unit_of_work() as session:
        issued = create_key(session, "leaver", Role.editor)
    headers = {"Authorization": f"Bearer {issued.key}"}
    assert make_actor(client, headers, "fsb")["slug"] == "fsb"
    with db.unit_of_work() as session:
        revoke_key(session, issued.prefix)
    response = client.post(
        "/v1/actors", headers=headers, json={"slug": "ktj", "name": "KTJ", "kind": "armed_group"}
    )
    assert_problem(response, 401)
    assert_problem(client.get("/v1/actors", headers=headers), 401)
    assert [a["slug"] for a in client.get("/v1/actors").json()["items"]] == ["fsb"]


# ---- reads -------------------------------------------------------------------------------


@pytest.fixture
def world(client, auth):
    """One row of everything, and the path parameter values that name them."""
    h = auth("contributor")
    make_actor(client, h, "fsb", "Federal Security Service", kind="state_agency")
    make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad")
    event = make_event(client, h, "volgograd-plot-2020", "Volgograd plot")
    source = make_source(client, h, "FSB statement", publisher="fsb")
    claim = make_claim(
        client, h, "fsb", ["ktj"], event=event["slug"], sources=[{"source_id": source["id"]}]
    )
    response = make_response(client, h, claim["id"], "ktj")
    evidence = make_evidence(client, h, claim["id"])
    relation = make_relation(client, h, "ktj", "affiliated_with", "fsb")
    # A verdict, so that the claim has a ClaimReview to read.
    verdict = {"rating": "unverified"}
    assert (
        client.put(f"/v1/claims/{claim['id']}/verdict", json=verdict, headers=auth("editor"))
    ).status_code == 200
    return {
        "actor": "ktj",
        "event": event["slug"],
        "source_id": source["id"],
        "claim_id": claim["id"],
        "response_id": response["id"],
        "evidence_id": evidence["id"],
        "relation_id": relation["id"],
    }


def read(client, path, world, headers=None):
    return client.get(fill(path, world), params=REQUIRED_QUERY.get(path), headers=headers)


@pytest.mark.parametrize("path", READS)
def test_reads_are_public(client, world, path):
    response = read(client, path, world)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPES.get(path, "application/json")


@pytest.mark.parametrize("path", READS)
def test_a_bad_key_is_401_on_public_reads_too(client, world, path):
    bad = {"Authorization": "Bearer ctd_deadbeef_nope"}
    assert_problem(read(client, path, world, bad), 401)


@contextmanager
def client_of(app):
    with TestClient(app, raise_server_exceptions=False) as private:
        yield private


def test_without_public_read_an_anonymous_read_is_401(make_app, auth, world):
    with client_of(make_app(public_read=False)) as private:
        response = private.get("/v1/claims")
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="contested"'
        viewer = private.get("/v1/claims", headers=auth("viewer"))
        assert viewer.status_code == 200
        assert [c["id"] for c in viewer.json()["items"]] == [world["claim_id"]]
        assert private.get("/healthz").status_code == 200


@pytest.mark.parametrize("path", READS)
def test_without_public_read_every_read_needs_a_key(make_app, auth, world, path):
    with client_of(make_app(public_read=False)) as private:
        assert_problem(read(private, path, world), 401)
        bad = {"Authorization": "Bearer ctd_deadbeef_nope"}
        assert_problem(read(private, path, world, bad), 401)
        for role in ("viewer", "contributor", "editor", "admin"):
            response = read(private, path, world, auth(role))
            assert response.status_code == 200, (role, response.text)


# ---- contributors own what they create ----------------------------------------------------


def actor_case(client, h):
    make_actor(client, h, "ktj")
    return "/v1/actors/ktj", {"name": "Katibat Tawhid wal-Jihad"}


def event_case(client, h):
    make_event(client, h, "volgograd-plot-2020")
    return "/v1/events/volgograd-plot-2020", {"place": "Volgograd"}


def source_case(client, h):
    return f"/v1/sources/{make_source(client, h)['id']}", {"reliability": "C"}


def claim_case(client, h):
    claim = make_claim(client, h, "shared", ["shared"])
    return f"/v1/claims/{claim['id']}", {"proposition": "Changed."}


def response_case(client, h):
    claim = make_claim(client, h, "shared", ["shared"])
    return f"/v1/responses/{make_response(client, h, claim['id'], 'shared')['id']}", {
        "stance": "admits"
    }


def evidence_case(client, h):
    claim = make_claim(client, h, "shared", ["shared"])
    return f"/v1/evidence/{make_evidence(client, h, claim['id'])['id']}", {"credibility": 2}


def relation_case(client, h):
    make_actor(client, h, "ktj")
    relation = make_relation(client, h, "ktj", "affiliated_with", "shared")
    return f"/v1/relations/{relation['id']}", {"note": "since 2015"}


CASES = {
    "actor": actor_case,
    "event": event_case,
    "source": source_case,
    "claim": claim_case,
    "response": response_case,
    "evidence": evidence_case,
    "relation": relation_case,
}


@pytest.fixture(params=CASES.values(), ids=CASES.keys())
def owned(request, client, auth):
    """A row the 'contributor' key created: (its URL, a change to make to it)."""
    make_actor(client, auth("editor"), "shared", "An actor nobody owns")
    return request.param(client, auth("contributor"))


def test_a_contributor_edits_and_deletes_what_it_created(client, auth, owned):
    url, change = owned
    response = client.patch(url, json=change, headers=auth("contributor"))
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert client.delete(url, headers=auth("contributor")).status_code == 204
    assert_problem(client.get(url), 410)


def test_another_contributor_may_not_touch_it(client, auth, owned):
    url, change = owned
    before = client.get(url).json()
    assert_problem(client.patch(url, json=change, headers=auth("other")), 403)
    assert_problem(client.delete(url, headers=auth("other")), 403)
    assert client.get(url).json() == before


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_edit_and_delete_anything(client, auth, owned, role):
    url, change = owned
    response = client.patch(url, json=change, headers=auth(role))
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert client.delete(url, headers=auth(role)).status_code == 204
    assert_problem(client.get(url), 410)


def test_a_contributor_may_answer_a_claim_someone_else_created(client, auth):
    editor, other = auth("editor"), auth("other")
    make_actor(client, editor, "fsb")
    make_actor(client, editor, "ktj")
    claim = make_claim(client, editor, "fsb", ["ktj"])
    denial = make_response(client, other, claim["id"], "ktj")
    assert make_evidence(client, other, claim["id"])["claim_id"] == claim["id"]
    assert_problem(
        client.patch(f"/v1/claims/{claim['id']}", json={"proposition": "x"}, headers=other), 403
    )
    assert client.get(f"/v1/claims/{claim['id']}").json()["responses"][0]["id"] == denial["id"]


# ---- If-Match required ----------------------------------------------------------------------


def test_require_if_match_makes_a_write_without_it_428(make_app, auth):
    h = auth("editor")
    with client_of(make_app(require_if_match=True)) as strict:
        make_actor(strict, h, "fsb")
        make_actor(strict, h, "ktj")
        claim = make_claim(strict, h, "fsb", ["ktj"])
        assert_problem(strict.patch("/v1/actors/ktj", json={"name": "x"}, headers=h), 428)
        assert_problem(strict.delete("/v1/actors/ktj", headers=h), 428)
        verdict = strict.put(
            f"/v1/claims/{claim['id']}/verdict", json={"rating": "disputed"}, headers=h
        )
        assert_problem(verdict, 428)
        assert strict.get("/v1/actors/ktj").json()["name"] == "KTJ"
        assert_problem(
            strict.patch("/v1/actors/ktj", json={"name": "x"}, headers={**h, "If-Match": '"2"'}),
            412,
        )
        patched = strict.patch(
            "/v1/actors/ktj", json={"name": "Katibat"}, headers={**h, "If-Match": '"1"'}
        )
        assert patched.status_code == 200 and patched.json()["name"] == "Katibat"
        deleted = strict.delete("/v1/actors/ktj", headers={**h, "If-Match": '"2"'})
        assert deleted.status_code == 204
