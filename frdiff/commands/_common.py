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
    """Read a document given on the command line ("-" is standard input).

    Reads at most one byte past the document size bound, so "/dev/zero" or a
    runaway pipe fails with a clear error instead of exhausting memory.
    """
    from frdiff.errors import TooLargeError
    from frdiff.parse.xml import MAX_DOCUMENT_BYTES

    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    else:
        with path.open("rb") as f:
            data = f.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TooLargeError(f"input is over the {MAX_DOCUMENT_BYTES:,}-byte limit", where=str(path))
    return data


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
