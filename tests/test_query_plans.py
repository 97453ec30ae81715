"""Every filter and sort of the claim list, and search, is served by an index on both databases.

The queries a request runs are captured and explained: on SQLite no table may be
scanned without an index; on PostgreSQL, with sequential scans disabled, no
plan may still fall back to one (which it does only when no index fits).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, text

from app.models import metadata
from tests.factories import make_actor, make_claim, make_event, make_response

CLAIM_LIST_PARAMS = [
    {},
    {"claimant": "fsb"},
    {"accused": "ktj"},
    {"actor": "ktj"},
    {"event": "volgograd"},
    {"verdict": "unassessed"},
    {"status": "denied"},
    {"stance": "denies"},
    {"tag": "volgograd"},
    {"language": "ru"},
    {"stated_from": "2020-01-01", "stated_to": "2020-12-31"},
    {"updated_since": "2020-01-01T00:00:00Z"},
    {"q": "volgograd"},
    {"sort": "stated_on"},
    {"sort": "-updated_at"},
    {"sort": "created"},
    {"sort": "-balance"},
    {"sort": "status"},
    {"accused": "ktj", "status": "denied", "stated_from": "2020-01-01"},
]


@pytest.fixture
def data(client, auth):
    h = auth("contributor")
    make_actor(client, h, "fsb", "FSB", kind="state_agency")
    make_actor(client, h, "ktj", "KTJ")
    make_event(client, h, "volgograd", "Volgograd")
    for i in range(3):
        claim = make_claim(
            client,
            h,
            "fsb",
            ["ktj"],
            event="volgograd",
            tags=["volgograd"],
            quote="x",
            quote_language="ru",
            proposition=f"Volgograd {i}.",
        )
        make_response(client, h, claim["id"], "ktj")


def captured_selects(db, client, url, params):
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.read, "before_cursor_execute", capture)
    try:
        response = client.get(url, params=params)
    finally:
        event.remove(db.read, "before_cursor_execute", capture)
    assert response.status_code == 200, response.text
    assert statements
    return statements


def plan(db, statement, parameters):
    if db.is_sqlite:
        return [detail for _id, _parent, _, detail in sqlite_plan(db, statement, parameters)]
    with db.read.connect() as conn:
        raw = conn.connection.dbapi_connection
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        lines = [row[0] for row in cursor.fetchall()]
        cursor.execute("RESET enable_seqscan")
        raw.rollback()
        return lines


def sqlite_plan(db, statement, parameters):
    """SQLite's plan rows: (id, parent id, unused, detail)."""
    with db.read.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return cursor.fetchall()


def scanned_table(line: str) -> str | None:
    """The table a plain SQLite 'SCAN x' reads, if x is a table (or an alias like actor_1)."""
    words = line.split()
    if len(words) < 2 or words[0] != "SCAN" or "INDEX" in line or "VIRTUAL TABLE" in line:
        return None
    name = re.sub(r"_\d+$", "", words[1])
    return name if name in metadata.tables else None


def unindexed(db, lines):
    if db.is_sqlite:
        # Scans of subquery results (co-routines over a handful of rows) are fine.
        return [line for line in lines if scanned_table(line)]
    return [line for line in lines if "Seq Scan" in line]


@pytest.mark.parametrize("params", CLAIM_LIST_PARAMS, ids=lambda p: "&".join(p) or "default")
def test_claim_list_queries_use_indexes(db, client, data, params):
    for statement, parameters in captured_selects(db, client, "/v1/claims", params):
        lines = plan(db, statement, parameters)
        assert not unindexed(db, lines), "\n".join([statement, *lines])


def test_stats_without_filters_read_only_the_counters(db, client, data):
    selects = captured_selects(db, client, "/v1/stats", {})
    assert len(selects) == 3
    for statement, parameters in selects:
        assert not re.search(r"\b(claim|claim_accused|verdict)\b", statement), statement
        lines = plan(db, statement, parameters)
        assert not unindexed(db, lines), "\n".join([statement, *lines])


@pytest.mark.parametrize(
    "params",
    [{"claimant": "fsb"}, {"accused": "ktj"}, {"event": "volgograd"}, {"status": "denied"}],
    ids=lambda p: "&".join(p),
)
def test_filtered_stats_start_from_the_filters_index(db, client, data, params):
    for statement, parameters in captured_selects(db, client, "/v1/stats", params):
        lines = plan(db, statement, parameters)
        assert not unindexed(db, lines), "\n".join([statement, *lines])


