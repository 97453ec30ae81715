"""Running uvicorn the way ``contested serve`` does: the project's log format, our access
log instead of uvicorn's, a bounded graceful shutdown, metrics summed over workers, and
workers forked from one import of the app, so that they share its memory, and watched
by a supervisor that holds none of it (app.supervisor)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from app.config import Settings
from app.logs import log_config
from app.supervisor import STOP_SIGNALS

# prometheus-client's multiprocess mode (read at import, so set before workers start).
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

# mallopt()'s parameter number for the most malloc arenas (glibc's malloc.h).
M_ARENA_MAX = -8


def run(settings: Settings, app: str, host: str, port: int, workers: int) -> None:
    """Serve the ASGI app at import string ``app`` until SIGTERM or SIGINT.

    On either signal the server stops accepting connections, lets in-flight requests
    finish for up to ``CONTESTED_SHUTDOWN_TIMEOUT_SECONDS``, and exits 0.
    """
    import uvicorn

    folder = _prepare_metrics_folder(workers)
    _few_malloc_arenas()
    # uvicorn re-raises the signal it shut down on once it is done; a shutdown asked
    # for is a success, so the process then exits 0 rather than die of SIGTERM.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    config = _config(settings, app, host, port)
    if workers == 1:
        uvicorn.Server(config).run()
    else:
        _serve_forked(settings, config, workers, folder)


def _config(settings: Settings, app: str, host: str, port: int) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=log_config(settings.log_level, settings.log_format),
        log_level=settings.log_level,
        access_log=False,  # ObserveMiddleware writes one with the route and request id
        proxy_headers=False,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )


def _serve_forked(settings: Settings, config: Any, workers: int, folder: str | None) -> None:
    """Import the app once, fork the workers from it, then become their supervisor.

    uvicorn's own ``--workers`` starts each worker afresh ("spawn"), so that every one
    holds a copy of every module; forked from a process that has imported the app, the
    workers share those pages until they write to them, and the collector is kept off
    them (``gc.freeze``). This process then replaces itself with app.supervisor, which
    holds none of the app (see there why).
    """
    config.load()  # the import of the app, shared by every worker
    sock = config.bind_socket()
    gc.collect()
    gc.freeze()
    # Held back until the supervisor has its handlers (a worker lets them through at once).
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    pids = [_fork_worker(config, sock) for _ in range(workers)]
    os.set_inheritable(sock.fileno(), True)
    argv = [sys.executable, "-m", "app.supervisor", "--fd", str(sock.fileno()),
            "--app", config.app, "--level", settings.log_level, "--format",
            settings.log_format, *(["--remove-on-exit", folder] if folder else []),
            *map(str, pids)]  # fmt: skip
    logging.shutdown()
    os.execv(sys.executable, argv)


def _fork_worker(config: Any, sock: socket.socket) -> int:
    pid = os.fork()
    if pid == 0:
        _work(config, sock)
    return pid


def serve_socket(fd: int, app: str) -> None:
    """A worker started afresh in place of one that died (app.supervisor): the app
    imported anew, serving the listening socket it inherited."""
    from app.config import load_settings

    _few_malloc_arenas()
    _work(_config(load_settings(), app, "127.0.0.1", 0), socket.socket(fileno=fd))


def _work(config: Any, sock: socket.socket) -> NoReturn:
    """A worker's life: serve ``sock`` until told to stop, then exit."""
    import uvicorn

    code = 1
    # A warning (one told to stop as it starts leaves uvicorn's coroutine unrun) is a log
    # record too, in the log's format.
    logging.captureWarnings(True)
    try:
        signal.signal(signal.SIGTERM, _exit_cleanly)
        signal.signal(signal.SIGINT, _exit_cleanly)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        uvicorn.Server(config).run(sockets=[sock])
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    finally:
        logging.shutdown()
        os._exit(code)


def _few_malloc_arenas() -> None:
    """Cap glibc's malloc arenas at two, before any thread starts: by default each thread
    of the threadpool that runs the writes may get an arena of its own, and together
    they kept about 14 MB more per server under the benchmark's mixed load
    (docs/benchmarks.md). Elsewhere than glibc this does nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 2)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def _prepare_metrics_folder(workers: int) -> str | None:
    """With several workers, each writes its samples to a shared folder that /metrics
    sums up: ``PROMETHEUS_MULTIPROC_DIR`` if set (emptied now, as the samples of an
    earlier run would be added in), or a new temporary one, returned to be removed when
    the server exits."""
    folder = os.environ.get(MULTIPROC_DIR)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
        return None
    if workers > 1:
        folder = tempfile.mkdtemp(prefix="contested-metrics-")
        os.environ[MULTIPROC_DIR] = folder
        return folder
    return None
