"""``frdiff weekly`` and ``frdiff history``: the weekly report and one entity's timeline."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from frdiff.commands._common import emit, open_archive, source_options, supplement_option
from frdiff.report import FORMATS, choices

#: --format name -> file written into --out (from the report registry).
OUTPUTS = {
    f.name: f.filename for f in FORMATS.values() if "weekly" in f.kinds and f.filename is not None
}
#: What ``frdiff weekly`` writes when --format is not given.
DEFAULT_FORMATS = "html,md,json,csv"
#: Exit status of ``frdiff weekly --exit-code`` when the window holds changes.
CHANGES_FOUND = 3

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _formats(text: str) -> list[str]:
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = sorted(set(wanted) - set(OUTPUTS))
    if unknown or not wanted:
        raise click.BadParameter(
            f"choose from {', '.join(OUTPUTS)} (comma-separated); got {text!r}",
            param_hint="--format",
        )
    return list(dict.fromkeys(wanted))


def _window(
    week: str | None, since: date | None, until: date | None
) -> tuple[date, date, str | None]:
    from frdiff.ids import report_window

    return report_window(week, since, until)


def _summary_lines(report: Any, written: list[Path]) -> list[str]:
    """What ``frdiff weekly`` prints: the text format's headline and notes, the files written."""
    from frdiff.report.text import weekly

    lines = weekly(report).splitlines()
    by_list = report.summary()["by_list"]
    if len(by_list) > 1:
        for n, ls in by_list.items():
            ch = ls["changes"]
            lines.append(
                f"  Supplement No. {n} ({ls['name']}): {ch['total']} change(s); rules "
                f"{ls['rule_added']} added, {ls['rule_revised']} revised, {ls['rule_removed']} "
                f"removed, {ls['rule_moved_between_lists']} moved between lists"
                + ("" if ls["diff"] is not None else "; no eCFR diff")
            )
    if written:
        lines.append(f"  wrote: {', '.join(str(p) for p in written)}")
    return lines


@click.command("weekly")
@click.option("--week", help="ISO week, e.g. 2025-W13 (default: the last complete week).")
@click.option("--since", type=_DATE, help="First publication date of the window (YYYY-MM-DD).")
@click.option("--until", type=_DATE, help="Last publication date of the window (YYYY-MM-DD).")
@source_options(fixtures=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the report files (default: out/<week or window>).",
)
@click.option(
    "--format",
    "fmt",
    default=DEFAULT_FORMATS,
    show_default=True,
    help="Which files to write, comma-separated: "
    + ", ".join(f"{name} ({filename})" for name, filename in OUTPUTS.items())
    + ".",
)
@click.option(
    "--exit-code",
    is_flag=True,
    help=f"Exit with status {CHANGES_FOUND} when the window holds changes (0 otherwise).",
)
@click.option(
    "--parties",
    type=click.Path(exists=True, dir_okay=False),
    help="A counterparty list (.csv or .xlsx, as `frdiff screen` reads it): adds the section "
    "'Your counterparties' (new matches, matches whose entry changed, matches on removed entries).",
)
@click.option(
    "--decisions",
    type=click.Path(exists=True, dir_okay=False),
    help="With --parties: analysts' decisions (.csv or .xlsx: party_id, entry, decision "
    "cleared|escalated, note, date); a cleared match is not shown as new again unless its "
    "entry changes.",
)
@click.option(
    "--name-column", default="name", show_default=True, help="The name column of --parties."
)
@supplement_option(all_=True, default="all")
def weekly_command(
    week: str | None,
    since: datetime | None,
    until: datetime | None,
    out: Path | None,
    fmt: str,
    exit_code: bool,
    parties: str | None,
    decisions: str | None,
    name_column: str,
    supplement: str,
    **sources: Any,
) -> None:
    """Write the weekly report: what the Entity List rules of a week changed.

    Finds the BIS rules amending Supplement No. 4 to Part 744 published in the
    window, parses them, diffs the eCFR copies of the list before and after the
    window (or applies the rules to the copy before, when the eCFR has none
    after), cross-checks the rules against both, and writes report.html,
    report.md, changes.json and changes.csv into --out.  Exit status 0 whether
    or not anything changed (see --exit-code).
    """
    from frdiff import lists
    from frdiff.report import render
    from frdiff.weekly import build_weekly_lists

    formats = _formats(fmt)
    start, end, label = _window(week, _day(since), _day(until))
    out = out or Path("out") / (label or f"{start}_{end}")
    if decisions and not parties:
        raise click.UsageError("--decisions goes with --parties")
    with open_archive(sources) as archive:
        result = build_weekly_lists(
            archive, start, end, week=label, supplements=lists.supplements(supplement)
        )
    if parties:
        import dataclasses

        from frdiff.counterparties import counterparties
        from frdiff.parties import read_decisions, read_parties

        section = counterparties(
            result,
            read_parties(parties, name_column=name_column),
            read_decisions(decisions) if decisions else (),
        )
        result = dataclasses.replace(result, counterparties=section)
    written = []
    for name in formats:
        path = out / OUTPUTS[name]
        emit(render(name, "weekly", result), path)
        written.append(path)
    click.echo("\n".join(_summary_lines(result, written)))
    if exit_code and result.has_changes:
        raise SystemExit(CHANGES_FOUND)


@click.command("history")
@click.argument("name")
@click.option("--country", help="Only entries under this country (heading, name or ISO code).")
@click.option(
    "--since", type=_DATE, help="Read rules and snapshots from this date (default 2017-01-01)."
)
@click.option("--until", type=_DATE, help="... up to this date (default today).")
@click.option(
    "--as-of",
    type=_DATE,
    help="Answer for this day: was the entity listed then? (the same as --until).",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=85.0,
    show_default=True,
    help="How close (0-100) a name or alias must be to NAME.",
)
@source_options(fixtures=True)
@click.option(
    "--format", "fmt", type=click.Choice(choices("history")), default="text", show_default=True
)
@supplement_option()
def history_command(
    name: str,
    country: str | None,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime | None,
    min_score: float,
    fmt: str,
    supplement: str,
    **sources: Any,
) -> None:
    """The timeline of one entity: the rules that added, revised or removed it, and
    when it appeared, changed or left in the stored eCFR copies of the list.

    NAME is matched against names and aliases as `frdiff screen` matches
    (case, punctuation, legal forms, script, word order and typos set aside);
    exact matches come first.  For each entry: listed since (its first citation
    and date, and the rule's effective date when the store has the rule), every
    later rule that changed it, and whether it is still listed in the latest copy
    read, or which rule removed it.
    """
    from frdiff.history import MAX_QUERY, build_history

    if len(name) > MAX_QUERY:
        raise click.BadParameter(f"over {MAX_QUERY} characters", param_hint="NAME")
    if as_of is not None and until is not None:
        raise click.UsageError("give --as-of or --until, not both")
    until = until or as_of

    with open_archive(sources) as archive:
        result = build_history(
            archive,
            name,
            country=country,
            since=_day(since),
            until=_day(until),
            min_score=min_score,
            supplement=int(supplement),
        )
    from frdiff.report import render

    emit(render(fmt, "history", result))


def history_lines(result: Any) -> list[str]:
    """A history as the lines ``frdiff history`` prints."""
    from frdiff.report.text import history

    return history(result).splitlines()
