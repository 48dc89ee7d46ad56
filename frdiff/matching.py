"""Name matching made for sanctions lists: one index of the list, many names looked up.

A name is first reduced to comparable words: transliterated to ASCII
(``rigour.text.ascii_text``: Cyrillic, Chinese, accents), case-folded, punctuation
dropped, and legal forms removed by OpenSanctions' ``rigour.names.remove_org_types``
("Co., Ltd.", "Company Limited", "OOO", "LLC", "JSC" ...; no table of frdiff's own).
A parenthesised part gives a second form without it ("Foo (HK) Ltd." is also
"Foo").

:class:`NameIndex` holds every form of every name, alias and address of a list,
with an inverted index of words and of their one-character deletions (so a typo
in a word still finds it, as in SymSpell), and each word's weight (its inverse
document frequency in the list: "Huawei" says more than "Technology").
:meth:`NameIndex.lookup` scores only the names that share a distinctive word
with the query, so a lookup costs what the query's words occur in, not the size
of the list.

A score (0-100) is the larger of:

- the word score: 80 parts the share of the listed name's weight found in the
  query, 20 parts the share of the query's weight found in the listed name (a
  word matched with a typo counts by its similarity): word order does not
  matter, extra words cost little, and a name sharing only common words with a
  listed one scores low;
- the string score: rapidfuzz's ``token_sort_ratio`` of the two forms, counted
  only when the forms have different numbers of words (a typo that splits or
  joins words) and it reaches :data:`MIN_STRING_SCORE`, for forms of at least
  :data:`MIN_STRING_CHARS` characters.

Identical forms score 100 and are *exact*.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rigour.names import NamePartTag, NameTypeTag, SymbolCategory, analyze_names, remove_org_types
from rigour.text import ascii_text, metaphone

__all__ = ["Hit", "NameIndex", "forms", "words"]

#: Words this long or longer are also found with one typo (one character
#: inserted, deleted, replaced or two swapped).
MIN_TYPO_LEN = 5
#: A word found with a typo counts this much (a word exactly found counts 1).
TYPO_WEIGHT = 0.9
#: A word found by its sound (rigour's metaphone, as romanisations differ: "Stekhovskiy",
#: "Stehovskii") counts this much, if also this similar (rapidfuzz ratio) to the word.
SOUND_WEIGHT = 0.85
SOUND_MIN_RATIO = 70.0
#: A listed form equal to the query once parenthesised parts are dropped scores this.
WITHOUT_BRACKETS = 92.0
#: The string score counts only from this high (below it, it finds shared words only).
MIN_STRING_SCORE = 95.0
#: The string score is only used for forms this long (short names are too alike).
MIN_STRING_CHARS = 12
#: Words in more than this share of the list's names do not select candidates alone.
COMMON_SHARE = 0.02
#: A lookup that must find more than 1 - share of a listed form's weight looks for it
#: only through its heaviest words (see :meth:`NameIndex.freeze`), for these shares.
KEY_SHARES = (0.08, 0.15, 0.25, 0.35)
#: The least weight a listed form counts as having, as a share of the rarest word's.
MIN_INFORMATION = 0.75
#: The weight of the listed name's words in the word score (the query's: the rest).
ENTRY_SIDE = 0.8

_DROP = re.compile(r"['’`.]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _ascii(text: str) -> str:
    if text.isascii():
        return text
    return ascii_text(text)


def _remove_legal_forms(text: str) -> str:
    # rigour removes one legal form per call ("Co Ltd" is "Co" + "Ltd" in some orders)
    for _ in range(3):
        cut = " ".join(remove_org_types(text).split())
        if cut == text or not cut:
            break
        text = cut
    return text


#: rigour's symbols for the generic word of a company name ("company", "corporation").
_GENERIC_SYMBOLS = frozenset({"CO", "CORP"})


@lru_cache(maxsize=65536)
def _generic(word: str) -> bool:
    """Whether rigour reads ``word`` alone as a legal form, a stopword or the generic
    "company" word (the multi-word legal forms go first, in :func:`_remove_legal_forms`).

    Asked only of the words at the ends of a name (rigour's analysis is thorough,
    and slow enough that asking it of every word of 100,000 names would dominate).
    """
    for name in analyze_names(NameTypeTag.ORG, [word]):
        if any(p.tag in (NamePartTag.LEGAL, NamePartTag.STOP) for p in name.parts):
            return True
        for span in name.spans:
            sym = span.symbol
            if sym.category == SymbolCategory.SYMBOL and sym.id in _GENERIC_SYMBOLS:
                return True
    return False


@lru_cache(maxsize=262144)
def words(text: str) -> tuple[str, ...]:
    """The comparable words of one form: ASCII, folded, no punctuation or legal form."""
    plain = _NON_ALNUM.sub(" ", _DROP.sub("", _ascii(text).lower())).strip()
    plain = " ".join(plain.split())
    if not plain:
        return ()
    kept = _remove_legal_forms(plain).split()
    # legal forms and the generic "company" word stand at either end of a name
    while kept and _generic(kept[-1]):
        kept.pop()
    while kept and _generic(kept[0]):
        kept.pop(0)
    return tuple(kept) or tuple(plain.split())


def forms(text: str) -> tuple[tuple[str, ...], ...]:
    """The word forms of a name: whole, and without its parenthesised parts."""
    out = [words(text)]
    if "(" in text or "[" in text:
        out.append(words(_BRACKETED.sub(" ", text)))
    return tuple(dict.fromkeys(f for f in out if f))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@lru_cache(maxsize=262144)
def _sound_keys(word: str) -> tuple[str, ...]:
    """A word's metaphone key (rigour) and, for longer keys, its one-letter deletions."""
    if not word.isalpha():
        return ()
    key = metaphone(word)
    if len(key) < 3:
        return ()
    return (key, *sorted(_deletions(key))) if len(key) >= 4 else (key,)


