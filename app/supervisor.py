"""What ``contested serve --workers N`` becomes once it has forked its workers.

The serving process imports the app once and forks the workers from it, so that they
share its pages (app.server). Then it has no more use for the app, but the pages stay
its own: each page a worker writes to (a reference count changed is enough) is copied
for that worker, and the original stays behind for the process that forked it alone,
about 30 MB under the benchmark's mixed load (docs/benchmarks.md). So that process
replaces itself with this module, which imports nothing of the app but its log format:
it waits for the workers, stops them gracefully on SIGTERM or SIGINT, and starts a
fresh one (a new import of the app, on the same listening socket) for one that dies,
unless workers keep dying.

    python -m app.supervisor --fd FD --app app.asgi:app --level info --format json \
        [--remove-on-exit FOLDER] PID...
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import logging.config
import os
import shutil
import signal
import sys
import time
from types import FrameType

from app.logs import log_config

# Workers that die more often than this are not started again: something is wrong.
MAX_RESTARTS, RESTART_WINDOW_SECONDS = 5, 60.0
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
# A replacement worker: the app imported afresh, serving the inherited socket.
WORKER = (
    "import sys; from app.server import serve_socket; serve_socket(int(sys.argv[1]), sys.argv[2])"
)

log = logging.getLogger("contested")


def supervise(fd: int, app: str, children: set[int]) -> int:
    """Wait for the workers until they have all exited; the exit code of the server."""
    restarts: list[float] = []
    stopping = failed = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        with contextlib.suppress(OSError):
            os.close(fd)  # so that new connections are refused, not queued
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    # Blocked by the server from before it forked until now, so that none went astray.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
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
            argv = [sys.executable, "-c", WORKER, str(fd), app]
            children.add(os.posix_spawn(sys.executable, argv, os.environ))
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Supervise the workers of contested serve.")
    parser.add_argument("--fd", type=int, required=True, help="the listening socket")
    parser.add_argument("--app", required=True, help="the ASGI app's import string")
    parser.add_argument("--level", default="info")
    parser.add_argument("--format", default="json")
    parser.add_argument("--remove-on-exit", help="a folder of the server's to remove")
    parser.add_argument("pids", type=int, nargs="+")
    args = parser.parse_args()
    logging.config.dictConfig(log_config(args.level, args.format))
    try:
        code = supervise(args.fd, args.app, set(args.pids))
    finally:
        if args.remove_on_exit:
            shutil.rmtree(args.remove_on_exit, ignore_errors=True)
        logging.shutdown()
    sys.exit(code)


if __name__ == "__main__":
    main()
