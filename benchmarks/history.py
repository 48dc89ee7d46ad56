"""A synthetic history of the Entity List: successive versions made by realistic edits.

Starting from a real parsed snapshot, each version applies what a BIS rule does
to the list: entities added under their country, removed, renamed (the old name
kept as an alias), moved to another country, and revised (an alias or address
added or replaced, the review policy changed, a citation appended).  Every
version records the ground truth of its edits, so a differ's output can be
checked pair by pair, not only timed.

Edits only touch entries whose name is unique in the whole list, so the truth
is unambiguous; the random generator is seeded, so a history is reproducible.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from msgspec import structs

from frdiff.model import Citation, Diff, Entry
from frdiff.normalize import name_key

#: Kinds of paired change, as :class:`frdiff.model.Diff` names its lists.
MODIFIED, RENAMED, MOVED = "modified", "renamed", "moved"

_SUFFIXES = (
    "Co., Ltd.",
    "Technology Co., Ltd.",
    "LLC",
    "Limited",
    "JSC",
    "FZE",
    "Trading LLC",
    "Pte. Ltd.",
    "Electronics Limited",
    "Research Institute",
)
_STREETS = ("Road", "Street", "Avenue", "Prospekt", "Lane", "Boulevard")


#: Edits of each kind in one version: (fewest, most), as recent Entity List rules made them.
TYPICAL_RULE: dict[str, tuple[int, int]] = {
    "add": (3, 25),
    "remove": (0, 3),
    "rename": (1, 2),
    "move": (0, 1),
    "alias": (1, 3),
    "address": (1, 3),
    "policy": (0, 2),
    "citation_only": (1, 4),
}


@dataclass(frozen=True)
class Truth:
    """What changed from the previous version: the entries themselves, by identity."""

    added: tuple[Entry, ...]
    removed: tuple[Entry, ...]
    #: (old entry, new entry, kind) with kind one of MODIFIED, RENAMED, MOVED.
    pairs: tuple[tuple[Entry, Entry, str], ...]

    def counts(self) -> dict[str, int]:
        kinds = Counter(k for _, _, k in self.pairs)
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            MODIFIED: kinds[MODIFIED],
            RENAMED: kinds[RENAMED],
            MOVED: kinds[MOVED],
        }


@dataclass(frozen=True)
class Version:
    """One version of the list and the truth of how it differs from the one before."""

    label: str
    entries: tuple[Entry, ...]
    truth: Truth


def check(diff: Diff, truth: Truth) -> list[str]:
    """How a frdiff :class:`Diff` departs from the truth (empty when it matches exactly)."""
    problems: list[str] = []

    def ids(entries: Sequence[Entry]) -> set[int]:
        return {id(e) for e in entries}

    if ids(diff.added) != ids(truth.added):
        problems.append(f"added: {len(diff.added)} reported, {len(truth.added)} true")
    if ids(diff.removed) != ids(truth.removed):
        problems.append(f"removed: {len(diff.removed)} reported, {len(truth.removed)} true")
    for kind in (MODIFIED, RENAMED, MOVED):
        got = {(id(d.before), id(d.after)) for d in getattr(diff, kind)}
        want = {(id(o), id(n)) for o, n, k in truth.pairs if k == kind}
        if got != want:
            problems.append(
                f"{kind}: {len(got & want)} of {len(want)} true pairs, {len(got)} reported"
            )
    return problems


class _Editor:
    """Applies one version's edits to a working list of entries."""

    def __init__(
        self, entries: Sequence[Entry], rng: random.Random, number: int, keys: dict[str, str]
    ) -> None:
        self.entries = list(entries)
        self.rng = rng
        self.number = number
        self.touched: set[int] = set()
        self._keys = keys
        counts = Counter(self.key(e.name) for e in self.entries)
        self.names = set(counts)
        self.unique = [i for i, e in enumerate(self.entries) if counts[self.key(e.name)] == 1]
        # One rule's citation, as the Federal Register would print it.
        page = 10_000 + 137 * number
        self.citation = Citation(raw=f"90 FR {page}", volume=90, page=page, date=None)
        self.added: list[Entry] = []
        self.removed: list[Entry] = []
        self.pairs: list[tuple[int, Entry, str]] = []  # (index, old entry, kind)

    # -- helpers --------------------------------------------------------------
    def key(self, name: str) -> str:
        """``name_key``, remembered across versions (most names carry over)."""
        k = self._keys.get(name)
        if k is None:
            k = self._keys[name] = name_key(name)
        return k

    def _pick(self) -> int | None:
        """An untouched entry with a unique name (None when none is left)."""
        for _ in range(50):
            i = self.rng.choice(self.unique)
            if i not in self.touched:
                self.touched.add(i)
                return i
        return None

    def _new_name(self) -> str:
        """A plausible entity name, built from words of real names, not yet on the list."""
        while True:
            a, b = self.rng.sample(self.entries, 2)
            wa = [w for w in a.name.split() if w.isalpha() and len(w) > 3] or ["Nova"]
            wb = [w for w in b.name.split() if w.isalpha() and len(w) > 3] or ["Tech"]
            name = f"{self.rng.choice(wa)} {self.rng.choice(wb)} {self.rng.choice(_SUFFIXES)}"
            if self.key(name) not in self.names:
                self.names.add(self.key(name))
                return name

    def _address(self, country: str) -> str:
        city = self.rng.choice(("Moscow", "Shenzhen", "Dubai", "Karachi", "Tehran", "Minsk"))
        street = self.rng.choice(_STREETS)
        n = self.rng.randint(1, 400)
        return f"No. {n} {self.rng.choice(self.entries).name.split()[0]} {street}, {city}, {country.title()}"

    def _cite(self, e: Entry) -> tuple[Citation, ...]:
        return (*e.citations, self.citation)

    def _revise(self, i: int, kind: str, **changes: object) -> None:
        old = self.entries[i]
        new = structs.replace(old, citations=self._cite(old), source=f"v{self.number}", **changes)
        self.entries[i] = new
        self.pairs.append((i, old, kind))

    # -- edits ----------------------------------------------------------------
    def add(self) -> None:
        model = self.rng.choice(self.entries)
        new = Entry(
            country=model.country,
            name=self._new_name(),
            aliases=(),
            addresses=(self._address(model.country),),
            license_requirement=model.license_requirement,
            license_review_policy=model.license_review_policy,
            citations=(self.citation,),
            footnotes=model.footnotes,
            country_code=model.country_code,
            source=f"v{self.number}",
        )
        self.added.append(new)

    def remove(self) -> None:
        i = self._pick()
        if i is not None:
            self.removed.append(self.entries[i])

    def rename(self) -> None:
        i = self._pick()
        if i is not None:
            old = self.entries[i]
            self._revise(i, RENAMED, name=self._new_name(), aliases=(*old.aliases, old.name))

    def move(self) -> None:
        i = self._pick()
        if i is None:
            return
        old = self.entries[i]
        others = sorted({e.country for e in self.entries} - {old.country})
        dest = self.rng.choice(others)
        code = next((e.country_code for e in self.entries if e.country == dest), None)
        self._revise(i, MOVED, country=dest, country_code=code, addresses=(self._address(dest),))

    def alias(self) -> None:
        i = self._pick()
        if i is not None:
            self._revise(i, MODIFIED, aliases=(*self.entries[i].aliases, self._new_name()))

    def address(self) -> None:
        i = self._pick()
        if i is not None:
            old = self.entries[i]
            kept = old.addresses[1:] if old.addresses and self.rng.random() < 0.5 else old.addresses
            self._revise(i, MODIFIED, addresses=(*kept, self._address(old.country)))

    def policy(self) -> None:
        i = self._pick()
        if i is not None:
            old = self.entries[i]
            policies = sorted(
                {e.license_review_policy for e in self.entries} - {old.license_review_policy}
            )
            self._revise(i, MODIFIED, license_review_policy=self.rng.choice(policies))

    def citation_only(self) -> None:
        i = self._pick()
        if i is not None:
            self._revise(i, MODIFIED)

    # -- result ---------------------------------------------------------------
    def result(self, label: str) -> Version:
        gone = {id(e) for e in self.removed}
        out = [e for e in self.entries if id(e) not in gone]
        for new in self.added:
            # Under its country, after the entries already there (the list is by country).
            at = len(out) - 1
            for k in range(len(out) - 1, -1, -1):
                if out[k].country == new.country:
                    at = k
                    break
            out.insert(at + 1, new)
        pairs = tuple((old, self.entries[i], kind) for i, old, kind in self.pairs)
        truth = Truth(tuple(self.added), tuple(self.removed), pairs)
        return Version(label, tuple(out), truth)


