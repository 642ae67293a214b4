"""The root command's table and the help every command shows: each row's one-line help is the
command's own, and no help text names a value the Python way (``<bool>``, ``<list[str]>``,
``{name}``) or leaves a ``(default)`` in parentheses."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from gitward.cli.commandline import LazyCommand
from gitward.cli.main import COMMANDS, app

PYTHON_WAY = re.compile(r"<bool>|<str>|<int>|<float>|<path>|list\[|\{[a-z_]+\}|\[default: \(")


def every_command() -> list[tuple[str, ...]]:
    """The argv of every command's ``--help``, leaves and groups alike."""
    paths: list[tuple[str, ...]] = [()]
    for entry in COMMANDS:
        command = entry.load()
        paths.append((entry.name,))
        for name in getattr(command, "commands", {}):
            paths.append((entry.name, name))
    return paths


@pytest.mark.parametrize("entry", COMMANDS, ids=lambda entry: entry.name)
def test_each_rows_one_line_help_is_the_commands_own(entry: LazyCommand) -> None:
    command = entry.load()

    assert command.get_short_help_str(limit=200) == entry.summary


@pytest.mark.parametrize("argv", every_command(), ids=" ".join)
def test_help_names_values_plainly(argv: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*argv, "--help"], env={"COLUMNS": "100"})

    assert result.exit_code == 0, result.output
    assert PYTHON_WAY.findall(result.output) == []
    assert "Usage: " in result.output


def test_version_prints_the_packages_version() -> None:
    result = CliRunner().invoke(app, ["--version"])

    assert result.exit_code == 0
    assert re.fullmatch(r"gitward \d+\.\d+\.\d+\S*\n", result.output)


def test_a_usage_error_exits_2() -> None:
    result = CliRunner().invoke(app, ["app", "get"])

    assert result.exit_code == 2
    assert "Missing argument 'NAME'" in result.output
