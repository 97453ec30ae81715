"""Assertions shared by the API tests: problem documents and walking paginated lists."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def assert_problem(
    response: Any,
    status: int,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
    type_: str | None = None,
) -> dict[str, Any]:
    """Assert an RFC 9457 problem with this status (and blamed field); return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    if type_ is not None:
        assert problem["type"] == type_
    errors = problem.get("errors") or []
    if pointer is not None:
        assert pointer in [e.get("pointer") for e in errors], problem
    if parameter is not None:
        assert parameter in [e.get("parameter") for e in errors], problem
    return problem  # type: ignore[no-any-return]


def walk_pages(
    client: TestClient,
    url: str,
    limit: int,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> tuple[list[dict[str, Any]], int]:
    """Follow ``Link: rel="next"`` from the first page to the last; return (items, pages).

    Checks on every page that ``next_cursor`` and the Link header agree, and that the
    last page has neither.
    """
    items: list[dict[str, Any]] = []
    pages = 0
    response = client.get(url, params={"limit": limit, **params}, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            return items, pages
        assert len(body["items"]) == limit
        link = response.headers["Link"]
        assert link.startswith("<") and link.endswith('>; rel="next"')
        next_url = link[1 : link.index(">")]
        query = parse_qs(urlsplit(next_url).query)
        assert query["cursor"] == [cursor]
        assert query["limit"] == [str(limit)]
        for name, value in params.items():
            assert query[name] == [str(value)]
        response = client.get(next_url, headers=headers)


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


# A well-formed id that names nothing (fixed, so test ids are the same in every process).
SOME_ID = "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6a"
