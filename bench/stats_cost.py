"""What the stats cost to read, and what keeping them costs each write, in process.

Times ``GET /v1/stats`` (unfiltered, and filtered by the most-accused actor) through the
whole app with an in-process client, then ``POST /v1/claims`` ``--posts`` times and
reports the process's CPU time per POST (its own threads only: no server, no client over
the network, so the figure barely moves with other work on the machine). The POSTs
write to the file: point it at a copy.

    .venv/bin/python bench/stats_cost.py bench/data/stats-10k.db [--reads 5] [--posts 300]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(get: object, url: str, reads: int) -> list[float]:
    times = []
    for _ in range(reads):
        started = time.perf_counter()
        response = get(url)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return times


def _post(client: Any, headers: dict[str, str], actors: list[str], posts: int) -> None:
    rnd = random.Random(7)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(posts):
        body = {
            "proposition": f"Benchmark claim {i}.",
            "claimant": rnd.choice(actors),
            "accused": rnd.sample(actors, rnd.randint(1, 3)),
            "stated_on": f"20{rnd.randint(10, 24)}-{rnd.randint(1, 12):02d}-15",
            "tags": ["benchmark"],
        }
        response = client.post("/v1/claims", json=body, headers=headers)
        assert response.status_code == 201, response.text
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"POST /v1/claims x {posts}: {cpu / posts * 1000:.2f} ms CPU and "
        f"{wall / posts * 1000:.2f} ms wall per request"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--reads", type=int, default=5)
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.db import open_database
    from app.main import create_app
    from app.models.api_key import Role
    from app.services.keys import create_key

    with sqlite3.connect(args.db) as db:
        claims = db.execute("SELECT count(*) FROM claim WHERE deleted_at IS NULL").fetchone()[0]
        actors = [slug for (slug,) in db.execute("SELECT slug FROM actor ORDER BY slug")]
        accused = db.execute(
            "SELECT a.slug FROM claim_accused ca JOIN actor a ON a.id = ca.actor_id "
            "GROUP BY ca.actor_id ORDER BY count(*) DESC, a.slug LIMIT 1"
        ).fetchone()[0]
    settings = Settings(database_url=f"sqlite:///{args.db}", rate_limit_enabled=False)
    database = open_database(settings)
    with database.unit_of_work() as session:
        key = create_key(session, "stats benchmark", Role.contributor).key
    headers = {"Authorization": f"Bearer {key}"}
    print(f"{args.db}: {claims:,} live claims, {len(actors):,} actors")
    with TestClient(create_app(settings, database)) as client:
        for url in ("/v1/stats", f"/v1/stats?accused={accused}") if args.reads else ():
            times = _timed(client.get, url, args.reads)
            print(
                f"GET {url}: first {times[0] * 1000:,.1f} ms, "
                f"median {statistics.median(times) * 1000:,.1f} ms of {len(times)}"
            )
        if args.posts:
            _post(client, headers, actors, args.posts)
    database.dispose()


if __name__ == "__main__":
    main()
