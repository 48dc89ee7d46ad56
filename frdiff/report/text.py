"""Plain text for a terminal: the weekly headline and an entity's history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frdiff.report.common import field_change_text

if TYPE_CHECKING:
    from frdiff.weekly import WeeklyReport


def weekly(report: WeeklyReport) -> str:
    """The headline and notes ``frdiff weekly`` prints."""
    label = f" {report.week}" if report.week else ""
    lines = [f"Entity List changes,{label} {report.since} to {report.until}"]
    lines += [f"  {line}" for line in report.headline()]
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines) + "\n"


def history(result: Any) -> str:
    """A history as the lines ``frdiff history`` prints."""
    lines = [
        f"{len(result.matches)} match(es) for {result.query!r}"
        + (f" under {result.country}" if result.country else "")
        + f" in {len(result.rules)} rule(s) and {len(result.snapshots)} snapshot(s)"
    ]
    for m in result.matches:
        matched = "" if m.matched_on == m.name else f", matched on alias {m.matched_on!r}"
        lines += ["", f"{m.name} ({m.country}) score {m.score:.0f}{matched}"]
        for e in m.events:
            lines.append(f"  {e.date or '?':10}  {e.kind:9} {e.source}")
            lines += [f"{'':14}{field_change_text(c)}" for c in e.changes]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"
