"""Every command's `--help` renders, and its text flows as paragraphs at the terminal's width."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from forewarn.cli.main import app


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in sorted(getattr(group, "commands", {}).items()):  # Typer bundles its click
        found.extend(_commands(sub, (*path, name)))
    return found


ROOT = typer.main.get_command(app)
COMMANDS = _commands(ROOT)


def _command(path: tuple[str, ...]) -> Any:
    found: Any = ROOT
    for name in path:
        found = found.commands[name]
    return found


def _words(text: str) -> str:
    return " ".join(re.sub(r"[`*]", "", text).split())


def test_every_command_is_listed() -> None:
    assert ("demo",) in COMMANDS
    assert ("warnings", "ack") in COMMANDS
    assert len(COMMANDS) > 20


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "forewarn")
def test_help_paragraphs_are_reflowed_not_broken_where_the_source_wraps(
    path: tuple[str, ...],
) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    lines = [_words(line.strip(" │")) for line in result.output.splitlines()]
    command = _command(path)
    help_text = inspect.cleandoc(command.help or "")
    paragraphs = [p for p in help_text.split("\n\n") if p.strip()]
    paragraphs += [param.help for param in command.params if getattr(param, "help", None)]
    for paragraph in paragraphs:
        # a paragraph is one line on a terminal wide enough, whatever its source's line breaks
        assert any(_words(paragraph) in line for line in lines), (path, paragraph, result.output)
