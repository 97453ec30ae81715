"""The floor of the claim-list benchmark: bare Starlette + sqlite3, no FastAPI, SQLAlchemy
or pydantic, serving ``GET /v1/claims`` (default sort, no filters) with the same JSON body
as Contested: the same three queries per page (page with claimant, event and verdict
joined; accused of the page; tags of the page) in one read transaction, on one sqlite3
connection opened with the app's pragmas, from an ``async def`` endpoint.

    BENCH_DB=bench/data/claims-10k.db .venv/bin/uvicorn bench.floor:app --port 8102
    .venv/bin/python bench/floor.py --verify \
        'http://127.0.0.1:8101/v1/claims?limit=50' 'http://127.0.0.1:8102/v1/claims?limit=50'
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import sqlite3
import sys
import unicodedata
import urllib.request
import uuid
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DB_PATH = os.environ.get("BENCH_DB", "bench/data/claims-10k.db")
# The fields of app.services.claims.ClaimFilters.
FILTERS = ["q", "claimant", "accused", "actor", "event", "verdict", "status", "stance", "tag"]
FILTERS += ["language", "stated_from", "stated_to", "updated_since"]
# app.services.pagination.fingerprint() of "no filters", so that next_cursor is identical.
FINGERPRINT = hashlib.sha256(
    json.dumps(dict.fromkeys(FILTERS), sort_keys=True).encode()
).hexdigest()[:12]

PAGE = """
SELECT c.id, c.version, c.proposition, c.stated_on, c.stated_on_precision, c.sort_date,
       c.dispute_status, c.balance, c.created_at, c.updated_at, v.rating,
       e.id, e.slug, e.title, a.id, a.slug, a.name
FROM claim c
JOIN actor a ON a.id = c.claimant_id
JOIN verdict v ON v.claim_id = c.id
LEFT JOIN event e ON e.id = c.event_id
WHERE c.deleted_at IS NULL
ORDER BY c.sort_date DESC, c.id DESC
LIMIT ?"""
ACCUSED = """
SELECT ca.claim_id, a.id, a.slug, a.name
FROM claim_accused ca JOIN actor a ON a.id = ca.actor_id
WHERE ca.claim_id IN ({marks}) ORDER BY ca.claim_id, ca.position"""
TAGS = "SELECT claim_id, tag FROM claim_tag WHERE claim_id IN ({marks}) ORDER BY claim_id, tag"


def uuid_str(hex32: str) -> str:
    """32 hex digits as stored on SQLite -> the dashed form."""
    h = hex32
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def iso_utc(stored: str) -> str:
    """'YYYY-MM-DD HH:MM:SS.ffffff' -> ISO 8601 with 'Z', as pydantic renders a UTC datetime."""
    day, time = stored.split(" ")
    if time.endswith(".000000"):
        time = time[:-7]
    return f"{day}T{time}Z"


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH, check_same_thread=False, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def page(db: sqlite3.Connection, limit: int) -> dict:
    """One page in one read transaction, like the app's ``Database.reading()``."""
    db.execute("BEGIN")
    try:
        return read_page(db, limit, PAGE, [], FINGERPRINT)
    finally:
        db.execute("COMMIT")


def read_page(db: sqlite3.Connection, limit: int, sql: str, args: list, fp: str) -> dict:
    """The three queries and the body, inside the transaction the caller opened."""
    rows = db.execute(sql, (*args, limit + 1)).fetchall()
    more, rows = len(rows) > limit, rows[:limit]
    ids = [row[0] for row in rows]
    marks = ",".join("?" * len(ids))
    accused: dict[str, list] = {claim_id: [] for claim_id in ids}
    tags: dict[str, list] = {claim_id: [] for claim_id in ids}
    if ids:
        for claim_id, actor_id, slug, name in db.execute(ACCUSED.format(marks=marks), ids):
            accused[claim_id].append({"id": uuid_str(actor_id), "slug": slug, "name": name})
        for claim_id, tag in db.execute(TAGS.format(marks=marks), ids):
            tags[claim_id].append(tag)
    items = [
        {
            "id": uuid_str(r[0]),
            "version": r[1],
            "proposition": r[2],
            "claimant": {"id": uuid_str(r[14]), "slug": r[15], "name": r[16]},
            "accused": accused[r[0]],
            "event": r[11] and {"id": uuid_str(r[11]), "slug": r[12], "title": r[13]},
            "stated_on": r[3],
            "stated_on_precision": r[4],
            "tags": tags[r[0]],
            "verdict": r[10],
            "dispute_status": r[6],
            "balance": r[7],
            "created_at": iso_utc(r[8]),
            "updated_at": iso_utc(r[9]),
        }
        for r in rows
    ]
    next_cursor = encode("-stated_on", rows[-1][5], uuid_str(rows[-1][0]), fp) if more else None
    return {"items": items, "next_cursor": next_cursor}


