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
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from frdiff import __version__, lists
from frdiff.errors import OfflineMissingError, UsageError
from frdiff.ids import iso_date, last_complete_week, parse_week, week_label
from frdiff.model import (
    ACTIONS,
    ADD,
    MOVE_LIST,
    REMOVE,
    REVISE,
    Change,
    ChangeSet,
    Diff,
    Finding,
    Snapshot,
    list_key,
)
from frdiff.reconcile import Reconciled

if TYPE_CHECKING:
    from frdiff.archive import Archive

__all__ = [
    "AFTER_GRACE_DAYS",
    "WEEKLY_FORMAT_VERSION",
    "Coverage",
    "SnapshotInfo",
    "WeeklyReport",
    "before_limit",
    "build_weekly",
    "build_weekly_lists",
    "coverage_of",
    "last_complete_week",
    "parse_week",
    "week_label",
]

#: How many days after the window an eCFR copy may be dated and still stand for
#: the list at the window's end (the eCFR lags the Federal Register by 1-2 business
#: days; a weekend in between makes that up to 4 calendar days).
AFTER_GRACE_DAYS = 4

#: ``format_version`` of changes.json (2: the reconciled list of changes, the citation
#: groups, coverage and the headline; see frdiff/schema/report.schema.json).
WEEKLY_FORMAT_VERSION = 2
#: Cross-check findings that the reconciled list states as changes (eCFR-only, not in eCFR).
_ABSORBED = {
    "unexplained-in-after": "ecfr-only",
    "differs-in-after": "ecfr-only",
    "missing-in-after": "not-in-ecfr",
}

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
class Coverage:
    """What the report's sources cover, so that an absence is never stated as a fact.

    ``source`` is where the rules were looked for ("Federal Register API", "store",
    "fixtures"); ``complete`` is True when that was a search covering every day of
    the window (a fixtures directory holds chosen documents, not a search);
    ``searched_since``/``searched_until`` the days searched (or the span of the
    rules the fixtures hold); ``ecfr`` the dates of the eCFR copies used.
    """

    source: str
    complete: bool
    searched_since: str | None = None
    searched_until: str | None = None
    rules_held: int = 0
    ecfr: tuple[str, ...] = ()

    @property
    def statement(self) -> str:
        """One sentence: what was searched and which eCFR copies were read."""
        if self.complete:
            rules = (
                f"Rules: every BIS rule amending 15 CFR 744 published {self.searched_since} to "
                f"{self.searched_until}, as {self.source} found them."
            )
        elif self.searched_since:
            rules = (
                f"Rules: only the {self.rules_held} rule(s) held in the {self.source} "
                f"(published {self.searched_since} to {self.searched_until}), not a search of "
                "the Federal Register."
            )
        else:
            rules = f"Rules: the {self.source} hold no rule; no search of the Federal Register."
        copies = ", ".join(self.ecfr) if self.ecfr else "none"
        return f"{rules} eCFR copies used: {copies}."

    @property
    def none_found(self) -> str:
        """What to say when no rule turned up: a fact only when the search covered the window."""
        if self.complete:
            return "No Entity List rule was published in the window."
        return "No rule found in what was searched."

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "complete": self.complete,
            "searched_since": self.searched_since,
            "searched_until": self.searched_until,
            "rules_held": self.rules_held,
            "ecfr": list(self.ecfr),
            "statement": self.statement,
        }


