"""Apply rules to a snapshot, and cross-check "snapshot before + rules" against "after".

A rule says what it meant to change; a later snapshot says what is in force.
:func:`apply_rules` plays a period's change sets onto the list as it stood
before them; :func:`crosscheck` compares the result with the list as compiled
afterwards and reports every disagreement as a finding.

Placeholder citations ("90 FR [INSERT FR PAGE NUMBER ...]") are resolved by the
rule parser; one still lacking a page is reported here, since it cannot be
compared with the list's printed citation.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from msgspec import structs

from frdiff.diff import diff_entries
from frdiff.errors import UsageError
from frdiff.model import (
    ADD,
    EDITORIAL_NOTE,
    ERROR,
    FORMAT_VERSION,
    INFO,
    LIST_FIELDS,
    REMOVE,
    REVISE,
    TEXT_FIELDS,
    WARNING,
    Change,
    ChangeSet,
    Diff,
    Entry,
    Finding,
    Snapshot,
)
from frdiff.normalize import country, country_key, name_key

#: Fields ``crosscheck`` may be told to ignore (for lists known to omit them).
IGNORABLE_FIELDS = frozenset(LIST_FIELDS) | frozenset(TEXT_FIELDS) - {"country", "name"}


@dataclass(frozen=True, slots=True)
class Applied:
    """A snapshot with rules applied, and what did not apply cleanly."""

    snapshot: Snapshot
    findings: tuple[Finding, ...] = ()
    rules: tuple[str, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": "applied",
            "base": {"date": self.snapshot.date, "source": self.snapshot.source},
            "rules": list(self.rules),
            "summary": dict(self.counts),
            "entries": [e.to_dict() for e in self.snapshot.entries],
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """Where "snapshot before + rules" and "snapshot after" disagree."""

    findings: tuple[Finding, ...]
    diff: Diff
    rules: tuple[str, ...] = ()
    before: str = ""
    after: str = ""
    ignored: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        return not any(f.severity in (WARNING, ERROR) for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": "crosscheck",
            "before": self.before,
            "after": self.after,
            "rules": list(self.rules),
            "ignored_fields": list(self.ignored),
            "agrees": self.agrees,
            "summary": {
                "findings": len(self.findings),
                "by_code": dict(sorted(Counter(f.code for f in self.findings).items())),
                "diff": self.diff.summary(),
            },
            "findings": [f.to_dict() for f in self.findings],
        }


def _label(cs: ChangeSet) -> str:
    return cs.rule.document_number or cs.source or "rule"


class _List:
    """The list being edited: entries by position, indexed by country and name key."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: list[Entry | None] = list(entries)
        self.index: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.added_by: dict[int, str] = {}
        self._countries: dict[str, str] = {}
        for i, e in enumerate(self.entries):
            assert e is not None
            self.index[self._key(e.country, e.name)].append(i)

    def _country(self, text: str) -> str:
        key = self._countries.get(text)
        if key is None:
            key = self._countries[text] = country_key(text)
        return key

    def _key(self, country_text: str, name: str) -> tuple[str, str]:
        return self._country(country_text), name_key(name)

    def find(self, country_text: str, names: Iterable[str]) -> list[int]:
        for name in names:
            hits = [i for i in self.index.get(self._key(country_text, name), ()) if self.entries[i]]
            if hits:
                return hits
        return []

    def add(self, e: Entry, rule: str) -> None:
        self.entries.append(e)
        i = len(self.entries) - 1
        self.index[self._key(e.country, e.name)].append(i)
        self.added_by[i] = rule

    def replace(self, i: int, e: Entry) -> None:
        old = self.entries[i]
        assert old is not None
        self.entries[i] = e
        new_key = self._key(e.country, e.name)
        old_key = self._key(old.country, old.name)
        if new_key != old_key:
            self.index[old_key].remove(i)
            self.index[new_key].append(i)

    def remove(self, i: int) -> None:
        self.entries[i] = None

    def result(self) -> tuple[Entry, ...]:
        kept = [(i, e) for i, e in enumerate(self.entries) if e is not None]
        first: dict[str, int] = {}
        for i, e in kept:
            first.setdefault(self._country(e.country), i)
        # Additions join their country's block; the list is otherwise left in its order.
        kept.sort(key=lambda x: (first[self._country(x[1].country)], x[0]))
        return tuple(e for _, e in kept)


def _best(hits: list[int], entries: list[Entry | None], wanted: Entry | None) -> int:
    """Among same-named entries, the one sharing most citations with ``wanted``."""
    if len(hits) == 1 or wanted is None:
        return hits[0]
    keys = {c.key for c in wanted.citations}

    def score(i: int) -> int:
        e = entries[i]
        return len(keys & {c.key for c in e.citations}) if e else -1

    return max(hits, key=score)


