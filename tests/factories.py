"""Typed builders that create rows through the HTTP API, as a client would."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def make_actor(
    client: TestClient,
    headers: dict[str, str],
    slug: str,
    name: str | None = None,
    kind: str = "armed_group",
    **fields: Any,
) -> dict[str, Any]:
    body = {"slug": slug, "name": name or slug.upper(), "kind": kind, **fields}
    return created(client.post("/v1/actors", json=body, headers=headers))


def make_event(
    client: TestClient,
    headers: dict[str, str],
    slug: str,
    title: str | None = None,
    kind: str = "plot",
    **fields: Any,
) -> dict[str, Any]:
    body = {"slug": slug, "title": title or slug, "kind": kind, **fields}
    return created(client.post("/v1/events", json=body, headers=headers))


def make_source(
    client: TestClient, headers: dict[str, str], title: str = "A statement", **fields: Any
) -> dict[str, Any]:
    return created(client.post("/v1/sources", json={"title": title, **fields}, headers=headers))


def make_claim(
    client: TestClient,
    headers: dict[str, str],
    claimant: str,
    accused: list[str] | None = None,
    proposition: str = "Something happened.",
    stated_on: str | None = "2020-10-15",
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "proposition": proposition,
        "claimant": claimant,
        "accused": accused or [],
        "stated_on": stated_on,
        **fields,
    }
    return created(client.post("/v1/claims", json=body, headers=headers))


def make_response(
    client: TestClient,
    headers: dict[str, str],
    claim_id: str,
    responder: str,
    stance: str = "denies",
    stated_on: str | None = "2020-10-16",
    **fields: Any,
) -> dict[str, Any]:
    body = {"responder": responder, "stance": stance, "stated_on": stated_on, **fields}
    return created(client.post(f"/v1/claims/{claim_id}/responses", json=body, headers=headers))


def make_evidence(
    client: TestClient,
    headers: dict[str, str],
    claim_id: str,
    bearing: str = "supports",
    reliability: str = "F",
    credibility: int = 4,
    independent: bool = False,
    kind: str = "photo",
    summary: str = "Photos of seized items.",
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "summary": summary,
        "kind": kind,
        "bearing": bearing,
        "reliability": reliability,
        "credibility": credibility,
        "independent": independent,
        **fields,
    }
    return created(client.post(f"/v1/claims/{claim_id}/evidence", json=body, headers=headers))


def make_relation(
    client: TestClient,
    headers: dict[str, str],
    subject: str,
    predicate: str,
    object_: str,
    **fields: Any,
) -> dict[str, Any]:
    body = {"predicate": predicate, "object": object_, **fields}
    return created(client.post(f"/v1/actors/{subject}/relations", json=body, headers=headers))
