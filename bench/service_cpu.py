"""CPU time per call of the read services behind the benchmark's scenarios, in process:
no HTTP, no other server, so the figures barely move with other work on the machine.
With --profile NAME, cProfile's top functions for that scenario.

    .venv/bin/python bench/service_cpu.py bench/data/work-10k.db [--profile dossier]

The scenario parameters are chosen from the file as bench/prepare.py chooses them.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.prepare import choose  # noqa: E402


def scenarios(params: dict[str, Any]) -> dict[str, Callable[[Any], Any]]:
    from datetime import date

    from app.api.json_body import JSONBody
    from app.models.claim import ClaimSort, DisputeStatus
    from app.services import claim_list, dossier, search, timelines, track_records
    from app.services.claim_list import ClaimFilters

    newest = ClaimSort.stated_on_desc
    filters = ClaimFilters(
        accused=params["accused"],
        status=DisputeStatus(params["status"]),
        stated_from=date.fromisoformat(params["stated_from"]),
        stated_to=date.fromisoformat(params["stated_to"]),
    )
    claim_id = uuid.UUID(params["dossier"])
    return {
        "dossier": lambda c: JSONBody(dossier.get_dossier(c, claim_id)),
        "list": lambda c: claim_list.list_claims(c, ClaimFilters(), newest, 50, None),
        "deep_page": lambda c: claim_list.list_claims(
            c, ClaimFilters(), newest, 50, params["cursor"]
        ),
        "filtered": lambda c: claim_list.list_claims(c, filters, newest, 50, None),
        "search": lambda c: search.search(c, params["q"], None, 50, None),
        "timeline": lambda c: timelines.event_timeline(c, params["event"], 50, None),
        "stats": lambda c: track_records.stats(c, ClaimFilters()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--profile")
    args = parser.parse_args()

    from app.config import Settings
    from app.db import open_database

    with sqlite3.connect(args.db) as db:
        params = choose(db)
    database = open_database(Settings(database_url=f"sqlite:///{args.db}"))
    for name, call in scenarios(params).items():
        calls = max(3, args.calls // 50) if name == "stats" else args.calls
        for _ in range(min(calls, 10)):  # warm the caches
            with database.reading() as conn:
                call(conn)
        started = time.process_time()
        for _ in range(calls):
            with database.reading() as conn:
                call(conn)
        print(f"{name:10} {(time.process_time() - started) / calls * 1000:8.3f} ms CPU per call")
        if name == args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(calls):
                with database.reading() as conn:
                    call(conn)
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
