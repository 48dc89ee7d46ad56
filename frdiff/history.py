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

from frdiff import lists
from frdiff.errors import FrdiffError, OfflineMissingError, UsageError
from frdiff.log import get_logger
from frdiff.matching import NameIndex, words
from frdiff.model import (
    FORMAT_VERSION,
    Change,
    ChangeSet,
    Citation,
    Entry,
    FieldChange,
    Snapshot,
    list_key,
)
from frdiff.normalize import country as canonical_country
from frdiff.normalize import country_key, name_key

if TYPE_CHECKING:
    from frdiff.archive import Archive

__all__ = ["DEFAULT_MIN_SCORE", "EntityHistory", "Event", "History", "build_history", "score"]

log = get_logger(__name__)

#: Matches scoring below this (0-100) are not reported.
DEFAULT_MIN_SCORE = 85.0
#: A longer query is a usage error (a name is never this long; a search would take minutes).
MAX_QUERY = 500
#: Rules are searched from this date unless told otherwise (the eCFR's history starts
#: on 2017-01-03; the Federal Register API's full texts go back to 1994).
DEFAULT_SINCE = date(2017, 1, 1)


def score(query: str, candidate: str) -> float:
    """How well ``candidate`` (a name or alias) matches ``query``, 0-100: the share of
    the query's words found in it, as :mod:`frdiff.matching` reads words (legal
    forms, case, punctuation and script set aside; a typo in a longer word forgiven).
    """
    index = NameIndex()
    index.add(0, "name", candidate)
    hits = index.freeze().lookup(query, min_score=0.0, listed_side=0.0)
    return hits[0].score if hits else 0.0


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
    """One matched entry (country and name) and its timeline, oldest first.

    ``listed_since`` is the entry's first citation (``citation``, ``date``) and,
    when the rule behind it is among the rules read, its ``document_number`` and
    ``effective_date``; ``changed_by`` every later citation, each with its rule
    where known; ``status`` says whether it is ``listed`` in the latest copy read
    (``as_of``) or was removed (``removed_by`` a rule, or ``gone_from`` a copy).
    """

    country: str
    name: str
    score: float
    matched_on: str
    aliases: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    exact: bool = False
    listed_since: dict[str, Any] | None = None
    changed_by: tuple[dict[str, Any], ...] = ()
    status: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "name": self.name,
            "score": round(self.score, 1),
            "exact": self.exact,
            "matched_on": self.matched_on,
            "aliases": list(self.aliases),
            "listed_since": self.listed_since,
            "changed_by": list(self.changed_by),
            "status": self.status,
            "events": [e.to_dict() for e in self.events],
        }


@dataclass(frozen=True, slots=True)
class History:
    """The answer to ``frdiff history NAME``: every match, exact ones first, then by score."""

    query: str
    country: str | None
    matches: tuple[EntityHistory, ...]
    rules: tuple[str, ...] = ()
    snapshots: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    as_of: str | None = None
    #: The list the history is of (Supplement No. 4, the Entity List, unless told).
    supplement: int = lists.DEFAULT

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": "history",
            "supplement": self.supplement,
            "list": list_key(self.supplement),
            "query": self.query,
            "country": self.country,
            "as_of": self.as_of,
            "searched": {"rules": list(self.rules), "snapshots": list(self.snapshots)},
            "notes": list(self.notes),
            "matches": [m.to_dict() for m in self.matches],
        }


#: What a match is ranked by: exact first, then score, then how much of the name it covers.
_Rank = tuple[bool, float, float]


class _Matcher:
    """Scores names and aliases against one query with :class:`frdiff.matching.NameIndex`
    (all the names looked at indexed once, the query looked up once)."""

    def __init__(
        self, query: str, country: str | None, min_score: float, texts: Iterable[str]
    ) -> None:
        self.country = country_key(country) if country else None
        distinct = list(dict.fromkeys(t for t in texts if t))
        index = NameIndex()
        for i, text in enumerate(distinct):
            index.add(i, "name", text)
        index.freeze()
        self._found: dict[str, _Rank] = {}
        # a search for part of a name: the query's words found count (listed_side=0)
        for h in index.lookup(query, min_score=min_score, listed_side=0.0):
            self._found[distinct[h.item]] = (h.exact, h.score, h.listed_share)

    def match(self, country: str, names: Iterable[str]) -> tuple[_Rank, str] | None:
        """(rank, matched text) of the best name, or None below the threshold."""
        if self.country is not None and country_key(country) != self.country:
            return None
        return max(((self._found[n], n) for n in names if n in self._found), default=None)


