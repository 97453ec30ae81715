"""Parsing an import's lines in worker processes while the importing process writes.

Validating and normalising a line (app.services.import_entries) costs about as much
CPU as writing it, and SQLite has one writer anyway: worker processes parse chunks of
lines while this process writes the chunks before them, in file order. Only a few
chunks per worker are in flight at once, so memory stays bounded whatever the size of
the file. The workers run at the lowest CPU priority: the writer is the import's
critical path, and the workers take the CPU it leaves.

A chunk's entries come back marshalled when they can be (on SQLite, whose driver values
are text and numbers): marshal writes them in about half the time pickle takes. Only
pickle sends PostgreSQL's entries, which hold UUIDs and dates.
"""

from __future__ import annotations

import gc
import marshal
import os
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext

from app.services.import_entries import (
    Chunk,
    Entry,
    LineError,
    Parsed,
    numbered_chunks,
    parse_lines,
)

CHUNK_LINES = 1000
AHEAD = 3  # chunks in flight per worker


def collect_less() -> None:
    """For a process that does nothing but the import: Python's cyclic garbage collector,
    run every 700 new objects by default, walked the import's millions of short-lived
    (and acyclic) tuples and dicts again and again, about a tenth of its CPU time. The
    objects already there are set aside for good, and collections come 300 times less
    often."""
    gc.freeze()
    gc.set_threshold(200_000, 20, 20)


def _start_worker() -> None:
    """In each parse worker as it starts: the collector as above, and the lowest CPU
    priority. With two workers beside the writer on two cores, the writer waited its
    turn for a core 23 s of a 152 s import of 200,000 claims; at the lowest priority,
    4 s, and the import took 0.92 of the time (docs/benchmarks.md, "A tenth look")."""
    collect_less()
    if hasattr(os, "nice"):  # not on Windows
        os.nice(19)


def default_workers() -> int:
    """One worker per core, up to four (the writer takes its share of a core too)."""
    return max(1, min(4, os.cpu_count() or 1))


def _context() -> BaseContext:
    """Workers forked from a fresh server process that has imported the parsing code
    once (each worker then starts at once), not from this process, whose connections
    and threads they must not share; where there is no fork, spawned ones."""
    if "forkserver" not in get_all_start_methods():
        return get_context("spawn")
    context = get_context("forkserver")
    context.set_forkserver_preload([parse_lines.__module__])
    return context


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """The processes that parse an import's chunks (the caller shuts them down)."""
    return ProcessPoolExecutor(workers, mp_context=_context(), initializer=_start_worker)


def _parse_packed(dialect_name: str, chunk: Chunk, max_line_bytes: int) -> Parsed | bytes:
    """In a worker: a chunk's entries, marshalled as plain tuples when marshal takes them."""
    parsed = parse_lines(dialect_name, chunk, max_line_bytes)
    errors = [(e.line, e.detail) for e in parsed.errors]
    try:
        return marshal.dumps(([tuple(e) for e in parsed.entries], errors, parsed.last_line))
    except ValueError:  # a value marshal does not write: pickle sends it
        return parsed


def _unpacked(result: Parsed | bytes) -> Parsed:
    if isinstance(result, Parsed):
        return result
    entries, errors, last_line = marshal.loads(result)
    return Parsed(list(map(Entry._make, entries)), [LineError(*e) for e in errors], last_line)


def parsed_chunks(
    lines: Iterable[bytes | str], dialect_name: str, max_line_bytes: int, workers: int = 0
) -> Generator[Parsed, None, None]:
    """The lines parsed chunk by chunk, in order: in this process when ``workers`` is 0,
    else in that many worker processes."""
    chunks = numbered_chunks(lines, CHUNK_LINES)
    if workers <= 0:
        yield from map(partial(parse_lines, dialect_name, max_line_bytes=max_line_bytes), chunks)
        return
    parse = partial(_parse_packed, dialect_name, max_line_bytes=max_line_bytes)
    pool = worker_pool(workers)
    try:
        pending: deque[Future[Parsed | bytes]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(parse, chunk))
            if len(pending) >= workers * AHEAD:
                yield _unpacked(pending.popleft().result())
        while pending:
            yield _unpacked(pending.popleft().result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
