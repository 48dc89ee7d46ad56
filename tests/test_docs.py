"""The README is a promise: every command, option and make target it names exists."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import ROOT
from frdiff.cli import main

README = (ROOT / "README.md").read_text()


#: Every fenced block: (language, text).
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", README, re.S | re.M)


def _code_lines() -> list[str]:
    blocks = [text for lang, text in BLOCKS if lang in ("", "sh", "bash", "console")]
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


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


def test_use_it_from_python_runs_as_written(tmp_path: Path) -> None:
    """README's "Use it from Python" block, run as a user would, from the top directory."""
    section = README.split("## Use it from Python", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"^```python\n(.*?)^```", section, re.S | re.M)
    env = {**os.environ, "FRDIFF_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("2025-05427 ") and lines[0].endswith(" changes")
    assert lines[1].endswith(" entries added") and int(lines[1].split()[0]) > 0
    assert lines[3] == "1 1"  # format_version 1; one rule in the week
    assert lines[4].startswith("error: page.html: ")
