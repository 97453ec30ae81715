"""Running uvicorn the way ``contested serve`` does: the project's log format, our access
log instead of uvicorn's, a bounded graceful shutdown, and metrics summed over workers."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from app.config import Settings
from app.logs import log_config

# prometheus-client's multiprocess mode (read at import, so set before workers start).
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def run(settings: Settings, app: str, host: str, port: int, workers: int) -> None:
    """Serve the ASGI app at import string ``app`` until SIGTERM or SIGINT.

    On either signal the server stops accepting connections, lets in-flight requests
    finish for up to ``CONTESTED_SHUTDOWN_TIMEOUT_SECONDS``, and exits 0.
    """
    import uvicorn

    _prepare_metrics_folder(workers)
    # uvicorn re-raises the signal it shut down on once it is done; a shutdown asked
    # for is a success, so the process then exits 0 rather than die of SIGTERM.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        app,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(settings.log_level, settings.log_format),
        log_level=settings.log_level,
        access_log=False,  # ObserveMiddleware writes one with the route and request id
        proxy_headers=False,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )


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