def test_search_uses_the_full_text_index(db, client, data):
    selects = captured_selects(db, client, "/v1/search", {"q": "volgograd"})
    lines = plan(db, *selects[-1])
    expected = "VIRTUAL TABLE INDEX" if db.is_sqlite else "ix_search_document_search_vector"
    assert any(expected in line for line in lines), "\n".join(lines)
    assert not unindexed(db, lines), "\n".join(lines)


def test_sqlite_sees_the_fts_table(db):
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    with db.read.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")).scalar()
    assert "fts5" in sql and "tokenize='ascii'" in sql


def read_whole(db, lines):
    """Tables (or whole indexes of them) read from end to end: a keyed read touches only
    the rows it asks for, whatever the size of the table."""
    if db.is_sqlite:
        return [line for line in lines if line.split()[:1] == ["SCAN"] and scanned_index(line)]
    return [line for n, line in enumerate(lines) if "Seq Scan" in line or unkeyed(lines, n)]


def unkeyed(lines, n):
    """Whether PostgreSQL's plan line ``n`` is an index scan without an Index Cond among
    its details (the lines up to its first child or subplan): a walk of the whole index."""
    if not re.search(r"-> +Index (Only )?Scan", lines[n]):
        return False
    for detail in lines[n + 1 :]:
        if "->" in detail or "Plan" in detail:
            break
        if "Index Cond" in detail:
            return False
    return True


def scanned_index(line: str) -> bool:
    """'SCAN x' or 'SCAN x USING [COVERING] INDEX y' of a table (not a subquery's rows)."""
    name = re.sub(r"_\d+$", "", line.split()[1])
    return name in metadata.tables


@pytest.mark.parametrize(
    "url",
    [
        "/v1/claims/{id}",
        "/v1/events/volgograd/timeline",
        "/v1/actors/ktj/timeline",
        "/v1/actors/ktj/track-record",
        "/v1/actors/fsb/track-record?status=denied",
    ],
)
def test_dossier_timelines_and_track_records_read_only_the_rows_they_show(
    db, client, data, auth, url
):
    claim = client.get("/v1/claims").json()["items"][0]
    make_actor(client, auth("contributor"), "mfa", "MFA", kind="government")
    client.post(
        "/v1/actors/mfa/relations",
        headers=auth("contributor"),
        json={"predicate": "part_of", "object": "ktj"},
    )
    make_response(client, auth("contributor"), claim["id"], "mfa")
    for statement, parameters in captured_selects(db, client, url.format(**claim), {}):
        lines = plan(db, statement, parameters)
        assert not read_whole(db, lines), "\n".join([statement, *lines])


@pytest.mark.parametrize("url", ["/v1/events/volgograd/timeline", "/v1/actors/ktj/timeline"])
def test_a_timeline_looks_up_actors_for_the_rows_of_its_page_only(db, client, data, url):
    """The page is cut from the items' keys; only then are its rows joined to their text
    and actor, instead of every item of the event or actor (docs/benchmarks.md)."""
    ((statement, parameters),) = captured_selects(db, client, url, {"limit": 2})[-1:]
    if db.is_sqlite:
        rows = sqlite_plan(db, statement, parameters)
        actors = [
            parent
            for _id, parent, _, detail in rows
            if re.match(r"(SCAN|SEARCH) actor(_\d+)? ", detail)
        ]
        assert actors == [0], rows  # one lookup, outside the page's subquery
    else:
        lines = plan(db, statement, parameters)
        depth = {line: len(line) - len(line.lstrip()) for line in lines}
        (limit,) = [line for line in lines if "Limit" in line]
        actors = [line for line in lines if re.search(r" on actor\b", line)]
        assert len(actors) == 1 and depth[actors[0]] < depth[limit], "\n".join(lines)


def test_the_verdict_filter_walks_the_claims_of_one_rating_in_date_order(db, client, data):
    """The claim keeps a copy of its verdict's rating, indexed with the date: a page of one
    rating reads as many claims as it shows, instead of every claim of that rating."""
    selects = captured_selects(db, client, "/v1/claims", {"verdict": "unassessed", "limit": 2})
    lines = [line for s, p in selects for line in plan(db, s, p)]
    assert any("ix_claim_verdict_rating_sort_date_id" in line for line in lines), lines
