"""contested export and contested import, run as a user would, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from tests.conftest import empty


@pytest.fixture
def run(seeded, settings, monkeypatch):
    monkeypatch.setenv("CONTESTED_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def test_export_import_export_round_trip(run, db, tmp_path):
    first, second = tmp_path / "first.ndjson", tmp_path / "second.ndjson"
    run("export", str(first))
    assert run("export").encode() == first.read_bytes()  # standard output: the same bytes
    empty(db)
    output = run("import", str(first))
    assert "import: claim: 23 imported, 0 updated, 0 unchanged" in output
    run("export", str(second))
    assert second.read_bytes() == first.read_bytes()

    again = run("import", str(first))
    assert " 0 imported" in again and "updated" in again
    assert all(", 0 updated," in line for line in again.splitlines())
    run("export", str(second))
    assert second.read_bytes() == first.read_bytes()


def test_import_reports_bad_lines_and_exits_1(run, db, tmp_path):
    exported = tmp_path / "all.ndjson"
    run("export", str(exported))
    lines = exported.read_text(encoding="utf-8").splitlines()
    claim = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "claim")
    lines[claim] = lines[claim].replace('"proposition":"', '"proposition":5,"x":"', 1)
    lines.insert(2, "[1, 2]")
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    empty(db)
    output = run("import", str(exported), code=1)
    assert "line 3: not a JSON object" in output
    assert f"line {claim + 2}: invalid claim" in output
    # What names the refused claim is refused too, as a dangling reference.
    assert "dangling reference: claim names no claim" in output
    assert "claim: 22 imported" in output
    assert "lines refused" in output
