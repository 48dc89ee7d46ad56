"""The timeline of one entity across the stored rules and snapshots.

:func:`build_history` finds every entry whose name or alias is close to the name
asked for (rapidfuzz over the folded comparison keys of :mod:`frdiff.normalize`),
groups them by country and name, and lists what happened to each: which rule
added, revised or removed it, and, snapshot by snapshot, when it appeared in the
eCFR copy of the list, how its fields changed and when it left.

Matching is fuzzy on purpose ("Inspur" finds every Inspur company, a misspelled
"Nettrix Informaton" finds Nettrix); each match says which name or alias matched
and how well, so a reader can discard the ones that are not meant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from frdiff.errors import FrdiffError, UsageError
from frdiff.log import get_logger
from frdiff.model import FORMAT_VERSION, Change, ChangeSet, Entry, FieldChange, Snapshot
from frdiff.normalize import country as canonical_country
from frdiff.normalize import country_key, name_key

if TYPE_CHECKING:
    from frdiff.archive import Archive

__all__ = ["DEFAULT_MIN_SCORE", "EntityHistory", "Event", "History", "build_history", "score"]

log = get_logger(__name__)

#: Matches scoring below this (0-100) are not reported.
DEFAULT_MIN_SCORE = 85.0
#: Rules are searched from this date unless told otherwise (the eCFR's history starts
#: on 2017-01-03; the Federal Register API's full texts go back to 1994).
DEFAULT_SINCE = date(2017, 1, 1)


def score(query: str, candidate: str) -> float:
    """How well ``candidate`` (a name or alias) matches ``query``, 0-100.

    The best of: the whole-string similarity (typos in a full name), token-set
    similarity (the query's words all present in a longer name), and the average,
    over the query's words, of each word's best similarity with a word of the
    candidate (a misspelled word in a partial name).
    """
    q, c = name_key(query), name_key(candidate)
    if not q or not c:
        return 0.0
    best = max(fuzz.ratio(q, c), fuzz.token_set_ratio(q, c))
    q_tokens, c_tokens = q.split(), c.split()
    if q_tokens and c_tokens:
        per_word = sum(max(fuzz.ratio(t, u) for u in c_tokens) for t in q_tokens) / len(q_tokens)
        best = max(best, per_word)
    return float(best)


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened to an entry.

    ``kind``: "added", "revised", "removed" (by a rule, ``document_number`` set);
    "listed" (first seen in a snapshot), "present" (in the earliest snapshot
    searched, so since when is unknown), "changed", "delisted" (gone from a
    snapshot that follows one holding it).
    """

    date: str | None
    kind: str
    source: str
    country: str
    name: str
    document_number: str | None = None
    entry: Entry | None = None
    changes: tuple[FieldChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "kind": self.kind,
            "source": self.source,
            "country": self.country,
            "name": self.name,
            "document_number": self.document_number,
            "entry": self.entry.to_dict() if self.entry else None,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class EntityHistory:
    """One matched entry (country and name) and its timeline, oldest first."""

    country: str
    name: str
    score: float
    matched_on: str
    aliases: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "name": self.name,
            "score": round(self.score, 1),
            "matched_on": self.matched_on,
            "aliases": list(self.aliases),
            "events": [e.to_dict() for e in self.events],
        }


@dataclass(frozen=True, slots=True)
class History:
    """The answer to ``frdiff history NAME``: every match, best first."""

    query: str
    country: str | None
    matches: tuple[EntityHistory, ...]
    rules: tuple[str, ...] = ()
    snapshots: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": "history",
            "query": self.query,
            "country": self.country,
            "searched": {"rules": list(self.rules), "snapshots": list(self.snapshots)},
            "notes": list(self.notes),
            "matches": [m.to_dict() for m in self.matches],
        }


class _Matcher:
    """Scores names and aliases against one query, remembering what it scored."""

    def __init__(self, query: str, country: str | None, min_score: float) -> None:
        self.query = query
        self.country = country_key(country) if country else None
        self.min_score = min_score
        self._cache: dict[str, float] = {}

    def _score(self, text: str) -> float:
        if text not in self._cache:
            self._cache[text] = score(self.query, text)
        return self._cache[text]

    def match(self, country: str, names: Iterable[str]) -> tuple[float, str] | None:
        """(score, matched text) of the best name, or None below the threshold."""
        if self.country is not None and country_key(country) != self.country:
            return None
        best = max(((self._score(n), n) for n in names if n), default=None)
        if best is None or best[0] < self.min_score:
            return None
        return best


def _key(country: str, name: str) -> tuple[str, str]:
    return country_key(country), name_key(name)


@dataclass
class _Building:
    country: str
    name: str
    score: float
    matched_on: str
    aliases: tuple[str, ...]
    events: list[tuple[tuple[str, int], Event]]


def _rule_event(cs: ChangeSet, c: Change) -> Event:
    past = {"add": "added", "revise": "revised", "remove": "removed"}
    return Event(
        date=cs.rule.publication_date,
        kind=past.get(c.action, c.action),
        source=f"rule {cs.rule.document_number}"
        + (f" ({cs.rule.citation})" if cs.rule.citation else ""),
        country=c.country,
        name=c.name,
        document_number=cs.rule.document_number,
        entry=c.entry,
    )


