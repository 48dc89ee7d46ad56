"""Screening counterparties against a version of the Entity List.

:class:`Screener` indexes a list once (:class:`frdiff.matching.NameIndex` over
every entry's name, aliases and street addresses) and screens any number of
:class:`~frdiff.parties.Party` values against it; :func:`screen` does both and
returns a :class:`ScreenResult` whose ``to_dict()`` is what ``frdiff screen
--format json`` prints.

A match's score (0-100) is its name score (see :mod:`frdiff.matching`) plus the
evidence of the party's country and address:

- country: +:data:`COUNTRY_AGREES` when the party's country is the entry's,
  -:data:`COUNTRY_DIFFERS` when it is another one, nothing when either is unknown.
  Country is evidence, never a filter: an entry listed under Hong Kong is still
  found for a party in China.
- address: +:data:`ADDRESS_AGREES` when the party's address matches one of the
  entry's.  A party whose name matches nothing is still matched on its address
  alone when that address is a street address (with a number) of an entry, as
  the address-only entries of the list require.

Matches are ranked exact first (the name or an alias equal once case,
punctuation, legal form and transliteration are set aside), then by score.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from frdiff import lists
from frdiff.matching import Hit, NameIndex
from frdiff.model import FORMAT_VERSION, Entry
from frdiff.normalize import country_key
from frdiff.parties import Party

if TYPE_CHECKING:
    from frdiff.current import CurrentList

__all__ = ["DEFAULT_THRESHOLD", "Match", "ScreenResult", "Screener", "screen"]

#: The default score (0-100) a match must reach; chosen on the labelled set of
#: tests/test_screening_quality.py (see the README).
DEFAULT_THRESHOLD = 86.0
COUNTRY_AGREES = 5.0
COUNTRY_DIFFERS = 5.0
ADDRESS_AGREES = 5.0
#: An address match alone must score this much.
ADDRESS_THRESHOLD = 90.0
#: Addresses are written with more or fewer parts: the party's words found count half.
ADDRESS_LISTED_SIDE = 0.5
#: Words an address must have to be matched alone ("Shenzhen, China" is no address).
ADDRESS_MIN_WORDS = 4
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Match:
    """One party matched to one entry."""

    party: Party
    entry: Entry
    score: float
    matched: str  # name | alias | address
    matched_text: str
    exact: bool
    parts: dict[str, float] = field(default_factory=dict)
    #: The list the entry is on (Supplement No. 4, the Entity List, unless told).
    supplement: int = lists.DEFAULT

    def list_label(self) -> str:
        """ "Entity List (Supplement No. 4)": the list the match is on."""
        return lists.label(self.supplement)

    def list_meaning(self) -> str:
        """What being on the match's list means for a license."""
        spec = lists.SPECS.get(self.supplement)
        return spec.meaning if spec else ""

    @property
    def explanation(self) -> str:
        p = self.parts
        if self.exact:
            head = f"exact {self.matched} (case, punctuation and legal form set aside)"
        elif self.matched == "address" and "name" not in p:
            head = f"address {p.get('address_score', 0):.0f}"
        else:
            head = (
                f"{self.matched} {p.get('name', 0):.0f} (words: {p.get('listed_share', 0):.0%} "
                f"of the listed name found, {p.get('party_share', 0):.0%} of the party's name "
                f"matched; string similarity {p.get('string', 0):.0f})"
            )
        extra = []
        if p.get("country"):
            extra.append(f"country {p['country']:+.0f}")
        if p.get("address"):
            extra.append(f"address {p['address']:+.0f}")
        return "; ".join([head, *extra])

    def entry_label(self) -> str:
        return self.entry.name

    def to_dict(self) -> dict[str, Any]:
        e = self.entry
        return {
            "party": {"id": self.party.id, "name": self.party.name, "row": self.party.row},
            "entry": {
                "country": e.country,
                "name": e.name,
                "aliases": list(e.aliases),
                "addresses": list(e.addresses),
                "license_requirement": e.license_requirement,
                "license_review_policy": e.license_review_policy,
                "citations": [c.label() for c in e.citations],
            },
            "list": {
                "supplement": self.supplement,
                "list": spec.key if (spec := lists.SPECS.get(self.supplement)) else None,
                "name": self.list_label(),
                "meaning": self.list_meaning(),
            },
            "score": round(self.score, 1),
            "exact": self.exact,
            "matched": self.matched,
            "matched_text": self.matched_text,
            "explanation": {
                "text": self.explanation,
                **{k: round(v, 3) for k, v in self.parts.items()},
            },
        }


def _street_address(text: str) -> bool:
    from frdiff.matching import words

    return bool(_DIGIT.search(text)) and len(words(text)) >= ADDRESS_MIN_WORDS