def _names(ch: Change) -> list[str]:
    out = [ch.name]
    if ch.name_in_instruction:
        out.append(ch.name_in_instruction)
    if ch.entry is not None:
        out.append(ch.entry.name)
    return list(dict.fromkeys(n for n in out if n))


def _as_listed(ch: Change, entry: Entry) -> Entry:
    """The rule's entry under the change's canonical country heading."""
    heading, code = country(ch.country or entry.country)
    return structs.replace(entry, country=heading, country_code=code)


def apply_rules(snapshot: Snapshot, changesets: Sequence[ChangeSet]) -> Applied:
    """The snapshot with each change set applied in the order given (oldest first).

    Findings: a revise or remove whose target is not listed (a revise still puts
    its entry on the list, as printed); an addition already listed under that
    country ("already-listed": the existing entry gains the rule's citations);
    a change without an entry; a citation placeholder left unresolved.
    """
    lst = _List(snapshot.entries)
    findings: list[Finding] = []
    counts: Counter[str] = Counter()
    for cs in changesets:
        rule = _label(cs)
        for ch in cs.changes:
            where = f"{rule}: {ch.instruction_label or ch.action} ({ch.country}: {ch.name})"
            outcome = _apply_one(lst, ch, rule, where, findings)
            counts[outcome] += 1
            if ch.entry is not None:
                for c in ch.entry.citations:
                    if c.placeholder and c.page is None:
                        findings.append(
                            Finding(
                                WARNING,
                                "unresolved-placeholder",
                                "citation placeholder without a page; cannot be compared",
                                where,
                                c.raw,
                            )
                        )
    rules = tuple(_label(cs) for cs in changesets)
    result = Snapshot(
        entries=lst.result(),
        date=None,
        source=" + ".join([snapshot.source or (snapshot.date or "snapshot"), *rules]),
        findings=(),
        rows=0,
    )
    return Applied(result, tuple(findings), rules, tuple(sorted(counts.items())))


def _apply_one(lst: _List, ch: Change, rule: str, where: str, findings: list[Finding]) -> str:
    """Apply one change; returns what happened (a key of ``Applied.counts``)."""
    hits = lst.find(ch.country, _names(ch))
    if ch.action == ADD:
        if ch.entry is None:
            findings.append(Finding(ERROR, "add-without-entry", "addition has no entry", where))
            return "skipped"
        entry = _as_listed(ch, ch.entry)
        if hits and any(lst.added_by.get(i) == rule for i in hits):
            lst.add(entry, rule)
            findings.append(
                Finding(
                    INFO,
                    "duplicate-name",
                    "the rule adds a second entry with this name under this country",
                    where,
                    ch.name,
                )
            )
            return "added"
        if hits:
            i = _best(hits, lst.entries, entry)
            existing = lst.entries[i]
            assert existing is not None
            have = {c.key for c in existing.citations}
            extra = tuple(c for c in entry.citations if c.key not in have)
            lst.replace(i, structs.replace(existing, citations=existing.citations + extra))
            findings.append(
                Finding(
                    WARNING,
                    "already-listed",
                    f"added entry is already listed under {existing.country} "
                    f"({existing.source or 'snapshot'}); its citations were merged",
                    where,
                    ch.name,
                )
            )
            return "merged"
        lst.add(entry, rule)
        return "added"
    if ch.action == REVISE:
        if ch.entry is None:
            findings.append(
                Finding(ERROR, "revise-without-entry", "revision has no entry", where, ch.name)
            )
            return "skipped"
        entry = _as_listed(ch, ch.entry)
        if not hits:
            lst.add(entry, rule)
            findings.append(
                Finding(
                    WARNING,
                    "revise-target-missing",
                    f"no entry named so under {ch.country} to revise; the revised entry "
                    "was added as printed",
                    where,
                    " / ".join(_names(ch)),
                )
            )
            return "added"
        lst.replace(_best(hits, lst.entries, entry), entry)
        return "revised"
    if ch.action == REMOVE:
        if not hits:
            findings.append(
                Finding(
                    WARNING,
                    "remove-target-missing",
                    f"no entry named so under {ch.country} to remove",
                    where,
                    " / ".join(_names(ch)),
                )
            )
            return "skipped"
        lst.remove(_best(hits, lst.entries, ch.entry))
        return "removed"
    findings.append(Finding(ERROR, "unknown-action", f"unknown action {ch.action!r}", where))
    return "skipped"


def _without(entries: Iterable[Entry], ignore: Sequence[str]) -> tuple[Entry, ...]:
    """Entries with the ignored fields blanked, so neither matching nor diffing sees them."""
    if not ignore:
        return tuple(entries)
    blank: dict[str, Any] = {f: (() if f in LIST_FIELDS else "") for f in ignore}
    return tuple(structs.replace(e, **blank) for e in entries)


