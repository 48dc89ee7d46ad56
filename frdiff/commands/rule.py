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


def _check_meta_is_of(data: bytes, meta: dict[str, Any], where: str) -> None:
    """Refuse metadata of another document: it would stamp every entry with its citation."""
    import re

    number = str(meta.get("document_number") or "").strip()
    if not number:
        raise ParseError("metadata names no document_number", where=where)
    # The rule's XML names its own document number in its FRDOC line ("[FR Doc. 2025-05427 ...").
    text = data.decode("utf-8", "replace")
    printed = re.findall(r"FR\s+Doc\.?\s*([A-Z]{0,2}\d{1,4})[-\u2010-\u2013](\d{1,6})", text, re.I)
    numbers = {f"{a}-{b}".upper() for a, b in printed}
    if numbers and number.upper() not in numbers:
        raise ParseError(
            f"metadata of document {number}, but the rule is {', '.join(sorted(numbers))}; "
            "nothing was stamped",
            where=where,
        )


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

    data = read_input(path)
    metadata = _load_meta(meta)
    if metadata is not None and meta is not None:
        _check_meta_is_of(data, metadata, str(meta))
    changeset = parse_rule(data, source=path.name, meta=metadata)
    from frdiff.report import render

    emit(render(fmt, "rule", changeset), output)