def edit(
    entries: Sequence[Entry],
    rng: random.Random,
    number: int,
    scale: float = 1.0,
    keys: dict[str, str] | None = None,
    counts: dict[str, int] | None = None,
) -> Version:
    """One new version: the edits of a typical Entity List rule, applied to ``entries``.

    The number of each kind of edit is drawn from :data:`TYPICAL_RULE`, times
    ``scale`` (0.2 for a tiny list in a smoke test), unless ``counts`` gives them
    (e.g. ``{"add": 40, "remove": 5}``).  ``keys`` caches name keys from one
    version to the next.
    """
    ed = _Editor(entries, rng, number, {} if keys is None else keys)
    if counts is None:
        counts = {k: round(rng.randint(lo, hi) * scale) for k, (lo, hi) in TYPICAL_RULE.items()}
    for kind, n in counts.items():
        action = getattr(ed, kind)
        for _ in range(n):
            action()
    return ed.result(f"v{number}")


def scale_for(size: int) -> float:
    """Edits per version for a list of ``size`` entries: a full list (~3,400) gets 1.0."""
    return min(1.0, max(0.1, size / 3000))


def history(
    base: Sequence[Entry], versions: int, *, seed: int = 744, scale: float = 1.0
) -> list[Version]:
    """``versions`` successive versions after ``base`` (which is not included)."""
    rng = random.Random(seed)
    out: list[Version] = []
    current: Sequence[Entry] = base
    keys: dict[str, str] = {}
    for number in range(1, versions + 1):
        v = edit(current, rng, number, scale, keys)
        out.append(v)
        current = v.entries
    return out
