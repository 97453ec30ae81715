"""Where a bulk import's time goes: the load, then each step of the work after it.

Imports an archive as ``contested import`` does (two parse workers on this machine's
cores, a 128 MiB page cache, one transaction into empty tables) into a new SQLite
database, in this process, and times the writer's statements as they pass: the load
runs from the first statement to the first ``CREATE INDEX``; after it, each step runs
from its first statement to the next step's (the Python between its statements
included), and the commit from its start to the end. Wall clock and this
process's CPU (the writer's; the workers parse during the load only) per phase.

    .venv/bin/python bench/import_phases.py bench/data/archive-10k.ndjson [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from app.services import import_bulk, importing, migrations, tallies  # noqa: E402
from app.services.import_worker import collect_less, default_workers  # noqa: E402
from bench.import_cpu import fresh_database  # noqa: E402

MAX_LINE = 16 * 1024 * 1024


def _plain(statement: str) -> str:
    return " ".join(statement.split()).upper()


COPIES = {_plain(copy) for copy in import_bulk.COPIES.values()}


def step_of(sql: str) -> str | None:
    """The step of the work after the load that a statement (``_plain``) starts, if any."""
    if sql.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")):
        return "indexes"
    if sql.startswith("CREATE TRIGGER"):
        return "triggers"
    if sql == _plain(import_bulk.FTS_REBUILD):
        return "full-text index"
    if sql in COPIES:
        return "copies"
    return None


@dataclass
class Phases:
    """(name, wall clock at its start, CPU at its start), in order: the load from the
    start, then a step wherever a statement of another step comes, or a step run as one
    function (``within``) begins; statements the driver runs unseen, and the Python
    between statements, count to the step they are in."""

    marks: list[tuple[str, float, float]] = field(
        default_factory=lambda: [("load", time.perf_counter(), time.process_time())]
    )
    inside: str | None = None

    def note(self, statement: str) -> None:
        step = step_of(_plain(statement))
        if self.inside is None and step is not None:
            self.mark(step)

    def mark(self, name: str) -> None:
        if self.marks[-1][0] != name:
            self.marks.append((name, time.perf_counter(), time.process_time()))

    def within(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any) -> Any:
            self.mark(name)
            self.inside = name
            try:
                return function(*args)
            finally:
                self.inside = None

        return step

    def table(self, end_wall: float, end_cpu: float) -> list[tuple[str, float, float]]:
        """(phase, wall seconds, CPU seconds); a step that recurs is summed."""
        marks = [*self.marks, ("end", end_wall, end_cpu)]
        totals: dict[str, list[float]] = {}
        for (name, wall, cpu), (_, next_wall, next_cpu) in pairwise(marks):
            spent = totals.setdefault(name, [0.0, 0.0])
            spent[0] += next_wall - wall
            spent[1] += next_cpu - cpu
        return [(name, wall, cpu) for name, (wall, cpu) in totals.items()]


def run(archive: Path, template: Path, folder: Path) -> list[tuple[str, float, float]]:
    database = fresh_database(template, folder)
    phases = Phases()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        phases.note(statement)

    event.listen(database.write, "before_cursor_execute", before)
    event.listen(database.write, "commit", lambda _conn: phases.mark("commit"))
    refresh, rebuild = import_bulk._refresh_every_claim, tallies.rebuild
    import_bulk._refresh_every_claim = phases.within("derived figures", refresh)
    tallies.rebuild = phases.within("stats counts", rebuild)
    try:
        with archive.open("rb") as file:
            report = importing.import_lines(
                database,
                importing.read_lines(file, MAX_LINE),
                parse_workers=default_workers(),
                bulk=True,
            )
    finally:
        database.dispose()
        import_bulk._refresh_every_claim, tallies.rebuild = refresh, rebuild
    if report.error_count:
        raise SystemExit(f"the import refused {report.error_count} lines: {report.errors[:3]}")
    return phases.table(time.perf_counter(), time.process_time())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    collect_less()  # as the import command does
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.db"
        migrations.upgrade(f"sqlite:///{template}")
        for number in range(1, args.runs + 1):
            rows = run(args.archive, template, Path(folder))
            wall = sum(r[1] for r in rows)
            print(f"run {number}: {wall:.1f} s")
            for name, seconds, cpu in rows:
                print(f"  {name:<34} {seconds:7.2f} s  (writer CPU {cpu:7.2f} s)")


if __name__ == "__main__":
    main()
