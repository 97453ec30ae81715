"""Every write route of the app's own route table, against every role.

Anonymous callers get 401 and viewers 403 everywhere. Contributors create freely and
change only what they created; verdicts and restores are for editors and admins; the
bulk import is for admins alone. A route added tomorrow is walked too: if it needs other
rules, this table must say so.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import (
    make_actor,
    make_claim,
    make_event,
    make_evidence,
    make_response,
    make_source,
)
from tests.test_hostile_input import WRITES, fill, request_body

ROLES = ["anonymous", "viewer", "owner", "other contributor", "editor", "admin"]


def editors_only(method: str, path: str) -> bool:
    return path.endswith("/restore") or (method, path) == ("PUT", "/v1/claims/{claim_id}/verdict")


def admins_only(method: str, path: str) -> bool:
    return (method, path) == ("POST", "/v1/import")


def creates(method: str, path: str) -> bool:
    return method == "POST" and not path.endswith("/restore")


def expected(role: str, method: str, path: str) -> int | None:
    """The status the role must get, or None for 'allowed' (any answer but 401 and 403)."""
    if role == "anonymous":
        return 401
    if role == "viewer":
        return 403
    if role == "admin":
        return None
    if admins_only(method, path):
        return 403
    if role == "editor":
        return None
    if editors_only(method, path):
        return 403
    if role == "other contributor" and not creates(method, path):
        return 403
    return None


def owned_rows(client: Any, auth: Any) -> dict[str, str]:
    """Rows the 'contributor' key created, named as the route table's path parameters."""
    editor, owner = auth("editor"), auth("contributor")
    for slug in ("fsb", "ktj", "hts"):
        make_actor(client, editor, slug)
    make_event(client, editor, "volgograd-plot-2020")
    make_actor(client, owner, "owned-actor")
    make_event(client, owner, "owned-event")
    claim = make_claim(client, owner, "fsb", ["ktj"])
    relation = client.post(
        "/v1/actors/owned-actor/relations",
        json={"predicate": "affiliated_with", "object": "hts"},
        headers=owner,
    )
    assert relation.status_code == 201, relation.text
    return {
        "actor": "owned-actor",
        "event": "owned-event",
        "source_id": make_source(client, owner, "Owned statement")["id"],
        "claim_id": claim["id"],
        "response_id": make_response(client, owner, claim["id"], "ktj")["id"],
        "evidence_id": make_evidence(client, owner, claim["id"])["id"],
        "relation_id": relation.json()["id"],
    }


def test_the_matrix_covers_every_write_route():
    assert len(WRITES) >= 29  # create, update, delete, restore of 7 kinds, and the verdict
    assert {path for _, path in WRITES if path.endswith("/restore")}
    assert ("PUT", "/v1/claims/{claim_id}/verdict") in WRITES


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), WRITES)
def test_role_on_write_route(client, auth, method, path, role):
    target = fill(path, owned_rows(client, auth))
    found = request_body(method, path)
    body = dict(found[1]) if found else None
    if body is not None and "slug" in body and creates(method, path):
        body["slug"] = "matrix-new"
    headers = (
        {}
        if role == "anonymous"
        else auth({"owner": "contributor", "other contributor": "other"}.get(role, role))
    )
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None and method != "DELETE":
        kwargs["json"] = body
    response = client.request(method, target, **kwargs)
    want = expected(role, method, path)
    if want is None:
        assert response.status_code not in (401, 403), (role, method, path, response.text)
        assert response.status_code < 500, (role, method, path, response.text)
    else:
        assert response.status_code == want, (role, method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
