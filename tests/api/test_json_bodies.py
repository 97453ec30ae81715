"""Bodies written straight from the rows (app/api/json_body.py) are what the response
models would write, byte for byte, for every kind of row the seed cases and a few
extra writes produce, on both databases.

Each body is validated by its response model and dumped again by it; the two must be
the same bytes: no field missing or extra, none in another order, every id, date,
instant, number and flag in the model's own format.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from app.models.claim import ClaimDossier, ClaimPage, ClaimSort
from app.models.search import SearchPage
from app.models.views import TimelinePage
from app.services.prepared import Plain
from tests.factories import make_claim, make_evidence, make_response


def assert_model_body(response: Any, model: type[BaseModel]) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.content
    assert model.model_validate_json(body).model_dump_json().encode() == body
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def cases(seeded, client, auth):
    """The seed cases, plus what they lack: a reply thread, a response by a body that is
    part_of the accused, deleted responses and evidence, every bearing, a verdict, an
    undated claim without an event."""
    editor = auth("editor")
    claim = make_claim(client, editor, "fsb", ["ktj"], tags=["volgograd", "cell"])
    root = make_response(client, editor, claim["id"], "ktj")
    make_response(client, editor, claim["id"], "fsb", "counter_accuses", in_reply_to=root["id"])
    gone = make_response(client, editor, claim["id"], "ktj", "admits")
    client.delete(f"/v1/responses/{gone['id']}", headers=editor)
    # The seeds hold fsb part_of russian-government.
    state = make_claim(client, editor, "ktj", ["russian-government"], stated_on="2021-02-01")
    make_response(client, editor, state["id"], "fsb", stated_on=None)
    make_response(client, editor, state["id"], "hrw", "confirms")
    for bearing, independent in (("supports", True), ("refutes", False), ("context", True)):
        make_evidence(client, editor, claim["id"], bearing, "B", 2, independent, produced_by="fsb")
    dropped = make_evidence(client, editor, claim["id"], "refutes")
    client.delete(f"/v1/evidence/{dropped['id']}", headers=editor)
    client.put(
        f"/v1/claims/{claim['id']}/verdict",
        headers=editor,
        json={"rating": "disputed", "rationale": "Both sides unproven."},
    )
    make_claim(client, editor, "fsb", [], stated_on=None)
    return seeded


def test_every_dossier_is_what_its_model_writes(cases, client):
    ids = [c["id"] for c in client.get("/v1/claims", params={"limit": 200}).json()["items"]]
    assert len(ids) > 20
    seen: set[str] = set()
    for claim_id in ids:
        dossier = assert_model_body(client.get(f"/v1/claims/{claim_id}"), ClaimDossier)
        seen.update(r["stance"] for r in dossier["responses"])
        seen.update(k for k, items in dossier["evidence"].items() if items)
        seen.add(dossier["dispute"]["status"])
        if any(r["by_accused"] for r in dossier["responses"]):
            seen.add("by_accused")
        if any(r["in_reply_to"] for r in dossier["responses"]):
            seen.add("thread")
    # The cases reach every branch of the body.
    assert {"supports", "refutes", "context", "by_accused", "thread", "denied"} <= seen


@pytest.mark.parametrize("sort", list(ClaimSort))
def test_every_list_page_is_what_its_model_writes(cases, client, sort):
    pages, cursor = 0, None
    while True:
        params = {"limit": 7, "sort": sort.value, **({"cursor": cursor} if cursor else {})}
        page = assert_model_body(client.get("/v1/claims", params=params), ClaimPage)
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages > 3


def test_filtered_list_pages_are_what_their_model_writes(cases, client):
    for params in (
        {"accused": "ktj"},
        {"status": "denied", "stated_from": "2000-01-01"},
        {"q": "Volgograd"},
        {"tag": "volgograd", "verdict": "disputed"},
    ):
        page = assert_model_body(client.get("/v1/claims", params=params), ClaimPage)
        assert page["items"], params


def test_sqlite_values_are_written_as_the_models_write_them():
    plain = Plain("sqlite")
    assert plain.uuid("0192f0c47d1e7b3a9c551f2e3d4c5b6a") == "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6a"
    assert plain.instant("2020-10-16 08:30:00.000000") == "2020-10-16T08:30:00Z"
    assert plain.instant("2020-10-16 08:30:00.000250") == "2020-10-16T08:30:00.000250Z"
    assert plain.flag(0) is False and plain.flag(1) is True
    assert plain.uuid(None) is None and plain.instant(None) is None and plain.flag(None) is None


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Volgograd"},
        {"q": "ФСБ"},
        {"q": "KTJ", "type": ["claim", "response"]},
        {"q": "attack*", "limit": 2},
    ],
)
def test_every_search_page_is_what_its_model_writes(cases, client, params):
    pages, cursor = 0, None
    while True:
        found = client.get(
            "/v1/search", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        page = assert_model_body(found, SearchPage)
        assert page["items"], params
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None or pages == 5:
            break


def test_every_timeline_page_is_what_its_model_writes(cases, client):
    events = [e["slug"] for e in client.get("/v1/events", params={"limit": 200}).json()["items"]]
    paths = [f"/v1/events/{slug}/timeline" for slug in events]
    paths += [f"/v1/actors/{slug}/timeline" for slug in ("fsb", "ktj", "russian-government")]
    kinds = set()
    for path in paths:
        cursor = None
        while True:
            params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
            page = assert_model_body(client.get(path, params=params), TimelinePage)
            kinds.update(item["type"] for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert kinds == {"claim", "response", "evidence"}
