"""Keyed, field-level diff of two versions of the Entity List.

Generic differs pair records wrongly on this data: the same name can appear twice
under one country, entities are renamed (the old name becomes an alias) and move
between countries.  So matching comes first, in passes over what is still
unmatched, each pass linear in the number of entries:

0. entries identical in every field but ``source`` are set aside as unchanged
   (hashing, in C: between two weekly versions that is nearly all of them, so
   the passes below see only what changed);
1. same country and same name key (:func:`frdiff.normalize.name_key`); several
   entries sharing that key are paired by their other fields;
2. moves: the same name under a different country;
3. renames: the old name is now an alias of a new entry under the same country
   (or an alias became the name);
4. close renames: a fuzzy match (rapidfuzz) on name and aliases among the
   leftovers of one country, blocked by distinctive name tokens so it is not
   quadratic, and only accepted when other fields corroborate it.

Each pair is then compared field by field into :class:`~frdiff.model.FieldChange`
values.  Text is compared by :func:`text_key` (whitespace, punctuation, quotes,
dashes and case never count as a change), list fields as multisets (order never counts), citations by
volume and page.  The ``source`` field is ignored.  A hand-written comparison is
used rather than DeepDiff: on paired records it gives the same answer in a
fraction of the time (measured in ``benchmarks/``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import groupby
from operator import attrgetter
from typing import Any, TypeVar

from msgspec import structs

from frdiff.model import (
    INFO,
    Diff,
    Entry,
    EntryDiff,
    FieldChange,
    Finding,
    Snapshot,
    Unit,
    content_key,
)
from frdiff.normalize import country_key, fold, name_key

#: Decodes the entries at the given indices of one side of a digested diff, or
#: gives None when one of them is damaged.
EntryDecoder = Callable[[list[int]], "Sequence[Entry] | None"]

#: A close-name rename needs at least this rapidfuzz score (0-100) ...
FUZZY_THRESHOLD = 88.0
#: ... and name tokens shared by more leftovers than this are too common to block on.
_COMMON_TOKEN = 40
_TOKEN = re.compile(r"\w+")
_STOP = frozenset(
    "co ltd limited inc llc company corporation corp group the of and technology technologies "
    "trading industry industrial international electronics"
    .split()
)  # fmt: skip

_T = TypeVar("_T")
_NAME = attrgetter("name")

EXACT, DUPLICATE, MOVED, ALIAS, FUZZY = "exact", "duplicate", "moved", "alias", "fuzzy"


class _Rec:
    """An entry being matched: its index in its list and its country and name keys."""

    __slots__ = ("ckey", "entry", "index", "keys", "nkey")

    def __init__(self, entry: Entry, index: int, ckey: str, nkey: str, keys: _Keys) -> None:
        self.entry, self.index, self.ckey, self.nkey, self.keys = entry, index, ckey, nkey, keys

    @property
    def alias_keys(self) -> frozenset[str]:
        """Name keys of the aliases (only leftovers need them, so computed on demand)."""
        return frozenset(self.keys.name(a) for a in self.entry.aliases)


_NON_WORD = re.compile(r"[\W_]+")


_NOT_TEXT = re.compile(r"[^\w§]+")


def text_key(text: str) -> str:
    """The comparison key of a text field or list item.

    Folded (case, quotes, dashes), with whitespace and punctuation removed:
    "For all items subject to the EAR. (See § 744.11 of the EAR)." and "For all
    items subject to the EAR (See §744.11 of the EAR)" are the same text, set
    differently; "(Se §§" and "(See §§", or "(e)(2)" and "(e)(3)", are not.
    """
    return _NOT_TEXT.sub("", fold(text))


def _fast_name_key(text: str) -> str:
    """:func:`frdiff.normalize.name_key`, with a shortcut for plain ASCII names.

    For ASCII text NFKC and the quote table are the identity (but for "`"), and
    whitespace runs fall into the same separator runs, so this gives the same key
    in a third of the time; anything else goes through ``name_key`` itself.
    """
    if text.isascii():
        return _NON_WORD.sub(" ", text.replace("`", "").replace("'", "").lower()).strip()
    return name_key(text)


class _Keys:
    """Key computations cached for one diff: many names recur on both sides."""

    def __init__(self) -> None:
        self._country: dict[str, str] = {}
        self._name: dict[str, str] = {}

    def country(self, text: str) -> str:
        k = self._country.get(text)
        if k is None:
            k = self._country[text] = country_key(text)
        return k

    def name(self, text: str) -> str:
        k = self._name.get(text)
        if k is None:
            k = self._name[text] = _fast_name_key(text)
        return k

    def rec(self, e: Entry, i: int) -> _Rec:
        return _Rec(e, i, self.country(e.country), self.name(e.name), self)


def diff_snapshots(old: Snapshot, new: Snapshot) -> Diff:
    """Diff two snapshots; labels are their dates (or sources when undated)."""
    return diff_entries(
        old.entries,
        new.entries,
        old_label=old.date or old.source,
        new_label=new.date or new.source,
    )


def diff_digested(
    old_digests: Sequence[bytes],
    new_digests: Sequence[bytes],
    *,
    decode_old: EntryDecoder,
    decode_new: EntryDecoder,
    old_label: str,
    new_label: str,
) -> Diff | None:
    """:func:`diff_entries` of two lists known by a content digest of each entry
    (equal digests meaning identical entries), decoding only what changed.

    Entries of equal digest are set aside exactly as :func:`diff_entries` sets
    identical entries aside (the first unpaired old entry first), and only the rest
    are decoded (``decode_old``/``decode_new`` of their indices) and diffed: the
    result is the same.  None when a decoder says an entry is damaged (then read
    the lists in full).
    """
    left_o, left_n = _set_aside(list(old_digests), list(new_digests))
    olds, news = decode_old(left_o), decode_new(left_n)
    if olds is None or news is None:
        return None
    d = diff_entries(olds, news, old_label=old_label, new_label=new_label)
    return structs.replace(d, unchanged=d.unchanged + len(old_digests) - len(left_o))


def diff_entries(
    old: Sequence[Entry], new: Sequence[Entry], *, old_label: str = "", new_label: str = ""
) -> Diff:
    """What differs between two lists of entries, matched as described in the module doc.

    Every entry of either side ends up in exactly one place: added, removed,
    modified, renamed, moved or counted as unchanged.  Row order never matters.
    """
    keys = _Keys()
    left_o, left_n = _set_aside_identical(old, new)
    olds = [keys.rec(old[i], i) for i in left_o]
    news = [keys.rec(new[i], i) for i in left_n]
    pairs: list[tuple[_Rec, _Rec, str]] = []
    findings: list[Finding] = []

    by_old = _group(olds, lambda r: (r.ckey, r.nkey))
    by_new = _group(news, lambda r: (r.ckey, r.nkey))
    left_old: list[_Rec] = []
    left_new: list[_Rec] = [r for k, rs in by_new.items() if k not in by_old for r in rs]
    for k, os in by_old.items():
        ns = by_new.get(k, [])
        if len(os) == 1 and len(ns) == 1:
            pairs.append((os[0], ns[0], EXACT))
            continue
        dupes, lo, ln = _pair_group(os, ns)
        pairs.extend((o, n, DUPLICATE) for o, n in dupes)
        left_old.extend(lo)
        left_new.extend(ln)

    # The same words read into other fields: an editorial difference, not a rename.
    same_text, left_old, left_new = _pair_by_text(left_old, left_new)
    pairs.extend(same_text)
    # Moves: the same name under another country.
    moves, left_old, left_new = _pair_by(left_old, left_new, lambda r: [r.nkey], MOVED)
    pairs.extend(moves)
    # Renames: the old name is now an alias (or an alias is now the name).
    renames, left_old, left_new = _pair_renamed(left_old, left_new)
    pairs.extend(renames)
    # Close renames, blocked by country and distinctive tokens.
    close, left_old, left_new, fuzzy_notes = _pair_fuzzy(left_old, left_new)
    pairs.extend(close)
    findings.extend(fuzzy_notes)

    modified: list[tuple[_Rec, EntryDiff]] = []
    renamed: list[tuple[_Rec, EntryDiff]] = []
    moved: list[tuple[_Rec, EntryDiff]] = []
    editorial: list[tuple[_Rec, EntryDiff]] = []
    unchanged = len(old) - len(olds)
    for o, n, how in pairs:
        if o.entry == n.entry:
            unchanged += 1
            continue
        changes = compare_entries(o.entry, n.entry, keys)
        if not changes or _same_words(o.entry, n.entry):
            unchanged += 1  # written differently, saying the same: no change
            editorial.append((n, EntryDiff(o.entry, n.entry, _raw_changes(o.entry, n.entry), how)))
            continue
        d = EntryDiff(before=o.entry, after=n.entry, changes=changes, match=how)
        if o.ckey != n.ckey:
            moved.append((n, d))
        elif o.nkey != n.nkey:
            renamed.append((n, d))
        else:
            modified.append((n, d))

    return Diff(
        added=tuple(r.entry for r in _ordered(left_new)),
        removed=tuple(r.entry for r in _ordered(left_old)),
        modified=_ordered_diffs(modified),
        renamed=_ordered_diffs(renamed),
        moved=_ordered_diffs(moved),
        unchanged=unchanged,
        old_label=old_label,
        new_label=new_label,
        findings=tuple(findings),
        editorial=_ordered_diffs(editorial),
    )


# ---------------------------------------------------------------------------
# Editorial differences

_AND = re.compile(r"\band\b")


def _cell_words(e: Entry) -> str:
    """The Entity cell's words in order, as :func:`text_key` compares text, without
    the "and" of its lists: name, aliases, listed items, addresses and notes read
    back into one text, whichever field a reading put each part in."""
    parts = (e.name, *e.aliases, *e.listed_items, *e.addresses, *e.notes, *_unit_texts(e))
    return text_key(_AND.sub(" ", fold(" ".join(parts))))


def _unit_texts(e: Entry) -> list[str]:
    return [t for u in e.units for t in (u.kind, u.name, *u.aliases, *u.addresses)]


def unit_key(u: Unit) -> Hashable:
    """The comparison key of a sub-unit: its kind and texts by :func:`text_key`,
    aliases and addresses in any order."""
    return (
        u.kind,
        text_key(u.name),
        tuple(sorted(map(text_key, u.aliases))),
        tuple(sorted(map(text_key, u.addresses))),
    )


def _same_words(o: Entry, n: Entry) -> bool:
    """True when two entries say the same thing in the same words: their cells'
    words (:func:`_cell_words`) are equal and so is everything else (country,
    license texts by :func:`text_key`, citations by volume and page, footnotes).
    The eCFR's editorial clean-ups move a break or a dash ("—Alexander Ivjenko,
    7150 Rue Chouinard, ..." becomes an alias line and an address line), which
    moves words between fields without changing one of them."""
    return (
        country_key(o.country) == country_key(n.country)
        and text_key(o.license_requirement) == text_key(n.license_requirement)
        and text_key(o.license_review_policy) == text_key(n.license_review_policy)
        and Counter(c.key for c in o.citations) == Counter(c.key for c in n.citations)
        and sorted(o.footnotes) == sorted(n.footnotes)
        and _cell_words(o) == _cell_words(n)
    )


def _raw_changes(o: Entry, n: Entry) -> tuple[FieldChange, ...]:
    """The fields of two entries that differ as written (for editorial examples)."""
    out: list[FieldChange] = []
    for fld in ("name", "license_requirement", "license_review_policy"):
        a, b = getattr(o, fld), getattr(n, fld)
        if a != b:
            out.append(FieldChange(fld, old=a, new=b))
    for fld in ("aliases", "addresses", "listed_items", "notes", "citations", "footnotes", "units"):
        ch = _list_change(fld, getattr(o, fld), getattr(n, fld), _same)
        if ch:
            out.append(ch)
    return tuple(out)


def _pair_by_text(
    left_old: list[_Rec], left_new: list[_Rec]
) -> tuple[list[tuple[_Rec, _Rec, str]], list[_Rec], list[_Rec]]:
    """Pair leftovers of one country whose cells hold the same words (a name read
    with or without part of its address: "Huawei Technologies Morocco" and "Huawei
    Technologies Morocco, Immeuble High Tech")."""
    if not left_old or not left_new:
        return [], left_old, left_new
    chosen = [
        (o, n)
        for o, n, _ in _pair_by(left_old, left_new, lambda r: [(r.ckey, _cell_words(r.entry))], "")[
            0
        ]
    ]
    return _take(chosen, left_old, left_new, EXACT)


# ---------------------------------------------------------------------------
# Matching


def _set_aside_identical(old: Sequence[Entry], new: Sequence[Entry]) -> tuple[list[int], list[int]]:
    """The indices of the entries left once identical old and new entries are paired.

    Identical means equal in every field but ``source`` (:data:`content_key`);
    entries that differ only in layout are left to the passes, which find them
    unchanged too.  Entries are bucketed by name and compared in full only within
    a bucket: hashing every entry's whole text would cost more.
    """
    return _set_aside(
        list(map(_NAME, old)),
        list(map(_NAME, new)),
        lambda i, j: bool(content_key(old[i]) == content_key(new[j])),
    )


def _set_aside(
    old_keys: list[Hashable],
    new_keys: list[Hashable],
    same: Callable[[int, int], bool] | None = None,
) -> tuple[list[int], list[int]]:
    """Pair old and new items of equal key (and ``same``, when given), the first
    unpaired old item first; the indices of the items left on each side."""
    pool: dict[Hashable, list[int]] = {}
    for i, k in enumerate(old_keys):
        bucket = pool.get(k)
        if bucket is None:
            pool[k] = [i]
        else:
            bucket.append(i)
    left_new = []
    for j, k in enumerate(new_keys):
        bucket = pool.get(k)
        if not bucket:
            left_new.append(j)
        elif same is None:
            del bucket[0]
        else:
            for at, i in enumerate(bucket):
                if same(i, j):
                    del bucket[at]
                    break
            else:
                left_new.append(j)
    left_old = sorted(i for rest in pool.values() for i in rest)
    return left_old, left_new


def _group(recs: Iterable[_Rec], key: Callable[[_Rec], Hashable]) -> dict[Any, list[_Rec]]:
    out: dict[Any, list[_Rec]] = defaultdict(list)
    for r in recs:
        out[key(r)].append(r)
    return out


def _content_order(e: Entry) -> tuple[Any, ...]:
    """A tie-breaker for entries sharing a name, so output never follows row order."""
    return (
        text_key(e.license_requirement),
        text_key(e.license_review_policy),
        sorted(
            text_key(a)
            for a in (*e.aliases, *e.addresses, *e.listed_items, *e.notes, *_unit_texts(e))
        ),
        sorted(str(c.key) for c in e.citations),
        sorted(e.footnotes),
        e.name,
    )


def _ordered(recs: Iterable[_Rec]) -> list[_Rec]:
    return _in_key_order([(r, r.entry, r) for r in recs])


def _ordered_diffs(items: list[tuple[_Rec, EntryDiff]]) -> tuple[EntryDiff, ...]:
    return tuple(_in_key_order([(r, d.after, d) for r, d in items]))


def _in_key_order(items: list[tuple[_Rec, Entry, _T]]) -> list[_T]:
    """The payloads of ``(rec, entry, payload)`` items sorted by country and name key;
    entries sharing both by content (:func:`_content_order`, computed only for them)."""
    items.sort(key=lambda x: (x[0].ckey, x[0].nkey))
    out: list[_T] = []
    for _, run in groupby(items, key=lambda x: (x[0].ckey, x[0].nkey)):
        tied = list(run)
        if len(tied) > 1:
            tied.sort(key=lambda x: _content_order(x[1]))
        out.extend(x[2] for x in tied)
    return out


def _signature(e: Entry) -> tuple[Any, ...]:
    """What an entry says, with layout and order folded away: equal means unchanged."""
    return (
        text_key(e.license_requirement),
        text_key(e.license_review_policy),
        frozenset(Counter(text_key(a) for a in e.aliases).items()),
        frozenset(Counter(text_key(a) for a in e.addresses).items()),
        frozenset(Counter(c.key for c in e.citations).items()),
        frozenset(e.footnotes),
        frozenset(Counter(text_key(a) for a in e.listed_items).items()),
        frozenset(Counter(map(unit_key, e.units)).items()),
        frozenset(Counter(text_key(a) for a in e.notes).items()),
    )


def _overlap(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _similarity(o: Entry, n: Entry) -> float:
    """How alike two entries are apart from their names and countries (0..8)."""
    return (
        (text_key(o.license_requirement) == text_key(n.license_requirement))
        + (text_key(o.license_review_policy) == text_key(n.license_review_policy))
        + _overlap(map(text_key, o.aliases), map(text_key, n.aliases))
        + _overlap(map(text_key, o.addresses), map(text_key, n.addresses)) * 2
        + _overlap((c.key for c in o.citations), (c.key for c in n.citations)) * 2
        + _overlap(map(text_key, o.listed_items), map(text_key, n.listed_items))
    )


def _greedy(
    candidates: list[tuple[float, _Rec, _Rec]],
) -> list[tuple[_Rec, _Rec]]:
    """Pairs taken best score first, each record used once (ties: document order)."""
    candidates.sort(key=lambda c: (-c[0], c[1].index, c[2].index))
    used_o: set[int] = set()
    used_n: set[int] = set()
    out: list[tuple[_Rec, _Rec]] = []
    for _, o, n in candidates:
        if o.index in used_o or n.index in used_n:
            continue
        used_o.add(o.index)
        used_n.add(n.index)
        out.append((o, n))
    return out


#: Above this many candidate pairs in one group, pair by similarity is skipped.
_MAX_GROUP_PAIRS = 20_000


def _pair_group(
    os: list[_Rec], ns: list[_Rec]
) -> tuple[list[tuple[_Rec, _Rec]], list[_Rec], list[_Rec]]:
    """Pair entries that share a key: identical ones first, then the most alike."""
    if not ns:
        return [], list(os), []
    out: list[tuple[_Rec, _Rec]] = []
    by_sig: dict[Any, list[_Rec]] = defaultdict(list)
    for n in ns:
        by_sig[_signature(n.entry)].append(n)
    rest_o: list[_Rec] = []
    for o in os:
        same = by_sig.get(_signature(o.entry))
        if same:
            out.append((o, same.pop(0)))
        else:
            rest_o.append(o)
    rest_n = [n for group in by_sig.values() for n in group]
    rest_n.sort(key=lambda r: r.index)
    if rest_o and rest_n:
        if len(rest_o) * len(rest_n) <= _MAX_GROUP_PAIRS:
            cands = [(_similarity(o.entry, n.entry), o, n) for o in rest_o for n in rest_n]
            chosen = _greedy(cands)
        else:
            chosen = list(zip(rest_o, rest_n, strict=False))
        out.extend(chosen)
        taken_o = {o.index for o, _ in chosen}
        taken_n = {n.index for _, n in chosen}
        rest_o = [o for o in rest_o if o.index not in taken_o]
        rest_n = [n for n in rest_n if n.index not in taken_n]
    return out, rest_o, rest_n


def _pair_by(
    left_old: list[_Rec],
    left_new: list[_Rec],
    keys_of: Callable[[_Rec], Iterable[Hashable]],
    how: str,
) -> tuple[list[tuple[_Rec, _Rec, str]], list[_Rec], list[_Rec]]:
    """Pair leftovers that share one of ``keys_of`` (the most alike first)."""
    index: dict[Hashable, list[_Rec]] = defaultdict(list)
    for n in left_new:
        for k in keys_of(n):
            index[k].append(n)
    cands: list[tuple[float, _Rec, _Rec]] = []
    seen: set[tuple[int, int]] = set()
    for o in left_old:
        for k in keys_of(o):
            for n in index.get(k, ()):
                if (o.index, n.index) not in seen:
                    seen.add((o.index, n.index))
                    cands.append((_similarity(o.entry, n.entry), o, n))
    return _take(_greedy(cands), left_old, left_new, how)


def _pair_renamed(
    left_old: list[_Rec], left_new: list[_Rec]
) -> tuple[list[tuple[_Rec, _Rec, str]], list[_Rec], list[_Rec]]:
    """Renames within a country: the old name is a new alias, or an old alias the new name."""
    by_alias: dict[tuple[str, str], list[_Rec]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[_Rec]] = defaultdict(list)
    for n in left_new:
        by_name[(n.ckey, n.nkey)].append(n)
        for a in n.alias_keys:
            by_alias[(n.ckey, a)].append(n)
    cands: list[tuple[float, _Rec, _Rec]] = []
    seen: set[tuple[int, int]] = set()
    for o in left_old:
        found = list(by_alias.get((o.ckey, o.nkey), ()))
        for a in o.alias_keys:
            found.extend(by_name.get((o.ckey, a), ()))
        for n in found:
            if (o.index, n.index) not in seen:
                seen.add((o.index, n.index))
                cands.append((_similarity(o.entry, n.entry), o, n))
    return _take(_greedy(cands), left_old, left_new, ALIAS)


def _take(
    chosen: list[tuple[_Rec, _Rec]], left_old: list[_Rec], left_new: list[_Rec], how: str
) -> tuple[list[tuple[_Rec, _Rec, str]], list[_Rec], list[_Rec]]:
    """The chosen pairs, labelled ``how``, and what is still unpaired on each side."""
    taken_o = {o.index for o, _ in chosen}
    taken_n = {n.index for _, n in chosen}
    return (
        [(o, n, how) for o, n in chosen],
        [o for o in left_old if o.index not in taken_o],
        [n for n in left_new if n.index not in taken_n],
    )


def _tokens(r: _Rec) -> set[str]:
    return {t for t in _TOKEN.findall(r.nkey) if len(t) > 2 and t not in _STOP}


def _corroborated(o: Entry, n: Entry) -> bool:
    """Other fields that make a close-name match credible as the same entity."""
    old_cites = {c.key for c in o.citations}
    if old_cites and old_cites <= {c.key for c in n.citations}:
        return True
    return bool({text_key(a) for a in o.aliases} & {text_key(a) for a in n.aliases})


def _pair_fuzzy(
    left_old: list[_Rec], left_new: list[_Rec]
) -> tuple[list[tuple[_Rec, _Rec, str]], list[_Rec], list[_Rec], list[Finding]]:
    """Close renames among one country's leftovers, blocked by distinctive tokens."""
    if not left_old or not left_new:
        return [], left_old, left_new, []
    new_by_country = _group(left_new, lambda r: r.ckey)
    cands: list[tuple[float, _Rec, _Rec]] = []
    for ckey, olds in _group(left_old, lambda r: r.ckey).items():
        news = new_by_country.get(ckey)
        if not news:
            continue
        postings: dict[str, list[_Rec]] = defaultdict(list)
        for n in news:
            for t in _tokens(n):
                postings[t].append(n)
        for o in olds:
            seen: set[int] = set()
            for t in _tokens(o):
                posting = postings.get(t, ())
                if len(posting) > _COMMON_TOKEN:
                    continue
                for n in posting:
                    if n.index in seen:
                        continue
                    seen.add(n.index)
                    score = _name_score(o, n)
                    if score >= FUZZY_THRESHOLD and _corroborated(o.entry, n.entry):
                        cands.append((score, o, n))
    chosen = _greedy(cands)
    scores = {(o.index, n.index): s for s, o, n in cands}
    notes = [
        Finding(
            INFO,
            "fuzzy-rename",
            f"paired by a close name match (score {scores[(o.index, n.index)]:.0f}); "
            "check that this is the same entity",
            f"{o.entry.country}: {o.entry.name}",
            f"{o.entry.name} -> {n.entry.name}",
        )
        for o, n in chosen
    ]
    taken_o = {o.index for o, _ in chosen}
    taken_n = {n.index for _, n in chosen}
    return (
        [(o, n, FUZZY) for o, n in chosen],
        [o for o in left_old if o.index not in taken_o],
        [n for n in left_new if n.index not in taken_n],
        notes,
    )


def _name_score(o: _Rec, n: _Rec) -> float:
    from rapidfuzz import fuzz  # 10 ms to import: only when leftovers need it

    best = fuzz.token_sort_ratio(o.nkey, n.nkey)
    for a in n.alias_keys:
        best = max(best, fuzz.token_sort_ratio(o.nkey, a))
    for a in o.alias_keys:
        best = max(best, fuzz.token_sort_ratio(a, n.nkey))
    return float(best)


# ---------------------------------------------------------------------------
# Field-level comparison


def _list_change(
    fld: str, old: Sequence[Any], new: Sequence[Any], key: Callable[[Any], Hashable]
) -> FieldChange | None:
    """Items added and removed, as multisets under ``key`` (order never counts).

    Items written the very same way on both sides are matched first: of two
    aliases alike under ``key`` ("MyTel" and "Mytel") the one reported removed is
    the one no longer there, whatever the order.
    """
    old_count = Counter(key(x) for x in old)
    new_count = Counter(key(x) for x in new)
    if old_count == new_count:
        return None
    old_left = _beyond(old, Counter(new), _same)
    new_left = _beyond(new, Counter(old), _same)
    return FieldChange(
        fld,
        added=_beyond(new_left, Counter(key(x) for x in old_left), key),
        removed=_beyond(old_left, Counter(key(x) for x in new_left), key),
    )


def _same(x: Any) -> Hashable:
    return x


def _beyond(
    items: Sequence[Any], other: Counter[Hashable], key: Callable[[Any], Hashable]
) -> tuple[Any, ...]:
    """The items of ``items`` not matched by an item of the other side (multiset minus)."""
    budget = other.copy()
    out = []
    for x in items:
        k = key(x)
        if budget[k] > 0:
            budget[k] -= 1
        else:
            out.append(x)
    return tuple(out)


def compare_entries(old: Entry, new: Entry, keys: _Keys | None = None) -> tuple[FieldChange, ...]:
    """The field changes between two versions of one entry (empty when alike).

    Text fields compare by :func:`text_key`; list fields as multisets; citations by
    :attr:`~frdiff.model.Citation.key`; ``source`` and ``country_code`` are ignored
    (the code follows the country).
    """
    k = keys or _Keys()
    out: list[FieldChange] = []
    if k.country(old.country) != k.country(new.country):
        out.append(FieldChange("country", old=old.country, new=new.country))
    if text_key(old.name) != text_key(new.name):
        out.append(FieldChange("name", old=old.name, new=new.name))
    for fld in ("license_requirement", "license_review_policy"):
        a, b = getattr(old, fld), getattr(new, fld)
        if text_key(a) != text_key(b):
            out.append(FieldChange(fld, old=a, new=b))
    for fld in ("aliases", "addresses", "listed_items", "notes"):
        ch = _list_change(fld, getattr(old, fld), getattr(new, fld), text_key)
        if ch:
            out.append(ch)
    ch = _list_change("units", old.units, new.units, unit_key)
    if ch:
        out.append(ch)
    ch = _list_change("citations", old.citations, new.citations, lambda c: c.key)
    if ch:
        out.append(ch)
    ch = _list_change("footnotes", old.footnotes, new.footnotes, lambda x: x)
    if ch:
        out.append(ch)
    return tuple(out)
