"""The weekly report: what the Entity List rules of a window changed, checked two ways.

:func:`build_weekly` gathers, for a window of days (usually one ISO week):

1. the BIS rules amending 15 CFR 744 published in the window, parsed (each
   :class:`~frdiff.model.ChangeSet` already carries its SUMMARY claim checks);
2. the list before the window: the latest eCFR copy dated on or before the window's
   first day and before any of the window's rules took effect (an eCFR copy of a
   date holds the rules in force on it; a rule may take effect before it is
   published);
3. the list after it: the eCFR copy dated on the window's last day, or, because
   the eCFR lags the Federal Register by a day or two, the first copy within
   :data:`AFTER_GRACE_DAYS` after it.  Without one, the rules are applied to the
   list before and the diff is of that projection (``basis="projected"``);
4. the diff of the two, and a cross-check of the rules against both copies.

Every choice that a reader should know about (a copy from after the window, a
projection, a missing copy) is a note in the report.  The result is data; the
renderers live in :mod:`frdiff.report`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from frdiff import __version__
from frdiff.errors import OfflineMissingError, UsageError
from frdiff.ids import iso_date, last_complete_week, parse_week, week_label
from frdiff.model import (
    ACTIONS,
    ADD,
    FORMAT_VERSION,
    INFO,
    REMOVE,
    REVISE,
    ChangeSet,
    Diff,
    Finding,
    Snapshot,
)

if TYPE_CHECKING:
    from frdiff.archive import Archive

__all__ = [
    "AFTER_GRACE_DAYS",
    "SnapshotInfo",
    "WeeklyReport",
    "before_limit",
    "build_weekly",
    "last_complete_week",
    "parse_week",
    "week_label",
]

#: How many days after the window an eCFR copy may be dated and still stand for
#: the list at the window's end (the eCFR lags the Federal Register by 1-2 business
#: days; a weekend in between makes that up to 4 calendar days).
AFTER_GRACE_DAYS = 4

_DIFF_KINDS = ("added", "removed", "modified", "renamed", "moved")
_OPTIONAL_FIELDS = ("addresses",)
#: Below this share of entries carrying a field, a copy of the list "does not record" it.
SPARSE_SHARE = 0.1
_PAST = {ADD: "added", REVISE: "revised", REMOVE: "removed"}


# ---------------------------------------------------------------------------
# Windows


# ---------------------------------------------------------------------------
# The report


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """Which eCFR copy stood for the list at one end of the window.

    ``wanted`` is the date the report asked for; ``date`` the copy's date (equal,
    earlier or, for the end of the window, a little later).  ``projected`` marks a
    list computed by applying the window's rules, not read from the eCFR.
    """

    date: str
    wanted: str
    source: str = ""
    rows: int = 0
    entries: int = 0
    projected: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "wanted": self.wanted,
            "source": self.source,
            "rows": self.rows,
            "entries": self.entries,
            "projected": self.projected,
        }


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    """What changed on the Entity List in a window of days, from rules and snapshots.

    ``basis`` says what the diff compares: "snapshots" (two eCFR copies),
    "projected" (the copy before, and that copy with the rules applied) or "none"
    (no copy before the window is available, so only the rules are reported).
    """

    since: str
    until: str
    week: str | None = None
    rules: tuple[ChangeSet, ...] = ()
    before: SnapshotInfo | None = None
    after: SnapshotInfo | None = None
    basis: str = "none"
    diff: Diff | None = None
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    #: The "Your counterparties" section (frdiff.counterparties), with --parties.
    counterparties: Any = None

    @property
    def has_changes(self) -> bool:
        """True when a rule changes the list or the diff is not empty."""
        return any(cs.changes for cs in self.rules) or (
            self.diff is not None and not self.diff.is_empty
        )

    def summary(self) -> dict[str, Any]:
        """Headline counts; every renderer prints these same numbers."""
        rule_counts = Counter(c.action for cs in self.rules for c in cs.changes)
        by_country: dict[str, Counter[str]] = {}
        from frdiff.normalize import country as canonical

        for cs in self.rules:
            for c in cs.changes:
                heading = canonical(c.country)[0]
                by_country.setdefault(heading, Counter())["rule_" + _PAST[c.action]] += 1
        diff_summary = self.diff.summary() if self.diff is not None else None
        if diff_summary is not None:
            for heading, kinds in diff_summary["by_country"].items():
                for kind, n in kinds.items():
                    if n:
                        by_country.setdefault(heading, Counter())[kind] += n
        all_findings = [
            *self.findings,
            *(f for cs in self.rules for f in cs.findings),
            *(self.diff.findings if self.diff is not None else ()),
        ]
        severities = Counter(f.severity for f in all_findings)
        keys = [f"rule_{_PAST[a]}" for a in ACTIONS] + list(_DIFF_KINDS)
        return {
            "rules": len(self.rules),
            "rule_changes": {
                "total": sum(rule_counts.values()),
                **{_PAST[a]: rule_counts.get(a, 0) for a in ACTIONS},
            },
            "entities_added": len(
                {(c.country, c.name) for cs in self.rules for c in cs.changes if c.action == ADD}
            ),
            "diff": (
                {k: v for k, v in diff_summary.items() if k != "by_country"}
                if diff_summary is not None
                else None
            ),
            "findings_total": len(all_findings),
            "findings": {s: severities[s] for s in sorted(severities)},
            "by_country": {
                c: {k: counts.get(k, 0) for k in keys} for c, counts in sorted(by_country.items())
            },
        }

    def to_dict(self) -> dict[str, Any]:
        """The report as changes.json (schema: ``frdiff/schema/report.schema.json``)."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": "weekly",
            "generator": f"frdiff {__version__}",
            "window": {"since": self.since, "until": self.until, "week": self.week},
            "summary": self.summary(),
            "basis": self.basis,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
            "notes": list(self.notes),
            "rules": [cs.to_dict() for cs in self.rules],
            "diff": self.diff.to_dict() if self.diff is not None else None,
            "findings": [f.to_dict() for f in self.findings],
            "counterparties": (
                self.counterparties.to_dict() if self.counterparties is not None else None
            ),
        }