#: The default of ``WeeklyReport.reconciled``: reconcile the report's own rules and diff.
_UNRECONCILED = Reconciled()


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    """What changed on the Entity List in a window of days, from rules and snapshots.

    ``basis`` says what the diff compares: "snapshots" (two eCFR copies),
    "projected" (the copy before, and that copy with the rules applied) or "none"
    (no copy before the window is available, so only the rules are reported).
    ``reconciled`` is the one list of changes every output prints (see
    :mod:`frdiff.reconcile`); ``absorbed`` counts, by code, the cross-check
    findings it states as changes instead (an entry seen only in the eCFR, a
    rule's change not in it), which ``findings`` therefore leaves out.
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
    reconciled: Reconciled = _UNRECONCILED
    coverage: Coverage | None = None
    absorbed: tuple[tuple[str, int], ...] = ()
    footnotes: tuple[tuple[int, str], ...] = ()
    #: The list reported on (Supplement No. 4, the Entity List, unless told).
    supplement: int = lists.DEFAULT
    #: The reports of the other lists of the window (same rules; see build_weekly_lists).
    lists: tuple[WeeklyReport, ...] = ()
    #: The "Your counterparties" section (frdiff.counterparties), with --parties.
    counterparties: Any = None

    def __post_init__(self) -> None:
        if self.reconciled is _UNRECONCILED:
            # A report assembled by hand (not by build_weekly) is reconciled here.
            from frdiff.apply import rules_on_list
            from frdiff.reconcile import reconcile

            object.__setattr__(
                self,
                "reconciled",
                reconcile(
                    rules_on_list(self.rules, self.supplement),
                    self.diff,
                    basis=self.basis,
                    since=_iso(self.since),
                    until=_iso(self.until),
                    after_date=self.after.date if self.after else None,
                ),
            )

    @property
    def has_changes(self) -> bool:
        """True when a rule changes the list or the diff is not empty."""
        return any(cs.changes for cs in self.rules) or (
            self.diff is not None and not self.diff.is_empty
        )

    def all_findings(self) -> list[Finding]:
        """Every finding of the report, once: the rules', the diff's and the cross-check's."""
        return [
            *(f for cs in self.rules for f in cs.findings),
            *(self.diff.findings if self.diff is not None else ()),
            *self.findings,
        ]

    def summary(self) -> dict[str, Any]:
        """Headline counts, computed once; every renderer prints these same numbers."""
        counts = self.reconciled.counts()
        all_findings = self.all_findings()
        severities = Counter(f.severity for f in all_findings)
        codes = Counter(f.code for f in all_findings)
        on, moved = self.list_changes()
        rule_counts = Counter(c.action for c in on)
        return {
            "rules": len(self.rules),
            "rule_changes": {
                "total": sum(rule_counts.values()) + len(moved),
                **{_PAST[a]: rule_counts.get(a, 0) for a in ACTIONS},
                "moved_between_lists": len(moved),
            },
            "changes": {k: v for k, v in counts.items() if k != "by_country"},
            "by_rule": [self._rule_line(cs) for cs in self.rules],
            "gaps": [g.message for g in self.reconciled.groups if g.is_gap],
            "findings_total": len(all_findings),
            "findings": {s: severities[s] for s in sorted(severities)},
            "findings_by_code": dict(sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))),
            "absorbed": dict(self.absorbed),
            "by_country": counts["by_country"],
            "by_list": {str(r.supplement): r.list_summary() for r in (self, *self.lists)},
        }

    def list_changes(self) -> tuple[list[Change], list[Change]]:
        """The window's rule changes to this report's list: those made on it, and the
        parties moved onto or off it from another list (one change each)."""
        on, moved = [], []
        for cs in self.rules:
            for c in cs.changes:
                if c.action == MOVE_LIST:
                    if self.supplement in (c.supplement, c.from_supplement):
                        moved.append(c)
                elif c.supplement == self.supplement:
                    on.append(c)
        return on, moved

    def moves(self) -> dict[tuple[str, str], Change]:
        """The rules' moves between lists touching this list, by country and name key
        (what a renderer labels this list's changes of those parties with)."""
        from frdiff.normalize import country_key, name_key

        return {(country_key(c.country), name_key(c.name)): c for c in self.list_changes()[1]}

    def all_moves(self) -> list[tuple[str, Change]]:
        """Every move between lists the window's rules make, once: (document, change)."""
        return [
            (cs.rule.document_number, c)
            for cs in self.rules
            for c in cs.changes
            if c.action == MOVE_LIST
        ]

    def list_summary(self) -> dict[str, Any]:
        """This list's counts, as every renderer prints them (``summary()["by_list"]``):
        the rules' changes to it, its reconciled changes, what being on it means."""
        on, moved = self.list_changes()
        by_action = Counter(c.action for c in on)
        spec = lists.SPECS.get(self.supplement)
        counts = self.reconciled.counts()
        return {
            "supplement": self.supplement,
            "list": list_key(self.supplement),
            "name": spec.name if spec else lists.label(self.supplement),
            "meaning": spec.meaning if spec else "",
            "basis": self.basis,
            "rule_added": by_action.get(ADD, 0),
            "rule_revised": by_action.get(REVISE, 0),
            "rule_removed": by_action.get(REMOVE, 0),
            "rule_moved_between_lists": len(moved),
            "changes": {k: counts[k] for k in ("total", *_DIFF_KINDS)},
            "diff": self.diff.summary()["total"] if self.diff is not None else None,
        }

    def list_dict(self) -> dict[str, Any]:
        """The part of the report about its list alone (an item of the ``lists`` of
        the report of several lists, whose rules are the main report's)."""
        on, moved = self.list_changes()
        mine = {id(c) for c in (*on, *moved)}
        return {
            **self.list_summary(),
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
            "notes": list(self.notes),
            "rule_changes": [
                {"document_number": cs.rule.document_number, **c.to_dict()}
                for cs in self.rules
                for c in cs.changes
                if id(c) in mine
            ],
            "changes": [c.to_dict() for c in self.reconciled.changes],
            "diff": self.diff.to_dict() if self.diff is not None else None,
            "findings": [
                f.to_dict()
                for f in (*(self.diff.findings if self.diff is not None else ()), *self.findings)
            ],
        }

    def _rule_line(self, cs: ChangeSet) -> dict[str, Any]:
        """One rule in the headline: what it did, where, under which policy."""
        from frdiff.normalize import country as canonical

        doc = cs.rule.document_number
        mine = [c for c in self.reconciled.changes if doc in c.rules]
        kinds = Counter(c.kind for c in mine)
        countries = Counter(c.country for c in mine)
        policies = Counter(c.policy for c in mine if c.kind != "removed")
        return {
            "document_number": doc,
            "publication_date": cs.rule.publication_date,
            "effective_date": cs.rule.effective_date,
            "changes": len(mine),
            **{k: kinds.get(k, 0) for k in _DIFF_KINDS},
            "countries": {
                c: n for c, n in sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))
            },
            "country_codes": sorted({canonical(c)[1] or c for c in countries}),
            "policies": dict(sorted(policies.items(), key=lambda kv: (-kv[1], kv[0]))),
            "evidence": dict(Counter(c.evidence for c in mine)),
        }

    def headline(self) -> list[str]:
        """The headline as sentences, the same in every output (ten seconds to read)."""
        from frdiff.reconcile import POLICY_TERMS

        s = self.summary()
        ch = s["changes"]
        lines = [
            f"{ch['total']} change(s) to the list: {ch['added']} added, {ch['removed']} "
            f"removed, {ch['modified'] + ch['renamed'] + ch['moved']} changed "
            f"({ch['by_evidence']['confirmed']} by a rule and in the eCFR, "
            f"{ch['by_evidence']['not-in-ecfr']} by a rule not yet in the eCFR, "
            f"{ch['by_evidence']['ecfr-only']} in the eCFR only"
            + (
                f", {ch['by_evidence']['projected']} projected from the rules"
                if ch["by_evidence"]["projected"]
                else ""
            )
            + ")."
        ]
        for r in s["by_rule"]:
            what = (
                ", ".join(
                    f"{r[k]} {'changed' if k == 'modified' else k}" for k in _DIFF_KINDS if r[k]
                )
                or "no change to the list"
            )
            where = ", ".join(f"{c} {n}" for c, n in r["countries"].items())
            policy = ", ".join(
                f"{POLICY_TERMS[t][0].lower()} {n}" for t, n in r["policies"].items()
            )
            lines.append(
                f"Rule {r['document_number']} (published {r['publication_date'] or '?'}, "
                f"effective {r['effective_date'] or '?'}): {what}"
                + (f"; {where}" if where else "")
                + (f"; license review policy: {policy}" if policy else "")
                + "."
            )
        if not self.rules:
            lines.append(
                self.coverage.none_found if self.coverage else "No rule found in what was searched."
            )
        for g in self.reconciled.groups:
            lines.append(("Unread rule: " if g.is_gap else "eCFR only: ") + g.message + ".")
        if self.reconciled.editorial:
            lines.append(
                f"Editorial only: {self.reconciled.editorial} difference(s) of wording or "
                "punctuation, not changes."
            )
        lines.append(
            f"Findings: {s['findings_total']}"
            + (
                " (" + ", ".join(f"{n} {code}" for code, n in s["findings_by_code"].items()) + ")"
                if s["findings_by_code"]
                else ""
            )
            + "."
        )
        if self.coverage is not None:
            lines.append(self.coverage.statement)
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The report as changes.json (schema: ``frdiff/schema/report.schema.json``)."""
        return {
            "format_version": WEEKLY_FORMAT_VERSION,
            "kind": "weekly",
            "supplement": self.supplement,
            "list": list_key(self.supplement),
            "generator": f"frdiff {__version__}",
            "window": {"since": self.since, "until": self.until, "week": self.week},
            "headline": self.headline(),
            "summary": self.summary(),
            "coverage": self.coverage.to_dict() if self.coverage else None,
            "basis": self.basis,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
            "notes": list(self.notes),
            "changes": [c.to_dict() for c in self.reconciled.changes],
            "groups": [g.to_dict() for g in self.reconciled.groups],
            "footnotes": {str(n): t for n, t in self.footnotes},
            "rules": [cs.to_dict() for cs in self.rules],
            "diff": self.diff.to_dict() if self.diff is not None else None,
            "findings": [f.to_dict() for f in self.all_findings()],
            "lists": [r.list_dict() for r in self.lists],
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
    archive: Archive, limit: date, until: date, notes: list[str], supplement: int = lists.DEFAULT
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
    dates = sorted(set(archive.snapshot_dates(supplement)))
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


def _load_snapshot(archive: Archive, on: date, supplement: int = lists.DEFAULT) -> Snapshot:
    from frdiff.cache import SnapshotLoader

    data = archive.snapshot_xml(on, supplement)
    source = f"eCFR Supplement No. {supplement} to Part 744 as of {on}"
    return SnapshotLoader(supplement=supplement).load_bytes(data, source=source, date=str(on))


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


def build_weekly_lists(
    archive: Archive,
    since: date,
    until: date,
    *,
    week: str | None = None,
    today: date | None = None,
    supplements: Sequence[int] | None = None,
) -> WeeklyReport:
    """The weekly report of several lists (every list frdiff reads unless told): the
    report of the first (the Entity List), the others' in its ``lists``, all from
    the same rules, each list diffed, cross-checked and reconciled with its own copies."""
    numbers = tuple(supplements) if supplements else tuple(sorted(lists.SPECS))
    first = build_weekly(archive, since, until, week=week, today=today, supplement=numbers[0])
    others = tuple(
        build_weekly(
            archive, since, until, week=week, today=today, supplement=n, rules=list(first.rules)
        )
        for n in numbers[1:]
    )
    return replace(first, lists=others)


def build_weekly(
    archive: Archive,
    since: date,
    until: date,
    *,
    week: str | None = None,
    today: date | None = None,
    supplement: int = lists.DEFAULT,
    rules: list[ChangeSet] | None = None,
) -> WeeklyReport:
    """Build the report for the window [since, until] from ``archive`` (online or offline),
    on list ``supplement`` (the Entity List unless told; ``rules`` when the window's
    rules are already read).

    Raises :class:`~frdiff.errors.UsageError` for an empty window or one that
    starts after ``today`` (frdiff cannot know what will be published), and
    whatever the archive raises when a rule cannot be had; a missing eCFR copy is
    not an error but a note (and a projection or a rules-only report).
    """
    from frdiff.apply import apply_rules, crosscheck
    from frdiff.diff import diff_snapshots

    if until < since:
        raise UsageError(f"the window ends ({until}) before it starts ({since})", where="window")
    today = today or date.today()
    if since > today:
        raise UsageError(
            f"the window {since} to {until} is in the future (today is {today}): "
            "nothing can be known about it yet",
            where="window",
        )
    if rules is None:
        rules = load_rules(archive, since, until)
    notes: list[str] = []
    findings: list[Finding] = []
    if until > today:
        notes.append(f"The window ends after today ({today}): rules are searched up to today.")
    parts: dict[str, Any] = {
        "since": since,
        "until": until,
        "week": week,
        "today": today,
        "supplement": supplement,
    }

    wanted_before = before_limit(since, rules)
    if wanted_before < since:
        notes.append(
            f"A rule of the window took effect on {wanted_before + timedelta(days=1)}, so the "
            f"list before the window is taken on or before {wanted_before}."
        )
    before_date, after_date = _choose_dates(archive, wanted_before, until, notes, supplement)
    before_snap = after_snap = None
    if before_date is not None:
        try:
            before_snap = _load_snapshot(archive, before_date, supplement)
        except OfflineMissingError as exc:
            notes.append(f"The eCFR copy of {before_date} could not be read ({exc}).")
    if before_snap is None:
        notes.append(
            f"No eCFR copy of the list on or before {wanted_before} is available: "
            "the report lists the rules only, without a diff or cross-check."
        )
        return _finish(archive, rules, "none", None, None, None, findings, notes, **parts)
    assert before_date is not None
    if before_date < wanted_before:
        notes.append(
            f"The list before the window is the eCFR copy of {before_date}, the latest "
            f"available on or before {wanted_before}."
        )
    before_info = _info(before_snap, before_date, wanted_before)
    if after_date is not None:
        try:
            after_snap = _load_snapshot(archive, after_date, supplement)
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
        return _finish(
            archive,
            rules,
            "snapshots",
            (before_snap, before_info),
            (after_snap, _info(after_snap, after_date, until)),
            diff,
            findings,
            notes,
            **parts,
        )
    applied = apply_rules(before_snap, rules)
    findings.extend(applied.findings)
    notes.append(
        f"The eCFR has no copy of the list dated {until} or up to {AFTER_GRACE_DAYS} days "
        f"after it: the list after the window is projected by applying this window's "
        f"{len(rules)} rule(s) to the copy of {before_date}."
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
    return _finish(
        archive,
        rules,
        "projected",
        (before_snap, before_info),
        (projected, after_info),
        diff,
        findings,
        notes,
        **parts,
    )


def coverage_of(
    archive: Archive,
    since: date,
    until: date,
    ecfr: Sequence[str] = (),
    today: date | None = None,
) -> Coverage:
    """What ``archive`` searched for the window: a complete search, or the fixtures' rules."""
    fixtures = getattr(archive, "fixtures", None)
    if fixtures is not None:
        held = fixtures.find_rules(date(1900, 1, 1), date(9999, 12, 31))
        days = sorted(str(m.get("publication_date", "")) for m in held)
        return Coverage(
            source="fixtures",
            complete=False,
            searched_since=days[0] if days else None,
            searched_until=days[-1] if days else None,
            rules_held=len(held),
            ecfr=tuple(ecfr),
        )
    source = (
        "a Federal Register API search"
        if getattr(archive, "online", False)
        else "the store's Federal Register searches"
    )
    today = today or date.today()
    return Coverage(
        source=source,
        complete=until <= today,
        searched_since=str(since),
        searched_until=str(min(until, today)),
        ecfr=tuple(ecfr),
    )


