"""GET /v1/export and POST /v1/import: every record out as NDJSON and back in, losslessly."""

from __future__ import annotations

import json
from typing import Any

from psycopg.errors import SerializationFailure
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.db import Database
from app.models import Revision
from app.models.api_key import Role
from app.services import importing
from app.services.audit import snapshot_of, verify
from app.services.keys import create_key
from tests.conftest import empty
from tests.factories import (
    make_actor,
    make_claim,
    make_evidence,
    make_relation,
    make_response,
    make_source,
)

NDJSON = {"Content-Type": "application/x-ndjson"}


def build_case(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Rows of every kind beyond the seeds: a thread, a ministry answering for its state,
    cited sources with locators, a verdict, a deleted response and a deleted claim."""
    make_actor(client, headers, "state-x", kind="government", aliases=["Государство X", "X"])
    make_actor(client, headers, "ministry-x", kind="government")
    make_actor(client, headers, "agency-y", kind="state_agency")
    source = make_source(
        client, headers, url="https://example.org/a?utm_source=x", kind="news_report"
    )
    make_relation(client, headers, "ministry-x", "part_of", "state-x", sources=[source["id"]])
    claim = make_claim(
        client,
        headers,
        "agency-y",
        ["state-x"],
        proposition="State X shelled the market in Idlib.",
        quote="Государство X обстреляло рынок",
        quote_language="ru",
        tags=["shelling", "syria"],
        sources=[{"source_id": source["id"], "locator": "paragraph 4"}],
    )
    first = make_response(client, headers, claim["id"], "ministry-x", "denies")
    make_response(
        client, headers, claim["id"], "agency-y", "counter_accuses", in_reply_to=first["id"]
    )
    gone = make_response(client, headers, claim["id"], "state-x", "admits")
    assert client.delete(f"/v1/responses/{gone['id']}", headers=headers).status_code == 204
    make_evidence(
        client,
        headers,
        claim["id"],
        reliability="B",
        credibility=2,
        independent=True,
        sources=[{"source_id": source["id"], "locator": "photo 2"}],
    )
    verdict = {"rating": "disputed", "rationale": "Only the agency says so."}
    assert client.put(f"/v1/claims/{claim['id']}/verdict", json=verdict, headers=headers).is_success
    other = make_claim(client, headers, "agency-y", ["state-x"], proposition="A deleted claim.")
    assert client.delete(f"/v1/claims/{other['id']}", headers=headers).status_code == 204
    return claim


def export(client: Any, headers: dict[str, str]) -> bytes:
    response = client.get("/v1/export", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return response.content


def admin_after_emptying(db: Database) -> dict[str, str]:
    """Empty the database (keys too), then issue a new admin key."""
    empty(db)
    with db.unit_of_work() as session:
        key = create_key(session, "importer", Role.admin).key
    return {"Authorization": f"Bearer {key}", **NDJSON}


def revisions(db: Database) -> int:
    with db.reading() as conn:
        return conn.execute(select(func.count()).select_from(Revision)).scalar_one()


def test_export_import_export_gives_the_same_bytes(client, seeded, auth, db):
    claim = build_case(client, auth("editor"))
    dossier = client.get(f"/v1/claims/{claim['id']}").json()
    stats = client.get("/v1/stats").json() if client.get("/v1/stats").is_success else None
    first = export(client, auth("editor"))
    lines = [json.loads(line) for line in first.splitlines()]
    assert lines[0] == {"type": "header", "format": "contested-export", "version": 1}
    types = [line["type"] for line in lines[1:]]
    order = ["actor", "event", "source", "relation", "claim", "response", "evidence"]
    assert types == sorted(types, key=order.index)  # what a record names comes before it
    for type_ in order:
        ids = [line["id"] for line in lines[1:] if line["type"] == type_]
        assert ids == sorted(ids)
    assert any(line.get("deleted_at") for line in lines[1:])

    admin = admin_after_emptying(db)
    assert client.get(f"/v1/claims/{claim['id']}").status_code == 404
    report = client.post("/v1/import", content=first, headers=admin)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["errors"] == [] and body["error_count"] == 0
    assert body["lines"] == len(lines)
    assert sum(c["imported"] for c in body["counts"].values()) == len(lines) - 1

    assert export(client, admin) == first
    # Derived columns and the search index are right after the import.
    assert client.get(f"/v1/claims/{claim['id']}").json() == dossier
    assert dossier["dispute"]["status"] == "denied"  # the ministry answers for its state
    assert dossier["balance"]["support"] > 0
    listed = client.get("/v1/claims", params={"status": "denied", "sort": "-balance"}).json()
    assert claim["id"] in [item["id"] for item in listed["items"]]
    hits = client.get("/v1/search", params={"q": "обстреляло"}).json()["items"]
    assert [hit["id"] for hit in hits] == [claim["id"]]
    assert client.get("/v1/search", params={"q": "Государство"}).json()["items"]
    if stats is not None:
        assert client.get("/v1/stats").json() == stats
    # Every imported row has its revision, so the history accounts for it.
    with snapshot_of(db) as conn:
        assert verify(conn).ok
    history = client.get(f"/v1/claims/{claim['id']}/history").json()["items"]
    assert history and history[0]["op"] == "create"


def test_importing_twice_changes_nothing(client, seeded, auth, db):
    build_case(client, auth("editor"))
    first = export(client, auth("editor"))
    admin = admin_after_emptying(db)
    assert client.post("/v1/import", content=first, headers=admin).status_code == 200
    written = revisions(db)
    again = client.post("/v1/import", content=first, headers=admin).json()
    assert again["errors"] == []
    assert all(c["imported"] == c["updated"] == 0 for c in again["counts"].values())
    assert sum(c["unchanged"] for c in again["counts"].values()) == len(first.splitlines()) - 1
    assert revisions(db) == written
    assert export(client, admin) == first


def test_a_changed_record_is_updated_with_a_revision(client, auth, db):
    headers = auth("admin")
    actor = make_actor(client, headers, "ktj", name="KTJ", aliases=["КТД"])
    lines = export(client, headers).splitlines()
    record = json.loads(lines[1])
    record.update(name="Katibat Tawhid wal-Jihad", version=2, aliases=["KTJ", "КТД"])
    changed = b"\n".join([lines[0], json.dumps(record, ensure_ascii=False).encode()])
    body = client.post("/v1/import", content=changed, headers={**headers, **NDJSON}).json()
    assert body["counts"]["actor"] == {"imported": 0, "updated": 1, "unchanged": 0}
    stored = client.get(f"/v1/actors/{actor['id']}").json()
    assert stored["name"] == "Katibat Tawhid wal-Jihad" and stored["version"] == 2
    assert stored["aliases"] == ["KTJ", "КТД"]
    assert client.get("/v1/search", params={"q": "Tawhid"}).json()["items"]
    history = client.get(f"/v1/actors/{actor['id']}/history").json()["items"]
    assert [item["op"] for item in history] == ["create", "update"]
    with snapshot_of(db) as conn:
        assert verify(conn).ok


def test_bad_lines_are_reported_by_number_and_the_good_ones_load(client, auth):
    headers = {**auth("admin"), **NDJSON}
    meta = {
        "version": 1,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }
    actor = {
        "type": "actor",
        "id": "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6a",
        "slug": "fsb",
        "name": "FSB",
        "kind": "state_agency",
        "aliases": ["ФСБ"],
        **meta,
    }
    claim = {
        "type": "claim",
        "id": "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6b",
        "proposition": "A cell planned attacks.",
        "claimant": actor["id"],
        "accused": ["0192f0c4-7d1e-7b3a-9c55-000000000000"],
        **meta,
    }
    lines = [
        json.dumps({"type": "header", "format": "contested-export", "version": 1}),
        json.dumps(actor),
        "{not json",
        json.dumps({"type": "api_key", "id": "x"}),
        json.dumps({**actor, "id": "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6c", "slug": "Not A Slug"}),
        json.dumps(claim),
        json.dumps(
            {
                **actor,
                "id": "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6d",
                "slug": "ktj",
                "name": "K\x00TJ",
            }
        ),
        json.dumps({**actor, "id": "0192f0c4-7d1e-7b3a-9c55-1f2e3d4c5b6e"}),  # slug taken
        json.dumps({**claim, "accused": []}),
    ]
    response = client.post("/v1/import", content="\n".join(lines).encode(), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    errors = {e["line"]: e["detail"] for e in body["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert body["error_count"] == 6
    assert "not valid JSON" in errors[3]
    assert "unknown type 'api_key'" in errors[4]
    assert "slug" in errors[5]
    assert "dangling reference" in errors[6] and "accused" in errors[6]
    assert "NUL" in errors[7]
    assert "slug 'fsb' belongs to actor" in errors[8]
    assert body["counts"]["actor"]["imported"] == 1
    assert body["counts"]["claim"]["imported"] == 1
    assert client.get(f"/v1/claims/{claim['id']}").json()["claimant"]["slug"] == "fsb"


def test_import_needs_the_admin_role_and_export_the_editor_role(client, auth):
    body = b'{"type":"header","format":"contested-export","version":1}\n'
    assert (
        client.post("/v1/import", content=body, headers={**auth("editor"), **NDJSON}).status_code
        == 403
    )
    assert client.post("/v1/import", content=body, headers=NDJSON).status_code == 401
    assert client.get("/v1/export", headers=auth("viewer")).status_code == 403
    assert client.get("/v1/export").status_code == 401
    assert client.post("/v1/import", content=body, headers={**auth("admin"), **NDJSON}).is_success


def test_the_import_body_is_not_held_to_the_body_cap_but_each_line_is(make_app, auth):
    from fastapi.testclient import TestClient

    meta = {
        "version": 1,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }
    lines = [
        json.dumps(
            {
                "type": "actor",
                "id": f"0192f0c4-7d1e-7b3a-9c55-{i:012d}",
                "slug": f"a-{i}",
                "name": f"Actor {i}",
                "kind": "person",
                **meta,
            }
        )
        for i in range(300)
    ]
    lines.append(json.dumps({**json.loads(lines[0]), "description": "x" * 5000}))
    body = "\n".join(lines).encode()
    with TestClient(make_app(max_body_bytes=4096), raise_server_exceptions=False) as client:
        assert len(body) > 4096
        # Other routes keep the cap.
        too_big = client.post("/v1/actors", content=body, headers={**auth("admin"), **NDJSON})
        assert too_big.status_code == 413
        response = client.post("/v1/import", content=body, headers={**auth("admin"), **NDJSON})
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["counts"]["actor"]["imported"] == 300
        assert report["errors"] == [{"line": 301, "detail": "line is longer than 4096 bytes"}]


def test_import_refuses_other_media_types_and_formats(client, auth):
    headers = auth("admin")
    json_body = {"type": "header"}
    assert client.post("/v1/import", json=json_body, headers=headers).status_code == 415
    other = b'{"type":"header","format":"contested-export","version":99}\n'
    response = client.post("/v1/import", content=other, headers={**headers, **NDJSON})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def collide(monkeypatch: Any, times: int) -> list[int]:
    """Make the next ``times`` import batches fail at their end as PostgreSQL does when
    it rolls a transaction back for a serialization failure."""
    attempts: list[int] = []
    finish = importing._Batch.finish

    def failing_finish(self: Any, *args: Any) -> None:
        finish(self, *args)
        attempts.append(1)
        if len(attempts) <= times:
            raise OperationalError("COMMIT", None, SerializationFailure("could not serialize"))

    monkeypatch.setattr(importing._Batch, "finish", failing_finish)
    return attempts


def test_an_import_batch_that_collides_is_run_again(client, seeded, auth, db, monkeypatch):
    first = export(client, auth("editor"))
    admin = admin_after_emptying(db)
    attempts = collide(monkeypatch, times=2)
    body = client.post("/v1/import", content=first, headers=admin).json()
    assert body["errors"] == [] and len(attempts) == 3
    assert export(client, admin) == first
    with snapshot_of(db) as conn:
        assert verify(conn).ok


def test_an_import_that_keeps_colliding_stops_with_503_and_can_be_run_again(
    client, seeded, auth, db, monkeypatch
):
    first = export(client, auth("editor"))
    admin = admin_after_emptying(db)
    collide(monkeypatch, times=importing.BATCH_RETRIES + 1)
    refused = client.post("/v1/import", content=first, headers=admin)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    assert "importing the file again" in refused.json()["detail"]
    monkeypatch.undo()
    assert client.post("/v1/import", content=first, headers=admin).json()["errors"] == []
    assert export(client, admin) == first
