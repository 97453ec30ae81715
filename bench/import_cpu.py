"""CPU time of the import's two sides on one archive, each alone, in this process.

``parse``: validating and normalising every line (the parse workers' share of an import).
``write``: the writer's share, a bulk load of entries parsed beforehand into a new
SQLite database (migrated once into a template, then copied), through the end of the
load (indexes, derived figures, stats counts, full-text index, commit). The parsed
entries are kept beside the archive between runs, so that alternating runs of two
checkouts spend their time on the side measured. No workers, no HTTP: the figures move
with the machine's speed, so compare two checkouts by alternating them.

    .venv/bin/python bench/import_cpu.py bench/data/archive-10k.ndjson --side write [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import Database, open_database  # noqa: E402
from app.services import import_entries, importing, migrations  # noqa: E402
from app.services.import_entries import Parsed, numbered_chunks, parse_lines  # noqa: E402
from app.services.import_worker import CHUNK_LINES, collect_less  # noqa: E402

MAX_LINE = 16 * 1024 * 1024


def parse(archive: Path) -> list[Parsed]:
    with archive.open("rb") as file:
        lines = list(importing.read_lines(file, MAX_LINE))
    return [parse_lines("sqlite", chunk, MAX_LINE) for chunk in numbered_chunks(lines, CHUNK_LINES)]


def parsed_entries(archive: Path) -> list[Parsed]:
    """The archive parsed by this checkout's code, from a file kept beside the archive
    (named after the code that made it, so that each checkout parses once)."""
    code = Path(import_entries.__file__).read_bytes() + Path(importing.__file__).read_bytes()
    kept = archive.with_name(f"{archive.stem}.parsed-{hashlib.sha256(code).hexdigest()[:12]}")
    if kept.exists():
        with kept.open("rb") as file:
            return pickle.load(file)  # type: ignore[no-any-return]
    parsed = parse(archive)
    with kept.open("wb") as file:
        pickle.dump(parsed, file, protocol=pickle.HIGHEST_PROTOCOL)
    return parsed


def fresh_database(template: Path, folder: Path) -> Database:
    """A copy of the migrated template in ``folder``, opened as the import command opens
    its database (a page cache of 128 MiB)."""
    target = folder / "import.db"
    for leftover in folder.glob("import.db*"):
        leftover.unlink()
    shutil.copy(template, target)
    database = open_database(Settings(database_url=f"sqlite:///{target}"))
    event.listen(
        database.write, "connect", lambda conn, _: conn.execute("PRAGMA cache_size=-131072")
    )
    return database


def write(parsed: list[Parsed], template: Path, folder: Path) -> float:
    """CPU seconds of a bulk load of ``parsed`` into a copy of the migrated template."""
    database = fresh_database(template, folder)
    chunks: Any = lambda *_args, **_kwargs: (chunk for chunk in parsed)  # noqa: E731
    importing.parsed_chunks = chunks
    start = time.process_time()
    report = importing.import_lines(database, [], bulk=True)
    spent = time.process_time() - start
    database.dispose()
    if report.error_count:
        raise SystemExit(f"the load refused {report.error_count} lines: {report.errors[:3]}")
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--side", choices=("parse", "write"), required=True)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    collect_less()  # as the import command and its workers do
    if args.side == "parse":
        for _ in range(args.runs):
            start = time.process_time()
            parse(args.archive)
            print(f"parse: {time.process_time() - start:.2f} s of CPU")
        return
    parsed = parsed_entries(args.archive)
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.db"
        migrations.upgrade(f"sqlite:///{template}")
        for _ in range(args.runs):
            print(f"write: {write(parsed, template, Path(folder)):.2f} s of CPU")


if __name__ == "__main__":
    main()
