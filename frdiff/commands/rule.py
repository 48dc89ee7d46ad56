"""``frdiff rule``: what one Federal Register rule does to the Entity List."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from frdiff.commands._common import emit, output_option, read_input
from frdiff.errors import ParseError
from frdiff.report import choices


def _load_meta(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        meta = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"not valid JSON metadata: {exc}", where=str(path)) from None
    if not isinstance(meta, dict):
        raise ParseError(
            "metadata must be a JSON object (the API's document JSON)", where=str(path)
        )
    return meta


@click.command("rule")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--meta",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Federal Register API metadata (documents/NUMBER.json) to complete the rule's "
    "identity: publication date, citation, pages.",
)
@click.option(
    "--format", "fmt", type=click.Choice(choices("rule")), default="md", show_default=True
)
@output_option
def rule_command(path: Path, meta: Path | None, fmt: str, output: str | None) -> None:
    """Read a BIS rule's Federal Register XML and print what it does to the Entity List.

    PATH is the rule's full-text XML ("-" for standard input).  Prints every
    added, revised and removed entry with its aliases, addresses, license
    requirement and policy, citations and footnotes; what the SUMMARY claims; and
    findings for anything irregular or disagreeing.
    """
    from frdiff.parse.rule import parse_rule

    changeset = parse_rule(read_input(path), source=path.name, meta=_load_meta(meta))
    from frdiff.report import render

    emit(render(fmt, "rule", changeset), output)
