"""docs/journalists.md is run as written: its shell blocks, in order, against a live
`contested serve` on an empty database, each answering what the guide says it answers
(ids and timestamps aside)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import ROOT, free_port
from tests.test_serving import serving, wait_until_up

GUIDE = ROOT / "docs" / "journalists.md"
MARK = "=====8<====="
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def steps() -> list[tuple[str, str | None]]:
    """(shell code, the output the guide shows right after it, if any)."""
    blocks = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    found = []
    for n, (language, code) in enumerate(blocks):
        if language == "sh":
            following = blocks[n + 1] if n + 1 < len(blocks) else None
            shown = following[1] if following and following[0] != "sh" else None
            found.append((code, shown))
    return found


def normal(text: str) -> str:
    return INSTANT.sub("<instant>", UUID.sub("<uuid>", text)).strip()


@pytest.mark.skipif(not shutil.which("curl"), reason="the guide uses curl")
def test_the_journalists_guide_runs_as_written(tmp_path: Path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{tmp_path / 'guide.db'}"
    contested = f"{sys.executable} -m app.cli"
    script = f"\necho '{MARK}'\n".join(code for code, _ in steps())
    script = script.replace("http://127.0.0.1:8000", base_url)
    script = script.replace(".venv/bin/contested", contested)
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with serving(command, database_url) as process:
        wait_until_up(process, base_url)
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=ROOT,
            env={"CONTESTED_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.split(MARK + "\n")
    assert len(outputs) == len(steps())
    for (code, shown), output in zip(steps(), outputs, strict=True):
        if shown is not None:
            assert normal(output) == normal(shown), code
