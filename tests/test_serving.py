"""The server as it runs in production (``contested serve``, in a process of its own):
JSON logs on stderr, metrics summed over workers, and a graceful shutdown on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live import ROOT, free_port

WAIT_SECONDS = 30


class Process:
    """A server process whose stderr lines are collected as they come."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.lines.append(line)

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.lines) if line.strip()]

    def wait_for_record(self, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            found = [record for record in self.records() if matches(record)]
            if found:
                return found[0]
            assert self.popen.poll() is None, "".join(self.lines)
            time.sleep(0.05)
        raise AssertionError("no such log record:\n" + "".join(self.lines))

    def stop(self) -> int:
        """SIGTERM, then the exit status."""
        self.popen.send_signal(signal.SIGTERM)
        return self.wait()

    def wait(self) -> int:
        """The exit status, once the process has ended (stderr is then read to the end)."""
        status = self.popen.wait(timeout=WAIT_SECONDS)
        self._reader.join(timeout=WAIT_SECONDS)
        return status


@contextmanager
def serving(command: list[str], database_url: str, **settings: str) -> Iterator[Process]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "CONTESTED_DATABASE_URL": database_url,
        "CONTESTED_RATE_LIMIT_ENABLED": "false",
        "CONTESTED_LOG_LEVEL": "info",
        "CONTESTED_LOG_FORMAT": "json",
        **{f"CONTESTED_{name.upper()}": value for name, value in settings.items()},
    }
    process = Process(command, env)
    try:
        yield process
    finally:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()


def wait_until_up(process: Process, base_url: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, "".join(process.lines)
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not answer /healthz:\n" + "".join(process.lines))


def claim_list_count(base_url: str) -> float:
    text = httpx.get(f"{base_url}/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "contested_http_requests_total" and sample.labels == {
                "method": "GET",
                "route": "/v1/claims",
                "status": "200",
            }:
                return sample.value
    return 0.0


def test_contested_serve_logs_json_lines_and_sums_metrics_over_its_workers(tmp_path: Path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    with serving(command, f"sqlite:///{tmp_path / 'served.db'}") as process:
        wait_until_up(process, base_url)
        for n in range(10):  # each on a connection of its own, so both workers answer some
            headers = {"X-Request-ID": "trace-me-42"} if n == 3 else {}
            response = httpx.get(f"{base_url}/v1/claims", headers=headers)
            assert response.status_code == 200
        assert response.headers["X-Request-ID"] != "trace-me-42"
        # A request is counted just after its response went out: wait for the last one.
        deadline = time.monotonic() + WAIT_SECONDS
        while claim_list_count(base_url) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Whichever worker answers the scrape, it reports the requests of both.
        assert [claim_list_count(base_url) for _ in range(6)] == [10.0] * 6
        assert process.stop() == 0

    records = process.records()  # every line parses as JSON
    access = [r for r in records if r["logger"] == "contested.access"]
    traced = [r for r in access if r["request_id"] == "trace-me-42"]
    assert len(traced) == 1
    entry = traced[0]
    assert entry["level"] == "info" and entry["time"].endswith("+00:00")
    assert entry["method"] == "GET" and entry["route"] == "/v1/claims"
    assert entry["path"] == "/v1/claims" and entry["status"] == 200
    assert entry["client"] == "127.0.0.1" and entry["duration_ms"] > 0
    assert sum(r["route"] == "/v1/claims" for r in access) == 10
    assert not any(r["logger"] == "uvicorn.access" for r in records)  # ours replaces it


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_a_request_in_flight_finish_then_refuses_connections(
    database_url: str, tmp_path: Path, workers: int
):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    release = tmp_path / "release"
    # Served the way `contested serve` serves, but the app has a slow route.
    script = (
        "from app import server; from app.config import load_settings; "
        f"server.run(load_settings(), 'tests.slow_app:app', '127.0.0.1', {port}, {workers})"
    )
    command = [sys.executable, "-c", script]
    with (
        serving(command, database_url, shutdown_timeout_seconds="60") as process,
        ThreadPoolExecutor(1) as pool,
    ):
        wait_until_up(process, base_url)
        slow = pool.submit(
            httpx.get,
            f"{base_url}/test/slow",
            params={"until": str(release)},
            headers={"X-Request-ID": "slow-1"},
            timeout=WAIT_SECONDS,
        )
        # A record written by the route itself carries the request's id.
        process.wait_for_record(
            lambda r: r["message"] == "slow request started" and r["request_id"] == "slow-1"
        )
        process.popen.send_signal(signal.SIGTERM)
        process.wait_for_record(lambda r: r["message"].startswith("Waiting for connections"))
        with pytest.raises(httpx.ConnectError):  # the listener is closed
            httpx.get(f"{base_url}/healthz", timeout=5)
        assert not slow.done() and process.popen.poll() is None

        release.touch()
        response = slow.result(timeout=WAIT_SECONDS)
        assert response.status_code == 200 and response.json() == {"done": "yes"}
        assert process.wait() == 0
    access = [r for r in process.records() if r["logger"] == "contested.access"]
    assert [r["status"] for r in access if r["request_id"] == "slow-1"] == [200]


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _holds_the_app(pid: int) -> bool:
    return "_pydantic_core" in Path(f"/proc/{pid}/maps").read_text()


def test_workers_are_forked_from_the_server_and_one_that_dies_is_replaced(tmp_path: Path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    with serving(command, f"sqlite:///{tmp_path / 'served.db'}") as process:
        wait_until_up(process, base_url)
        server = process.popen.pid
        workers = _children(server)
        assert len(workers) == 2
        # The workers hold the app; the process that forked them has let go of it.
        assert all(_holds_the_app(pid) for pid in workers)
        assert not _holds_the_app(server)
        os.kill(workers[0], signal.SIGKILL)
        process.wait_for_record(lambda r: r["message"].startswith("a worker exited"))
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and (
            len(_children(server)) != 2 or workers[0] in _children(server)
        ):
            time.sleep(0.05)
        replaced = _children(server)
        assert len(replaced) == 2 and workers[0] not in replaced and workers[1] in replaced
        for _ in range(6):  # each on a connection of its own
            assert httpx.get(f"{base_url}/healthz").status_code == 200
        assert process.stop() == 0


def test_workers_that_keep_dying_stop_the_server(database_url: str):
    script = (
        "from app import server; from app.config import load_settings; "
        f"server.run(load_settings(), 'tests.failing_app:app', '127.0.0.1', {free_port()}, 2)"
    )
    with serving([sys.executable, "-c", script], database_url) as process:
        assert process.wait() == 1
    assert any("stopping" in r["message"] for r in process.records())
