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
import sqlite3
import sys
import urllib.request
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


def cursor_after(sort_date: str, claim_id: str) -> str:
    """app.services.pagination.encode_cursor() for the -stated_on sort."""
    payload = json.dumps(["-stated_on", sort_date, claim_id, FINGERPRINT], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def page(db: sqlite3.Connection, limit: int) -> dict:
    """One page in one read transaction, like the app's ``Database.reading()``."""
    db.execute("BEGIN")
    try:
        return read_page(db, limit)
    finally:
        db.execute("COMMIT")


def read_page(db: sqlite3.Connection, limit: int) -> dict:
    """The three queries and the body, inside the transaction the caller opened."""
    rows = db.execute(PAGE, (limit + 1,)).fetchall()
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
    next_cursor = cursor_after(rows[-1][5], uuid_str(rows[-1][0])) if more else None
    return {"items": items, "next_cursor": next_cursor}


async def list_claims(request: Request) -> JSONResponse:
    limit = min(int(request.query_params.get("limit", 50)), 200)
    return JSONResponse(page(request.app.state.db, limit))


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.db = connect()
    yield
    app.state.db.close()


app = Starlette(routes=[Route("/v1/claims", list_claims)], lifespan=lifespan)


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
