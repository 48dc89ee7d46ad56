"""``frdiff weekly`` and ``frdiff history``: the weekly report and one entity's timeline."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from frdiff.commands._common import dump_json, emit, open_archive, source_options

#: --format name -> file written into --out.
OUTPUTS = {
    "html": "report.html",
    "md": "report.md",
    "json": "changes.json",
    "csv": "changes.csv",
}
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
    s = report.summary()
    rc = s["rule_changes"]
    week = f" {report.week}" if report.week else ""
    lines = [f"Entity List changes,{week} {report.since} to {report.until}"]
    rules = ", ".join(cs.rule.document_number for cs in report.rules) or "none"
    lines.append(
        f"  rules: {s['rules']} ({rules}); {rc['added']} added, {rc['revised']} revised, "
        f"{rc['removed']} removed"
    )
    if s["diff"] is not None:
        d = s["diff"]
        what = "projected diff" if report.basis == "projected" else "snapshot diff"
        lines.append(
            f"  {what} {report.before.date} -> {report.after.date}: {d['added']} added, "
            f"{d['removed']} removed, {d['modified']} modified, {d['renamed']} renamed, "
            f"{d['moved']} moved"
        )
    else:
        lines.append("  snapshot diff: not available")
    by_sev = ", ".join(f"{n} {sev}" for sev, n in s["findings"].items())
    lines.append(f"  findings: {s['findings_total']}" + (f" ({by_sev})" if by_sev else ""))
    lines += [f"  note: {n}" for n in report.notes]
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
    default="html,md,json,csv",
    show_default=True,
    help="Which files to write: html (report.html), md (report.md), json (changes.json), "
    "csv (changes.csv).",
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
    from frdiff import report as render
    from frdiff.weekly import build_weekly

    formats = _formats(fmt)
    start, end, label = _window(week, _day(since), _day(until))
    out = out or Path("out") / (label or f"{start}_{end}")
    if decisions and not parties:
        raise click.UsageError("--decisions goes with --parties")
    with open_archive(sources) as archive:
        result = build_weekly(archive, start, end, week=label)
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
    renderers = {
        "html": render.render_html,
        "md": render.render_markdown,
        "json": lambda r: dump_json(r.to_dict()),
        "csv": render.render_csv,
    }
    written = []
    for name in formats:
        path = out / OUTPUTS[name]
        emit(renderers[name](result), path)
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
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def history_command(
    name: str,
    country: str | None,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime | None,
    min_score: float,
    fmt: str,
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
        )
    if fmt == "json":
        emit(dump_json(result.to_dict()))
        return
    click.echo("\n".join(history_lines(result)))


def history_lines(result: Any) -> list[str]:
    """A history as the lines ``frdiff history`` prints."""
    from frdiff.report import field_change_text

    lines = [
        f"{len(result.matches)} match(es) for {result.query!r}"
        + (f" under {result.country}" if result.country else "")
        + f" in {len(result.rules)} rule(s) and {len(result.snapshots)} snapshot(s)"
        + (f", as of {result.as_of}" if result.as_of else "")
    ]
    for m in result.matches:
        matched = "" if m.matched_on == m.name else f", matched on alias {m.matched_on!r}"
        exact = " (exact)" if m.exact else ""
        lines += ["", f"{m.name} ({m.country}) score {m.score:.0f}{exact}{matched}"]
        lines += [f"  {line}" for line in _summary_of(m)]
        for e in m.events:
            lines.append(f"  {e.date or '?':10}  {e.kind:9} {e.source}")
            lines += [f"{'':14}{field_change_text(c)}" for c in e.changes]
    lines += [f"note: {n}" for n in result.notes]
    return lines


def _cited(c: dict[str, Any]) -> str:
    text = f"{c.get('citation') or 'rule ' + str(c.get('document_number'))}"
    if c.get("date"):
        text += f" ({c['date']})"
    if c.get("citation") and c.get("document_number"):
        text += f", rule {c['document_number']}"
    if c.get("effective_date"):
        text += f", effective {c['effective_date']}"
    return text


def _summary_of(m: Any) -> list[str]:
    """ "Listed since ...", "changed by ...", "still listed as of ..." for one match."""
    out = []
    if m.listed_since and m.listed_since.get("date"):
        out.append(f"listed since {m.listed_since['date']}: {_cited(m.listed_since)}")
    elif m.listed_since:
        out.append(f"listed since {_cited(m.listed_since)} (the list prints no date)")
    if m.changed_by:
        out.append("changed by: " + "; ".join(_cited(c) for c in m.changed_by))
    st = m.status or {}
    if st.get("listed"):
        out.append(f"still listed as of {st.get('as_of')} (the latest copy read)")
    elif st.get("removed_by"):
        out.append(f"removed by rule {st['removed_by']} ({st.get('removed_on')})")
    elif st.get("gone_from"):
        out.append(f"not in the copy of {st['gone_from']} (removed)")
    return out