class Screener:
    """A list indexed once for screening (build it once, screen many parties)."""

    def __init__(self, entries: Sequence[Entry], *, threshold: float = DEFAULT_THRESHOLD):
        self.entries = tuple(entries)
        self.threshold = threshold
        self.names = NameIndex()
        self.addresses = NameIndex()
        self._country = [country_key(e.country) for e in self.entries]
        for i, e in enumerate(self.entries):
            self.names.add(i, "name", e.name)
            for a in e.aliases:
                self.names.add(i, "alias", a)
            places = e.addresses or ((e.name,) if _street_address(e.name) else ())
            for a in places:
                self.addresses.add(i, "address", a)
        self.names.freeze()
        self.addresses.freeze()
        self._country_cache: dict[str, str] = {}

    def _party_country(self, text: str) -> str:
        if text not in self._country_cache:
            self._country_cache[text] = country_key(text) if text else ""
        return self._country_cache[text]

    def screen_one(self, party: Party) -> list[Match]:
        """The entries ``party`` matches at or above the threshold, best first."""
        # country and address can add up to this much: search that far below
        slack = (COUNTRY_AGREES if party.country else 0) + (ADDRESS_AGREES if party.address else 0)
        hits = self.names.lookup(party.name, min_score=max(0.0, self.threshold - slack))
        where = self._party_country(party.country)
        address_hits: dict[int, Hit] = {}
        if party.address and len(self.addresses):
            for h in self.addresses.lookup(
                party.address, min_score=ADDRESS_THRESHOLD - 10, listed_side=ADDRESS_LISTED_SIDE
            ):
                address_hits[h.item] = h
        out = []
        for h in hits:
            parts = {
                "name": h.score,
                "listed_share": h.listed_share,
                "party_share": h.query_share,
                "string": h.string_score,
            }
            score = h.score
            if where and self._country[h.item]:
                bonus = COUNTRY_AGREES if where == self._country[h.item] else -COUNTRY_DIFFERS
                parts["country"] = bonus
                score += bonus
            a = address_hits.pop(h.item, None)
            if a is not None:
                parts["address"] = ADDRESS_AGREES
                parts["address_score"] = a.score
                score += ADDRESS_AGREES
            score = 100.0 if h.exact else min(100.0, score)
            if h.exact or score >= self.threshold:
                out.append(
                    Match(party, self.entries[h.item], score, h.kind, h.text, h.exact, parts)
                )
        for a in address_hits.values():
            if a.score >= ADDRESS_THRESHOLD:
                parts = {"address_score": a.score}
                out.append(
                    Match(party, self.entries[a.item], a.score, "address", a.text, False, parts)
                )
        out.sort(key=lambda m: (not m.exact, -m.score, m.entry.country, m.entry.name))
        return out

    def screen(self, parties: Iterable[Party], *, workers: int | None = None) -> list[Match]:
        """Every match of every party, in the parties' order, each party's best first.

        A long list is split between ``workers`` processes (default: one per CPU),
        forked after the index is built so that each inherits it instead of
        building its own; a short one, or a platform without fork, is screened here.
        """
        people = list(parties)
        workers = workers or os.cpu_count() or 1
        if workers < 2 or len(people) < PARALLEL_FROM or "fork" not in _start_methods():
            return [m for p in people for m in self.screen_one(p)]
        import multiprocessing

        global _SHARED
        _SHARED = (self, people)
        try:
            size = -(-len(people) // (workers * 4))
            chunks = [(i, min(i + size, len(people))) for i in range(0, len(people), size)]
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_screen_chunk, chunks)
        finally:
            _SHARED = None
        out = []
        for part in parts:
            for row, item, score, kind, text, exact, detail in part:
                out.append(Match(people[row], self.entries[item], score, kind, text, exact, detail))
        return out


#: Parties from which :meth:`Screener.screen` uses several processes.
PARALLEL_FROM = 5000
#: The screener and parties a forked worker reads (set only while a pool runs).
_SHARED: tuple[Screener, list[Party]] | None = None


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _screen_chunk(span: tuple[int, int]) -> list[tuple[Any, ...]]:
    """Matches of parties[span] as plain tuples (cheap to send back)."""
    assert _SHARED is not None
    screener, people = _SHARED
    index = {id(e): i for i, e in enumerate(screener.entries)}
    out = []
    for row in range(*span):
        for m in screener.screen_one(people[row]):
            out.append(
                (row, index[id(m.entry)], m.score, m.matched, m.matched_text, m.exact, m.parts)
            )
    return out


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """The answer of ``frdiff screen``: what was screened against, and every match."""

    list_info: dict[str, Any]
    parties: int
    matches: tuple[Match, ...]
    threshold: float

    def summary(self) -> dict[str, Any]:
        return {
            "parties": self.parties,
            "parties_matched": len({m.party.row for m in self.matches}),
            "matches": len(self.matches),
            "exact": sum(1 for m in self.matches if m.exact),
            "by_matched": dict(sorted(Counter(m.matched for m in self.matches).items())),
            "threshold": self.threshold,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "list": self.list_info,
            "parties": self.parties,
            "matches": [m.to_dict() for m in self.matches],
            "summary": self.summary(),
        }


def screen(
    current: CurrentList,
    parties: Sequence[Party],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    others: Sequence[CurrentList] = (),
    not_screened: Sequence[str] = (),
) -> ScreenResult:
    """Screen ``parties`` against the list ``current`` holds, and against each of
    ``others`` (the other lists: each match says its list); ``not_screened`` names the
    lists that could not be had, reported in the result's list information."""
    from dataclasses import replace

    matches: list[Match] = []
    for cur in (current, *others):
        screener = Screener(cur.snapshot.entries, threshold=threshold)
        n = cur.snapshot.supplement
        found = screener.screen(parties)
        matches.extend(m if m.supplement == n else replace(m, supplement=n) for m in found)
    if others:
        matches.sort(key=lambda m: (m.party.row, not m.exact, -m.score))
    info = current.to_dict()
    info.pop("findings", None)
    info["findings"] = len(current.findings)
    if others or not_screened:
        info["lists"] = [
            {
                "supplement": cur.snapshot.supplement,
                "name": lists.label(cur.snapshot.supplement),
                "source": cur.source,
                "entries": len(cur.snapshot.entries),
            }
            for cur in (current, *others)
        ]
        info["not_screened"] = list(not_screened)
    return ScreenResult(info, len(parties), tuple(matches), threshold)
