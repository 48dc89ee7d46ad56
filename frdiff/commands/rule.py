"""``frdiff rule``: what one Federal Register rule does to the Entity List."""

from __future__ import annotations

from pathlib import Path

import click

from frdiff.commands._common import dump_json, emit, output_option


@click.command("rule")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--meta",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Federal Register API metadata (documents/NUMBER.json) to complete the rule's "
    "identity: publication date, citation, pages.",
)
@click.option("--format", "fmt", type=click.Choice(["json", "md"]), default="md", show_default=True)
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

    rule_meta = read_rule_meta(meta) if meta is not None else None
    changeset = parse_rule(read_document(path), source=path.name, meta=rule_meta)
    if fmt == "json":
        emit(dump_json(changeset.to_dict()), output)
    else:
        from frdiff.report import changeset_markdown

        emit(changeset_markdown(changeset), output)
