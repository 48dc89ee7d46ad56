"""The weekly report's "Your counterparties" section: what a week's changes mean for you.

:func:`counterparties` screens a counterparty list (:mod:`frdiff.parties`) against
the entries the window changed, as the weekly report's diff (or, without one,
its rules) gives them:

- ``new``: a party matches an entry added in the window, or an entry revised in
  the window that it did not match before the revision (a new alias, say);
- ``changed``: a party matched the entry before and still does, and the entry
  changed (the field changes are given);
- ``removed``: a party matches an entry removed in the window.

Analysts' decisions (:func:`frdiff.parties.read_decisions`) are applied: a match
an analyst *cleared* is not shown as new again (it is counted under
``suppressed``), unless its entry changes in the window after the decision; an
*escalated* match is shown with its decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from frdiff.model import ADD, REMOVE, REVISE, Entry, FieldChange
from frdiff.normalize import name_key
from frdiff.parties import Decision, Party
from frdiff.screening import DEFAULT_THRESHOLD, Match, Screener

if TYPE_CHECKING:
    from frdiff.weekly import WeeklyReport

__all__ = ["Counterparties", "CounterpartyMatch", "counterparties"]

NEW, CHANGED, REMOVED = "new", "changed", "removed"


@dataclass(frozen=True, slots=True)
class CounterpartyMatch:
    """One party's match with an entry the window changed."""

    kind: str  # new | changed | removed
    match: Match
    changes: tuple[FieldChange, ...] = ()
    decision: Decision | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            **self.match.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
            "decision": self.decision.to_dict() if self.decision else None,
        }


@dataclass(frozen=True, slots=True)
class Counterparties:
    """The section: every match by kind, and the cleared ones left out."""

    parties: int
    matches: tuple[CounterpartyMatch, ...]
    suppressed: tuple[CounterpartyMatch, ...] = ()
    threshold: float = DEFAULT_THRESHOLD

    def of_kind(self, kind: str) -> list[CounterpartyMatch]:
        return [m for m in self.matches if m.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "parties": self.parties,
            "threshold": self.threshold,
            "summary": {
                **{k: len(self.of_kind(k)) for k in (NEW, CHANGED, REMOVED)},
                "suppressed": len(self.suppressed),
            },
            "new": [m.to_dict() for m in self.of_kind(NEW)],
            "changed": [m.to_dict() for m in self.of_kind(CHANGED)],
            "removed": [m.to_dict() for m in self.of_kind(REMOVED)],
            "suppressed": [m.to_dict() for m in self.suppressed],
        }


_Revised = tuple[Entry | None, Entry, tuple[FieldChange, ...]]


def _window_entries(report: WeeklyReport) -> tuple[list[Entry], list[_Revised], list[Entry]]:
    """(added, revised as (before, after, changes), removed) entries of the window."""
    if report.diff is not None:
        d = report.diff
        pairs: list[_Revised] = [
            (p.before, p.after, p.changes) for p in (*d.modified, *d.renamed, *d.moved)
        ]
        return list(d.added), pairs, list(d.removed)
    added: list[Entry] = []
    revised: list[_Revised] = []
    removed: list[Entry] = []
    for cs in report.rules:
        for c in cs.changes:
            entry = c.entry or Entry(country=c.country, name=c.name)
            if c.action == ADD:
                added.append(entry)
            elif c.action == REVISE:
                revised.append((None, entry, ()))
            elif c.action == REMOVE:
                removed.append(entry)
    return added, revised, removed


def _decisions(decisions: Sequence[Decision]) -> dict[tuple[str, str], Decision]:
    """The latest decision on each (party id, entry name)."""
    out: dict[tuple[str, str], Decision] = {}
    for d in sorted(decisions, key=lambda d: (d.date, d.row)):
        out[(d.party_id, name_key(d.entry))] = d
    return out