def _key(country: str, name: str) -> tuple[str, str]:
    return country_key(country), name_key(name)


@dataclass
class _Building:
    country: str
    name: str
    rank: _Rank
    matched_on: str
    aliases: tuple[str, ...]
    events: list[tuple[tuple[str, int], Event]]
    entry: Entry | None = None


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


def _rule_of(citation: Citation, rules: Sequence[ChangeSet]) -> ChangeSet | None:
    """The rule read whose pages hold ``citation``, if any."""
    if citation.volume is None or citation.page is None:
        return None
    for cs in rules:
        r = cs.rule
        if r.volume != citation.volume or r.start_page is None:
            continue
        if r.start_page <= citation.page <= (r.end_page or r.start_page):
            return cs
    return None


def _citation_info(citation: Citation, rules: Sequence[ChangeSet]) -> dict[str, Any]:
    cs = _rule_of(citation, rules)
    return {
        "citation": citation.label(),
        "date": citation.date or (cs.rule.publication_date if cs else None),
        "document_number": cs.rule.document_number if cs else None,
        "effective_date": cs.rule.effective_date if cs else None,
    }


def _summary(
    b: _Building, events: Sequence[Event], rules: Sequence[ChangeSet], last: Snapshot | None
) -> tuple[dict[str, Any] | None, tuple[dict[str, Any], ...], dict[str, Any]]:
    """listed_since, changed_by and status of one matched entry."""
    cited = sorted(
        # volume and page order is publication order, dated or not
        (b.entry.citations if b.entry else ()),
        key=lambda c: (c.volume if c.volume is not None else 9999, c.page or 0, c.date or ""),
    )
    since = _citation_info(cited[0], rules) if cited else None
    added = next((e for e in events if e.kind == "added"), None)
    if since is None and added is not None:
        cs = next(r for r in rules if r.rule.document_number == added.document_number)
        since = {
            "citation": cs.rule.citation,
            "date": cs.rule.publication_date,
            "document_number": cs.rule.document_number,
            "effective_date": cs.rule.effective_date,
        }
    changed = [_citation_info(c, rules) for c in cited[1:]]
    known = {c["document_number"] for c in changed if c["document_number"]}
    for e in events:
        if e.kind == "revised" and e.document_number not in known:
            changed.append({"citation": None, "date": e.date, "document_number": e.document_number})
    removed = next((e for e in reversed(events) if e.kind == "removed"), None)
    last_kind = next(
        (
            e.kind
            for e in reversed(events)
            if e.kind in ("listed", "present", "changed", "delisted")
        ),
        None,
    )
    in_last = last_kind is not None and last_kind != "delisted"
    status: dict[str, Any] = {
        "listed": in_last
        and not (removed and last is not None and (removed.date or "") > (last.date or "")),
        "as_of": last.date if last else None,
        "removed_by": None,
        "removed_on": None,
        "gone_from": None,
    }
    if removed is not None and not status["listed"]:
        status["removed_by"], status["removed_on"] = removed.document_number, removed.date
    elif last_kind == "delisted":
        status["gone_from"] = next(e.date for e in reversed(events) if e.kind == "delisted")
    if last_kind is None and removed is None:  # seen in rules only
        status["listed"] = None
    return since, tuple(changed), status


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

    if not words(query):
        raise UsageError("the name to look for is empty", where="history")
    if len(query) > MAX_QUERY:
        raise UsageError(f"the name is over {MAX_QUERY} characters", where="history")

    def names_of(c: Change) -> list[str]:
        aliases = c.entry.aliases if c.entry else ()
        return [c.name, *aliases, *([c.name_in_instruction] if c.name_in_instruction else [])]

    texts = [n for cs in rules for c in cs.changes for n in names_of(c)]
    texts += [n for snap in snapshots for e in snap.entries for n in (e.name, *e.aliases)]
    matcher = _Matcher(query, country, min_score, texts)
    found: dict[tuple[str, str], _Building] = {}

    def note(ctry: str, name: str, aliases: tuple[str, ...], hit: tuple[_Rank, str]) -> _Building:
        key = _key(ctry, name)
        b = found.get(key)
        if b is None:
            heading = canonical_country(ctry)[0]
            b = found[key] = _Building(heading, name, hit[0], hit[1], aliases, [])
        elif hit[0] > b.rank:
            b.rank, b.matched_on = hit
        if aliases:
            b.aliases = aliases
        return b

    for cs in rules:
        for c in cs.changes:
            hit = matcher.match(c.country, names_of(c))
            if hit:
                b = note(c.country, c.name, c.entry.aliases if c.entry else (), hit)
                b.events.append(((cs.rule.publication_date or "", 0), _rule_event(cs, c)))
                if c.entry is not None and b.entry is None:
                    b.entry = c.entry

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
            b.entry = e
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

    last = ordered[-1] if ordered else None
    matches = []
    for b in found.values():
        events = tuple(ev for _, ev in sorted(b.events, key=lambda x: x[0]))
        since, changed, status = _summary(b, events, rules, last)
        matches.append(
            EntityHistory(
                country=b.country,
                name=b.name,
                score=b.rank[1],
                matched_on=b.matched_on,
                aliases=b.aliases,
                events=events,
                exact=b.rank[0],
                listed_since=since,
                changed_by=changed,
                status=status,
            )
        )
    rank = {id(m): found[_key(m.country, m.name)].rank for m in matches}
    matches.sort(key=lambda m: (not rank[id(m)][0], -rank[id(m)][1], -rank[id(m)][2], m.name))
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
    supplement: int = lists.DEFAULT,
) -> History:
    """The timeline of entries matching ``query`` across the archive's rules and snapshots.

    Rules published in [since, until] (default: 2017 to today) and the snapshots
    dated in it are read; ``snapshot_dates`` narrows the snapshots (online the
    eCFR has a version for every amendment, and reading them all is slow).  A rule
    or snapshot that cannot be read becomes a note, not an error, and so does a
    store that never searched the rules of the span.  ``until`` is also the day the
    status answers for ("was it listed on that day?").  ``supplement`` is the list
    (the rules' changes to it, its eCFR copies; a move onto or off it is an addition
    or a removal).
    """
    from frdiff.apply import rules_on_list
    from frdiff.cache import SnapshotLoader
    from frdiff.parse.rule import parse_rule

    since = since or DEFAULT_SINCE
    until = until or date.today()
    notes: list[str] = []
    rules: list[ChangeSet] = []
    try:
        found = archive.find_rules(since, until)
    except OfflineMissingError as exc:
        found = []
        notes.append(f"rules not searched: {exc}")
    for meta in found:
        number = str(meta.get("document_number", ""))
        try:
            rules.append(parse_rule(archive.rule_xml(number), source=f"FR {number}", meta=meta))
        except FrdiffError as exc:
            notes.append(f"rule {number} skipped: {exc}")
    rules = rules_on_list(rules, supplement)
    dates = snapshot_dates if snapshot_dates is not None else archive.snapshot_dates(supplement)
    snapshots: list[Snapshot] = []
    # Successive versions share most rows: one loader reads each row once.
    loader = SnapshotLoader(supplement=supplement)
    for d in sorted(d for d in dates if since <= d <= until):
        try:
            data = archive.snapshot_xml(d, supplement)
            snapshots.append(loader.load_bytes(data, source=f"eCFR {d}", date=str(d)))
        except FrdiffError as exc:
            notes.append(f"snapshot {d} skipped: {exc}")
    result = history_from(query, rules, snapshots, country=country, min_score=min_score)
    return History(
        result.query,
        result.country,
        result.matches,
        result.rules,
        result.snapshots,
        tuple(notes),
        as_of=str(until),
        supplement=supplement,
    )
