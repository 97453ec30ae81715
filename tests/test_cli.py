"""The contested command, run as a user would, against a fresh SQLite file."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings
from app.main import create_app
from tests.conftest import SEEDS


@pytest.fixture
def run(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CONTESTED_DATABASE_URL", url)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == code, result.output
        return result.output

    invoke.url = url  # type: ignore[attr-defined]
    return invoke


def test_db_upgrade_current_downgrade(run):
    assert "none" in run("db", "current")
    run("db", "upgrade")
    assert "(head)" in run("db", "current")
    run("db", "downgrade", "base")
    assert run("db", "current").startswith("none")


def test_seed_twice_reports_nothing_to_change(run):
    run("db", "upgrade")
    first = run("seed", str(SEEDS))
    assert "created" in first and "claims" in first
    assert run("seed", str(SEEDS)).strip() == "seed: nothing to change"


def test_seed_with_a_missing_folder_fails_cleanly(run, tmp_path):
    run("db", "upgrade")
    output = run("seed", str(tmp_path / "nowhere"), code=1)
    assert "is not a folder" in output


def test_keys_create_list_revoke(run):
    run("db", "upgrade")
    output = run("keys", "create", "--name", "Jane Doe", "--role", "contributor")
    key = output.strip().splitlines()[-1]
    assert key.startswith("ctd_") and " " not in key
    listing = run("keys", "list")
    prefix = key.split("_")[1]
    assert prefix in listing and "contributor" in listing and "live" in listing

    app = create_app(Settings(database_url=run.url))
    body = {"slug": "fsb", "name": "FSB", "kind": "state_agency"}
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {key}"}
        assert client.post("/v1/actors", json=body, headers=headers).status_code == 201
        run("keys", "revoke", prefix)
        assert "revoked" in run("keys", "list")
        response = client.post("/v1/actors", json={**body, "slug": "ktj"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    run("keys", "revoke", prefix, code=1)


def test_keys_create_refuses_an_unknown_role(run):
    run("db", "upgrade")
    run("keys", "create", "--name", "x", "--role", "superuser", code=2)


def test_invalid_setting_stops_with_one_line(run, monkeypatch):
    monkeypatch.setenv("CONTESTED_DATABASE_URL", "mysql://nope")
    result = CliRunner().invoke(cli, ["db", "current"])
    assert result.exit_code == 2
    assert "CONTESTED_DATABASE_URL" in result.output
