"""CPU time per request of Contested and of the floor, called in process through ASGI.

No HTTP server and no load generator: each request is a direct call of the ASGI
application with a prepared scope, so the figures measure the application alone (what
uvicorn adds is the same for both) and barely move with other work on the machine.
Used to see where a read stands against the floor before and after a change; the
figures of record come from ``make bench``.

    .venv/bin/python bench/asgi_cpu.py bench/data/work-10k.db [--calls 300] [--only dossier]
        [--profile dossier] [--cold]

The scenario parameters are those bench/prepare.py chooses (the same URLs as the suite).
``--profile`` prints the 25 costliest functions by own time; SORT=cumtime and TOP=n in the
environment change that.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.prepare import choose  # noqa: E402


def urls(params: dict[str, Any]) -> dict[str, str]:
    """The URL of each read scenario, as bench/suite.py asks them."""
    from bench.suite import scenario_paths

    found = scenario_paths(params, "")
    return {name: found[name]["contested"] for name in found if found[name].get("contested")}


async def call(app: Any, url: str) -> tuple[int, bytes]:
    parts = urlsplit(url)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status = 0
    body = bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


async def lifespan(app: Any) -> asyncio.Queue[Any]:
    """Start the application's lifespan; put anything in the returned queue to end it."""
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    started = asyncio.Event()
    await inbox.put({"type": "lifespan.startup"})

    async def receive() -> Any:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set()

    asyncio.get_running_loop().create_task(app({"type": "lifespan"}, receive, send))
    await started.wait()
    return inbox


async def measure(apps: dict[str, Any], paths: dict[str, str], calls: int, profile: str | None):
    for app in apps.values():
        await lifespan(app)
    for name, path in paths.items():
        n = max(3, calls // 50) if name == "stats" else calls
        line = [f"{name:10}"]
        cpu: dict[str, float] = {}
        for server, app in apps.items():
            for _ in range(min(n, 20)):
                status, _ = await call(app, path)
            assert status == 200, (server, name, status)
            profiler = cProfile.Profile() if profile == name and server == "contested" else None
            if profiler:
                profiler.enable()
            started = time.process_time()
            for _ in range(n):
                await call(app, path)
            cpu[server] = (time.process_time() - started) / n * 1000
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(
                    int(os.environ.get("TOP", "25"))
                )
            line.append(f"{server} {cpu[server]:7.3f} ms")
        if "floor" in cpu:
            line.append(f"x floor {cpu['floor'] / cpu['contested']:.2f}")
        print("  ".join(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--profile")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--cold", action="store_true", help="without the response cache")
    args = parser.parse_args()
    with sqlite3.connect(args.db) as db:
        params = choose(db)
    os.environ["CONTESTED_DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ.setdefault("CONTESTED_RATE_LIMIT_ENABLED", "false")
    if args.cold:
        os.environ["CONTESTED_RESPONSE_CACHE_MIB"] = "0"
    os.environ["BENCH_DB"] = str(args.db)
    import logging

    logging.disable(logging.WARNING)
    from app.main import create_app

    apps: dict[str, Any] = {"contested": create_app()}
    if not args.no_floor:
        from bench import floor

        apps["floor"] = floor.app
    paths = urls(params)
    if args.only:
        paths = {k: v for k, v in paths.items() if k in args.only}
    asyncio.run(measure(apps, paths, args.calls, args.profile))


if __name__ == "__main__":
    main()
