"""``frdiff snapshot``, ``frdiff diff`` and ``frdiff apply``: whole versions of the list."""

from __future__ import annotations

import os

import click

from frdiff import lists
from frdiff.cache import SnapshotLoader, diff_files
from frdiff.commands._common import dump_json, emit, output_option, supplement_option
from frdiff.files import read_document
from frdiff.model import FORMAT_VERSION
from frdiff.report import choices

_path_arg = click.Path(dir_okay=False, allow_dash=True)
no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    help="Parse the XML even when the parse cache holds it, and cache nothing "
    "(also: FRDIFF_NO_CACHE=1).",
)


@click.command("snapshot", short_help="Read an eCFR copy of the Entity List as entries.")
@click.argument("path", type=_path_arg)
@click.option("--date", help="The snapshot's date (YYYY-MM-DD) when the document does not say.")
@click.option(
    "--format", "fmt", type=click.Choice(choices("snapshot")), default="md", show_default=True
)
@supplement_option(all_=True)
@output_option
@no_cache_option
def snapshot_command(
    path: str, date: str | None, fmt: str, supplement: str, output: str | None, no_cache: bool
) -> None:
    """Read an eCFR copy of a list of Part 744 (Supplement No. 4, the Entity List,
    unless --supplement says another) as entries.

    PATH is eCFR XML: the appendix alone or a whole part or title holding it
    ("-" for standard input).  Every table row becomes an entry or a finding.
    With --supplement all, each list of a whole part is read and printed in turn
    (JSON: {"kind": "snapshots", "snapshots": [...]}).
    """
    from frdiff.report import render

    numbers = lists.supplements(supplement)
    if len(numbers) == 1:
        snap = SnapshotLoader(cache=not no_cache, supplement=numbers[0]).load(path, date)
        emit(render(fmt, "snapshot", snap), output)
        return
    data = read_document(path)  # read once: standard input cannot be read again
    snaps = [
        SnapshotLoader(cache=not no_cache, supplement=n).load_bytes(
            data, source=os.path.basename(path), date=date
        )
        for n in numbers
    ]
    if fmt == "json":
        body = {
            "format_version": FORMAT_VERSION,
            "kind": "snapshots",
            "snapshots": [s.to_dict() for s in snaps],
        }
        emit(dump_json(body), output)
    else:
        emit("\n".join(str(render(fmt, "snapshot", s)) for s in snaps), output)


@click.command("diff")
@click.argument("old", type=_path_arg)
@click.argument("new", type=_path_arg)
@click.option(
    "--format", "fmt", type=click.Choice(choices("diff")), default="md", show_default=True
)
@supplement_option(all_=True)
@output_option
@no_cache_option
def diff_command(
    old: str, new: str, fmt: str, supplement: str, output: str | None, no_cache: bool
) -> None:
    """Compare two versions of a list (the Entity List unless --supplement says
    another), entry by entry and field by field.

    OLD and NEW are eCFR XML snapshots (or ``frdiff snapshot --format json``
    output).  Reports entries added, removed, modified, renamed (the old name now
    an alias, or a close name) and moved between countries.  Markup, whitespace
    and row order are never a change.  With --supplement all (or 4,6), each list of
    two whole parts is compared, and a party that left one list for another is one
    change, moved between lists (JSON: {"kind": "diffs", ...}; JSON or Markdown).
    """
    from frdiff.report import render

    numbers = lists.supplements(supplement)
    if len(numbers) > 1:
        from frdiff.diff import diff_lists

        sides = [
            [SnapshotLoader(cache=not no_cache, supplement=n).load(p) for n in numbers]
            for p in (old, new)
        ]
        emit(render(fmt, "diffs", diff_lists(*sides)), output)
        return
    d = diff_files(old, new, cache=not no_cache, supplement=numbers[0])
    emit(render(fmt, "diff", d), output)


@click.command("apply")
@click.argument("snapshot", type=_path_arg)
@click.argument("rules", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--against",
    type=click.Path(dir_okay=False),
    help="A later snapshot: cross-check 'SNAPSHOT + RULES' against it and report disagreements.",
)
@click.option(
    "--ignore",
    multiple=True,
    help="With --against: an entry field to leave out of the comparison (repeatable), "
    "e.g. addresses for a list that does not carry them.",
)
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@supplement_option()
@output_option
@no_cache_option
def apply_command(
    snapshot: str,
    rules: tuple[str, ...],
    against: str | None,
    ignore: tuple[str, ...],
    fmt: str,
    supplement: str,
    output: str | None,
    no_cache: bool,
) -> None:
    """Apply rules to a snapshot, in the order given, and print the resulting list.

    --supplement says which list SNAPSHOT is read as (and --against); the rules'
    changes to that list are applied (a move between lists is a removal from one
    and an addition to the other), the changes to other lists counted apart.

    RULE files are Federal Register XML; a NAME.meta.json beside a rule (its FR
    API metadata) is used to resolve citation placeholders.  Findings name every
    revise or remove whose target is missing and every addition already listed.
    """
    from frdiff.apply import apply_rules, crosscheck
    from frdiff.files import rule_meta_beside
    from frdiff.parse.rule import parse_rule

    loader = SnapshotLoader(cache=not no_cache, supplement=lists.get(supplement).number)
    base = loader.load(snapshot)
    changesets = [
        parse_rule(read_document(p), source=os.path.basename(p), meta=rule_meta_beside(p)) for p in rules
    ]  # fmt: skip
    if against is not None:
        result = crosscheck(base, changesets, loader.load(against), ignore=ignore).to_dict()
    else:
        result = apply_rules(base, changesets).to_dict()
    emit(dump_json(result), output)