# ---------------------------------------------------------------------------
# Building it


def before_limit(since: date, rules: Sequence[ChangeSet]) -> date:
    """The last date whose eCFR copy holds none of the window's rules.

    That is the window's first day, or the day before the earliest date on which a
    rule of the window took effect (its publication date when the effective date is
    unknown), whichever is earlier.
    """
    limit = since
    for cs in rules:
        took_effect = _iso(cs.rule.effective_date) or _iso(cs.rule.publication_date)
        if took_effect is not None and took_effect <= limit:
            limit = took_effect - timedelta(days=1)
    return limit


def _iso(text: str | None) -> date | None:
    try:
        return iso_date(text) if text else None
    except ValueError:
        return None


def _pick_before(dates: list[date], limit: date) -> date | None:
    earlier = [d for d in dates if d <= limit]
    return max(earlier) if earlier else None


def _pick_after(dates: list[date], before: date | None, until: date) -> date | None:
    """The copy standing for the list at ``until``: on it, else shortly after it."""
    if until in dates:
        return until
    later = [d for d in dates if until < d <= until + timedelta(days=AFTER_GRACE_DAYS)]
    return min(later) if later else None


def _choose_dates(
    archive: Archive, limit: date, until: date, notes: list[str]
) -> tuple[date | None, date | None]:
    """The dates of the copies standing for the list before and after the window.

    Online the eCFR serves any date up to its latest issue, so the copies are those
    of ``limit`` (see :func:`before_limit`) and of the window's last day.  Offline
    only the stored (or fixture) dates exist, and the nearest suitable ones are used.
    """
    if getattr(archive, "online", False):
        latest = archive.latest_date()
        before = limit if latest >= limit else None
        after = until if latest >= until else None
        if after is None:
            notes.append(f"The eCFR's latest issue is {latest}, before the window's end.")
        return before, after
    dates = sorted(set(archive.snapshot_dates()))
    before = _pick_before(dates, limit)
    return before, _pick_after(dates, before, until)


def _unrecorded_fields(after: Snapshot, rules: list[ChangeSet]) -> tuple[str, ...]:
    """Fields the copy after the window (almost) never fills although the rules do.

    Some copies of the list (one rebuilt from the Consolidated Screening List, for
    one) carry no addresses; comparing the rules' addresses with them would call
    every added entry different.  On the real list nearly every entry has an
    address, so a copy where fewer than :data:`SPARSE_SHARE` of the entries have
    one does not record them (the few that do are cell text read as an address).
    """
    out = []
    for name in _OPTIONAL_FIELDS:
        in_rules = any(
            c.entry is not None and getattr(c.entry, name) for cs in rules for c in cs.changes
        )
        filled = sum(1 for e in after.entries if getattr(e, name))
        if in_rules and after.entries and filled < SPARSE_SHARE * len(after.entries):
            out.append(name)
    return tuple(out)


def _load_snapshot(archive: Archive, on: date) -> Snapshot:
    from frdiff.cache import SnapshotLoader

    data = archive.snapshot_xml(on)
    source = f"eCFR Supplement No. 4 to Part 744 as of {on}"
    return SnapshotLoader().load_bytes(data, source=source, date=str(on))


def _info(snap: Snapshot, on: date, wanted: date, *, projected: bool = False) -> SnapshotInfo:
    return SnapshotInfo(
        date=str(on),
        wanted=str(wanted),
        source=snap.source,
        rows=snap.rows,
        entries=len(snap.entries),
        projected=projected,
    )


