"""``frdiff fetch`` and ``frdiff fixtures``: download into the store, record and verify fixtures."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from frdiff import lists
from frdiff.commands._common import dump_json, emit, open_archive, source_options
from frdiff.ids import iso_date

if TYPE_CHECKING:  # the network stack is imported only when a command needs it
    from frdiff.archive import FetchSummary, Outcome


_FORMATS = click.Choice(["text", "json"])


def _date(ctx: click.Context, param: click.Parameter, value: Any) -> date | None:
    if value is None:
        return None
    try:
        return iso_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@contextmanager
def _progress(label: str) -> Iterator[Callable[[str, Outcome | None], None]]:
    """A progress line on stderr: a bar-like counter on a terminal, plain lines otherwise."""
    tty = sys.stderr.isatty()
    count = 0

    def step(what: str, outcome: Outcome | None) -> None:
        nonlocal count
        if outcome is None:
            count += 1
            if tty:
                click.echo(f"\r{label}: {count} {what}\x1b[K", err=True, nl=False)
            return
        if not tty:
            click.echo(f"frdiff: {what}: {outcome.status} ({outcome.size:,} bytes)", err=True)

    try:
        yield step
    finally:
        if tty and count:
            click.echo("", err=True)


def _summary_text(summary: FetchSummary) -> str:
    lines = [f"{summary.what}: {len(summary.rules)} rule(s)" if summary.rules else summary.what]
    for r in summary.rules:
        lines.append(
            f"  {r.get('document_number')}  {r.get('publication_date')}  "
            f"{r.get('citation') or '':<12} {r.get('title') or ''}"
        )
    counts = (
        ", ".join(f"{n} {status}" for status, n in sorted(summary.counts().items())) or "nothing"
    )
    lines.append(f"documents: {counts}; {summary.requests} request(s)")
    return "\n".join(lines) + "\n"


def _emit(obj: Any, fmt: str, text: str) -> None:
    emit(dump_json(obj.to_dict()) if fmt == "json" else text)


@click.group()
def fetch() -> None:
    """Download rules and snapshots into the local store."""


@fetch.command("rules")
@click.option("--since", required=True, callback=_date, help="First publication date (YYYY-MM-DD).")
@click.option(
    "--until", callback=_date, default=None, help="Last publication date (default: today)."
)
@click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True)
@source_options()
def fetch_rules(since: date, until: date | None, fmt: str, **opts: Any) -> None:
    """BIS rules amending 15 CFR 744 published in a date range: metadata and XML."""
    with open_archive(opts) as archive, _progress("rules") as step:
        summary = archive.fetch_rules(since, until or date.today(), progress=step)
    _emit(summary, fmt, _summary_text(summary))


@fetch.command("snapshot")
@click.argument("on", metavar="DATE", callback=_date)
@click.option(
    "--supplement",
    type=click.IntRange(1, 99),
    default=lists.DEFAULT,
    show_default=True,
    help="Supplement No. to Part 744 (4 Entity List, 6 Unverified List, 7 MEU List).",
)
@click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True)
@source_options()
def fetch_snapshot(on: date, supplement: int, fmt: str, **opts: Any) -> None:
    """The eCFR text of a supplement on DATE."""
    with open_archive(opts) as archive:
        summary = archive.fetch_snapshot(on, supplement)
    _emit(summary, fmt, _summary_text(summary))


@fetch.command("history")
@click.option(
    "--since",
    callback=_date,
    default="2017-01-03",
    show_default=True,
    help="The first version's date (the eCFR's history starts on 2017-01-03).",
)
@click.option("--until", callback=_date, default=None, help="The last (default: the latest).")
@click.option(
    "--supplement", type=click.IntRange(1, 99), default=lists.DEFAULT, show_default=True,
    help="Supplement No. to Part 744.",
)  # fmt: skip
@click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True)
@source_options()
def fetch_history(since: date, until: date | None, supplement: int, fmt: str, **opts: Any) -> None:
    """Every substantive eCFR version of the list since --since, into the store.

    Asks the versioner which versions changed the supplement's substance, then
    downloads each one the store lacks, one at a time at the XML rate (--rate),
    so an interrupted run resumes where it stopped.  `frdiff history` and
    `frdiff screen --as-of` then read these versions offline.
    """
    tty = sys.stderr.isatty()

    def step(i: int, total: int, day: date, status: str) -> None:
        if tty:
            width = 30
            done = width * i // max(total, 1)
            bar = "#" * done + "-" * (width - done)
            click.echo(f"\r[{bar}] {i}/{total} {day} {status}\x1b[K", err=True, nl=False)
            if i == total:
                click.echo("", err=True)
        else:
            click.echo(f"frdiff: version {i}/{total} {day}: {status}", err=True)

    with open_archive(opts) as archive:
        summary = archive.fetch_history(since, until, supplement, progress=step)
    _emit(summary, fmt, _summary_text(summary))


@fetch.command("pending")
@click.option(
    "--on",
    "available_on",
    callback=_date,
    default=None,
    help="Documents available for inspection on this date (default: current).",
)
@click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True)
@source_options()
def fetch_pending(available_on: date | None, fmt: str, **opts: Any) -> None:
    """BIS documents on public inspection: filed, not yet published."""
    with open_archive(opts) as archive:
        docs = archive.pending(available_on)
    if fmt == "json":
        emit(
            dump_json(
                {
                    "available_on": available_on.isoformat() if available_on else None,
                    "documents": docs,
                }
            )
        )
        return
    lines = [f"{len(docs)} BIS document(s) on public inspection"]
    for d in docs:
        lines.append(
            f"  {d.get('document_number')}  {d.get('type') or '':<8} publishes {d.get('publication_date')}  "
            f"{d.get('title') or ''}"
        )
    emit("\n".join(lines) + "\n")


@click.group()
def fixtures() -> None:
    """Record documents into a fixtures directory, and verify one."""


@fixtures.command("record")
@click.option(
    "--dir",
    "--out",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("fixtures"),
    show_default=True,
    help="The fixtures directory.",
)
@click.option(
    "--rule", "rules", multiple=True, metavar="DOC", help="A rule by document number (repeatable)."
)
@click.option(
    "--week",
    "weeks",
    multiple=True,
    metavar="YYYY-Www",
    help="Every rule of an ISO week (repeatable).",
)
@click.option(
    "--snapshot",
    "snapshots",
    multiple=True,
    metavar="DATE",
    callback=lambda c, p, v: [iso_date(x) for x in v],
    help="A snapshot by date (repeatable).",
)
@click.option("--supplement", type=click.IntRange(1, 99), default=lists.DEFAULT, show_default=True)
@click.option("--force", is_flag=True, help="Replace fixtures of other provenance.")
@click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True)
@source_options()
def fixtures_record(
    root: Path,
    rules: tuple[str, ...],
    weeks: tuple[str, ...],
    snapshots: list[date],
    supplement: int,
    force: bool,
    fmt: str,
    **opts: Any,
) -> None:
    """Fetch rules and snapshots and write them, with a MANIFEST entry each, into --dir."""
    if not (rules or weeks or snapshots):
        raise click.UsageError("name something to record: --rule, --week or --snapshot")
    with open_archive(opts) as archive:
        from frdiff.fixtures import record

        report = record(
            archive,
            root,
            rules=rules,
            weeks=weeks,
            snapshots=snapshots,
            supplement=supplement,
            force=force,
            progress=lambda what: click.echo(f"frdiff: recording {what}", err=True),
        )
    text = "".join(f"wrote {w['path']}\n" for w in report.written)
    text += "".join(f"unchanged {p}\n" for p in report.unchanged)
    _emit(report, fmt, text or "nothing to record\n")


@fixtures.command("verify")
@click.argument(
    "root",
    metavar="[DIR]",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("fixtures"),
)
@click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True)
def fixtures_verify(root: Path, fmt: str) -> None:
    """Check every MANIFEST.json item exists and matches its sha256; list unlisted files."""
    from frdiff.fixtures import verify

    report = verify(root)
    lines = [f"{report.root}: {report.checked} item(s) checked"]
    lines += [f"missing: {p}" for p in report.missing]
    lines += [f"sha256 mismatch: {p}" for p in report.mismatched]
    lines += [f"invalid: {p}" for p in report.invalid]
    lines += [f"not in MANIFEST.json: {p}" for p in report.extra]
    lines.append("ok" if report.ok else "FAILED")
    _emit(report, fmt, "\n".join(lines) + "\n")
    if not report.ok:
        sys.exit(1)
