"""Stored or computed? Times the claim list filtered by dispute status and sorted by balance,
(a) from the columns the app keeps on each claim, and (b) computing both in SQL per query.

It copies a benchmark database (bench/make_data.py), adds 0-3 responses and 0-4 evidence
items per claim, fills the stored columns through the app's own refresh, then times each
query shape (median of many runs) and the cost the stored design adds to a write.

    .venv/bin/python bench/derived_columns.py [--db bench/data/claims-10k.db]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db import open_database  # noqa: E402
from app.models.common import new_id  # noqa: E402
from app.services import migrations  # noqa: E402
from app.services.derived import refresh_claim  # noqa: E402

STANCES = [
    "denies",
    "partially_denies",
    "disputes_evidence",
    "counter_accuses",
    "confirms",
    "admits",
    "no_comment",
]
DENIALS = "('denies','partially_denies','disputes_evidence','counter_accuses')"
ADMISSIONS = "('confirms','admits')"

STORED_STATUS = """
SELECT c.id FROM claim c
WHERE c.deleted_at IS NULL AND c.dispute_status = 'denied'
ORDER BY c.sort_date DESC, c.id DESC LIMIT 50"""

COMPUTED_STATUS = f"""
WITH answers AS (
  SELECT r.claim_id,
         MAX(r.stance IN {DENIALS}) AS denied,
         MAX(r.stance IN {ADMISSIONS}) AS admitted
  FROM claim_response r
  JOIN claim_accused a ON a.claim_id = r.claim_id
  WHERE r.deleted_at IS NULL AND (
    r.responder_id = a.actor_id OR EXISTS (
      SELECT 1 FROM actor_relation p WHERE p.predicate = 'part_of' AND p.deleted_at IS NULL
      AND p.subject_id = r.responder_id AND p.object_id = a.actor_id))
  GROUP BY r.claim_id)
SELECT c.id FROM claim c JOIN answers s ON s.claim_id = c.id
WHERE c.deleted_at IS NULL AND s.denied AND NOT s.admitted
ORDER BY c.sort_date DESC, c.id DESC LIMIT 50"""

STORED_BALANCE = """
SELECT c.id FROM claim c WHERE c.deleted_at IS NULL ORDER BY c.balance DESC, c.id DESC LIMIT 50"""

COMPUTED_BALANCE = """
WITH w AS (
  SELECT e.claim_id,
    SUM(CASE WHEN e.bearing = 'supports' THEN weight ELSE 0 END) AS s,
    SUM(CASE WHEN e.bearing = 'refutes' THEN weight ELSE 0 END) AS r
  FROM (SELECT claim_id, bearing,
          (CASE reliability WHEN 'A' THEN 1.0 WHEN 'B' THEN 0.8 WHEN 'C' THEN 0.6
             WHEN 'D' THEN 0.4 WHEN 'E' THEN 0.2 ELSE 0.3 END)
          * (CASE credibility WHEN 1 THEN 1.0 WHEN 2 THEN 0.8 WHEN 3 THEN 0.6
             WHEN 4 THEN 0.4 WHEN 5 THEN 0.1 ELSE 0.3 END)
          * (CASE WHEN independent THEN 1.0 ELSE 0.5 END) AS weight
        FROM evidence WHERE deleted_at IS NULL) e
  GROUP BY e.claim_id)
SELECT c.id FROM claim c LEFT JOIN w ON w.claim_id = c.id
WHERE c.deleted_at IS NULL
ORDER BY COALESCE((w.s - w.r) / (w.s + w.r + 1), 0) DESC, c.id DESC LIMIT 50"""


def add_statements(path: Path, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    claims = conn.execute("SELECT id, stated_on FROM claim").fetchall()
    accused = {}
    for claim_id, actor_id in conn.execute("SELECT claim_id, actor_id FROM claim_accused"):
        accused.setdefault(claim_id, []).append(actor_id)
    actors = [row[0] for row in conn.execute("SELECT id FROM actor")]
    now = "2026-01-01 00:00:00.000000"
    responses, evidence = [], []
    for claim_id, stated_on in claims:
        base = date.fromisoformat(stated_on) if stated_on else None
        for _ in range(rng.randint(0, 3)):
            responder = (
                rng.choice(accused.get(claim_id) or actors)
                if rng.random() < 0.7
                else rng.choice(actors)
            )
            on = (base + timedelta(days=rng.randint(0, 30))).isoformat() if base else None
            responses.append(
                (
                    new_id().hex,
                    1,
                    now,
                    now,
                    claim_id,
                    responder,
                    rng.choice(STANCES),
                    on,
                    "day" if on else None,
                    on or "0001-01-01",
                    "A response.",
                )
            )
        for _ in range(rng.randint(0, 4)):
            evidence.append(
                (
                    new_id().hex,
                    1,
                    now,
                    now,
                    claim_id,
                    "An item.",
                    "document",
                    rng.choice(["supports", "refutes", "context"]),
                    rng.random() < 0.5,
                    rng.choice("ABCDEF"),
                    rng.randint(1, 6),
                )
            )
    conn.executemany(
        "INSERT INTO claim_response (id, version, created_at, updated_at, claim_id, "
        "responder_id, stance, stated_on, stated_on_precision, sort_date, quote) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        responses,
    )
    conn.executemany(
        "INSERT INTO evidence (id, version, created_at, updated_at, claim_id, summary, kind, "
        "bearing, independent, reliability, credibility) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        evidence,
    )
    conn.commit()
    conn.close()
    return [row[0] for row in claims]


def timed(conn: sqlite3.Connection, sql: str, runs: int) -> tuple[float, list]:
    result = conn.execute(sql).fetchall()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        conn.execute(sql).fetchall()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "bench" / "data" / "claims-10k.db"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "derived.db"
        shutil.copy(args.db, path)
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        claim_ids = add_statements(path)
        database = open_database(Settings(database_url=url))
        import uuid

        start = time.perf_counter()
        with database.unit_of_work() as session:
            for claim_id in claim_ids:
                refresh_claim(session, uuid.UUID(hex=claim_id))
        refresh_ms = (time.perf_counter() - start) * 1000 / len(claim_ids)
        database.dispose()
        conn = sqlite3.connect(path)
        stored_status, a = timed(conn, STORED_STATUS, args.runs)
        computed_status, b = timed(conn, COMPUTED_STATUS, args.runs)
        stored_balance, _ = timed(conn, STORED_BALANCE, args.runs)
        computed_balance, _ = timed(conn, COMPUTED_BALANCE, args.runs)
        conn.close()
    assert a == b, "the stored and computed status filters disagree"
    print(f"claims: {len(claim_ids)}")
    print("| query | stored columns (ms) | computed in SQL (ms) | computed / stored |")
    print("| --- | --- | --- | --- |")
    print(
        f"| status=denied, newest 50 | {stored_status:.3f} | {computed_status:.3f} "
        f"| {computed_status / stored_status:.0f}x |"
    )
    print(
        f"| sort=-balance, first 50 | {stored_balance:.3f} | {computed_balance:.3f} "
        f"| {computed_balance / stored_balance:.0f}x |"
    )
    print(f"write cost of the stored design: {refresh_ms:.3f} ms per claim refresh")


if __name__ == "__main__":
    main()
