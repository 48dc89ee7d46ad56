"""``frdiff screen``: screen a counterparty list against the Entity List."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import click

from frdiff import lists
from frdiff.commands._common import (
    dump_json,
    emit,
    open_archive,
    output_option,
    source_options,
    supplement_option,
)

#: Exit status of ``frdiff screen --exit-code`` when anything matched.
MATCHES_FOUND = 3
FORMATS = ("json", "csv", "md", "html", "xlsx")


def load_list(
    snapshot: str | None,
    as_of: datetime | None,
    sources: dict[str, Any],
    supplement: int = lists.DEFAULT,
) -> Any:
    """The list to screen against: --snapshot FILE, else the latest list of the archive."""
    from frdiff.current import latest_list, list_from_file

    if snapshot is not None:
        if as_of is not None:
            raise click.UsageError("give --snapshot or --as-of, not both")
        return list_from_file(snapshot, supplement=supplement)
    with open_archive(sources) as archive:
        return latest_list(archive, as_of=as_of.date() if as_of else None, supplement=supplement)


def load_lists(
    snapshot: str | None, as_of: datetime | None, sources: dict[str, Any], supplement: str
) -> tuple[Any, list[Any], list[str]]:
    """The lists to screen against (the first, the others) and the lists that could not
    be had.  With several lists, a list the copy does not hold (or a store without a
    copy of it) is not screened and is named; the first list asked for must be had."""
    from frdiff import lists
    from frdiff.errors import FrdiffError

    numbers = lists.supplements(supplement)
    first = load_list(snapshot, as_of, sources, numbers[0])
    others, missing = [], []
    for n in numbers[1:]:
        try:
            cur = load_list(snapshot, as_of, sources, n)
        except FrdiffError as exc:
            missing.append(f"{lists.label(n)}: {exc.message}")
            continue
        if not cur.snapshot.entries:
            missing.append(f"{lists.label(n)}: no entry read")
            continue
        others.append(cur)
    return first, others, missing


@click.command("screen")
@click.argument("parties", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--name-column", default="name", show_default=True, help="The column holding the names."
)
@click.option(
    "--snapshot",
    type=click.Path(exists=True, dir_okay=False),
    help="Screen against this list: an eCFR copy (XML) or `frdiff snapshot` JSON.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The list as it stood on this day (default: the latest frdiff can build).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    default=None,
    help="The score (0-100) a match must reach (default 86, chosen on a labelled set).",
)
@source_options(fixtures=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@output_option
@click.option(
    "--exit-code", is_flag=True, help=f"Exit with status {MATCHES_FOUND} when anything matched."
)
@supplement_option(all_=True, default="all")
def screen_command(
    parties: str,
    name_column: str,
    snapshot: str | None,
    as_of: datetime | None,
    threshold: float | None,
    fmt: str,
    output: str | None,
    exit_code: bool,
    supplement: str,
    **sources: Any,
) -> None:
    """Screen PARTIES (a .csv or .xlsx file with a header row) against the Entity List.

    The file needs a name column (--name-column, default "name"); "id",
    "country" and "address" columns are used when present.  The list is
    --snapshot FILE, or the latest eCFR copy from the store (or --fixtures) with
    the rules published after it applied, as of today or --as-of DATE.  Every
    list is screened (--supplement: 4, 6, 7 or all, the default); each match
    names its list and what being on it means, and a list that cannot be had is
    named in the result and not screened.

    Names are matched whatever their case, punctuation, legal form ("Co., Ltd.",
    "Company Limited", "OOO", "LLC"), script (transliterated), word order,
    parenthesised parts and typos, against names and aliases; addresses match
    too, and the country is evidence in the score, not a filter.  A match
    scores 0-100 and is reported from 86 up (the default threshold: on a
    labelled set of 1,200 listed and 1,200 unlisted names it found over 98% of
    the listed and flagged under 2% of the unlisted).  Exact matches come first.
    """
    from frdiff.parties import read_parties
    from frdiff.screening import DEFAULT_THRESHOLD, screen

    people = read_parties(parties, name_column=name_column)
    current, others, missing = load_lists(snapshot, as_of, sources, supplement)
    result = screen(
        current,
        people,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        others=others,
        not_screened=missing,
    )
    if fmt == "xlsx":
        from frdiff.screen_report import screen_xlsx

        data = screen_xlsx(result)
        if output is None:
            raise click.UsageError("--format xlsx needs --output FILE")
        tmp = f"{output}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, output)
    elif fmt == "json":
        emit(dump_json(result.to_dict()), output)
    else:
        from frdiff import screen_report

        render = {"csv": screen_report.screen_csv, "md": screen_report.screen_markdown}
        emit(render.get(fmt, screen_report.screen_html)(result), output)
    if exit_code and result.matches:
        raise SystemExit(MATCHES_FOUND)
