"""The README is a promise: every command, option and make target it names exists."""

from __future__ import annotations

import re
import shlex

import click
import pytest

from conftest import ROOT
from frdiff.cli import main

README = (ROOT / "README.md").read_text()


def _code_lines() -> list[str]:
    # Fences are paired in order (a toml/ini/yaml block's closing fence is no opener);
    # the shell-like ones (sh, bash, console, none) are read.
    blocks = re.findall(r"^```([\w-]*)\n(.*?)^```", README, re.S | re.M)
    return [
        line.strip()
        for lang, block in blocks
        if lang in ("", "sh", "bash", "console")
        for line in block.splitlines()
        if line.strip()
    ]


FRDIFF_LINES = [line for line in _code_lines() if line.startswith("frdiff ")]


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = main
    rest = list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.get_command(click.Context(command), rest[0])
        if sub is None:
            break
        command, rest = sub, rest[1:]
    return command, rest


def test_readme_names_commands() -> None:
    assert len(FRDIFF_LINES) >= 8


@pytest.mark.parametrize("line", FRDIFF_LINES)
def test_every_readme_command_and_option_exists(line: str) -> None:
    words = shlex.split(line.split("#")[0])[1:]
    command, rest = _resolve(words)
    assert command is not main, f"no such command in: {line}"
    assert not isinstance(command, click.Group), f"incomplete command in: {line}"
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for word in rest:
        if word.startswith("--"):
            assert word.split("=")[0] in known, f"{word} is not an option of: {line}"


def test_make_targets_named_in_readme_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in set(re.findall(r"make (\w+)", README)):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