def load_rules(archive: Archive, since: date, until: date) -> list[ChangeSet]:
    """The rules published in [since, until], parsed, oldest first."""
    from frdiff.parse.rule import parse_rule

    out = []
    for meta in archive.find_rules(since, until):
        number = str(meta["document_number"])
        data = archive.rule_xml(number)
        out.append(parse_rule(data, source=f"FR {number}", meta=meta))
    return out


def build_weekly(
    archive: Archive, since: date, until: date, *, week: str | None = None
) -> WeeklyReport:
    """Build the report for the window [since, until] from ``archive`` (online or offline).

    Raises :class:`~frdiff.errors.UsageError` for an empty window and whatever the
    archive raises when a rule cannot be had; a missing eCFR copy is not an error
    but a note (and a projection or a rules-only report).
    """
    from frdiff.apply import apply_rules, crosscheck
    from frdiff.diff import diff_snapshots

    if until < since:
        raise UsageError(f"the window ends ({until}) before it starts ({since})", where="window")
    rules = load_rules(archive, since, until)
    notes: list[str] = []
    findings: list[Finding] = []

    wanted_before = before_limit(since, rules)
    if wanted_before < since:
        notes.append(
            f"A rule of the window took effect on {wanted_before + timedelta(days=1)}, so the "
            f"list before the window is taken on or before {wanted_before}."
        )
    before_date, after_date = _choose_dates(archive, wanted_before, until, notes)
    before_snap = after_snap = None
    if before_date is not None:
        try:
            before_snap = _load_snapshot(archive, before_date)
        except OfflineMissingError as exc:
            notes.append(f"The eCFR copy of {before_date} could not be read ({exc}).")
    if before_snap is None:
        notes.append(
            f"No eCFR copy of the list on or before {wanted_before} is available: "
            "the report lists the rules only, without a diff or cross-check."
        )
        return WeeklyReport(
            since=str(since),
            until=str(until),
            week=week,
            rules=tuple(rules),
            basis="none",
            findings=tuple(findings),
            notes=tuple(notes),
        )
    assert before_date is not None
    if before_date < wanted_before:
        notes.append(
            f"The list before the window is the eCFR copy of {before_date}, the latest "
            f"available on or before {wanted_before}."
        )
    if after_date is not None:
        try:
            after_snap = _load_snapshot(archive, after_date)
        except OfflineMissingError as exc:
            notes.append(f"The eCFR copy of {after_date} could not be read ({exc}).")
    if after_snap is not None and after_date is not None:
        if after_date > until:
            gap = str(after_date)
            if after_date > until + timedelta(days=1):
                gap = f"from {until + timedelta(days=1)} to {after_date}"
            notes.append(
                f"No eCFR copy dated {until} is available; the list after the window is the "
                f"copy of {after_date} (the eCFR lags the Federal Register by a day or two), "
                f"so changes made {'on ' if after_date == until + timedelta(days=1) else ''}"
                f"{gap} may appear in the diff."
            )
        diff = diff_snapshots(before_snap, after_snap)
        ignore = _unrecorded_fields(after_snap, rules)
        if ignore:
            notes.append(
                f"The copy of {after_date} records no {', '.join(ignore)} (or nearly none); "
                "the cross-check of the rules against it leaves them out."
            )
        check = crosscheck(before_snap, rules, after_snap, ignore=ignore)
        findings.extend(check.findings)
        return WeeklyReport(
            since=str(since),
            until=str(until),
            week=week,
            rules=tuple(rules),
            before=_info(before_snap, before_date, wanted_before),
            after=_info(after_snap, after_date, until),
            basis="snapshots",
            diff=diff,
            findings=tuple(findings),
            notes=tuple(notes),
        )
    applied = apply_rules(before_snap, rules)
    findings.extend(applied.findings)
    notes.append(
        f"The eCFR has no copy of the list dated {until} or up to {AFTER_GRACE_DAYS} days "
        f"after it: the list after the window is projected by applying this window's "
        f"{len(rules)} rule(s) to the copy of {before_date}."
    )
    if not rules:
        findings.append(
            Finding(INFO, "weekly-no-rules", "No Entity List rule was published in the window.")
        )
    projected = applied.snapshot
    diff = diff_snapshots(before_snap, projected)
    after_info = SnapshotInfo(
        date=str(until),
        wanted=str(until),
        source=f"projection of the eCFR copy of {before_date} with {len(rules)} rule(s)",
        rows=projected.rows,
        entries=len(projected.entries),
        projected=True,
    )
    return WeeklyReport(
        since=str(since),
        until=str(until),
        week=week,
        rules=tuple(rules),
        before=_info(before_snap, before_date, wanted_before),
        after=after_info,
        basis="projected",
        diff=diff,
        findings=tuple(findings),
        notes=tuple(notes),
    )
