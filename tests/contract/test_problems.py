"""Every error the framework raises comes out as a problem document too."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def assert_problem(response, status):
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    assert body["instance"] == response.request.url.path
    return body


def test_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/v1/nothing-here"), 404)


def test_undeclared_method_is_a_405_with_allow(client):
    response = client.put("/v1/claims")
    assert_problem(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_malformed_json_is_a_422_problem(client, auth):
    response = client.post(
        "/v1/actors",
        content=b'{"slug": ',
        headers={**auth("contributor"), "Content-Type": "application/json"},
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["pointer"].startswith("/")


def test_non_json_content_type_is_refused(client, auth):
    response = client.post(
        "/v1/actors",
        content=b"slug=fsb",
        headers={**auth("contributor"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_unexpected_errors_are_a_bare_500_problem(tmp_path):
    app: FastAPI = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret /etc/passwd SELECT * FROM api_key")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.text and "SELECT" not in response.text
    assert body["detail"] == "an unexpected error occurred; it has been logged"


def test_huge_integers_and_nul_bytes_are_422_not_500(client, auth):
    h = auth("contributor")
    assert (
        client.post(
            "/v1/actors", json={"slug": "fsb", "name": "FSB", "kind": "state_agency"}, headers=h
        ).status_code
        == 201
    )
    claim = client.post("/v1/claims", json={"proposition": "x", "claimant": "fsb"}, headers=h)
    claim_id = claim.json()["id"]
    response = client.post(
        f"/v1/claims/{claim_id}/evidence",
        headers=h,
        json={"summary": "x", "kind": "photo", "bearing": "supports", "credibility": 2**70},
    )
    assert_problem(response, 422)
    response = client.post(
        "/v1/actors", headers=h, json={"slug": "x", "name": "nul\u0000here", "kind": "person"}
    )
    assert_problem(response, 422)
    # A NUL in any query or path parameter is refused before it reaches a query.
    response = client.get("/v1/claims", params={"q": "a\u0000b"})
    assert assert_problem(response, 422)["errors"][0]["parameter"] == "q"
    response = client.get("/v1/claims", params={"cursor": "\u0000"})
    assert assert_problem(response, 422)["errors"][0]["parameter"] == "cursor"
