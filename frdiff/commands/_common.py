"""Helpers shared by the commands: printing library results in the chosen format."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click


def dump_json(data: Any) -> str:
    """JSON as frdiff prints it: UTF-8, indented, keys in the model's order."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def emit(text: str, output: Path | None = None) -> None:
    """Write ``text`` to ``output`` (atomically) or to standard output."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)


def read_input(path: Path) -> bytes:
    """Read a document given on the command line ("-" is standard input)."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    return path.read_bytes()


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