def _absorb(
    findings: Sequence[Finding], reconciled: Reconciled
) -> tuple[list[Finding], dict[str, int]]:
    """Leave out the cross-check findings that the reconciled list states as changes."""
    stated: dict[str, set[str]] = {"ecfr-only": set(), "not-in-ecfr": set()}
    for c in reconciled.changes:
        if c.evidence in stated:
            e = c.entry
            stated[c.evidence].add(f"{e.country}: {e.name}" if e is not None else "")
            stated[c.evidence].add(f"{c.country}: {c.name}")
    kept: list[Finding] = []
    absorbed: Counter[str] = Counter()
    for f in findings:
        evidence = _ABSORBED.get(f.code)
        if evidence is not None and f.text in stated[evidence]:
            absorbed[f.code] += 1
        else:
            kept.append(f)
    return kept, dict(absorbed)


def _finish(
    archive: Archive,
    rules: list[ChangeSet],
    basis: str,
    before: tuple[Snapshot, SnapshotInfo] | None,
    after: tuple[Snapshot, SnapshotInfo] | None,
    diff: Diff | None,
    findings: list[Finding],
    notes: list[str],
    *,
    since: date,
    until: date,
    week: str | None,
    today: date,
    supplement: int = lists.DEFAULT,
) -> WeeklyReport:
    """Reconcile the rules with the diff, state the coverage, and assemble the report."""
    from frdiff.apply import rules_on_list
    from frdiff.reconcile import reconcile, snapshot_footnotes, snapshot_notes

    ecfr = [
        f"{info.date} ({'projected' if info.projected else side})"
        for side, pair in (("before", before), ("after", after))
        if pair is not None
        for info in (pair[1],)
    ]
    coverage = coverage_of(archive, since, until, ecfr, today)
    after_snap = after[0] if after is not None else None
    footnotes = snapshot_footnotes(after_snap) or snapshot_footnotes(
        before[0] if before is not None else None
    )
    after_notes = snapshot_notes(after_snap)
    reconciled = reconcile(
        rules_on_list(rules, supplement),
        diff,
        basis=basis,
        since=since,
        until=until,
        after_date=after[1].date if after is not None else None,
        after_notes=after_notes,
        footnotes=footnotes,
    )
    reconciled = _look_up_gaps(archive, reconciled, notes)
    kept, absorbed = _absorb(findings, reconciled)
    return WeeklyReport(
        since=str(since),
        until=str(until),
        week=week,
        rules=tuple(rules),
        before=before[1] if before is not None else None,
        after=after[1] if after is not None else None,
        basis=basis,
        diff=diff,
        findings=tuple(kept),
        notes=tuple(notes),
        reconciled=reconciled,
        coverage=coverage,
        absorbed=tuple(sorted(absorbed.items())),
        footnotes=tuple(sorted(footnotes.items())),
        supplement=supplement,
    )


def _look_up_gaps(archive: Archive, reconciled: Reconciled, notes: list[str]) -> Reconciled:
    """Online, ask the Federal Register which document holds each gap's pages."""
    lookup = getattr(archive, "find_citation", None)
    if not getattr(archive, "online", False) or lookup is None:
        return reconciled
    from dataclasses import replace

    from frdiff.errors import FrdiffError

    groups = []
    for g in reconciled.groups:
        day = _iso(g.date)
        if g.is_gap and g.volume is not None and g.first_page is not None and day is not None:
            try:
                found = lookup(g.volume, g.first_page, day)
            except FrdiffError as exc:
                notes.append(f"Looking up {g.citation} failed: {exc}")
                found = None
            if found:
                g = replace(
                    g,
                    found=tuple(
                        (k, str(found.get(k) or ""))
                        for k in ("document_number", "title", "html_url", "publication_date")
                    ),
                )
        groups.append(g)
    return replace(reconciled, groups=tuple(groups))
