"""Running uvicorn the way ``contested serve`` does: the project's log format, our access
log instead of uvicorn's, a bounded graceful shutdown, metrics summed over workers, and
workers forked from one import of the app, so that they share its memory."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

from app.config import Settings
from app.logs import log_config

# prometheus-client's multiprocess mode (read at import, so set before workers start).
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Workers that die more often than this are not started again: something is wrong.
MAX_RESTARTS, RESTART_WINDOW_SECONDS = 5, 60.0

# mallopt()'s parameter number for the most malloc arenas (glibc's malloc.h).
M_ARENA_MAX = -8

log = logging.getLogger("contested")


def run(settings: Settings, app: str, host: str, port: int, workers: int) -> None:
    """Serve the ASGI app at import string ``app`` until SIGTERM or SIGINT.

    On either signal the server stops accepting connections, lets in-flight requests
    finish for up to ``CONTESTED_SHUTDOWN_TIMEOUT_SECONDS``, and exits 0.
    """
    import uvicorn

    _prepare_metrics_folder(workers)
    _few_malloc_arenas()
    # uvicorn re-raises the signal it shut down on once it is done; a shutdown asked
    # for is a success, so the process then exits 0 rather than die of SIGTERM.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=log_config(settings.log_level, settings.log_format),
        log_level=settings.log_level,
        access_log=False,  # ObserveMiddleware writes one with the route and request id
        proxy_headers=False,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )
    if workers == 1:
        uvicorn.Server(config).run()
    else:
        _serve_forked(config, workers)


def _serve_forked(config: Any, workers: int) -> None:
    """Import the app once, then fork the workers from it.

    uvicorn's own ``--workers`` starts each worker afresh ("spawn"), so that every one
    holds a copy of every module; forked from a process that has imported the app, the
    workers share those pages until they write to them, and the collector is kept off
    them (``gc.freeze``). On SIGTERM or SIGINT each worker gets SIGTERM and shuts down
    gracefully; a worker that dies otherwise is replaced, unless workers keep dying.
    """
    import uvicorn

    config.load()  # the import of the app, shared by every worker
    sock = config.bind_socket()
    gc.collect()
    gc.freeze()
    children: set[int] = set()
    restarts: list[float] = []
    stopping = False

    def start_worker() -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            # A warning (one told to stop as it starts leaves uvicorn's coroutine unrun)
            # is a log record too, in the log's format.
            logging.captureWarnings(True)
            try:
                signal.signal(signal.SIGTERM, _exit_cleanly)
                signal.signal(signal.SIGINT, _exit_cleanly)
                uvicorn.Server(config).run(sockets=[sock])
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 0
            finally:
                logging.shutdown()
                os._exit(code)
        children.add(pid)

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        sock.close()  # so that new connections are refused, not queued
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        start_worker()
    failed = False
    while children:
        pid, status = os.wait()
        if pid not in children:
            continue
        children.discard(pid)
        if stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < RESTART_WINDOW_SECONDS] + [now]
        if len(restarts) > MAX_RESTARTS:
            log.error("a worker exited (%s), the %s in a minute; stopping", code, len(restarts))
            failed = True
            stop(signal.SIGTERM, None)
        else:
            log.warning("a worker exited (%s); starting another", code)
            start_worker()
    sys.exit(1 if failed else 0)


def _few_malloc_arenas() -> None:
    """Cap glibc's malloc arenas at two, before any thread starts: by default each thread
    of the threadpool that runs the writes may get an arena of its own, and together
    they kept about 14 MB more per server under the benchmark's mixed load
    (docs/benchmarks.md). Elsewhere than glibc this does nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 2)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def _prepare_metrics_folder(workers: int) -> None:
    """With several workers, each writes its samples to a shared folder that /metrics
    sums up: ``PROMETHEUS_MULTIPROC_DIR`` if set (emptied now, as the samples of an
    earlier run would be added in), or a new temporary one removed at exit."""
    folder = os.environ.get(MULTIPROC_DIR)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
    elif workers > 1:
        folder = tempfile.mkdtemp(prefix="contested-metrics-")
        os.environ[MULTIPROC_DIR] = folder
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