def counterparties(
    report: WeeklyReport,
    parties: Sequence[Party],
    decisions: Sequence[Decision] = (),
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> Counterparties:
    """The "Your counterparties" section of ``report`` for ``parties``."""
    added, revised, removed = _window_entries(report)
    after = [*added, *(a for _, a, _ in revised)]
    changes_of = {id(a): (b, ch) for b, a, ch in revised}
    added_ids = {id(e) for e in added}
    before_index = Screener([b for b, _, _ in revised if b is not None], threshold=threshold)
    after_index = Screener(after, threshold=threshold)
    removed_index = Screener(removed, threshold=threshold)
    decided = _decisions(decisions)
    shown: list[CounterpartyMatch] = []
    suppressed: list[CounterpartyMatch] = []

    def place(kind: str, m: Match, changes: tuple[FieldChange, ...], entry_changed: bool) -> None:
        d = decided.get((m.party.id, name_key(m.entry.name)))
        item = CounterpartyMatch(kind, m, changes, d)
        cleared = d is not None and d.status == "cleared"
        # changed after the decision: a decision dated on or after the window saw it
        changed_since = entry_changed and not (d is not None and d.date >= report.until)
        if cleared and kind != REMOVED and not changed_since:
            suppressed.append(item)
        else:
            shown.append(item)

    for party in parties:
        matched_before = {id(m.entry) for m in before_index.screen_one(party)}
        for m in after_index.screen_one(party):
            if id(m.entry) in added_ids:
                place(NEW, m, (), False)
                continue
            before, changes = changes_of[id(m.entry)]
            was = before is not None and id(before) in matched_before
            place(CHANGED if was else NEW, m, changes, True)
        for m in removed_index.screen_one(party):
            place(REMOVED, m, (), False)
    return Counterparties(len(parties), tuple(shown), tuple(suppressed), threshold)


def counterparty_rows(section: Counterparties) -> Iterator[dict[str, str]]:
    """CSV rows (the weekly CSV's columns) for the section."""
    from frdiff.report import field_change_text

    for item in section.matches:
        m, e = item.match, item.match.entry
        details = (
            f"party {m.party.id} {m.party.name!r} (row {m.party.row}) score {m.score:.0f}: "
            f"{m.explanation}"
        )
        if item.changes:
            details += "; " + "; ".join(field_change_text(c) for c in item.changes)
        if item.decision:
            details += f"; decision: {item.decision.status} {item.decision.date}"
        yield {
            "source": "your counterparties",
            "change": f"counterparty {item.kind}",
            "country": e.country,
            "name": e.name,
            "aliases": " | ".join(e.aliases),
            "addresses": " | ".join(e.addresses),
            "license_requirement": e.license_requirement,
            "license_review_policy": e.license_review_policy,
            "citations": " | ".join(c.label() for c in e.citations),
            "fields_changed": " | ".join(c.field for c in item.changes),
            "details": details,
        }


def counterparty_markdown(section: Counterparties) -> list[str]:
    """The section as Markdown lines."""
    from frdiff.report import field_change_text, md

    s = section.to_dict()["summary"]
    out = [
        "",
        "## Your counterparties",
        "",
        f"{section.parties} parties screened against this window's changes: {s['new']} new "
        f"match(es), {s['changed']} on changed entries, {s['removed']} on removed entries; "
        f"{s['suppressed']} cleared match(es) not shown again.",
    ]
    titles = {
        NEW: "New matches",
        CHANGED: "Matches whose entry changed",
        REMOVED: "Matches on removed entries",
    }
    for kind in (NEW, CHANGED, REMOVED):
        items = section.of_kind(kind)
        if not items:
            continue
        out += ["", f"### {titles[kind]}", ""]
        for item in items:
            m = item.match
            out.append(
                f"- **{md(m.party.name)}** (id {md(m.party.id)}, row {m.party.row}) → "
                f"{md(m.entry.name)} ({md(m.entry.country)}), score {m.score:.0f}: "
                f"{md(m.explanation)}"
            )
            out += [f"  - {md(field_change_text(c))}" for c in item.changes]
            if item.decision:
                out.append(f"  - decision: {item.decision.status} {md(item.decision.date)}")
    return out
