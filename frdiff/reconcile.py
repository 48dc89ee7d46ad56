"""One reconciled list of changes: what the rules did and what the eCFR copies show, once.

The weekly report has two views of the same week: the changes the window's rules
make (parsed from the Federal Register) and the difference between the eCFR
copies of the list before and after the window.  Shown side by side they count
every change twice and leave the reader to match them up.  :func:`reconcile`
matches them and gives every change to an entry exactly once, with its evidence:

``confirmed``
    made by a rule of the window and seen in the eCFR copy after it;
``not-in-ecfr``
    made by a rule, but not (yet) in the eCFR copy: the eCFR lags the Federal
    Register, or could not incorporate the rule (an editorial note of the copy
    then says so, and the change carries its text);
``ecfr-only``
    seen in the eCFR copy, made by no rule of the window.  These are grouped by
    the Federal Register citation the changed entries carry
    (:class:`CitationGroup`): a group whose citation falls in the window and
    matches no rule of the store names a gap ("73 entries cite 90 FR 14032-14045
    (2025-03-28); no rule with those pages is in the store");
``projected``
    made by a rule and applied to the copy before the window, because no eCFR
    copy after it exists.

Each change also says what it means (:func:`significance`): added, removed,
license requirement or review policy tightened or loosened, the
foreign-direct-product footnote added or removed, an alias or address added or
removed, moved, renamed, citation only.  License review policies are read into
a small canonical vocabulary (:func:`policy_term`) so that "Presumption of
denial." and "Presumption of denial" are one policy.

Everything here is data; the renderers in :mod:`frdiff.report` print it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from frdiff.ids import is_iso_date
from frdiff.model import (
    ADD,
    EDITORIAL_NOTE,
    EFFECTIVE_DATE_NOTE,
    FOOTNOTE,
    REMOVE,
    REVISE,
    Change,
    ChangeSet,
    Citation,
    Diff,
    Entry,
    FieldChange,
    Snapshot,
)
from frdiff.normalize import country as canonical_country
from frdiff.normalize import name_key, parse_citations

__all__ = [
    "CONFIRMED",
    "ECFR_ONLY",
    "EVIDENCE",
    "KINDS",
    "NOT_IN_ECFR",
    "POLICY_TERMS",
    "PROJECTED",
    "CitationGroup",
    "Reconciled",
    "ReconciledChange",
    "fdp_footnotes",
    "policy_term",
    "reconcile",
    "significance",
    "snapshot_footnotes",
    "snapshot_notes",
]

CONFIRMED, NOT_IN_ECFR, ECFR_ONLY, PROJECTED = "confirmed", "not-in-ecfr", "ecfr-only", "projected"
#: Every evidence a change can have, in the order reports list them.
EVIDENCE = (CONFIRMED, NOT_IN_ECFR, ECFR_ONLY, PROJECTED)
#: What a change does to an entry, in the order reports list them.
KINDS = ("added", "removed", "modified", "renamed", "moved")
_ACTION_KIND = {ADD: "added", REMOVE: "removed", REVISE: "modified"}
_KIND_WORDS = {"modified": "changed"}

# ---------------------------------------------------------------------------
# License review policy: a small canonical vocabulary

#: term -> (label, strictness); a higher strictness denies more.
POLICY_TERMS: dict[str, tuple[str, int]] = {
    "approval": ("Presumption of approval", 0),
    "case-by-case": ("Case-by-case review", 1),
    "presumption-of-denial": ("Presumption of denial", 2),
    "policy-of-denial": ("Policy of denial", 3),
    "see-regulation": ("See the regulation cited", -1),
    "none": ("None stated", -1),
    "other": ("Other", -1),
}
_POLICY_PATTERNS = (
    ("policy-of-denial", re.compile(r"\bpolicy\s+of\s+denial\b", re.I)),
    ("presumption-of-denial", re.compile(r"\bpresumption\s+of\s+denial\b", re.I)),
    ("case-by-case", re.compile(r"\bcase[\s-]*by[\s-]*case\b", re.I)),
    ("approval", re.compile(r"\b(presumption\s+of\s+)?approval\b", re.I)),
)
_SEE = re.compile(r"^\W*see\b", re.I)


def policy_term(text: str | None) -> str:
    """The canonical term of a printed license review policy (see :data:`POLICY_TERMS`).

    A policy naming several reviews ("case-by-case for ...; presumption of denial
    for all other items") is read as its strictest, since that is what most
    items meet.
    """
    text = (text or "").strip()
    if not text:
        return "none"
    found = [term for term, pattern in _POLICY_PATTERNS if pattern.search(text)]
    if found:
        return max(found, key=lambda t: POLICY_TERMS[t][1])
    return "see-regulation" if _SEE.match(text) else "other"


def _policy_rank(text: str | None) -> int:
    return POLICY_TERMS[policy_term(text)][1]


_ALL_ITEMS = re.compile(r"\ball\s+items\s+subject\s+to\s+the\s+EAR\b", re.I)


def _requirement_rank(text: str | None) -> int:
    """How much a license requirement covers: all items (2), some items (1), none (-1)."""
    text = (text or "").strip()
    if not text:
        return -1
    return 2 if _ALL_ITEMS.search(text) and not re.search(r"\bexcept\b", text, re.I) else 1


# ---------------------------------------------------------------------------
# Footnotes: explained from the list's own texts

_FDP = re.compile(r"734\.9\s*\(|foreign[\s-]+produced|foreign[\s-]+direct[\s-]+product", re.I)


def snapshot_footnotes(snapshot: Snapshot | None) -> dict[int, str]:
    """The footnote texts a copy of the list prints (its TFOOT), by number.

    Empty when the copy carries none, so nothing is ever explained from anything
    but the list itself.
    """
    if snapshot is None:
        return {}
    return {
        n.number: n.text
        for n in snapshot.notes
        if n.kind == FOOTNOTE and n.number is not None and n.text
    }


def snapshot_notes(snapshot: Snapshot | None) -> tuple[str, ...]:
    """The eCFR's editorial and effective-date notes of a copy (EDNOTE, EFFDNOT)."""
    if snapshot is None:
        return ()
    return tuple(n.text for n in snapshot.notes if n.kind in (EDITORIAL_NOTE, EFFECTIVE_DATE_NOTE))


def fdp_footnotes(footnotes: Mapping[int, str]) -> frozenset[int]:
    """The numbers of the footnotes that extend the list to foreign-produced items."""
    return frozenset(n for n, text in footnotes.items() if _FDP.search(text))


# ---------------------------------------------------------------------------
# Significance


def significance(
    kind: str,
    before: Entry | None,
    after: Entry | None,
    fields: Sequence[FieldChange],
    fdp: frozenset[int] = frozenset(),
) -> tuple[str, ...]:
    """What a change means, as tags, most significant first.

    ``added``/``removed`` for a whole entry; for a changed one
    ``license-requirement-tightened``/``-loosened``/``-changed``,
    ``review-policy-tightened``/``-loosened``/``-changed``,
    ``fdp-footnote-added``/``-removed`` (a footnote whose text extends the entry
    to foreign-produced items, see :func:`fdp_footnotes`), ``footnote-changed``,
    ``alias-added``/``-removed``, ``address-added``/``-removed``, ``moved``,
    ``renamed``, ``citation-only`` (nothing but the Federal Register citations
    changed) and ``other`` (listed items, notes, sub-units).
    """
    if kind in ("added", "removed"):
        tags = [kind]
        entry = after if kind == "added" else before
        if entry is not None and fdp & set(entry.footnotes):
            tags.append("fdp-footnote")
        return tuple(tags)
    out: list[str] = []
    if kind == "moved":
        out.append("moved")
    if kind == "renamed":
        out.append("renamed")
    by_field = {fc.field: fc for fc in fields}
    if "license_requirement" in by_field:
        fc = by_field["license_requirement"]
        old, new = _requirement_rank(fc.old), _requirement_rank(fc.new)
        out.append(
            "license-requirement-"
            + ("tightened" if new > old >= 0 else "loosened" if 0 <= new < old else "changed")
        )
    if "license_review_policy" in by_field:
        fc = by_field["license_review_policy"]
        old, new = _policy_rank(fc.old), _policy_rank(fc.new)
        if policy_term(fc.old) == policy_term(fc.new) != "other":
            out.append("review-policy-changed")
        else:
            out.append(
                "review-policy-"
                + ("tightened" if new > old >= 0 else "loosened" if 0 <= new < old else "changed")
            )
    if "footnotes" in by_field:
        fc = by_field["footnotes"]
        added, removed = set(fc.added) & fdp, set(fc.removed) & fdp
        if added:
            out.append("fdp-footnote-added")
        if removed:
            out.append("fdp-footnote-removed")
        if set(fc.added) - fdp or set(fc.removed) - fdp:
            out.append("footnote-changed")
    for name, tag in (("aliases", "alias"), ("addresses", "address")):
        items = by_field.get(name)
        if items is not None:
            if items.added:
                out.append(f"{tag}-added")
            if items.removed:
                out.append(f"{tag}-removed")
    if any(f in by_field for f in ("listed_items", "notes", "units")):
        out.append("other")
    if "citations" in by_field and not out:
        out.append("citation-only")
    elif "citations" in by_field:
        out.append("citation-changed")
    return tuple(out) or ("other",)


# ---------------------------------------------------------------------------
# The reconciled list


@dataclass(frozen=True, slots=True)
class ReconciledChange:
    """One change to one entry, with its evidence (see the module docstring).

    ``before``/``after`` are the entry before and after (the rule's entry for a
    change the eCFR does not show yet); ``rules`` the document numbers of the
    window's rules that made it; ``group`` the key of its :class:`CitationGroup`
    for an eCFR-only change; ``note`` why the eCFR does not show a rule's change.
    """

    kind: str
    evidence: str
    country: str
    name: str
    before: Entry | None = None
    after: Entry | None = None
    fields: tuple[FieldChange, ...] = ()
    rules: tuple[str, ...] = ()
    significance: tuple[str, ...] = ()
    group: str = ""
    note: str = ""

    @property
    def entry(self) -> Entry | None:
        """The entry as it now reads (as it read, for a removal)."""
        return self.after if self.after is not None else self.before

    @property
    def country_code(self) -> str:
        e = self.entry
        return (
            (e.country_code if e is not None else None) or canonical_country(self.country)[1] or ""
        )

    @property
    def policy(self) -> str:
        """The canonical license review policy of the entry (see :func:`policy_term`)."""
        e = self.entry
        return policy_term(e.license_review_policy if e is not None else "")

    def to_dict(self) -> dict[str, Any]:
        e = self.entry
        return {
            "kind": self.kind,
            "evidence": self.evidence,
            "country": self.country,
            "country_code": self.country_code,
            "name": self.name,
            "previous_name": (
                self.before.name
                if self.before is not None
                and self.after is not None
                and self.before.name != self.after.name
                else None
            ),
            "previous_country": (
                self.before.country
                if self.before is not None
                and self.after is not None
                and self.before.country != self.after.country
                else None
            ),
            "rules": list(self.rules),
            "significance": list(self.significance),
            "license_review_policy": {
                "text": e.license_review_policy if e is not None else "",
                "term": self.policy,
            },
            "group": self.group or None,
            "note": self.note or None,
            "changes": [fc.to_dict() for fc in self.fields],
            "before": self.before.to_dict() if self.before is not None else None,
            "after": self.after.to_dict() if self.after is not None else None,
        }


@dataclass(frozen=True, slots=True)
class CitationGroup:
    """The eCFR-only changes whose entries carry one Federal Register citation.

    ``volume``/``first_page``/``last_page`` span the pages cited; ``date`` is the
    citation's date (printed with it, or ``date_basis`` says how it was inferred);
    ``rule`` the document number of a rule of the store holding those pages,
    ``None`` when none does.  ``in_window`` says the citation dates from the
    window, so a missing rule is a gap in what was read.  ``found`` is what an
    online look-up of the citation found (title, document number, URL), if any.
    """

    key: str
    volume: int | None
    first_page: int | None
    last_page: int | None
    date: str | None
    count: int
    rule: str | None = None
    in_window: bool = False
    date_basis: str = ""
    found: tuple[tuple[str, str], ...] = ()
    kinds: tuple[tuple[str, int], ...] = ()

    @property
    def citation(self) -> str:
        if self.volume is None or self.first_page is None:
            return self.key
        pages = str(self.first_page)
        if self.last_page is not None and self.last_page != self.first_page:
            pages += f"-{self.last_page}"
        return f"{self.volume} FR {pages}"

    @property
    def is_gap(self) -> bool:
        """True when the changes point at a rule of the window that frdiff has not read."""
        return self.rule is None and self.in_window

    @property
    def message(self) -> str:
        """One sentence a reader understands: how many entries cite what, and what is missing."""
        n = self.count
        what = ""
        if len(self.kinds) > 1:
            what = (
                " ("
                + ", ".join(f"{k} {_KIND_WORDS.get(kind, kind)}" for kind, k in self.kinds)
                + ")"
            )
        entries = f"{n} {'entry' if n == 1 else 'entries'}{what} {'cites' if n == 1 else 'cite'} {self.citation}"
        when = f" ({self.date})" if self.date else ""
        if self.rule:
            return f"{entries}{when}, from rule {self.rule}, which does not list these changes"
        found = dict(self.found)
        if found.get("document_number"):
            return (
                f"{entries}{when}; no rule with those pages is in the store; the Federal "
                f"Register has {found['document_number']} there: {found.get('title', '')}"
            )
        if self.in_window:
            return f"{entries}{when}; no rule with those pages is in the store"
        if self.volume is None:
            return f"{entries}: a citation frdiff cannot read"
        return f"{entries}{when}, from before the window"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "citation": self.citation,
            "volume": self.volume,
            "first_page": self.first_page,
            "last_page": self.last_page,
            "date": self.date,
            "date_basis": self.date_basis or None,
            "count": self.count,
            "rule": self.rule,
            "in_window": self.in_window,
            "gap": self.is_gap,
            "found": dict(self.found) or None,
            "kinds": dict(self.kinds),
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Reconciled:
    """The reconciled changes, the citation groups of the eCFR-only ones, and the
    number of editorial-only differences (each counted once, in one place)."""

    changes: tuple[ReconciledChange, ...] = ()
    groups: tuple[CitationGroup, ...] = ()
    editorial: int = 0

    def counts(self) -> dict[str, Any]:
        """Every count a report prints about the changes, computed here once."""
        kinds = Counter(c.kind for c in self.changes)
        evidence = Counter(c.evidence for c in self.changes)
        by_country: dict[str, Counter[str]] = {}
        for c in self.changes:
            by_country.setdefault(c.country, Counter())[c.kind] += 1
        return {
            "total": len(self.changes),
            **{k: kinds.get(k, 0) for k in KINDS},
            "by_evidence": {e: evidence.get(e, 0) for e in EVIDENCE},
            "editorial": self.editorial,
            "by_country": {
                c: {k: v.get(k, 0) for k in KINDS} for c, v in sorted(by_country.items())
            },
        }


def _keys(country: str, names: Iterable[str]) -> set[tuple[str, str]]:
    heading = canonical_country(country)[0]
    return {(heading, name_key(n)) for n in names if n and name_key(n)}


def _change_keys(ch: Change) -> set[tuple[str, str]]:
    names = [ch.name, ch.name_in_instruction or ""]
    if ch.entry is not None:
        names.append(ch.entry.name)
    return _keys(ch.country, names)


def _entry_keys(e: Entry | None) -> set[tuple[str, str]]:
    if e is None:
        return set()
    return _keys(e.country, [e.name, *e.aliases])


_DiffItem = tuple[str, Entry | None, Entry | None, tuple[FieldChange, ...]]


def _diff_items(diff: Diff) -> list[_DiffItem]:
    items: list[_DiffItem] = [("added", None, e, ()) for e in diff.added]
    items += [("removed", e, None, ()) for e in diff.removed]
    for kind in ("modified", "renamed", "moved"):
        items += [(kind, p.before, p.after, p.changes) for p in getattr(diff, kind)]
    return items


def _new_citations(before: Entry | None, after: Entry | None) -> list[Citation]:
    """The citations an eCFR change brought: those of ``after`` that ``before`` lacks."""
    if after is None:
        return list(before.citations[-1:]) if before is not None else []
    old = {c.key for c in before.citations} if before is not None else set()
    new = [c for c in after.citations if c.key not in old]
    return new or list(after.citations[-1:])


def _rule_pages(cs: ChangeSet) -> tuple[int | None, int | None, int | None]:
    r = cs.rule
    return r.volume, r.start_page, r.end_page or r.start_page


def _rule_for(citation: Citation, rules: Sequence[ChangeSet]) -> str | None:
    for cs in rules:
        volume, start, end = _rule_pages(cs)
        if (
            citation.volume is not None
            and citation.page is not None
            and volume == citation.volume
            and start is not None
            and end is not None
            and start <= citation.page <= end
        ):
            return cs.rule.document_number
    return None


def _iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text and is_iso_date(text) else None


def _next_rule(volume: int | None, page: int | None, rules: Sequence[ChangeSet]) -> Any:
    """The rule of the window printed nearest after ``page`` of ``volume`` (same issue, most
    likely: the documents of one Federal Register issue are printed on consecutive pages)."""
    if volume is None or page is None:
        return None
    after = [
        cs.rule
        for cs in rules
        if cs.rule.volume == volume
        and cs.rule.start_page is not None
        and 0 < cs.rule.start_page - page <= _SAME_ISSUE_PAGES
    ]
    return min(after, key=lambda r: r.start_page or 0) if after else None


#: A cited page this close before a rule of the window is read as from the same issue.
_SAME_ISSUE_PAGES = 200


def _groups(
    items: list[tuple[int, list[Citation], str]],
    rules: Sequence[ChangeSet],
    since: date | None,
    until: date | None,
) -> tuple[dict[int, str], list[CitationGroup]]:
    """Group eCFR-only changes by the citation they carry: a rule of the window whose pages
    it is, else its volume and date (printed, or that of the next rule's issue)."""
    buckets: dict[str, list[tuple[int, Citation | None, str]]] = {}
    for index, cits, kind in items:
        cit = cits[-1] if cits else None
        if cit is None:
            key = "no citation"
        elif (rule := _rule_for(cit, rules)) is not None:
            key = f"rule {rule}"
        elif cit.volume is not None and cit.date:
            key = f"{cit.volume} FR ({cit.date})"
        elif cit.volume is not None:
            nxt = _next_rule(cit.volume, cit.page, rules)
            key = f"{cit.volume} FR before {nxt.document_number}" if nxt else f"{cit.volume} FR"
        else:
            key = cit.raw
        buckets.setdefault(key, []).append((index, cit, kind))
    shared = _move_shared_first_pages(buckets, rules)
    of: dict[int, str] = {}
    out: list[CitationGroup] = []
    for key, members in buckets.items():
        if not members:
            continue
        cits = [c for _, c, _ in members if c is not None]
        pages = sorted(c.page for c in cits if c.page is not None)
        volumes = {c.volume for c in cits if c.volume is not None}
        volume = next(iter(volumes)) if len(volumes) == 1 else None
        first, last = (pages[0], pages[-1]) if pages else (None, None)
        rule = key[5:] if key.startswith("rule ") else None
        printed = {c.date for c in cits if c.date}
        day, basis = (next(iter(printed)), "printed") if len(printed) == 1 else (None, "")
        nxt = _next_rule(volume, first, rules) if rule is None and not day else None
        if nxt is not None and nxt.publication_date and nxt.start_page is not None:
            # Undated: the unread document lies on the pages before the next rule of the
            # window (up to the page they share), in that rule's issue.
            day = nxt.publication_date
            last = nxt.start_page if key in shared else nxt.start_page - 1
            basis = (
                f"inferred: the pages before {nxt.document_number} "
                f"({nxt.volume} FR {nxt.start_page}, published {nxt.publication_date})"
            )
            if key in shared:
                basis += (
                    f"; {shared[key]} of the entries cite page {nxt.start_page}, the page "
                    f"{nxt.document_number} starts on, which lists no such change"
                )
        when = _iso(day)
        in_window = bool(rule is not None or (when and since and until and since <= when <= until))
        kinds = Counter(k for _, _, k in members)
        out.append(
            CitationGroup(
                key=key,
                volume=volume,
                first_page=first,
                last_page=last,
                date=day,
                count=len(members),
                rule=rule,
                in_window=in_window,
                date_basis=basis,
                kinds=tuple((k, kinds[k]) for k in KINDS if kinds[k]),
            )
        )
        for index, _, _ in members:
            of[index] = key
    out.sort(key=lambda g: (not g.is_gap, -g.count, g.key))
    return of, out


def _move_shared_first_pages(
    buckets: dict[str, list[tuple[int, Citation | None, str]]], rules: Sequence[ChangeSet]
) -> dict[str, int]:
    """Give the unread document before a rule the changes citing that rule's first page.

    Documents of one issue share pages: one ends on the page where the next begins.  A
    change citing the first page of rule R, which R does not list, comes from the
    document printed before R when the copy shows such a document (a group of changes
    citing the pages just before R).  Returns how many moved, by receiving group.
    """
    moved: dict[str, int] = {}
    for cs in rules:
        r = cs.rule
        mine, before = f"rule {r.document_number}", f"{r.volume} FR before {r.document_number}"
        if mine not in buckets or before not in buckets:
            continue
        stay = []
        for member in buckets[mine]:
            cit = member[1]
            if cit is not None and cit.page == r.start_page:
                buckets[before].append(member)
                moved[before] = moved.get(before, 0) + 1
            else:
                stay.append(member)
        buckets[mine] = stay
    return moved


def reconcile(
    rules: Sequence[ChangeSet],
    diff: Diff | None,
    *,
    basis: str,
    since: date | None = None,
    until: date | None = None,
    after_date: str | None = None,
    after_notes: Sequence[str] = (),
    footnotes: Mapping[int, str] | None = None,
) -> Reconciled:
    """Match the rules' changes with the diff of the eCFR copies: each change once.

    ``basis`` is the weekly report's ("snapshots", "projected" or "none");
    ``after_notes`` are the editorial notes of the copy after the window (an
    EDNOTE saying a rule could not be incorporated); ``footnotes`` the list's
    footnote texts by number (for the foreign-direct-product footnote).
    """
    fdp = fdp_footnotes(footnotes or {})
    rule_changes = [(cs.rule.document_number, ch) for cs in rules for ch in cs.changes]
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, (_, ch) in enumerate(rule_changes):
        for k in _change_keys(ch):
            by_key.setdefault(k, []).append(i)
    items = _diff_items(diff) if diff is not None else []
    used: set[int] = set()
    out: list[ReconciledChange | None] = []
    ecfr_only: list[tuple[int, list[Citation], str]] = []
    for kind, before, after, fields in items:
        hits = sorted(
            {i for k in _entry_keys(after) | _entry_keys(before) for i in by_key.get(k, ())}
        )
        # A rule's change explains the eCFR's when it acts the same way on the entry.
        wanted = {"added": ADD, "removed": REMOVE}.get(kind)
        hits = [i for i in hits if wanted is None or rule_changes[i][1].action == wanted] or (
            hits if wanted is None else []
        )
        entry = after if after is not None else before
        assert entry is not None
        country = canonical_country(entry.country)[0]
        tags = significance(kind, before, after, fields, fdp)
        if hits:
            used.update(hits)
            docs = tuple(dict.fromkeys(rule_changes[i][0] for i in hits))
            evidence = PROJECTED if basis == "projected" else CONFIRMED
            out.append(
                ReconciledChange(
                    kind, evidence, country, entry.name, before, after, fields, docs, tags
                )
            )
        else:
            ecfr_only.append((len(out), _new_citations(before, after), kind))
            out.append(
                ReconciledChange(
                    kind, ECFR_ONLY, country, entry.name, before, after, fields, (), tags
                )
            )
    group_of, groups = _groups(ecfr_only, rules, since, until)
    for index, key in group_of.items():
        c = out[index]
        assert c is not None
        out[index] = ReconciledChange(
            c.kind, c.evidence, c.country, c.name, c.before, c.after, c.fields, c.rules,
            c.significance, key,
        )  # fmt: skip
    changes = [c for c in out if c is not None]
    for i, (doc, ch) in enumerate(rule_changes):
        if i in used:
            continue
        kind = _ACTION_KIND.get(ch.action, "modified")
        country = canonical_country(ch.country)[0]
        note = _why_not_in_ecfr(doc, rules, basis, after_date, after_notes, ch.name)
        after = ch.entry if ch.action != REMOVE else None
        before = ch.entry if ch.action == REMOVE else None
        tags = significance(kind, before, after, (), fdp) if kind != "modified" else ("other",)
        changes.append(
            ReconciledChange(
                kind, NOT_IN_ECFR if basis != "projected" else PROJECTED, country,
                ch.name, before, after, (), (doc,), tags, "", note,
            )
        )  # fmt: skip
    editorial = len(diff.editorial) if diff is not None else 0
    # Reports list by kind, then the rules' changes before what only the eCFR shows.
    changes.sort(key=lambda c: (KINDS.index(c.kind), _EVIDENCE_ORDER.index(c.evidence)))
    return Reconciled(tuple(changes), tuple(groups), editorial)


_EVIDENCE_ORDER = (CONFIRMED, PROJECTED, NOT_IN_ECFR, ECFR_ONLY)


def _why_not_in_ecfr(
    doc: str,
    rules: Sequence[ChangeSet],
    basis: str,
    after_date: str | None,
    notes: Sequence[str],
    name: str = "",
) -> str:
    """Why the eCFR copy does not show a rule's change: its editorial note, or the lag.

    An editorial note of the copy ("At 89 FR 96836, Dec. 5, 2024, supplement no. 4 ...
    was amended ...; however, these amendments could not be incorporated ...") applies
    when it cites a page of the rule (or its document number); of several, the one
    naming the entry is preferred.
    """
    if basis == "none":
        return "no eCFR copy of the list is available to compare with"
    if basis == "projected":
        return "applied to the copy before the window (no eCFR copy after it)"
    rule = next((cs.rule for cs in rules if cs.rule.document_number == doc), None)

    def cites_rule(text: str) -> bool:
        if doc in text:
            return True
        if rule is None or rule.volume is None or rule.start_page is None:
            return False
        end = rule.end_page or rule.start_page
        return any(
            c.volume == rule.volume and c.page is not None and rule.start_page <= c.page <= end
            for c in parse_citations(text)
        )

    matching = [t for t in notes if cites_rule(t)]
    if matching:
        key = name_key(name) if name else ""
        named = [t for t in matching if key and key in name_key(t)]
        return f"the eCFR copy of {after_date} says: {(named or matching)[0]}"
    return f"not yet in the eCFR copy of {after_date} (the eCFR lags the Federal Register)"