def fingerprint(filters: dict) -> str:
    """app.services.pagination.fingerprint()."""
    canonical = json.dumps(filters, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def encode(sort: str, key: object, row_id: str, fp: str) -> str:
    """app.services.pagination.encode_cursor()."""
    payload = json.dumps([sort, key, row_id, fp], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(cursor: str) -> list:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def filtered_page(db: sqlite3.Connection, params: dict[str, str], limit: int) -> dict:
    """The claim list with the filters the benchmark uses (accused, status, stated_from,
    stated_to) and a cursor; the same statements as ``read_page`` plus the conditions.
    With an accused actor the page walks claim_accused's index of (actor, sort date) and
    its copies of the claim's status and liveness, as the app does."""
    filters = dict.fromkeys(FILTERS)
    by_accused = "accused" in params
    row = "f" if by_accused else "c"  # whose sort date, status and liveness are read
    where = ["f.live"] if by_accused else ["c.deleted_at IS NULL"]
    args: list = []
    db.execute("BEGIN")
    try:
        if by_accused:
            filters["accused"] = params["accused"]
            found = db.execute("SELECT id FROM actor WHERE slug = ?", (params["accused"],))
            where.append("f.actor_id = ?")
            args.append(found.fetchone()[0])
        if "status" in params:
            filters["status"] = params["status"]
            where.append(f"{row}.dispute_status = ?")
            args.append(params["status"])
        if "stated_from" in params:
            filters["stated_from"] = params["stated_from"]
            where.append(f"{row}.sort_date >= ?")
            args.append(max(params["stated_from"], "0001-01-02"))
        if "stated_to" in params:
            filters["stated_to"] = params["stated_to"]
            where.append(f"{row}.sort_date BETWEEN '0001-01-02' AND ?")
            args.append(params["stated_to"])
        fp = fingerprint(filters)
        key = "f.sort_date, f.claim_id" if by_accused else "c.sort_date, c.id"
        if "cursor" in params:
            _, sort_date, after_id, _ = decode(params["cursor"])
            where.append(f"({key}) < (?, ?)")
            args += [sort_date, after_id.replace("-", "")]
        sql = PAGE.replace("WHERE c.deleted_at IS NULL", "WHERE " + " AND ".join(where))
        if by_accused:
            sql = sql.replace(
                "FROM claim c", "FROM claim_accused f JOIN claim c ON c.id = f.claim_id"
            ).replace(
                "ORDER BY c.sort_date DESC, c.id DESC",
                f"ORDER BY {key.replace(',', ' DESC,')} DESC",
            )
        return read_page(db, limit, sql, args, fp)
    finally:
        db.execute("COMMIT")


async def list_claims(request: Request) -> JSONResponse:
    params = dict(request.query_params)
    limit = min(int(params.pop("limit", 50)), 200)
    db = request.app.state.db
    return JSONResponse(filtered_page(db, params, limit) if params else page(db, limit))


TIMELINE = """
SELECT * FROM (
  SELECT 'claim' AS type, 0 AS rank, c.id AS id, c.id AS claim_id, c.stated_on AS date,
         c.stated_on_precision, c.proposition, a.id, a.slug, a.name, NULL, NULL,
         coalesce(c.stated_on, '9999-12-31') AS sort_key
  FROM claim c LEFT JOIN actor a ON a.id = c.claimant_id
  WHERE c.deleted_at IS NULL AND c.id IN ({claims})
  UNION ALL
  SELECT 'response', 1, r.id, r.claim_id, r.stated_on, r.stated_on_precision,
         coalesce(r.quote, r.stance), a.id, a.slug, a.name, r.stance, NULL,
         coalesce(r.stated_on, '9999-12-31')
  FROM claim_response r LEFT JOIN actor a ON a.id = r.responder_id
  WHERE r.deleted_at IS NULL AND r.claim_id IN ({claims})
  UNION ALL
  SELECT 'evidence', 2, e.id, e.claim_id, e.dated_on, e.dated_on_precision, e.summary,
         a.id, a.slug, a.name, NULL, e.bearing, coalesce(e.dated_on, '9999-12-31')
  FROM evidence e LEFT JOIN actor a ON a.id = e.produced_by_id
  WHERE e.deleted_at IS NULL AND e.dated_on IS NOT NULL AND e.claim_id IN ({claims})
) ORDER BY sort_key, rank, id LIMIT ?"""
EVENT_CLAIMS = "SELECT id FROM claim WHERE event_id = :event AND deleted_at IS NULL"


async def event_timeline(request: Request) -> JSONResponse:
    """app.services.timelines.event_timeline(): one UNION statement, keyset on
    (date, kind, id)."""
    limit = min(int(request.query_params.get("limit", 50)), 200)
    db = request.app.state.db
    db.execute("BEGIN")
    try:
        event_id = db.execute(
            "SELECT id FROM event WHERE slug = ? AND deleted_at IS NULL",
            (request.path_params["event"],),
        ).fetchone()[0]
        sql = TIMELINE.format(claims=EVENT_CLAIMS).replace("LIMIT ?", "LIMIT :limit")
        rows = db.execute(sql, {"event": event_id, "limit": limit + 1}).fetchall()
    finally:
        db.execute("COMMIT")
    items = [
        {
            "type": r[0],
            "id": uuid_str(r[2]),
            "claim_id": uuid_str(r[3]),
            "date": r[4],
            "date_precision": r[5],
            "title": r[6],
            "actor": None if r[7] is None else {"id": uuid_str(r[7]), "slug": r[8], "name": r[9]},
            "stance": r[10],
            "bearing": r[11],
        }
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        fp = fingerprint({"event": uuid_str(event_id)})
        next_cursor = encode("date", [last[12], last[1]], uuid_str(last[2]), fp)
    return JSONResponse({"items": items, "next_cursor": next_cursor})


TOKEN = re.compile(r"[^\W_]+")
SEARCH = """
SELECT m.kind, m.entity_id, m.title, m.body, m.score, m.id FROM (
  SELECT d.id, d.kind, d.entity_id, d.title, d.body, bm25(search_fts) AS score
  FROM search_fts JOIN search_document AS d ON d.id = search_fts.rowid
  WHERE search_fts MATCH ?) AS m
ORDER BY m.score, m.kind, m.id LIMIT ?"""


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def snippet(body: str, words: list[str], width: int = 160) -> str:
    """app.services.search.snippet()."""
    start = 0
    for match in TOKEN.finditer(body):
        token = fold(match.group())
        if any(token == w or token.startswith(w) for w in words):
            start = match.start()
            break
    begin = max(0, start - width // 3)
    text = body[begin : begin + width].strip()
    return ("…" if begin > 0 else "") + text + ("…" if begin + width < len(body) else "")


async def search(request: Request) -> JSONResponse:
    """Plain words only (the benchmark's query), ranked by bm25 like the app."""
    q = request.query_params["q"]
    limit = min(int(request.query_params.get("limit", 50)), 200)
    words = TOKEN.findall(fold(q))
    match = " ".join(f'"{w}"' for w in words)
    db = request.app.state.db
    db.execute("BEGIN")
    try:
        rows = db.execute(SEARCH, (match, limit + 1)).fetchall()
    finally:
        db.execute("COMMIT")
    items = [
        {"type": r[0], "id": uuid_str(r[1]), "title": r[2], "snippet": snippet(r[3], words)}
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        fp = fingerprint({"q": q, "types": []})
        next_cursor = encode("rank", [last[4], last[0], last[5]], str(uuid.UUID(int=0)), fp)
    return JSONResponse({"items": items, "next_cursor": next_cursor})


STATUSES = ["unanswered", "denied", "admitted", "mixed"]
RATINGS = ["unassessed", "unverified", "disputed", "substantiated", "refuted", "misleading"]
RATINGS += ["unprovable"]
LIVE = "(SELECT c.* FROM claim c JOIN verdict v ON v.claim_id = c.id WHERE c.deleted_at IS NULL)"
LIVE_RATED = (
    "(SELECT c.id, c.claimant_id, v.rating FROM claim c JOIN verdict v ON v.claim_id = c.id "
    "WHERE c.deleted_at IS NULL)"
)
TOP = """SELECT a.id, a.slug, a.name, count(*) FROM {source}
JOIN actor a ON a.id = {column} GROUP BY a.id, a.slug, a.name
ORDER BY count(*) DESC, a.slug LIMIT 10"""


async def stats(request: Request) -> JSONResponse:
    """app.services.track_records.stats() without filters: the same eight statements."""
    db = request.app.state.db

    def top(source: str, column: str) -> list:
        rows = db.execute(TOP.format(source=source, column=column))
        return [
            {"actor": {"id": uuid_str(i), "slug": s, "name": n}, "claims": k} for i, s, n, k in rows
        ]

    db.execute("BEGIN")
    try:
        per_month = db.execute(
            f"SELECT strftime('%Y-%m', stated_on) AS m, count(*) FROM {LIVE} "
            "WHERE stated_on IS NOT NULL GROUP BY m ORDER BY m"
        ).fetchall()
        by_status = dict.fromkeys(STATUSES, 0) | dict(
            db.execute(f"SELECT dispute_status, count(*) FROM {LIVE} GROUP BY dispute_status")
        )
        by_verdict = dict.fromkeys(RATINGS, 0) | dict(
            db.execute(f"SELECT rating, count(*) FROM {LIVE_RATED} GROUP BY rating")
        )
        body = {
            "claims": db.execute(f"SELECT count(*) FROM {LIVE}").fetchone()[0],
            "by_status": by_status,
            "by_verdict": by_verdict,
            "per_month": [{"month": m, "claims": n} for m, n in per_month],
            "top_claimants": top(LIVE, "claimant_id"),
            "top_accused": top(
                f"{LIVE} AS l JOIN claim_accused ca ON ca.claim_id = l.id", "ca.actor_id"
            ),
            "median_response_lag_days": median(db),
        }
    finally:
        db.execute("COMMIT")
    return JSONResponse(body)


def median(db: sqlite3.Connection) -> float | None:
    lags = f"(SELECT response_lag_days AS lag FROM {LIVE}) WHERE lag IS NOT NULL"
    n = db.execute(f"SELECT count(*) FROM {lags}").fetchone()[0]
    if n == 0:
        return None
    middle = db.execute(
        f"SELECT lag FROM {lags} ORDER BY lag LIMIT ? OFFSET ?", (2 - n % 2, (n - 1) // 2)
    ).fetchall()
    return float(sum(r[0] for r in middle)) / len(middle)


DOSSIER = """
SELECT c.id, c.version, c.proposition, c.stated_on, c.stated_on_precision, c.quote,
       c.quote_language, c.translation, c.dispute_status, c.first_response_on,
       c.response_lag_days, c.support, c.refute, c.balance, c.created_at, c.updated_at,
       v.rating, v.rationale, v.reviewed_by, v.reviewed_at, v.version,
       e.id, e.slug, e.title, a.id, a.slug, a.name
FROM claim c JOIN actor a ON a.id = c.claimant_id JOIN verdict v ON v.claim_id = c.id
LEFT JOIN event e ON e.id = c.event_id
WHERE c.id = ? AND c.deleted_at IS NULL"""
RESPONSES = """
SELECT r.id, r.stance, r.stated_on, r.stated_on_precision, r.quote, r.quote_language,
       r.translation, r.in_reply_to_id, r.version, r.created_at, r.updated_at,
       a.id, a.slug, a.name
FROM claim_response r JOIN actor a ON a.id = r.responder_id
WHERE r.claim_id = ? AND r.deleted_at IS NULL ORDER BY r.sort_date, r.id"""
EVIDENCE = """
SELECT x.id, x.summary, x.kind, x.bearing, x.independent, x.reliability, x.credibility,
       x.dated_on, x.dated_on_precision, x.note, x.version, x.created_at, x.updated_at,
       a.id, a.slug, a.name
FROM evidence x LEFT JOIN actor a ON a.id = x.produced_by_id
WHERE x.claim_id = ? AND x.deleted_at IS NULL ORDER BY x.id"""
CITATIONS = """
SELECT l.{owner}, l.locator, s.id, s.title, s.url, s.kind, s.published_on, s.reliability
FROM {table} l JOIN source s ON s.id = l.source_id
WHERE l.{owner} IN ({{marks}}) ORDER BY l.{owner}, l.position"""
PART_OF = """
SELECT subject_id, object_id FROM actor_relation
WHERE predicate = 'part_of' AND deleted_at IS NULL
  AND subject_id IN ({subjects}) AND object_id IN ({objects})"""
R_WEIGHT = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.3}
C_WEIGHT = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.1, 6: 0.3}


def citations(db: sqlite3.Connection, table: str, owner: str, ids: list[str]) -> dict:
    found: dict[str, list] = {i: [] for i in ids}
    if ids:
        sql = CITATIONS.format(table=table, owner=owner).format(marks=",".join("?" * len(ids)))
        for o, locator, sid, title, url, kind, published_on, reliability in db.execute(sql, ids):
            source = {"id": uuid_str(sid), "title": title, "url": url, "kind": kind}
            source |= {"published_on": published_on, "reliability": reliability}
            found[o].append({"source": source, "locator": locator})
    return found


def threaded(responses: list[dict]) -> list[dict]:
    """Each root by date, followed depth-first by its replies (app.services.claims)."""
    by_id = {r["id"] for r in responses}
    children: dict = {}
    for r in responses:
        children.setdefault(r["in_reply_to"] if r["in_reply_to"] in by_id else None, []).append(r)
    ordered, stack = [], list(reversed(children.get(None, [])))
    while stack:
        current = stack.pop()
        ordered.append(current)
        stack.extend(reversed(children.get(current["id"], [])))
    return ordered


async def dossier(request: Request) -> JSONResponse:
    """app.services.claims.get_dossier(): the stored dispute status; the weights and the
    balance computed from the evidence as the app computes them."""
    claim_id = request.path_params["claim_id"].replace("-", "")
    db = request.app.state.db
    db.execute("BEGIN")
    try:
        c = db.execute(DOSSIER, (claim_id,)).fetchone()
        accused = [
            {"id": uuid_str(i), "slug": s, "name": n}
            for _, i, s, n in db.execute(ACCUSED.format(marks="?"), (claim_id,))
        ]
        tags = [t for _, t in db.execute(TAGS.format(marks="?"), (claim_id,))]
        responses = db.execute(RESPONSES, (claim_id,)).fetchall()
        evidence = db.execute(EVIDENCE, (claim_id,)).fetchall()
        accused_ids = [a["id"].replace("-", "") for a in accused]
        responders = list({r[11] for r in responses})
        pairs = set()
        if responders and accused_ids:
            sql = PART_OF.format(
                subjects=",".join("?" * len(responders)), objects=",".join("?" * len(accused_ids))
            )
            pairs = set(db.execute(sql, [*responders, *accused_ids]).fetchall())
        sources = citations(db, "claim_source", "claim_id", [claim_id])[claim_id]
        r_sources = citations(db, "response_source", "response_id", [r[0] for r in responses])
        e_sources = citations(db, "evidence_source", "evidence_id", [e[0] for e in evidence])
    finally:
        db.execute("COMMIT")
    response_items = [
        {
            "id": uuid_str(r[0]),
            "claim_id": uuid_str(claim_id),
            "responder": {"id": uuid_str(r[11]), "slug": r[12], "name": r[13]},
            "stance": r[1],
            "stated_on": r[2],
            "stated_on_precision": r[3],
            "quote": r[4],
            "quote_language": r[5],
            "translation": r[6],
            "in_reply_to": r[7] and uuid_str(r[7]),
            "by_accused": r[11] in accused_ids or any((r[11], a) in pairs for a in accused_ids),
            "sources": r_sources[r[0]],
            "version": r[8],
            "created_at": iso_utc(r[9]),
            "updated_at": iso_utc(r[10]),
        }
        for r in responses
    ]
    evidence_items = [
        {
            "id": uuid_str(e[0]),
            "claim_id": uuid_str(claim_id),
            "summary": e[1],
            "kind": e[2],
            "bearing": e[3],
            "produced_by": None
            if e[13] is None
            else {"id": uuid_str(e[13]), "slug": e[14], "name": e[15]},
            "independent": bool(e[4]),
            "reliability": e[5],
            "credibility": e[6],
            "weight": round(R_WEIGHT[e[5]] * C_WEIGHT[e[6]] * (1.0 if e[4] else 0.5), 4),
            "dated_on": e[7],
            "dated_on_precision": e[8],
            "note": e[9],
            "sources": e_sources[e[0]],
            "version": e[10],
            "created_at": iso_utc(e[11]),
            "updated_at": iso_utc(e[12]),
        }
        for e in evidence
    ]
    # Computed from the evidence, as the app's dossier does (not the stored columns).
    support = sum(e["weight"] for e in evidence_items if e["bearing"] == "supports")
    refute = sum(e["weight"] for e in evidence_items if e["bearing"] == "refutes")
    body = {
        "id": uuid_str(c[0]),
        "version": c[1],
        "proposition": c[2],
        "claimant": {"id": uuid_str(c[24]), "slug": c[25], "name": c[26]},
        "accused": accused,
        "event": None if c[21] is None else {"id": uuid_str(c[21]), "slug": c[22], "title": c[23]},
        "stated_on": c[3],
        "stated_on_precision": c[4],
        "quote": c[5],
        "quote_language": c[6],
        "translation": c[7],
        "tags": tags,
        "sources": sources,
        "responses": threaded(response_items),
        "evidence": {
            bearing: [e for e in evidence_items if e["bearing"] == bearing]
            for bearing in ("supports", "refutes", "context")
        },
        "verdict": {
            "rating": c[16],
            "rationale": c[17],
            "reviewed_by": c[18],
            "reviewed_at": c[19] and iso_utc(c[19]),
            "version": c[20],
        },
        "dispute": {"status": c[8], "first_response_on": c[9], "response_lag_days": c[10]},
        "balance": {
            "support": round(support, 4),
            "refute": round(refute, 4),
            "balance": round((support - refute) / (support + refute + 1), 4),
            "contributions": [
                {"evidence_id": e["id"], "bearing": e["bearing"], "weight": e["weight"]}
                for e in evidence_items
            ],
        },
        "created_at": iso_utc(c[14]),
        "updated_at": iso_utc(c[15]),
    }
    return JSONResponse(body)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.db = connect()
    yield
    app.state.db.close()


app = Starlette(
    routes=[
        Route("/v1/claims", list_claims),
        Route("/v1/claims/{claim_id}", dossier),
        Route("/v1/events/{event}/timeline", event_timeline),
        Route("/v1/search", search),
        Route("/v1/stats", stats),
    ],
    lifespan=lifespan,
)


def verify(contested_url: str, other_url: str) -> None:
    """Fetch both URLs and fail unless the bodies are equal as JSON (and say if byte-equal)."""
    bodies = [urllib.request.urlopen(url, timeout=10).read() for url in (contested_url, other_url)]
    a, b = (json.loads(body) for body in bodies)
    assert len(a["items"]) == 50, f"contested returned {len(a['items'])} items"
    assert a == b, f"the bodies of {contested_url} and {other_url} differ"
    same = "byte-for-byte identical" if bodies[0] == bodies[1] else "equal as JSON only"
    print(f"verify: {other_url}: {len(b['items'])} items, {len(bodies[1])} bytes, {same}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "--verify":
        sys.exit("usage: floor.py --verify CONTESTED_URL OTHER_URL")
    verify(sys.argv[2], sys.argv[3])
