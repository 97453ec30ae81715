"""The API reference pages: Swagger UI at /docs and ReDoc at /redoc, both on /openapi.json."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_reference_pages_are_html_built_on_the_openapi_document(path):
    client = TestClient(create_app(Settings(database_url="sqlite:///unused.db")))
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text
    assert client.get("/openapi.json").json()["info"]["title"] == "Contested"
