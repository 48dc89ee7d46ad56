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
    """A history as the lines ``frdiff history`` prints: per entry, listed since,
    changed by, still listed (or removed by), then every event."""
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
    return "\n".join(lines) + "\n"


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
