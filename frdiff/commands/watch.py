"""``frdiff watch``: find what is new on the Entity List and notify the configured channels."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from frdiff.commands._common import open_archive, source_options

_DATE = click.DateTime(formats=["%Y-%m-%d"])


class TerminalProgress:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a TTY."""

    def __init__(self, stream: TextIO | None = None, width: int = 28) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.active = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = False

    def __call__(self, what: str, done: int, total: int | None) -> None:
        if not self.active:
            return
        if total:
            filled = min(self.width, self.width * done // max(total, 1))
            bar = "#" * filled + "-" * (self.width - filled)
            line = f"\r[{bar}] {min(done, total)}/{total} {what}"
        else:
            line = f"\r{done} {what}"
        self.stream.write(line[:120].ljust(80))
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()


def window(
    week: str | None, since: date | None, until: date | None
) -> tuple[date | None, date | None, str | None]:
    """The run's window from --week or --since/--until (checked as ``frdiff weekly``
    checks them); (None, None, None) when none is given: the watch's default."""
    from frdiff.commands.report import _window

    if not (week or since or until):
        return None, None, None
    return _window(week, since, until)


def _json_line(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _summary(run: Any) -> list[str]:
    lines = [
        f"frdiff watch {run.since}..{run.until}: {len(run.found)} change(s) found, {len(run.new)} new"
    ]
    for item in run.found:
        lines.append(f"  {item['id']}: {item.get('title')}")
    for c in run.channels:
        state = f"failed: {c.error}" if c.error else f"sent {c.sent}" if c.sent else "nothing new"
        lines.append(f"  channel {c.name} ({c.kind}): {state}")
    lines += [f"  note: {n}" for n in run.notes]
    return lines


@click.command("watch")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The watch config (TOML): [[notify]] channels, parties, state.",
)
@click.option(
    "--week", help="ISO week, e.g. 2025-W13 (default: the last 7 days, and back to the last run)."
)
@click.option("--since", type=_DATE, help="First publication date of the window (YYYY-MM-DD).")
@click.option("--until", type=_DATE, help="Last publication date of the window (YYYY-MM-DD).")
@click.option(
    "--quiet-weeks",
    is_flag=True,
    help="When nothing is found, send one short 'no changes found' message per ISO week.",
)
@source_options(fixtures=True)
def watch_command(
    config_path: Path,
    week: str | None,
    since: datetime | None,
    until: datetime | None,
    quiet_weeks: bool,
    **sources: Any,
) -> None:
    """One watch run: fetch what is new, work out the changes not yet notified, send them.

    Changes are BIS documents concerning Part 744 on public inspection ("coming"),
    rules published in the window ("published"), and rules an eCFR copy now shows
    ("in-ecfr"); each is sent once to each channel of the config.  Prints one JSON
    line (the run's summary) on stdout and a readable summary on stderr.  Exit
    status 0, or 1 when a channel failed (it is retried by the next run) or the
    changes could not be worked out.
    """
    from frdiff.errors import FrdiffError
    from frdiff.watch import run_watch
    from frdiff.watchconfig import load_config

    started = time.monotonic()
    try:
        config = load_config(config_path)
        start, end, label = window(
            week, since.date() if since else None, until.date() if until else None
        )
        progress = TerminalProgress()
        try:
            with open_archive(sources) as archive:
                run = run_watch(
                    config,
                    archive,
                    since=start,
                    until=end,
                    week=label,
                    quiet_weeks=quiet_weeks,
                    cache_dir=sources.get("cache_dir"),
                    progress=progress,
                )
        finally:
            progress.done()
    except FrdiffError as exc:
        _json_line(
            {
                "format_version": 1,
                "kind": "watch-run",
                "status": "error",
                "error": str(exc),
                "seconds": round(time.monotonic() - started, 3),
            }
        )
        raise
    _json_line(run.to_dict())
    click.echo("\n".join(_summary(run)), err=True)
    if not run.ok:
        failed = ", ".join(c.name for c in run.channels if c.error)
        raise click.ClickException(f"channel(s) failed: {failed}; they are retried on the next run")