def crosscheck(
    before: Snapshot,
    changesets: Sequence[ChangeSet],
    after: Snapshot,
    *,
    ignore: Sequence[str] = (),
) -> CrossCheck:
    """Compare "``before`` + the rules" with ``after``; every disagreement is a finding.

    ``ignore`` names entry fields to leave out of the comparison, for a list
    known not to carry them (e.g. ``("addresses",)`` for a list rebuilt from the
    Consolidated Screening List).  Findings of applying the rules come first, then
    one per entry that is expected but missing, present but unexplained, or
    present with different fields.
    """
    unknown = sorted(set(ignore) - IGNORABLE_FIELDS)
    if unknown:
        raise UsageError(f"cannot ignore field(s) {', '.join(unknown)}", where="crosscheck")
    applied = apply_rules(before, changesets)
    expected_label = applied.snapshot.source
    after_label = after.date or after.source or "after"
    d = diff_entries(
        _without(applied.snapshot.entries, ignore),
        _without(after.entries, ignore),
        old_label=expected_label,
        new_label=after_label,
    )
    findings = list(applied.findings)
    not_incorporated = not_incorporated_amendments(after)
    for volume, page, text in not_incorporated:
        findings.append(
            Finding(
                WARNING,
                "not-incorporated",
                f"{after_label} says it could not incorporate amendments of {volume} FR {page}",
                f"{after.source or after_label}, editorial note",
                text,
            )
        )
    stated = {(v, p) for v, p, _ in not_incorporated}
    for e in d.removed:
        rule = next((cs.rule for cs in changesets if _starts_at(cs, stated)), None)
        why = (
            f"; {after_label} says it could not incorporate {rule.citation or rule.document_number}"
            if rule is not None
            else ""
        )
        findings.append(
            Finding(
                WARNING,
                "missing-in-after",
                f"expected from before + rules, not in {after_label}{why}",
                e.source or f"{e.country}: {e.name}",
                f"{e.country}: {e.name}",
            )
        )
    for e in d.added:
        findings.append(
            Finding(
                WARNING,
                "unexplained-in-after",
                f"in {after_label}, not explained by before + rules",
                e.source or f"{e.country}: {e.name}",
                f"{e.country}: {e.name}",
            )
        )
    for kind in ("modified", "renamed", "moved"):
        for ed in getattr(d, kind):
            fields = ", ".join(c.field for c in ed.changes)
            findings.append(
                Finding(
                    WARNING,
                    "differs-in-after",
                    f"{kind} in {after_label} ({fields}): "
                    + "; ".join(_describe(c.to_dict()) for c in ed.changes),
                    ed.after.source or f"{ed.after.country}: {ed.after.name}",
                    f"{ed.after.country}: {ed.after.name}",
                )
            )
    findings.extend(d.findings)
    return CrossCheck(
        tuple(findings),
        d,
        applied.rules,
        before=before.date or before.source,
        after=after_label,
        ignored=tuple(ignore),
    )


_NOT_INCORPORATED = re.compile(
    r"\bAt\s+(\d{1,3})\s+FR\s+(\d{1,6})\b.*\bcould\s+not\s+be\s+incorporated", re.I | re.S
)


def not_incorporated_amendments(snap: Snapshot) -> list[tuple[int, int, str]]:
    """The amendments a copy's editorial notes say the eCFR could not incorporate,
    as (volume, first page, the note's text): "At 89 FR 96836, Dec. 5, 2024, ...
    was amended ...; however, these amendments could not be incorporated because no
    text was supplied for these entries."""
    out = []
    for n in snap.notes:
        m = _NOT_INCORPORATED.search(n.text) if n.kind == EDITORIAL_NOTE else None
        if m:
            out.append((int(m.group(1)), int(m.group(2)), n.text))
    return out


def _starts_at(cs: ChangeSet, pages: set[tuple[int, int]]) -> bool:
    r = cs.rule
    return r.volume is not None and r.start_page is not None and (r.volume, r.start_page) in pages


def _describe(change: dict[str, Any]) -> str:
    def show(x: Any) -> str:
        if isinstance(x, dict):
            return str(x.get("raw", x))
        return str(x)

    if "added" in change:
        parts = []
        if change["added"]:
            parts.append("+" + ", +".join(show(x) for x in change["added"]))
        if change["removed"]:
            parts.append("-" + ", -".join(show(x) for x in change["removed"]))
        return f"{change['field']} " + " ".join(parts)
    return f"{change['field']} {change['old']!r} -> {change['new']!r}"
