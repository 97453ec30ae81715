"""History through HTTP: a revision per write, restore, per-row history and the change feed."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import text

from app.services.seeding import seed
from tests.conftest import SEEDS
from tests.factories import (
    make_actor,
    make_claim,
    make_evidence,
    make_response,
    make_source,
)
from tests.helpers import SOME_ID, assert_problem, walk_pages

CHANGE_FIELDS = {"seq", "entity", "entity_id", "claim_id", "op", "version", "at"}
HISTORY_FIELDS = CHANGE_FIELDS | {"key", "request_id", "before", "after", "hash"}


def changes_after(client, seq: int) -> list[dict]:
    items, _ = walk_pages(client, "/v1/changes", 200, after=seq)
    return items


def last_seq(client) -> int:
    items, _ = walk_pages(client, "/v1/changes", 200)
    return items[-1]["seq"] if items else 0


def written(client, seq: int) -> list[tuple]:
    """(entity, entity_id, op, version) of every change after ``seq``."""
    return [
        (c["entity"], c["entity_id"], c["op"], c["version"]) for c in changes_after(client, seq)
    ]


@pytest.fixture
def world(client, auth):
    """FSB accuses KTJ, citing one source; written by the contributor."""
    h = auth("contributor")
    make_actor(client, h, "fsb", "Federal Security Service", kind="state_agency")
    make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad", aliases=["KTJ"])
    source = make_source(client, h, "FSB statement")
    claim = make_claim(client, h, "fsb", ["ktj"], sources=[{"source_id": source["id"]}])
    return {"claim": claim, "source": source}


# entity: (URL to POST to, body of the new row)
RESOURCES = {
    "actor": ("/v1/actors", {"slug": "hts", "name": "HTS", "kind": "armed_group"}),
    "event": ("/v1/events", {"slug": "volgograd-plot-2020", "title": "Plot", "kind": "plot"}),
    "source": ("/v1/sources", {"title": "TASS report", "kind": "news_report"}),
    "claim": ("/v1/claims", {"proposition": "KTJ plotted.", "claimant": "fsb"}),
    "response": ("/v1/claims/{claim}/responses", {"responder": "ktj", "stance": "denies"}),
    "evidence": (
        "/v1/claims/{claim}/evidence",
        {"summary": "Photos.", "kind": "photo", "bearing": "supports"},
    ),
    "relation": ("/v1/actors/ktj/relations", {"predicate": "member_of", "object": "fsb"}),
}
ITEM_URLS = {
    "actor": "/v1/actors/{id}",
    "event": "/v1/events/{id}",
    "source": "/v1/sources/{id}",
    "claim": "/v1/claims/{id}",
    "response": "/v1/responses/{id}",
    "evidence": "/v1/evidence/{id}",
    "relation": "/v1/relations/{id}",
}
LIST_URLS = {
    "actor": "/v1/actors",
    "event": "/v1/events",
    "source": "/v1/sources",
    "claim": "/v1/claims",
    "response": "/v1/claims/{claim}/responses",
    "evidence": "/v1/claims/{claim}/evidence",
    "relation": "/v1/actors/ktj/relations",
}
CHANGES = {
    "actor": {"aliases": ["HTS", "هيئة تحرير الشام"]},
    "event": {"place": "Volgograd"},
    "source": {"reliability": "C"},
    "claim": {"accused": ["ktj"], "tags": ["volgograd"]},
    "response": {"stance": "partially_denies"},
    "evidence": {"credibility": 2},
    "relation": {"note": "Reported by the FSB."},
}


def create(client, headers, entity: str, world) -> dict:
    url, body = RESOURCES[entity]
    response = client.post(url.format(claim=world["claim"]["id"]), json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def item_url(entity: str, row: dict) -> str:
    return ITEM_URLS[entity].format(id=row["id"])


@pytest.mark.parametrize("entity", RESOURCES)
def test_every_write_appends_exactly_one_revision_for_its_row(client, auth, world, entity):
    h = auth("editor")
    mark = last_seq(client)
    row = create(client, h, entity, world)
    url = item_url(entity, row)
    assert written(client, mark) == [(entity, row["id"], "create", 1)]

    mark = last_seq(client)
    updated = client.patch(url, json=CHANGES[entity], headers=h)
    assert updated.status_code == 200, updated.text
    assert written(client, mark) == [(entity, row["id"], "update", 2)]

    mark = last_seq(client)
    assert client.delete(url, headers=h).status_code == 204
    assert written(client, mark) == [(entity, row["id"], "delete", 3)]

    mark = last_seq(client)
    restored = client.post(f"{url}/restore", headers=h)
    assert restored.status_code == 200, restored.text
    assert written(client, mark) == [(entity, row["id"], "restore", 4)]

    history = client.get(f"{url}/history").json()["items"]
    own = [item for item in history if item["entity_id"] == row["id"]]
    assert [(i["op"], i["version"]) for i in own] == [
        ("create", 1),
        ("update", 2),
        ("delete", 3),
        ("restore", 4),
    ]
    assert own[0]["before"] is None
    for previous, item in itertools.pairwise(own):
        assert item["before"] == previous["after"]
        assert item["after"]["version"] == item["version"]
        assert item["seq"] > previous["seq"]
    assert own[2]["after"]["deleted_at"] is not None
    assert own[3]["after"]["deleted_at"] is None
    assert {i["key"] for i in own} == {"test editor"}


def test_the_verdict_created_with_a_claim_has_no_revision_of_its_own(client, auth, world):
    h = auth("editor")
    mark = last_seq(client)
    claim = make_claim(client, h, "fsb", ["ktj"])
    assert written(client, mark) == [("claim", claim["id"], "create", 1)]
    mark = last_seq(client)
    body = {"rating": "unverified", "rationale": "Only the FSB says so."}
    verdict = client.put(f"/v1/claims/{claim['id']}/verdict", json=body, headers=h)
    assert verdict.status_code == 200, verdict.text
    (change,) = changes_after(client, mark)
    assert (change["entity"], change["claim_id"], change["op"], change["version"]) == (
        "verdict",
        claim["id"],
        "update",
        2,
    )
    (item,) = [
        i
        for i in client.get(f"/v1/claims/{claim['id']}/history").json()["items"]
        if i["entity"] == "verdict"
    ]
    assert item["before"]["rating"] == "unassessed" and item["before"]["version"] == 1
    assert item["after"]["rating"] == "unverified"
    assert item["after"]["rationale"] == "Only the FSB says so."
    assert item["after"]["reviewed_by"] == "test editor"


def test_an_inline_source_is_a_revision_of_its_own(client, auth, world):
    mark = last_seq(client)
    claim = make_claim(client, auth("editor"), "fsb", sources=[{"title": "RIA Novosti report"}])
    source_id = claim["sources"][0]["source"]["id"]
    assert sorted(written(client, mark)) == [
        ("claim", claim["id"], "create", 1),
        ("source", source_id, "create", 1),
    ]


def test_refused_writes_leave_no_revision(client, auth, world):
    claim_url = f"/v1/claims/{world['claim']['id']}"
    h, stale = auth("editor"), {**auth("editor"), "If-Match": '"7"'}
    mark = last_seq(client)
    assert_problem(client.patch(claim_url, json={"proposition": "No."}, headers=stale), 412)
    assert_problem(client.delete(claim_url, headers=stale), 412)
    assert_problem(client.patch(claim_url, json={"proposition": ""}, headers=h), 422)
    assert_problem(client.patch(claim_url, json={"accused": ["nobody"]}, headers=h), 422)
    assert_problem(client.patch(claim_url, json={"proposition": "x"}, headers=auth("other")), 403)
    assert_problem(
        client.put(f"{claim_url}/verdict", json={"rating": "refuted"}, headers=stale), 412
    )
    assert_problem(client.post(f"{claim_url}/restore", headers=h), 409)
    assert_problem(client.post("/v1/claims", json={"claimant": "fsb"}, headers=h), 422)
    # A write that changes nothing is no new version, so no revision either.
    same = client.patch(claim_url, json={"proposition": world["claim"]["proposition"]}, headers=h)
    assert same.status_code == 200 and same.json()["version"] == 1
    assert written(client, mark) == []
    assert client.get(claim_url).json()["version"] == 1


@contextmanager
def revisions_refused(db) -> Iterator[None]:
    """Make every INSERT into revision fail, as a full disk or a crash at commit would."""
    if db.is_sqlite:
        create = [
            "CREATE TRIGGER revision_refuse_insert BEFORE INSERT ON revision "
            "BEGIN SELECT RAISE(ABORT, 'no more revisions'); END"
        ]
        drop = ["DROP TRIGGER revision_refuse_insert"]
    else:
        create = [
            "CREATE FUNCTION revision_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'no more revisions'; END $$",
            "CREATE TRIGGER revision_refuse_insert BEFORE INSERT ON revision "
            "FOR EACH ROW EXECUTE FUNCTION revision_refuse()",
        ]
        drop = [
            "DROP TRIGGER revision_refuse_insert ON revision",
            "DROP FUNCTION revision_refuse()",
        ]
    with db.write.begin() as conn:
        for statement in create:
            conn.execute(text(statement))
    try:
        yield
    finally:
        with db.write.begin() as conn:
            for statement in drop:
                conn.execute(text(statement))


def test_a_write_and_its_revision_commit_together(client, auth, db, world):
    """If the revision cannot be written, neither is the row: one transaction."""
    h = auth("editor")
    mark = last_seq(client)
    claim_url = f"/v1/claims/{world['claim']['id']}"
    with revisions_refused(db):
        created = client.post("/v1/actors", json=RESOURCES["actor"][1], headers=h)
        assert created.status_code in (409, 500)
        changed = client.patch(claim_url, json={"proposition": "Changed."}, headers=h)
        assert changed.status_code in (409, 500)
    assert_problem(client.get("/v1/actors/hts"), 404)
    assert client.get(claim_url).json()["proposition"] == world["claim"]["proposition"]
    assert written(client, mark) == []
    assert make_actor(client, h, "hts")["version"] == 1
    assert [w[2] for w in written(client, mark)] == ["create"]


# ---- a row's history ----------------------------------------------------------------------


def test_claim_history_shows_who_changed_what_and_in_which_request(client, auth, world):
    claim = world["claim"]
    url = f"/v1/claims/{claim['id']}"
    contributor, editor = auth("contributor"), auth("editor")

    created = client.post(
        "/v1/claims",
        json={"proposition": "KTJ plotted in Volgograd.", "claimant": "fsb", "accused": ["ktj"]},
        headers={**contributor, "X-Request-ID": "req-create.1"},
    )
    assert created.headers["X-Request-ID"] == "req-create.1"
    url = f"/v1/claims/{created.json()['id']}"
    updated = client.patch(
        url,
        json={"proposition": "KTJ plotted attacks in Volgograd.", "tags": ["volgograd"]},
        headers={**editor, "X-Request-ID": "req_update_2"},
    )
    assert updated.headers["X-Request-ID"] == "req_update_2"
    deleted = client.delete(url, headers=contributor)
    generated = deleted.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)

    # A deleted claim's history stays readable.
    during = client.get(f"{url}/history")
    assert during.status_code == 200
    assert [i["op"] for i in during.json()["items"]] == ["create", "update", "delete"]

    restored = client.post(f"{url}/restore", headers={**editor, "X-Request-ID": "x" * 65})
    assert restored.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", restored.headers["X-Request-ID"])

    items = client.get(f"{url}/history").json()["items"]
    assert all(set(item) == HISTORY_FIELDS for item in items)
    assert [(i["op"], i["version"], i["key"]) for i in items] == [
        ("create", 1, "test contributor"),
        ("update", 2, "test editor"),
        ("delete", 3, "test contributor"),
        ("restore", 4, "test editor"),
    ]
    assert [i["request_id"] for i in items] == [
        "req-create.1",
        "req_update_2",
        generated,
        restored.headers["X-Request-ID"],
    ]
    create_, update, delete, restore = items
    assert create_["before"] is None
    assert create_["after"]["proposition"] == "KTJ plotted in Volgograd."
    assert create_["after"]["accused"] == [client.get("/v1/actors/ktj").json()["id"]]
    assert create_["after"]["tags"] == []
    assert update["before"] == create_["after"]
    assert update["after"]["proposition"] == "KTJ plotted attacks in Volgograd."
    assert update["after"]["tags"] == ["volgograd"]
    assert delete["before"] == update["after"]
    assert delete["after"]["deleted_at"] is not None
    assert restore["after"] == {**delete["after"], "deleted_at": None, "version": 4}
    assert all(i["entity"] == "claim" and i["claim_id"] == i["entity_id"] for i in items)
    assert all(re.fullmatch(r"[0-9a-f]{64}", i["hash"]) for i in items)
    assert len({i["hash"] for i in items}) == 4
    # Derived figures and updated_at are not part of a snapshot.
    assert not {"updated_at", "dispute_status", "balance", "sort_date"} & set(update["after"])


def test_claim_history_holds_its_responses_evidence_and_verdict(client, auth, world):
    h = auth("editor")
    claim_id = world["claim"]["id"]
    denial = make_response(client, h, claim_id, "ktj", sources=[{"title": "KTJ Telegram post"}])
    item = make_evidence(client, h, claim_id)
    client.patch(f"/v1/responses/{denial['id']}", json={"stance": "admits"}, headers=h)
    client.put(f"/v1/claims/{claim_id}/verdict", json={"rating": "disputed"}, headers=h)
    items, pages = walk_pages(client, f"/v1/claims/{claim_id}/history", 2)
    assert pages == 3
    assert [(i["entity"], i["op"]) for i in items] == [
        ("claim", "create"),
        ("response", "create"),
        ("evidence", "create"),
        ("response", "update"),
        ("verdict", "update"),
    ]
    assert [i["seq"] for i in items] == sorted(i["seq"] for i in items)
    assert {i["claim_id"] for i in items} == {claim_id}
    assert items[1]["after"]["sources"][0]["source_id"] == denial["sources"][0]["source"]["id"]
    assert items[2]["entity_id"] == item["id"]

    response_history = client.get(f"/v1/responses/{denial['id']}/history").json()["items"]
    assert [(i["op"], i["after"]["stance"]) for i in response_history] == [
        ("create", "denies"),
        ("update", "admits"),
    ]
    evidence_history = client.get(f"/v1/evidence/{item['id']}/history").json()["items"]
    assert [i["op"] for i in evidence_history] == ["create"]


def test_actor_history_by_slug_shows_its_aliases(client, auth, world):
    h = auth("editor")
    client.patch("/v1/actors/ktj", json={"aliases": ["KTJ", "Катибат"]}, headers=h)
    assert client.delete("/v1/actors/ktj", headers=h).status_code == 204
    items = client.get("/v1/actors/ktj/history").json()["items"]
    assert [(i["op"], i["after"]["aliases"]) for i in items] == [
        ("create", ["KTJ"]),
        ("update", ["KTJ", "Катибат"]),
        ("delete", ["KTJ", "Катибат"]),
    ]
    assert all(i["claim_id"] is None for i in items)


@pytest.mark.parametrize(
    "url",
    [
        f"/v1/claims/{SOME_ID}/history",
        f"/v1/responses/{SOME_ID}/history",
        f"/v1/evidence/{SOME_ID}/history",
        f"/v1/relations/{SOME_ID}/history",
        f"/v1/sources/{SOME_ID}/history",
        "/v1/actors/nobody/history",
        "/v1/events/nothing/history",
    ],
)
def test_history_of_nothing_is_404(client, url):
    assert_problem(client.get(url), 404)


def test_history_rejects_bad_parameters(client, world):
    url = f"/v1/claims/{world['claim']['id']}/history"
    assert_problem(client.get(url, params={"limit": 0}), 422, parameter="limit")
    assert_problem(client.get(url, params={"cursor": "nonsense"}), 400, parameter="cursor")
    assert_problem(client.get("/v1/claims/not-a-uuid/history"), 422, parameter="claim_id")
    other = client.get(f"/v1/sources/{world['source']['id']}/history", params={"limit": 1})
    assert other.json()["next_cursor"] is None
    first = client.get("/v1/changes", params={"limit": 1}).json()["next_cursor"]
    assert_problem(client.get(url, params={"cursor": first}), 400, parameter="cursor")


def test_seeded_rows_have_a_create_revision_without_a_key(client, seeded):
    claim = client.get("/v1/claims", params={"accused": "ktj", "limit": 1}).json()["items"][0]
    items = client.get(f"/v1/claims/{claim['id']}/history").json()["items"]
    assert items[0]["entity"] == "claim" and items[0]["op"] == "create"
    assert all(i["key"] is None and i["request_id"] is None for i in items)
    assert all(i["op"] == "create" and i["version"] == 1 for i in items)
    assert items[0]["after"]["proposition"] == claim["proposition"]


def test_seeding_again_writes_no_revision(client, seeded):
    before = last_seq(client)
    assert before > 50
    with seeded.unit_of_work() as session:
        assert not seed(session, SEEDS).changed
    assert last_seq(client) == before


# ---- restore ----------------------------------------------------------------------------


@pytest.fixture(params=list(RESOURCES))
def deleted(request, client, auth, world):
    """A row of each kind that the contributor created and deleted: (entity, its URL)."""
    entity = request.param
    row = create(client, auth("contributor"), entity, world)
    url = item_url(entity, row)
    assert client.delete(url, headers=auth("contributor")).status_code == 204
    assert_problem(client.get(url), 410)
    return entity, url, row


def test_an_editor_restores_a_deleted_row(client, auth, world, deleted):
    entity, url, row = deleted
    restored = client.post(f"{url}/restore", headers={**auth("editor"), "If-Match": '"2"'})
    assert restored.status_code == 200, restored.text
    assert restored.headers["ETag"] == '"3"'
    body = restored.json()
    assert body["id"] == row["id"] and body["version"] == 3
    assert client.get(url).json() == body
    listed = client.get(LIST_URLS[entity].format(claim=world["claim"]["id"])).json()["items"]
    assert row["id"] in [item["id"] for item in listed]


def test_only_editors_restore(client, auth, deleted):
    _, url, _ = deleted
    assert_problem(client.post(f"{url}/restore"), 401)
    assert_problem(client.post(f"{url}/restore", headers=auth("viewer")), 403)
    assert_problem(client.post(f"{url}/restore", headers=auth("contributor")), 403)
    assert client.post(f"{url}/restore", headers=auth("admin")).status_code == 200


def test_restore_honours_if_match(client, auth, deleted):
    _, url, _ = deleted
    stale = client.post(f"{url}/restore", headers={**auth("editor"), "If-Match": '"1"'})
    assert_problem(stale, 412)
    assert_problem(client.get(url), 410)


def test_restoring_a_live_row_is_409(client, auth, deleted):
    _, url, _ = deleted
    assert client.post(f"{url}/restore", headers=auth("editor")).status_code == 200
    problem = assert_problem(client.post(f"{url}/restore", headers=auth("editor")), 409)
    assert "not deleted" in problem["detail"]


@pytest.mark.parametrize("entity", RESOURCES)
def test_restoring_nothing_is_404(client, auth, entity):
    url = ITEM_URLS[entity].format(id=SOME_ID if entity not in ("actor", "event") else "nobody")
    assert_problem(client.post(f"{url}/restore", headers=auth("editor")), 404)


def test_a_restored_claim_is_back_in_search_and_views(client, auth, world):
    h = auth("editor")
    claim = make_claim(client, h, "fsb", ["ktj"], proposition="A cell plotted in Volgograd.")
    url = f"/v1/claims/{claim['id']}"
    assert client.delete(url, headers=h).status_code == 204
    assert client.get("/v1/search", params={"q": "Volgograd"}).json()["items"] == []
    assert claim["id"] not in [
        i["id"] for i in client.get("/v1/actors/ktj/timeline").json()["items"]
    ]
    restored = client.post(f"{url}/restore", headers=h)
    assert restored.json()["proposition"] == "A cell plotted in Volgograd."
    found = client.get("/v1/search", params={"q": "Volgograd"}).json()["items"]
    assert [(i["type"], i["id"]) for i in found] == [("claim", claim["id"])]
    assert claim["id"] in [c["id"] for c in client.get("/v1/claims").json()["items"]]
    assert claim["id"] in [i["id"] for i in client.get("/v1/actors/ktj/timeline").json()["items"]]


def test_restoring_a_response_or_evidence_recomputes_the_claim(client, auth, world):
    h = auth("editor")
    claim_id = world["claim"]["id"]
    url = f"/v1/claims/{claim_id}"
    denial = make_response(client, h, claim_id, "ktj", stance="denies")
    item = make_evidence(client, h, claim_id, bearing="refutes", reliability="A", credibility=1)
    assert client.get(url).json()["dispute"]["status"] == "denied"
    assert client.get(url).json()["balance"]["refute"] > 0

    client.delete(f"/v1/responses/{denial['id']}", headers=h)
    client.delete(f"/v1/evidence/{item['id']}", headers=h)
    dossier = client.get(url).json()
    assert dossier["dispute"]["status"] == "unanswered" and dossier["balance"]["refute"] == 0
    assert client.get("/v1/claims", params={"status": "denied"}).json()["items"] == []

    assert client.post(f"/v1/responses/{denial['id']}/restore", headers=h).status_code == 200
    assert client.post(f"/v1/evidence/{item['id']}/restore", headers=h).status_code == 200
    dossier = client.get(url).json()
    assert dossier["dispute"]["status"] == "denied"
    assert dossier["balance"]["refute"] > 0
    assert [r["id"] for r in dossier["responses"]] == [denial["id"]]
    listed = client.get("/v1/claims", params={"status": "denied"}).json()["items"]
    assert [c["id"] for c in listed] == [claim_id]
    assert listed[0]["balance"] < 0


def test_a_response_of_a_deleted_claim_cannot_be_restored_before_its_claim(client, auth, world):
    h = auth("editor")
    claim_id = world["claim"]["id"]
    denial = make_response(client, h, claim_id, "ktj")
    client.delete(f"/v1/responses/{denial['id']}", headers=h)
    client.delete(f"/v1/claims/{claim_id}", headers=h)
    problem = assert_problem(client.post(f"/v1/responses/{denial['id']}/restore", headers=h), 409)
    assert "restore it first" in problem["detail"]
    assert client.post(f"/v1/claims/{claim_id}/restore", headers=h).status_code == 200
    assert client.post(f"/v1/responses/{denial['id']}/restore", headers=h).status_code == 200
    assert client.get(f"/v1/responses/{denial['id']}").status_code == 200


# ---- the change feed --------------------------------------------------------------------


def test_the_change_feed_never_skips_or_repeats_while_writes_go_on(client, auth, world):
    h = auth("editor")
    for n in range(5):
        make_actor(client, h, f"actor-{n}")
    seen: list[int] = []
    writes = 0
    response = client.get("/v1/changes", params={"limit": 3})
    while True:
        body = response.json()
        assert all(set(item) == CHANGE_FIELDS for item in body["items"])
        seen += [item["seq"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        # More writes land between the pages: they must show up later, once.
        make_actor(client, h, f"late-{writes}")
        client.patch("/v1/actors/fsb", json={"description": f"edit {writes}"}, headers=h)
        writes += 1
        link = response.headers["Link"]
        response = client.get(link[1 : link.index(">")])
    assert writes >= 3
    everything, _ = walk_pages(client, "/v1/changes", 200)
    assert seen == [item["seq"] for item in everything]
    assert len(seen) == len(set(seen)) and seen == sorted(seen)


def test_the_change_feed_since_an_instant_and_after_a_seq(client, auth, world):
    everything, _ = walk_pages(client, "/v1/changes", 200)
    assert [c["entity"] for c in everything] == ["actor", "actor", "source", "claim"]
    since = everything[2]["at"]
    items, _ = walk_pages(client, "/v1/changes", 1, since=since)
    expected = [
        c["seq"]
        for c in everything
        if datetime.fromisoformat(c["at"]) >= datetime.fromisoformat(since)
    ]
    assert [c["seq"] for c in items] == expected == [everything[2]["seq"], everything[3]["seq"]]
    assert client.get("/v1/changes", params={"since": "2999-01-01T00:00:00Z"}).json() == {
        "items": [],
        "next_cursor": None,
    }
    after = client.get("/v1/changes", params={"after": everything[1]["seq"]}).json()["items"]
    assert [c["seq"] for c in after] == [c["seq"] for c in everything[2:]]
    assert after[1] == {
        "seq": everything[3]["seq"],
        "entity": "claim",
        "entity_id": world["claim"]["id"],
        "claim_id": world["claim"]["id"],
        "op": "create",
        "version": 1,
        "at": everything[3]["at"],
    }


def test_the_change_feed_rejects_bad_parameters(client, world):
    assert_problem(client.get("/v1/changes", params={"since": "yesterday"}), 422, parameter="since")
    assert_problem(client.get("/v1/changes", params={"after": -1}), 422, parameter="after")
    assert_problem(client.get("/v1/changes", params={"after": 2**64}), 422, parameter="after")
    cursor = client.get("/v1/changes", params={"limit": 1}).json()["next_cursor"]
    other = client.get("/v1/changes", params={"cursor": cursor, "since": "2020-01-01T00:00:00Z"})
    assert_problem(other, 400, parameter="cursor")


def test_every_answer_carries_a_request_id(client):
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/v1/claims").headers["X-Request-ID"])
    assert client.get("/healthz", headers={"X-Request-ID": "abc"}).headers["X-Request-ID"] == "abc"
    missing = client.get(f"/v1/claims/{SOME_ID}", headers={"X-Request-ID": "bad id!"})
    assert missing.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", missing.headers["X-Request-ID"])
