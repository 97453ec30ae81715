"""Documentation is tested: every setting and every command is in the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from app.cli import app as cli
from app.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    head = README[:1500]
    assert "make run" in head and "make test" in head


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"`CONTESTED_{name.upper()}`" in README, name


def command_paths(group: Any, prefix: str = "contested") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group of subcommands
            paths += command_paths(command, f"{prefix} {name}")
        else:
            paths.append(f"{prefix} {name}")
    return paths


def test_every_command_is_documented():
    paths = command_paths(typer.main.get_command(cli))
    assert "contested keys create" in paths and "contested db upgrade" in paths
    for path in paths:
        assert f"`{path}" in README, path
