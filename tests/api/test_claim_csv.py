"""/v1/claims.csv through HTTP: the list's filters, every matching claim, and a file that
opens cleanly in a spreadsheet (BOM, CRLF, no formula injection, any script)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import text

from app.services import claim_csv
from tests.factories import make_actor, make_claim, make_event, make_evidence, make_response
from tests.helpers import assert_problem, ids, walk_pages

HEADER = [
    "id",
    "url",
    "stated_on",
    "stated_on_precision",
    "proposition",
    "claimant",
    "accused",
    "event",
    "status",
    "first_response_on",
    "response_lag_days",
    "balance",
    "verdict",
    "tags",
    "responses",
    "evidence_supports",
    "evidence_refutes",
    "evidence_context",
    "sources",
    "updated_at",
]


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == HEADER
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def world(client, auth):
    """Claims by FSB (in Cyrillic) and HTS (in Arabic) against KTJ and each other, with
    responses, evidence, sources, tags and verdicts, so that every filter selects some."""
    h = auth("contributor")
    make_actor(client, h, "fsb", "Федеральная служба безопасности", kind="state_agency")
    make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad")
    make_actor(client, h, "hts", "هيئة تحرير الشام")
    make_actor(client, h, "us-envoy", "James Jeffrey", kind="person")
    make_event(client, h, "volgograd", "Волгоградский заговор")
    c1 = make_claim(
        client,
        h,
        "fsb",
        ["ktj", "hts"],
        proposition="Ячейка KTJ планировала теракты в Волгограде.",
        event="volgograd",
        stated_on="2020-10-15",
        tags=["volgograd", "terrorism"],
        quote="координация осуществлялась с территории Сирии",
        quote_language="ru",
        sources=[
            {"title": "Заявление ФСБ", "publisher": "fsb", "kind": "official_statement"},
            {"title": "TASS report", "url": "https://tass.example/1", "kind": "news_report"},
        ],
    )
    make_response(client, h, c1["id"], "ktj", "denies", stated_on="2020-10-16")
    make_evidence(client, h, c1["id"], "supports", reliability="B", credibility=2)
    make_evidence(client, h, c1["id"], "refutes", reliability="A", credibility=1, independent=True)
    make_evidence(client, h, c1["id"], "context")
    c2 = make_claim(
        client,
        h,
        "hts",
        ["fsb"],
        proposition="الأمن الروسي يختلق الاتهامات",
        stated_on="2021-02-01",
        stated_on_precision="month",
        tags=["terrorism"],
    )
    make_response(client, h, c2["id"], "fsb", "admits", stated_on="2021-02-20")
    c3 = make_claim(
        client, h, "us-envoy", ["hts"], proposition="HTS is al-Qaeda in Syria.", stated_on=None
    )
    c4 = make_claim(
        client, h, "fsb", ["ktj"], proposition="KTJ plotted in Moscow.", stated_on="2019-01-01",
        stated_on_precision="year",
    )  # fmt: skip
    c5 = make_claim(client, h, "fsb", [], proposition="Nobody is accused.", stated_on="2022-03-04")
    editor = auth("editor")
    for claim, rating in ((c1, "refuted"), (c2, "substantiated")):
        response = client.put(
            f"/v1/claims/{claim['id']}/verdict", json={"rating": rating}, headers=editor
        )
        assert response.status_code == 200
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "headers": h}


def test_the_file_opens_cleanly_in_a_spreadsheet(client, world):
    response = client.get("/v1/claims.csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="claims.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf" + b"id,url,stated_on,")
    lines = response.content.split(b"\r\n")
    assert lines[-1] == b"" and len(lines) == 5 + 2  # header, five claims, final CRLF
    assert b"\n" not in b"".join(lines)  # no bare LF line ending anywhere


def test_a_row_holds_the_claim_and_its_figures(client, world):
    rows = {row["id"]: row for row in read_csv(client.get("/v1/claims.csv"))}
    c1, c2, c3, c4 = (world[k] for k in ("c1", "c2", "c3", "c4"))
    dossier = client.get(f"/v1/claims/{c1['id']}").json()
    assert rows[c1["id"]] == {
        "id": c1["id"],
        "url": f"http://testserver/v1/claims/{c1['id']}",
        "stated_on": "2020-10-15",
        "stated_on_precision": "day",
        "proposition": "Ячейка KTJ планировала теракты в Волгограде.",
        "claimant": "Федеральная служба безопасности",
        "accused": "Katibat Tawhid wal-Jihad; هيئة تحرير الشام",
        "event": "Волгоградский заговор",
        "status": "denied",
        "first_response_on": "2020-10-16",
        "response_lag_days": "1",
        "balance": str(dossier["balance"]["balance"]),
        "verdict": "refuted",
        "tags": "terrorism; volgograd",
        "responses": "1",
        "evidence_supports": "1",
        "evidence_refutes": "1",
        "evidence_context": "1",
        "sources": "2",
        "updated_at": rows[c1["id"]]["updated_at"],
    }
    assert dossier["balance"]["balance"] < 0
    assert rows[c1["id"]]["balance"].startswith("-0.")  # a number, not neutralised text
    assert rows[c1["id"]]["updated_at"] == dossier["updated_at"][:19] + "Z"
    # Dates keep their precision; an unknown date is an empty cell.
    assert (rows[c2["id"]]["stated_on"], rows[c2["id"]]["stated_on_precision"]) == (
        "2021-02",
        "month",
    )
    assert (rows[c4["id"]]["stated_on"], rows[c4["id"]]["stated_on_precision"]) == (
        "2019",
        "year",
    )
    assert rows[c3["id"]]["stated_on"] == rows[c3["id"]]["stated_on_precision"] == ""
    assert rows[c3["id"]]["event"] == rows[c3["id"]]["response_lag_days"] == ""
    assert rows[c2["id"]]["status"] == "admitted"
    assert rows[c2["id"]]["proposition"] == "الأمن الروسي يختلق الاتهامات"
    assert rows[c2["id"]]["claimant"] == "هيئة تحرير الشام"


FILTERS: list[dict[str, str]] = [
    {},
    {"claimant": "fsb"},
    {"accused": "hts"},
    {"actor": "hts"},
    {"event": "volgograd"},
    {"verdict": "refuted"},
    {"status": "unanswered"},
    {"stance": "denies"},
    {"tag": "terrorism"},
    {"language": "ru"},
    {"stated_from": "2020-01-01", "stated_to": "2021-12-31"},
    {"q": "Волгограде"},
    {"claimant": "fsb", "sort": "stated_on"},
    {"sort": "-balance"},
    {"sort": "status"},
    {"sort": "created"},
]


@pytest.mark.parametrize(
    "params", FILTERS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_the_rows_are_the_lists_claims_in_the_lists_order(client, world, monkeypatch, params):
    monkeypatch.setattr(claim_csv, "BATCH_SIZE", 2)  # several pages for the CSV too
    listed, _ = walk_pages(client, "/v1/claims", 2, **params)
    rows = read_csv(client.get("/v1/claims.csv", params=params))
    assert [row["id"] for row in rows] == ids(listed)
    if set(params) - {"sort"}:
        assert 0 < len(rows) < 5, "every filter here selects some claims, not all"
    else:
        assert len(rows) == 5


def test_every_matching_claim_whatever_the_limit(client, world):
    rows = read_csv(client.get("/v1/claims.csv", params={"limit": 1}))
    assert len(rows) == 5


def test_the_csv_reads_in_pages(client, world, monkeypatch, count_statements):
    monkeypatch.setattr(claim_csv, "BATCH_SIZE", 2)
    counter = count_statements()
    rows = read_csv(client.get("/v1/claims.csv"))
    assert len(rows) == 5
    # Three pages (2, 2, 1): each is one list statement and one for the figures.
    reads = [s for s in counter.statements if "FROM claim" in s]
    assert len(reads) == 6, reads


def test_the_csv_is_read_from_one_snapshot(client, world, db, monkeypatch):
    """A change committed while the file is being sent does not show in its later pages
    (on PostgreSQL this needs REPEATABLE READ; READ COMMITTED would show it)."""
    monkeypatch.setattr(claim_csv, "BATCH_SIZE", 2)
    figures = claim_csv._figures
    pages: list[int] = []

    def figures_then_a_write(conn, claim_ids):
        found = figures(conn, claim_ids)
        if not pages:
            with db.write.begin() as other:
                other.execute(text("UPDATE claim SET proposition = 'changed mid-export'"))
        pages.append(len(claim_ids))
        return found

    monkeypatch.setattr(claim_csv, "_figures", figures_then_a_write)
    rows = read_csv(client.get("/v1/claims.csv"))
    assert pages == [2, 2, 1]
    assert "changed mid-export" not in {row["proposition"] for row in rows}
    assert len(rows) == 5
    # The change itself was made.
    dossier = client.get(f"/v1/claims/{world['c1']['id']}").json()
    assert dossier["proposition"] == "changed mid-export"


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("https://evil.example", "click")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
    ],
)
def test_formulas_are_neutralised(client, auth, text):
    h = auth("contributor")
    make_actor(client, h, "evil", text)
    make_actor(client, h, "ktj", "KTJ")
    make_event(client, h, "evil-event", text)
    claim = make_claim(client, h, "evil", ["ktj", "evil"], proposition=text, event="evil-event")
    [row] = read_csv(client.get("/v1/claims.csv"))
    assert row["id"] == claim["id"]
    assert row["proposition"] == row["claimant"] == row["event"] == "'" + text
    assert row["accused"] == f"KTJ; {text}"  # not at the start of the cell: harmless


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
        ("ФСБ", "ФСБ"),
    ],
)
def test_the_neutralising_rule(cell, written):
    # Tabs and carriage returns cannot start a name sent through the API (inputs are
    # stripped), so the rule is checked here for them.
    assert claim_csv.neutralise(cell) == written


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"accused": "ktjj"}, "accused"),
        ({"event": "volgogrd"}, "event"),
        ({"status": "nope"}, "status"),
        ({"stated_from": "2020-02-30"}, "stated_from"),
        ({"sort": "proposition"}, "sort"),
        ({"verdict": "maybe"}, "verdict"),
    ],
)
def test_invalid_filters_are_the_lists_problems(client, world, params, parameter):
    listed = assert_problem(client.get("/v1/claims", params=params), 422, parameter=parameter)
    exported = assert_problem(client.get("/v1/claims.csv", params=params), 422, parameter=parameter)
    assert {k: v for k, v in exported.items() if k != "instance"} == {
        k: v for k, v in listed.items() if k != "instance"
    }


def test_no_claims_is_a_header_alone(client):
    response = client.get("/v1/claims.csv")
    assert response.content == b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\r\n"


def test_deleted_claims_are_left_out(client, world):
    assert (
        client.delete(f"/v1/claims/{world['c5']['id']}", headers=world["headers"]).status_code
        == 204
    )
    rows = read_csv(client.get("/v1/claims.csv"))
    assert world["c5"]["id"] not in [row["id"] for row in rows] and len(rows) == 4


def test_the_csv_route_does_not_shadow_the_dossier(client, world):
    c1 = world["c1"]["id"]
    assert client.get(f"/v1/claims/{c1}").json()["id"] == c1
    assert_problem(client.get("/v1/claims/claims.csv"), 422, parameter="claim_id")
    assert client.get("/v1/claims.csv").headers["content-type"].startswith("text/csv")


def test_private_reads_need_a_key(make_app, auth, world):
    from fastapi.testclient import TestClient

    with TestClient(make_app(public_read=False)) as private:
        assert_problem(private.get("/v1/claims.csv"), 401)
        assert len(read_csv(private.get("/v1/claims.csv", headers=auth("viewer")))) == 5


def test_the_openapi_document_says_it_is_csv(client):
    operation = client.get("/openapi.json").json()["paths"]["/v1/claims.csv"]["get"]
    assert operation["operationId"] == "exportClaimsCsv"
    assert list(operation["responses"]["200"]["content"]) == ["text/csv"]
    assert operation["description"]
    names = {p["name"] for p in operation["parameters"]}
    assert names >= {"q", "claimant", "accused", "actor", "event", "verdict", "status", "sort"}
    assert not names & {"limit", "cursor"}