def history_from(
    query: str,
    rules: Sequence[ChangeSet],
    snapshots: Sequence[Snapshot],
    *,
    country: str | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
) -> History:
    """The timeline of entries matching ``query`` in already parsed rules and snapshots."""
    from frdiff.diff import compare_entries

    if not name_key(query):
        raise UsageError("the name to look for is empty", where="history")
    matcher = _Matcher(query, country, min_score)
    found: dict[tuple[str, str], _Building] = {}

    def note(ctry: str, name: str, aliases: tuple[str, ...], hit: tuple[float, str]) -> _Building:
        key = _key(ctry, name)
        b = found.get(key)
        if b is None:
            heading = canonical_country(ctry)[0]
            b = found[key] = _Building(heading, name, hit[0], hit[1], aliases, [])
        elif hit[0] > b.score:
            b.score, b.matched_on = hit
        if aliases:
            b.aliases = aliases
        return b

    for cs in rules:
        for c in cs.changes:
            aliases = c.entry.aliases if c.entry else ()
            names = [c.name, *aliases, *([c.name_in_instruction] if c.name_in_instruction else [])]
            hit = matcher.match(c.country, names)
            if hit:
                b = note(c.country, c.name, aliases, hit)
                b.events.append(((cs.rule.publication_date or "", 0), _rule_event(cs, c)))

    ordered = sorted(snapshots, key=lambda s: s.date or "")
    previous: dict[tuple[str, str], Entry] = {}
    for i, snap in enumerate(ordered):
        label = f"eCFR {snap.date}" if snap.date else snap.source
        current: dict[tuple[str, str], Entry] = {}
        for e in snap.entries:
            key = _key(e.country, e.name)
            if key in current:
                continue
            if key in found or matcher.match(e.country, (e.name, *e.aliases)):
                current[key] = e
        for key, e in current.items():
            hit = matcher.match(e.country, (e.name, *e.aliases))
            b = note(e.country, e.name, e.aliases, hit) if hit else found[key]
            before = previous.get(key)
            when = (snap.date or "", 1)
            if before is None:
                kind = "present" if i == 0 else "listed"
                b.events.append((when, Event(snap.date, kind, label, e.country, e.name, entry=e)))
            else:
                changes = compare_entries(before, e)
                if changes:
                    b.events.append(
                        (
                            when,
                            Event(snap.date, "changed", label, e.country, e.name, changes=changes),
                        )
                    )
        for key, e in previous.items():
            if key not in current:
                found[key].events.append(
                    (
                        (snap.date or "", 1),
                        Event(snap.date, "delisted", label, e.country, e.name, entry=None),
                    )
                )
        previous = current

    matches = [
        EntityHistory(
            country=b.country,
            name=b.name,
            score=b.score,
            matched_on=b.matched_on,
            aliases=b.aliases,
            events=tuple(ev for _, ev in sorted(b.events, key=lambda x: x[0])),
        )
        for b in found.values()
    ]
    matches.sort(key=lambda m: (-m.score, m.country, m.name))
    return History(
        query=query,
        country=canonical_country(country)[0] if country else None,
        matches=tuple(matches),
        rules=tuple(cs.rule.document_number for cs in rules),
        snapshots=tuple(s.date or s.source for s in ordered),
    )


def build_history(
    archive: Archive,
    query: str,
    *,
    country: str | None = None,
    since: date | None = None,
    until: date | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    snapshot_dates: Sequence[date] | None = None,
) -> History:
    """The timeline of entries matching ``query`` across the archive's rules and snapshots.

    Rules published in [since, until] (default: 2017 to today) and the snapshots
    dated in it are read; ``snapshot_dates`` narrows the snapshots (online the
    eCFR has a version for every amendment, and reading them all is slow).  A rule
    or snapshot that cannot be read becomes a note, not an error.
    """
    from frdiff.cache import SnapshotLoader
    from frdiff.parse.rule import parse_rule

    since = since or DEFAULT_SINCE
    until = until or date.today()
    notes: list[str] = []
    rules: list[ChangeSet] = []
    for meta in archive.find_rules(since, until):
        number = str(meta.get("document_number", ""))
        try:
            rules.append(parse_rule(archive.rule_xml(number), source=f"FR {number}", meta=meta))
        except FrdiffError as exc:
            notes.append(f"rule {number} skipped: {exc}")
    dates = snapshot_dates if snapshot_dates is not None else archive.snapshot_dates()
    snapshots: list[Snapshot] = []
    loader = SnapshotLoader()  # successive versions share most rows: read each row once
    for d in sorted(d for d in dates if since <= d <= until):
        try:
            data = archive.snapshot_xml(d)
            snapshots.append(loader.load_bytes(data, source=f"eCFR {d}", date=str(d)))
        except FrdiffError as exc:
            notes.append(f"snapshot {d} skipped: {exc}")
    result = history_from(query, rules, snapshots, country=country, min_score=min_score)
    if notes:
        return History(
            result.query,
            result.country,
            result.matches,
            result.rules,
            result.snapshots,
            tuple(notes),
        )
    return result
