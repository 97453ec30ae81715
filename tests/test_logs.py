"""Logs: JSON lines tagged with the request id, for requests and for the app's errors."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.logs import JsonFormatter, RequestIdFilter, current_request_id, log_config
from tests.live import ROOT


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the app logs, formatted as `contested serve` formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("contested")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_app_error_is_logged_as_json_with_the_request_id_and_traceback(make_app, log_lines):
    app = make_app()

    @app.get("/test/boom")
    def boom() -> None:  # a sync route: it runs in the threadpool
        logging.getLogger("contested").warning("about to fail")
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test/boom", headers={"X-Request-ID": "err-7"})
    assert response.status_code == 500
    assert "RuntimeError" not in response.text  # the client gets a problem, the log a traceback

    by_message = {r["message"]: r for r in records(log_lines)}
    assert by_message["about to fail"]["request_id"] == "err-7"
    error = by_message["unhandled error on GET /test/boom"]
    assert error["level"] == "error" and error["request_id"] == "err-7"
    assert "RuntimeError: boom" in error["exception"]
    access = by_message["GET /test/boom 500"]
    assert access["logger"] == "contested.access" and access["request_id"] == "err-7"
    assert access["route"] == "/test/boom" and access["status"] == 500


def test_the_access_log_names_the_route_template_and_the_path(client, log_lines):
    client.get("/v1/claims/0190f0e4-0000-7000-8000-000000000000", headers={"X-Request-ID": "a1"})
    (entry,) = [r for r in records(log_lines) if r["logger"] == "contested.access"]
    assert entry == {
        "time": entry["time"],
        "level": "info",
        "logger": "contested.access",
        "message": "GET /v1/claims/0190f0e4-0000-7000-8000-000000000000 404",
        "request_id": "a1",
        "method": "GET",
        "route": "/v1/claims/{claim_id}",
        "path": "/v1/claims/0190f0e4-0000-7000-8000-000000000000",
        "status": 404,
        "duration_ms": entry["duration_ms"],
        "client": "testclient",
    }
    assert isinstance(entry["duration_ms"], float)


def test_a_request_without_an_id_is_logged_with_the_one_it_was_given(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "not a sane id!"})
    (entry,) = records(log_lines)
    assert entry["request_id"] == response.headers["X-Request-ID"] != "not a sane id!"


def test_text_format_carries_the_request_id_too():
    config = log_config("info", "text")
    formatter = logging.Formatter(config["formatters"]["default"]["format"])
    record = logging.makeLogRecord({"name": "contested", "msg": "hello", "levelname": "INFO"})
    token = current_request_id.set("t-1")
    try:
        RequestIdFilter().filter(record)
    finally:
        current_request_id.reset(token)
    assert formatter.format(record).endswith("INFO contested [t-1] hello")


@pytest.mark.parametrize(("name", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "loud")])
def test_an_unknown_log_setting_stops_the_process_naming_it(name, value):
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=ROOT,
        env={f"CONTESTED_{name}": value, "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"invalid setting CONTESTED_{name}: ")
