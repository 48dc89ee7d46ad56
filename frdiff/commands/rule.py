"""``frdiff rule``: what one Federal Register rule does to the Entity List."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from frdiff.commands._common import emit, output_option
from frdiff.errors import ParseError
from frdiff.report import choices


def _check_meta_is_of(data: bytes, meta: dict[str, Any], where: str) -> None:
    """Refuse metadata of another document: it would stamp every entry with its citation."""
    from frdiff.ids import FR_DOC_LINE

    number = str(meta.get("document_number") or "").strip()
    if not number:
        raise ParseError("metadata names no document_number", where=where)
    # The rule's XML names its own document number in its FRDOC line ("[FR Doc. 2025-05427
    # Filed ..."), sometimes with an en dash.
    text = data.decode("utf-8", "replace").translate({c: "-" for c in range(0x2010, 0x2014)})
    numbers = {m.group("num").upper() for m in FR_DOC_LINE.finditer(text)}
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
    from frdiff.files import read_document, read_rule_meta
    from frdiff.parse.rule import parse_rule
    from frdiff.report import render

    data = read_document(path)
    rule_meta = read_rule_meta(meta) if meta is not None else None
    if rule_meta is not None and meta is not None:
        _check_meta_is_of(data, rule_meta, str(meta))
    changeset = parse_rule(data, source=path.name, meta=rule_meta)

    emit(render(fmt, "rule", changeset), output)