@dataclass(frozen=True, slots=True)
class Hit:
    """One listed form that matched a query form, and how.

    ``item`` is the caller's identifier of the name (an entry index, say);
    ``kind`` is what the caller indexed it as ("name", "alias", "address").
    """

    item: int
    kind: str
    text: str
    score: float
    exact: bool
    word_score: float
    string_score: float
    listed_share: float
    query_share: float


class NameIndex:
    """Every form of the names of a list, indexed by word and by near word."""

    def __init__(self) -> None:
        self._items: list[int] = []
        self._kinds: list[str] = []
        self._texts: list[str] = []
        self._forms: list[tuple[str, ...]] = []
        self._whole: list[bool] = []
        self._postings: dict[str, list[int]] = {}
        self._keyed: dict[float, dict[str, list[int]]] = {k: {} for k in KEY_SHARES}
        self._sets: list[frozenset[str]] = []
        self._shares: list[tuple[tuple[str, float], ...]] = []
        self._lengths: list[int] = []
        self._counts: list[int] = []
        self._near: dict[str, set[str]] = {}
        self._sound: dict[str, set[str]] = {}
        self._exact: dict[tuple[str, ...], list[int]] = {}
        self._weight: dict[str, float] = {}
        self._total: list[float] = []
        self._common_total: list[float] = []
        self._unknown_weight = 1.0
        self._common: frozenset[str] = frozenset()
        self._word_cache: dict[str, tuple[tuple[str, float], ...]] = {}

    def add(self, item: int, kind: str, text: str) -> None:
        """Index ``text`` (a name, alias or address) of ``item``; call :meth:`freeze` after."""
        for n, form in enumerate(forms(text)):
            rec = len(self._forms)
            self._whole.append(n == 0)
            self._items.append(item)
            self._kinds.append(kind)
            self._texts.append(text)
            self._forms.append(form)
            self._exact.setdefault(form, []).append(rec)
            for w in dict.fromkeys(form):
                self._postings.setdefault(w, []).append(rec)

    def freeze(self) -> NameIndex:
        """Compute word weights and the near-word index; the index is then ready."""
        items_with: dict[str, set[int]] = {}
        for w, recs in self._postings.items():
            items_with[w] = {self._items[r] for r in recs}
        n = max(1, len(set(self._items)))
        self._weight = {w: math.log(1 + n / len(s)) for w, s in items_with.items()}
        self._unknown_weight = math.log(1 + n)
        limit = max(20, int(COMMON_SHARE * n))
        self._common = frozenset(w for w, s in items_with.items() if len(s) > limit)
        for w in self._postings:
            if len(w) >= MIN_TYPO_LEN:
                for d in _deletions(w):
                    self._near.setdefault(d, set()).add(w)
                for key in _sound_keys(w):
                    self._sound.setdefault(key, set()).add(w)
        # a listed form says at least as much as one word found in few entries, so
        # that a form of one common word ("Center") is not found whole in every query
        floor = MIN_INFORMATION * self._unknown_weight
        self._total = [max(floor, sum(self._weight[w] for w in f)) for f in self._forms]
        self._common_total = [
            sum(self._weight[w] for w in f if w in self._common) for f in self._forms
        ]
        # prefix filtering: a form is found through its heaviest words, as many as it
        # takes for the rest to weigh less than 1 - KEY_SHARE of it; a lookup that must
        # find more than that share of a form finds one of those words
        self._sets = [frozenset(f) for f in self._forms]
        self._lengths = [len(" ".join(f)) for f in self._forms]
        self._counts = [len(f) for f in self._forms]
        weight = self._weight
        for rec, form in enumerate(self._sets):
            heaviest = sorted(form, key=lambda w: (-weight[w], w))
            # each word's share of the form's weight: the cheap bound of a lookup
            self._shares.append(tuple((w, weight[w] / self._total[rec]) for w in heaviest))
            for share, keyed in self._keyed.items():
                rest = sum(weight[w] for w in form)
                for w in heaviest:
                    if rest < (1 - share) * self._total[rec]:
                        break
                    keyed.setdefault(w, []).append(rec)
                    rest -= weight[w]
        return self

    def __len__(self) -> int:
        return len(self._forms)

    def weight(self, word: str) -> float:
        """How much a word says: rare in the list, more; unknown to it, the most."""
        return self._weight.get(word, self._unknown_weight)

    def _listed_words(self, word: str) -> tuple[tuple[str, float], ...]:
        """The list's words that ``word`` is, or is one typo away from, with similarity."""
        found = self._word_cache.get(word)
        if found is not None:
            return found
        out: dict[str, float] = {}
        if word in self._postings:
            # a word the list spells so is taken as meant: its neighbours would only
            # find other words (and cost a lookup many candidates)
            out[word] = 1.0
        elif len(word) >= MIN_TYPO_LEN:
            near: set[str] = set(self._near.get(word, ()))
            for d in _deletions(word):
                if d in self._postings:
                    near.add(d)
                near.update(self._near.get(d, ()))
            for w in near:
                if w != word:
                    out[w] = TYPO_WEIGHT
            for key in _sound_keys(word):
                for w in self._sound.get(key, ()):
                    if w not in out and fuzz.ratio(word, w) >= SOUND_MIN_RATIO:
                        out[w] = SOUND_WEIGHT
        found = tuple(out.items())
        if len(self._word_cache) < 200_000:
            self._word_cache[word] = found
        return found

    def lookup(
        self,
        text: str,
        *,
        min_score: float,
        kinds: Iterable[str] | None = None,
        listed_side: float = ENTRY_SIDE,
    ) -> list[Hit]:
        """Every listed form scoring ``min_score`` or more against ``text``, best first.

        ``listed_side`` is the part of the word score given to the listed name's
        words being found (the rest: the query's words being found).  Screening
        a whole name uses the default; a search for a partial name ("Huawei") uses 0.
        """
        wanted = frozenset(kinds) if kinds is not None else None
        best: dict[int, Hit] = {}
        whole = words(text)
        for query in forms(text):
            for hit in self._lookup_form(query, min_score, wanted, listed_side, query == whole):
                old = best.get(hit.item)
                if old is None or (hit.exact, hit.score) > (old.exact, old.score):
                    best[hit.item] = hit
        return sorted(best.values(), key=lambda h: (not h.exact, -h.score, -h.listed_share, h.item))

    def _lookup_form(
        self,
        query: tuple[str, ...],
        min_score: float,
        wanted: frozenset[str] | None,
        listed_side: float,
        whole: bool,
    ) -> list[Hit]:
        matches = {w: self._listed_words(w) for w in dict.fromkeys(query)}
        query_total = sum(self.weight(w) for w in query) or 1.0
        # the most of the query any listed form can explain: its words found in the list
        most = sum(self.weight(w) for w in query if matches[w]) / query_total
        need = 0.0  # a listed form cannot reach min_score unless this much of it is found
        if listed_side > 0:
            need = (min_score / 100 - (1 - listed_side) * most) / listed_side - 0.02
        gathered: dict[int, float] = {}
        share = next((k for k in KEY_SHARES if need >= 1 - k), None)
        if share is not None:
            # every listed form that can reach min_score has one of its key words found
            keyed = self._keyed[share]
            for found in matches.values():
                for v, _ in found:
                    for rec in keyed.get(v, ()):
                        gathered[rec] = 1.0
        else:
            # the words that select candidates: the distinctive ones, or all when none is
            rare = [w for w in matches if w in self._postings and w not in self._common]
            rare += [w for w in matches if w not in self._postings and _typo_rare(matches[w], self)]
            for w in rare or list(matches):
                for v, sim in matches[w]:
                    weight = self._weight[v] * sim
                    for rec in self._postings[v]:
                        gathered[rec] = gathered.get(rec, 0.0) + weight
            for rec in list(gathered):
                total = self._total[rec] or 1.0
                if (gathered[rec] + (self._common_total[rec] if rare else 0.0)) / total < need:
                    del gathered[rec]
        same_recs = set(self._exact.get(query, ()))
        gathered.update(dict.fromkeys(same_recs, 1.0))
        hits: list[Hit] = []
        query_text = " ".join(query)
        # each listed word found, with its best similarity: bounds a form's score cheaply
        best_of: dict[str, float] = {}
        for found in matches.values():
            for v, sim in found:
                if sim > best_of.get(v, 0.0):
                    best_of[v] = sim
        floor = (min_score / 100 - (1 - listed_side) * most) * 0.98 / (listed_side or 1.0)
        shares, kinds, lengths, counts = self._shares, self._kinds, self._lengths, self._counts
        length, count = len(query_text), len(query)
        get = best_of.get
        for rec in gathered:
            if wanted is not None and kinds[rec] not in wanted:
                continue
            same = rec in same_recs
            if not same and listed_side > 0:
                got = 0.0
                for v, part in shares[rec]:
                    got += part * get(v, 0.0)
                if got < floor:
                    # only the string score could still reach min_score: for forms of
                    # another word count, both long, of lengths within 10% (a ratio of
                    # 95 needs that)
                    other = lengths[rec]
                    if counts[rec] == count or min(length, other) < MIN_STRING_CHARS:
                        continue
                    if min(length, other) < 0.9 * max(length, other):
                        continue
            exact = same and whole and self._whole[rec]
            hit = self._score(
                rec, query, matches, query_total, query_text, same, exact, listed_side, min_score
            )
            if hit is not None:
                hits.append(hit)
        return hits

    def _score(
        self,
        rec: int,
        query: tuple[str, ...],
        matches: dict[str, tuple[tuple[str, float], ...]],
        query_total: float,
        query_text: str,
        same: bool,
        exact: bool,
        listed_side: float,
        min_score: float,
    ) -> Hit | None:
        """The hit of listed form ``rec``, or None below ``min_score``."""
        if same:
            score = 100.0 if exact else WITHOUT_BRACKETS
            return Hit(
                self._items[rec],
                self._kinds[rec],
                self._texts[rec],
                score,
                exact,
                score,
                score,
                1,
                1,
            )
        form = self._forms[rec]
        form_set = self._sets[rec]
        found: dict[str, float] = {}  # listed word -> best similarity to a query word
        query_got = 0.0
        weight = self._weight
        for w in query:
            # each query word stands for one listed word at most: its best one here
            best, best_v = 0.0, ""
            for v, sim in matches[w]:
                if sim > best and v in form_set:
                    best, best_v = sim, v
            if best:
                query_got += weight.get(w, self._unknown_weight) * best
                if best > found.get(best_v, 0.0):
                    found[best_v] = best
        listed_share = sum(weight[v] * sim for v, sim in found.items()) / self._total[rec]
        query_share = query_got / query_total
        word_score = 100 * (listed_side * listed_share + (1 - listed_side) * query_share)
        # a listed form without its parenthesised part is a little less than the name
        cut = 1.0 if self._whole[rec] else WITHOUT_BRACKETS / 100
        # the string score counts for words split or joined by a typo ("Huawei Tech Nologies")
        split = len(query) != len(form)
        if word_score * cut < min_score and not split:
            return None
        string_score = 0.0
        form_text = " ".join(form)
        if split and len(query_text) >= MIN_STRING_CHARS and len(form_text) >= MIN_STRING_CHARS:
            string_score = fuzz.token_sort_ratio(query_text, form_text)
        used = string_score if string_score >= MIN_STRING_SCORE else 0.0
        score = max(word_score, used) * cut
        if score < min_score:
            return None
        return Hit(
            item=self._items[rec],
            kind=self._kinds[rec],
            text=self._texts[rec],
            score=score,
            exact=False,
            word_score=word_score,
            string_score=string_score,
            listed_share=listed_share,
            query_share=query_share,
        )


def _typo_rare(found: tuple[tuple[str, float], ...], index: NameIndex) -> bool:
    """Whether a word not in the list is a typo of a distinctive word of it."""
    return any(v not in index._common for v, _ in found)


def build_index(names: Sequence[tuple[int, str, str]]) -> NameIndex:
    """An index of (item, kind, text) triples, frozen and ready for lookups."""
    index = NameIndex()
    for item, kind, text in names:
        index.add(item, kind, text)
    return index.freeze()
