"""Audit a Consolidated Screening List file against the list read from its sources.

:func:`audit_csl` pairs every CSL row of a list with the list's entries (an eCFR
copy, or the latest copy with the rules published since applied) and says, for
each row, what it is:

- ``matched``: one entry of the list;
- ``country-rows``: one CSL row for an entity that the list enters under several
  country headings (a CSL convention);
- ``affiliate-row``: one row per affiliate or subordinate institution that an
  entry names (a CSL convention: Huawei's affiliates, CETC's institutes);
- ``duplicate-row``: a second CSL row for an entry another row already matched (a
  stale copy, or a row of its own for the entry's addresses in another country);
- ``not-on-list``: no entry has its name (a stale removal, or a name the list
  never had);

and, for each entry of the list with no CSL row, ``missing-from-csl`` with the
citation (or rule) that last touched it and the lag in days.  Matched rows are then
compared field by field (name, aliases, addresses or address countries, license
requirement, license review policy, FR citations); each difference is a
``difference`` row, classified as one of the named :data:`CONVENTIONS` or as a
disagreement.  Every CSL row ends in exactly one of the row kinds, which
``summary.accounted`` counts and checks against ``summary.csl_rows``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from msgspec import Struct

from frdiff.csl import CSL_LISTS, CslFile, CslList, CslRow, content_digest
from frdiff.errors import InputError
from frdiff.model import ADD, ERROR, INFO, REMOVE, ChangeSet, Entry, Finding, Snapshot
from frdiff.normalize import COUNTRY_HEADINGS, fold, name_key, parse_citations

__all__ = [
    "CONVENTIONS",
    "CSL_ROW_KINDS",
    "KINDS",
    "AuditRow",
    "CslAudit",
    "ListAudit",
    "audit_csl",
    "audit_list",
    "classify_text",
    "require_rows",
]

FORMAT_VERSION = 1

MATCHED, COUNTRY_ROWS, AFFILIATE_ROW, DUPLICATE_ROW, NOT_ON_LIST = (
    "matched",
    "country-rows",
    "affiliate-row",
    "duplicate-row",
    "not-on-list",
)
MISSING, DIFFERENCE = "missing-from-csl", "difference"
#: The kinds a CSL row can end in: exactly one per row.
CSL_ROW_KINDS = (MATCHED, COUNTRY_ROWS, AFFILIATE_ROW, DUPLICATE_ROW, NOT_ON_LIST)
#: Every kind of audit row, in report order.
KINDS = (*CSL_ROW_KINDS, MISSING, DIFFERENCE)

MATCH, CONVENTION, DISAGREEMENT = "match", "convention", "disagreement"

#: The CSL's known ways of writing what the list says: name -> what it means.
CONVENTIONS = {
    "country-rows": "the CSL divides an entity into rows by country otherwise than the list's "
    "headings: one row for an entity the list enters under several countries, or a row of "
    "its own for an entry's addresses in another country (Hong Kong, for an entry under China)",
    "affiliate-rows": "one CSL row per affiliate or subordinate institution an entry names "
    "(each carrying the entry's aliases)",
    "case-punctuation": "the same text in other case, spacing or punctuation (section "
    "signs and a leading 'a.k.a.' included)",
    "word-order": "the same words in another order (a family name first or last)",
    "encoding-damage": "'?' in the CSL where the list has a character outside ASCII",
    "accents-dropped": "the same text without its diacritics",
    "successor-dropped": "'and any successor' (or successor entities) left out",
    "parenthetical-in-name": "a parenthesised short form or former name kept in, or left "
    "out of, the name",
    "name-part-as-alias": "a name the list gives in the name itself (f.k.a., a.k.a., short "
    "form) given as an alias",
    "text-in-other-field": "the text is in the list entry's cell, in another field as "
    "frdiff reads the cell (a name running into its address, an alias in the name)",
    "footnote-marks": "the same text with the list's footnote numerals left out or set apart",
    "nearby-page": "the CSL cites another page of the same rule (its first page, where the "
    "list cites the entry's page)",
    "hong-kong-china": "an address in Hong Kong for an entry under China, or the reverse",
}

FIELDS = (
    "name",
    "aliases",
    "addresses",
    "countries",
    "license_requirement",
    "license_review_policy",
    "citations",
)

# Scores of the ways a CSL row can name an entry (higher is surer).
_EXACT, _FOLDED, _BARE, _ALIAS, _PREFIX = 100, 95, 90, 80, 70
_MIN_PREFIX_WORDS = 2
_NEARBY_PAGES = 60
#: Share of words two addresses must share to be the same address, written differently.
_SAME_ADDRESS = 0.6

_PAREN = re.compile(r"\s*\([^()]*\)")
_SUCCESSOR = re.compile(
    r",?\s*(?:and|&)\s+(?:any|all|its)\s+successors?(?:\s+entit(?:y|ies))?(?:\s+thereto)?",
    re.IGNORECASE,
)
_PART_MARKER = re.compile(
    r"^(?P<parent>.*?)[.;,]?\s*(?:"
    r"(?:affiliated\s+entit(?:y|ies)|subordinate\s+institution)\s*[:\-\u2013\u2014]"
    r"|(?:and\s+)?subordinate\s+entit(?:y|ies)\b"
    r"|(?<=\S)\s+(?:facilities|entities)\s*:"
    r")\s*(?P<part>.+)$",
    re.IGNORECASE,
)
_AKA = re.compile(r",?\s*\(?\b[afn]\.k\.a\.?,?\s.*$", re.IGNORECASE)
#: Letters that Unicode does not decompose into an ASCII letter and an accent.
_ASCII_LETTERS = str.maketrans(
    {
        "ı": "i",
        "İ": "I",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
    }
)
_PART_WORDS = re.compile(r"affiliat|subordinate|to include the following", re.IGNORECASE)
_FOOTNOTE = re.compile(r"(?<=[)A-Za-z])\s?[1-9](?=[\s,.;)]|$)|(?<=,)\s?[1-9](?=\s+[\d§])")
_AKA_LEAD = re.compile(r"^\s*[afn]\.k\.a\.?,?\s*", re.IGNORECASE)
_COUNTRY_TAIL = re.compile(r",\s*[^,]+$")
_NAME_SEPARATOR = ",.;("


class AuditRow(Struct, frozen=True):
    """One line of the audit: a CSL row's outcome, an entry missing, or a difference.

    ``verdict`` is "match", "convention" (with ``convention`` naming one of
    :data:`CONVENTIONS`) or "disagreement".  ``csl_row`` is the CSL record number
    (``csl_where`` says where in the file); the entry is named by ``country``,
    ``entry_name`` and ``entry_source`` (document and table row).  Difference rows
    fill ``field``, ``csl_value`` and ``list_value``; missing rows ``rule``,
    ``rule_date`` and ``lag_days`` (from that date to the CSL file's date).
    """

    list: str
    supplement: int
    kind: str
    verdict: str
    message: str
    convention: str = ""
    csl_row: int | None = None
    csl_name: str = ""
    csl_where: str = ""
    country: str = ""
    entry_name: str = ""
    entry_source: str = ""
    match: str = ""
    field: str = ""
    csl_value: str = ""
    list_value: str = ""
    rule: str = ""
    rule_date: str | None = None
    lag_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__struct_fields__}


class ListAudit(Struct, frozen=True):
    """The audit of one list: its CSL rows against its entries."""

    spec: CslList
    csl_rows: int
    entries: int
    digest: str
    rows: tuple[AuditRow, ...]
    accounted: int

    def counts(self) -> dict[str, Any]:
        kinds = Counter(r.kind for r in self.rows)
        conventions = Counter(r.convention for r in self.rows if r.verdict == CONVENTION)
        verdicts = Counter(r.verdict for r in self.rows if r.kind in CSL_ROW_KINDS)
        return {
            "list": self.spec.id,
            "supplement": self.spec.supplement,
            "csl_rows": self.csl_rows,
            "accounted": self.accounted,
            # each CSL row: matched, explained by a convention, or a disagreement
            "csl_rows_by_verdict": {
                v: verdicts.get(v, 0) for v in (MATCH, CONVENTION, DISAGREEMENT)
            },
            "list_entries": self.entries,
            **{k: kinds.get(k, 0) for k in KINDS},
            "conventions": dict(sorted(conventions.items())),
            "disagreements": sum(1 for r in self.rows if r.verdict == DISAGREEMENT),
            "digest": self.digest,
        }


class CslAudit(Struct, frozen=True):
    """What :func:`audit_csl` found: per list, and the file's own findings."""

    csl: CslFile
    against: str
    against_date: str | None
    lists: tuple[ListAudit, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def rows(self) -> tuple[AuditRow, ...]:
        return tuple(r for la in self.lists for r in la.rows)

    def summary(self) -> dict[str, Any]:
        per = [la.counts() for la in self.lists]
        total: dict[str, Any] = {
            "csl_rows": sum(p["csl_rows"] for p in per),
            "accounted": sum(p["accounted"] for p in per),
            "list_entries": sum(p["list_entries"] for p in per),
        }
        total["csl_rows_by_verdict"] = {
            v: sum(p["csl_rows_by_verdict"][v] for p in per)
            for v in (MATCH, CONVENTION, DISAGREEMENT)
        }
        for k in KINDS:
            total[k] = sum(p[k] for p in per)
        conventions: Counter[str] = Counter()
        for p in per:
            conventions.update(p["conventions"])
        total["conventions"] = dict(sorted(conventions.items()))
        total["disagreements"] = sum(p["disagreements"] for p in per)
        total["complete"] = self.csl.complete
        total["lists"] = {p["list"]: p for p in per}
        return total

    @property
    def digests(self) -> dict[str, str]:
        return {la.spec.id: la.digest for la in self.lists}

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": "csl-audit",
            "csl": {**self.csl.to_dict(), "digests": self.digests},
            "against": {"source": self.against, "date": self.against_date},
            "summary": self.summary(),
            "conventions": CONVENTIONS,
            "rows": [r.to_dict() for r in self.rows],
            "findings": [f.to_dict() for f in (*self.csl.findings, *self.findings)],
        }


# ---------------------------------------------------------------------------
# Keys


@lru_cache(maxsize=1 << 16)
def _key(text: str) -> str:
    """A name's comparison key, with "&" read as "and" (the CSL writes either)."""
    return name_key(text.replace("&", " and "))


@lru_cache(maxsize=1 << 14)
def _accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _damaged(text: str) -> str:
    """The text as a lossy ASCII export writes it: each non-ASCII character a '?'."""
    return re.sub(r"[^\x00-\x7f]", "?", unicodedata.normalize("NFC", text))


def _bare(text: str) -> str:
    return _PAREN.sub("", text)


@lru_cache(maxsize=1 << 14)
def _name_variants(text: str) -> tuple[tuple[str, int, str], ...]:
    """(key, score, method) for each way a name may be written."""
    key = _key(text)
    out = [(key, _EXACT, "name"), ("".join(key.split()), _FOLDED, "case-punctuation")]
    if not text.isascii():
        out.append((_key(_damaged(text)), _FOLDED, "encoding-damage"))
        out.append((_key(_accents(text)), _FOLDED, "accents-dropped"))
    unsuccessor = _SUCCESSOR.sub("", text)
    if unsuccessor != text:
        out.append((_key(unsuccessor), _BARE, "successor-dropped"))
    bare = _AKA.sub("", _bare(text))
    if bare != text:
        out.append((_key(bare), _BARE, "parenthetical-in-name"))
    return tuple(v for v in out if v[0])


def _entry_text(e: Entry) -> str:
    """Every text of an entry's cell, as one key padded with spaces."""
    units = [t for u in e.units for t in (u.name, *u.aliases, *u.addresses)]
    parts = (e.name, *e.aliases, *e.addresses, *e.listed_items, *e.notes, *units)
    return " " + " ".join(_key(p) for p in parts) + " "


def _contains(haystack_key: str, key: str) -> bool:
    return bool(key) and f" {key} " in f" {haystack_key} "


@lru_cache(maxsize=1 << 12)
def _citation_keys(text: str) -> dict[tuple[int, int], str]:
    """(volume, page) -> label of each citation in a CSL citation text (do not mutate)."""
    out: dict[tuple[int, int], str] = {}
    for c in parse_citations(text):
        if c.volume is not None and c.page is not None:
            out.setdefault((c.volume, c.page), c.label())
    return out


def _days(since: str | None, until: str | None) -> int | None:
    try:
        return (date.fromisoformat(until or "") - date.fromisoformat(since or "")).days
    except ValueError:
        return None


def _hk_cn(codes: Iterable[str], code: str | None) -> bool:
    return code in ("CN", "HK") and bool({"CN", "HK"} & set(codes))


# ---------------------------------------------------------------------------
# Classifying one text difference


def _footnoteless(text: str) -> str:
    return _FOOTNOTE.sub("", text)


@lru_cache(maxsize=1 << 14)
def _text_key(text: str) -> str:
    from frdiff.diff import text_key

    return text_key(text)


def _loose_key(text: str) -> str:
    """:func:`_text_key` without section signs or a leading "a.k.a.": "§734.9(g), §746.8"
    and "§§ 734.9(g), 746.8" are one citation style apart, not two texts."""
    return _text_key(_AKA_LEAD.sub("", text).replace("§", ""))


def _damage_key(text: str) -> str:
    """Text folded for comparison, keeping each '?' (a character lost to encoding)."""
    return re.sub(r"[^\w?]+", "", fold(text))


@lru_cache(maxsize=1 << 14)
def classify_text(csl: str, listed: str, *, name: bool = True) -> str | None:
    """The convention that makes ``csl`` and ``listed`` the same text, else None.

    ``name=False`` for texts that are not names (license requirement and policy):
    their parentheses and wording are content, only their setting may differ.
    """
    if "?" in csl and not listed.isascii() and _damage_key(csl) == _damage_key(_damaged(listed)):
        return "encoding-damage"
    if _text_key(csl) == _text_key(listed) or _key(csl) == _key(listed):
        return "case-punctuation"
    if _loose_key(csl) == _loose_key(listed):
        return "case-punctuation"
    if "?" in csl and _text_key(csl.replace("?", "")) == _text_key(
        _damaged(listed).replace("?", "")
    ):
        return "encoding-damage"
    if _text_key(_accents(csl)) == _text_key(_accents(listed)) or _key(_accents(csl)) == _key(
        _accents(listed)
    ):
        return "accents-dropped"
    if _loose_key(_footnoteless(csl)) == _loose_key(_footnoteless(listed)):
        return "footnote-marks"
    if not name:
        return None
    if sorted(_key(csl).split()) == sorted(_key(listed).split()):
        return "word-order"
    if _key(_SUCCESSOR.sub("", csl)) == _key(_SUCCESSOR.sub("", listed)):
        return "successor-dropped"
    if _key(_AKA.sub("", _bare(csl))) == _key(_AKA.sub("", _bare(listed))):
        return "parenthetical-in-name"
    return None


# ---------------------------------------------------------------------------
# The audit


class _Pairing:
    """One list's rows and entries, and who is paired with whom."""

    def __init__(self, spec: CslList, rows: Sequence[CslRow], entries: Sequence[Entry]) -> None:
        self.spec = spec
        self.rows = rows
        self.entries = entries
        self.row_of: dict[int, int] = {}  # entry index -> CSL row index
        self.entry_of: dict[int, tuple[int, str]] = {}  # CSL row index -> (entry, method)
        self.cites = [_citation_keys(r.federal_register_notice) for r in rows]
        self.entry_cites = [
            {(c.volume, c.page) for c in e.citations if c.volume is not None and c.page is not None}
            for e in entries
        ]
        self.candidates: dict[int, list[tuple[float, int, str]]] = {}
        self._texts: dict[int, str] = {}
        self._all_text: str | None = None
        self._starts: list[int] = []

    def entry_text(self, j: int) -> str:
        text = self._texts.get(j)
        if text is None:
            text = self._texts[j] = _entry_text(self.entries[j])
        return text

    def containing(self, key: str) -> list[int]:
        """The entries whose cell text holds ``key`` (a whole-word key)."""
        if not key:
            return []
        if self._all_text is None:
            # One string for all cells, searched once per key; entries by offset.
            at = 0
            parts: list[str] = []
            for j in range(len(self.entries)):
                text = self.entry_text(j)
                self._starts.append(at)
                parts.append(text)
                at += len(text)
            self._all_text = "".join(parts)
        needle, at = f" {key} ", 0
        out: list[int] = []
        while (at := self._all_text.find(needle, at)) >= 0:
            j = bisect_right(self._starts, at) - 1
            if (not out or out[-1] != j) and _contains(self.entry_text(j), key):
                out.append(j)
            at += 1
        return out

    def _bonus(self, i: int, j: int) -> float:
        r, e = self.rows[i], self.entries[j]
        score = 0.0
        # A row with one country says more than a row with several.
        if e.country_code in r.countries:
            score += 10 / len(r.countries)
        elif _hk_cn(r.countries, e.country_code):
            score += 5 / len(r.countries)
        a, b = set(self.cites[i]), self.entry_cites[j]
        if a or b:
            score += 10 * len(a & b) / len(a | b)
        return score

    def find_candidates(self) -> None:
        by_key: dict[str, list[tuple[int, int, str]]] = {}
        alias_key: dict[str, list[int]] = {}
        prefix: dict[str, list[int]] = {}
        for j, e in enumerate(self.entries):
            for key, score, method in _name_variants(e.name):
                by_key.setdefault(key, []).append((j, score, method))
            for a in e.aliases:
                alias_key.setdefault(_key(a), []).append(j)
            words = _key(e.name).split()
            for n in range(_MIN_PREFIX_WORDS, len(words)):
                prefix.setdefault(" ".join(words[:n]), []).append(j)
        for i, r in enumerate(self.rows):
            if _PART_MARKER.match(r.name):
                # "Parent. Affiliated Entity: Part" names a part of an entry, never the
                # entry, unless a list names it so itself.
                exact = [(j, s) for j, s, m in by_key.get(_key(r.name), ()) if m == "name"]
                self.candidates[i] = [(s + self._bonus(i, j), j, "name") for j, s in exact]
                continue
            found: dict[int, tuple[float, str]] = {}

            def offer(
                j: int, score: float, method: str, found: dict[int, tuple[float, str]] = found
            ) -> None:
                if j not in found or found[j][0] < score:
                    found[j] = (score, method)

            for key, score, method in _name_variants(r.name):
                for j, escore, emethod in by_key.get(key, ()):
                    m = method if method != "name" else emethod
                    offer(j, min(score, escore), m)
            key = _key(r.name)
            for j in alias_key.get(key, ()):
                offer(j, _ALIAS, "alias")
            for a in r.aliases:
                for j, _, _ in by_key.get(_key(a), ()):
                    offer(j, _ALIAS, "alias")
            for j in prefix.get(key, ()):
                offer(j, _PREFIX, "name-prefix")
            # The list's name cut short, the rest read as an alias or an address.
            words = key.split()
            for n in range(_MIN_PREFIX_WORDS + 1, len(words)):
                for j, _, emethod in by_key.get(" ".join(words[:n]), ()):
                    rest = " ".join(words[n:])
                    if emethod == "name" and _contains(self.entry_text(j), rest):
                        offer(j, _PREFIX - 5, "name-prefix")
            self.candidates[i] = [(s + self._bonus(i, j), j, m) for j, (s, m) in found.items()]

    def assign(self) -> None:
        pairs = sorted(
            ((s, i, j, m) for i, cands in self.candidates.items() for s, j, m in cands),
            key=lambda p: (-p[0], p[1], p[2]),
        )
        for _, i, j, m in pairs:
            if i in self.entry_of or j in self.row_of:
                continue
            self.entry_of[i] = (j, m)
            self.row_of[j] = i


def _unit_entry(r: CslRow, parent: Entry) -> Entry | None:
    """The unit of ``parent`` that the CSL row ``r`` stands for, as an entry of its own
    (under the parent's country and source), or None when no unit has its name."""
    m = _PART_MARKER.match(r.name)
    key = _key(m.group("part") if m else r.name)
    for u in parent.units:
        if _key(u.name) == key or _key(_bare(u.name)) == _key(
            _bare(m.group("part") if m else r.name)
        ):
            return Entry(
                country=parent.country,
                country_code=parent.country_code,
                name=u.name,
                aliases=u.aliases,
                addresses=u.addresses,
                source=f"{parent.source} ({u.kind} {u.name})",
            )
    return None


def _entry_fields(e: Entry) -> dict[str, str]:
    return {"country": e.country, "entry_name": e.name, "entry_source": e.source}


def _row_fields(r: CslRow) -> dict[str, Any]:
    return {"csl_row": r.row, "csl_name": r.name, "csl_where": r.where}


class _Auditor:
    def __init__(
        self,
        pairing: _Pairing,
        csl_date: str | None,
        list_date: str | None,
        rules: Sequence[ChangeSet],
    ) -> None:
        self.p = pairing
        self.spec = pairing.spec
        self.csl_date = csl_date
        self.list_date = list_date
        self.out: list[AuditRow] = []
        self.kind_of: dict[int, AuditRow] = {}
        # entries one CSL row stands for beside its own (one row, several countries)
        self._covered_entries: set[int] = set()
        # CSL row -> the entry it is a part of (affiliate rows), and those entries
        self._parent: dict[int, int] = {}
        self._parents: set[int] = set()
        # entry -> the names and aliases of the CSL rows for its parts
        self._part_text: dict[int, str] = {}
        # name key -> (document number, publication date) of the rules applied to the list
        self.added: dict[str, tuple[str, str | None]] = {}
        self.removed: dict[str, tuple[str, str | None]] = {}
        for cs in rules:
            when = cs.rule.publication_date or cs.rule.effective_date
            for c in cs.changes:
                index = (
                    self.added if c.action == ADD else self.removed if c.action == REMOVE else None
                )
                if index is not None:
                    index[_key(c.name)] = (cs.rule.document_number, when)

    def row(self, kind: str, verdict: str, message: str, **fields: Any) -> AuditRow:
        return AuditRow(self.spec.id, self.spec.supplement, kind, verdict, message, **fields)

    def run(self) -> tuple[list[AuditRow], int]:
        p = self.p
        covered = self._country_rows()
        for i, r in enumerate(p.rows):
            if i in p.entry_of:
                j, method = p.entry_of[i]
                e = p.entries[j]
                kind, verdict, conv = MATCHED, MATCH, ""
                msg = f"matched by {method.replace('-', ' ')}"
                if covered.get(i):
                    others = covered[i]
                    kind, verdict, conv = COUNTRY_ROWS, CONVENTION, "country-rows"
                    msg = "one row for the entity the list enters under " + ", ".join(
                        sorted({e.country, *(p.entries[k].country for k in others)})
                    )
                self.kind_of[i] = self.row(
                    kind,
                    verdict,
                    msg,
                    convention=conv,
                    match=method,
                    **_row_fields(r),
                    **_entry_fields(e),
                )
                continue
            if p.candidates.get(i):
                _, j, method = max(p.candidates[i])
                e = p.entries[j]
                other = p.rows[p.row_of[j]] if j in p.row_of else None
                msg = "a second CSL row for an entry " + (
                    f"already matched by CSL row {other.row}" if other else "matched elsewhere"
                )
                # A row of its own for an address in another country (Hong Kong, for an
                # entry under China) is how the CSL divides entities, not a stale copy.
                by_country = (
                    other is not None
                    and set(other.countries) != set(r.countries)
                    and e.country_code not in r.countries
                )
                self.kind_of[i] = self.row(
                    DUPLICATE_ROW,
                    CONVENTION if by_country else DISAGREEMENT,
                    msg + (", for the entry's addresses in " + ", ".join(r.countries))
                    if by_country
                    else msg,
                    convention="country-rows" if by_country else "",
                    match=method,
                    **_row_fields(r),
                    **_entry_fields(e),
                )
                continue
            self.kind_of[i] = self._unnamed(i, r)
        for i in range(len(p.rows)):
            self.out.append(self.kind_of[i])
        accounted = len({r.csl_row for r in self.kind_of.values() if r.kind in CSL_ROW_KINDS})
        # What the rows for an entry's parts say: their names and aliases are the entry's.
        for i, j in self._parent.items():
            r = p.rows[i]
            words = " ".join(_key(x) for x in (r.name, *r.aliases))
            self._part_text[j] = self._part_text.get(j, " ") + words + " "
        for i, r in enumerate(p.rows):
            row = self.kind_of[i]
            if row.kind in (MATCHED, COUNTRY_ROWS):
                j, method = p.entry_of[i]
                self.out.extend(self._differences(r, p.entries[j], method, whole=True, j=j))
            elif row.kind == AFFILIATE_ROW:
                j = self._parent[i]
                self.out.extend(self._differences(r, p.entries[j], "affiliate", whole=False, j=j))
                unit = _unit_entry(r, p.entries[j])
                if unit is not None:  # the row's own aliases and addresses: the unit's
                    parent = p.entry_text(j)
                    self.out.extend(self._aliases(r, unit, "unit", "", parent=parent))
                    self.out.extend(self._addresses(r, unit, "unit"))
        for j, e in enumerate(p.entries):
            if j not in p.row_of and j not in self._covered_entries and j not in self._parents:
                self.out.append(self._missing(e))
        return self.out, accounted

    # -- CSL rows that name several entries, or no entry by name ----------------

    def _country_rows(self) -> dict[int, list[int]]:
        """CSL row -> the entries under other countries that the one row stands for."""
        p = self.p
        rows_by_key: dict[str, list[int]] = {}
        for i in p.entry_of:
            for key, _, _ in _name_variants(p.rows[i].name):
                rows_by_key.setdefault(key, []).append(i)
        out: dict[int, list[int]] = {}
        for j, e in enumerate(p.entries):
            if j in p.row_of:
                continue
            for key, _, _ in _name_variants(e.name):
                hits = [
                    i
                    for i in rows_by_key.get(key, ())
                    if e.country_code in p.rows[i].countries
                    and p.entries[p.entry_of[i][0]].country_code != e.country_code
                ]
                if hits:
                    out.setdefault(hits[0], []).append(j)
                    self._covered_entries.add(j)
                    break
        return out

    def _unnamed(self, i: int, r: CslRow) -> AuditRow:
        """A CSL row that names no entry: a part of one (an affiliate), or not listed."""
        p = self.p
        m = _PART_MARKER.match(r.name)
        part = m.group("part") if m else r.name
        key = _key(part)
        hits = p.containing(key)
        if m and not hits:
            parent_key = _key(_bare(m.group("parent")))
            hits = [j for j, e in enumerate(p.entries) if _key(_bare(e.name)) == parent_key]
        if hits:
            hits.sort(key=lambda j: -p._bonus(i, j))
            j = hits[0]
            e = p.entries[j]
            self._parent[i] = j
            self._parents.add(j)
            explained = (
                bool(m)
                or any(_contains(_key(u.name), key) for u in e.units)
                or bool(_PART_WORDS.search(" ".join((e.name, *e.aliases, *e.addresses))))
            )
            if explained:
                return self.row(
                    AFFILIATE_ROW,
                    CONVENTION,
                    "a row of its own for a part the entry names",
                    convention="affiliate-rows",
                    match="contained",
                    **_row_fields(r),
                    **_entry_fields(e),
                )
            return self.row(
                AFFILIATE_ROW,
                CONVENTION,
                "the name is written inside the entry's cell as frdiff reads it",
                convention="text-in-other-field",
                match="contained",
                **_row_fields(r),
                **_entry_fields(e),
            )
        removed = self.removed.get(_key(r.name))
        if removed is not None:
            number, when = removed
            lag = _days(when, self.csl_date)
            ago = f", {lag} days before the CSL file" if lag is not None else ""
            return self.row(
                NOT_ON_LIST,
                DISAGREEMENT,
                f"removed from the {self.spec.title} by FR Doc. {number} ({when or 'undated'}{ago})",
                rule=number,
                rule_date=when,
                lag_days=lag,
                **_row_fields(r),
            )
        as_of = f" as of {self.list_date}" if self.list_date else ""
        return self.row(
            NOT_ON_LIST,
            DISAGREEMENT,
            f"no entry of the {self.spec.title}{as_of} has this name or alias "
            "(removed from the list, or never on it)",
            **_row_fields(r),
        )

    def _missing(self, e: Entry) -> AuditRow:
        dated = [c for c in e.citations if c.volume is not None and c.page is not None]
        latest = max(dated, key=lambda c: (c.volume or 0, c.page or 0), default=None)
        rule = latest.label() if latest else ""
        when = latest.date if latest else None
        by = "its latest citation is"
        added = self.added.get(_key(e.name))
        if added is not None:
            (rule, when), by = added, "added by FR Doc."
        lag = _days(when, self.csl_date)
        if lag is not None and lag < 0:
            since = f", {-lag} days after the CSL file was made"
        else:
            since = f", {lag} days before the CSL file" if lag is not None else ""
        msg = (
            f"no CSL row for this entry; {by} {rule} ({when or 'undated'}{since})"
            if rule
            else "no CSL row for this entry (it carries no FR citation)"
        )
        return self.row(
            MISSING, DISAGREEMENT, msg, rule=rule, rule_date=when, lag_days=lag, **_entry_fields(e)
        )

    # -- field by field ---------------------------------------------------------

    def _diff(
        self,
        r: CslRow,
        e: Entry,
        field: str,
        csl: str,
        listed: str,
        conv: str | None,
        msg: str,
        method: str,
    ) -> AuditRow:
        return self.row(
            DIFFERENCE,
            CONVENTION if conv else DISAGREEMENT,
            msg,
            convention=conv or "",
            match=method,
            field=field,
            csl_value=csl,
            list_value=listed,
            **_row_fields(r),
            **_entry_fields(e),
        )

    def _differences(
        self, r: CslRow, e: Entry, method: str, *, whole: bool, j: int
    ) -> Iterable[AuditRow]:
        out: list[AuditRow] = []
        if whole:
            out += self._name(r, e, method)
            out += self._aliases(r, e, method, self._part_text.get(j, ""))
            out += self._addresses(r, e, method)
        for field, csl, listed in (
            ("license_requirement", r.license_requirement, e.license_requirement),
            ("license_review_policy", r.license_policy, e.license_review_policy),
        ):
            if csl != listed:
                conv = classify_text(csl, listed, name=False)
                out.append(
                    self._diff(
                        r,
                        e,
                        field,
                        csl,
                        listed,
                        conv,
                        "differs" if not conv else "written differently",
                        method,
                    )
                )
        out += self._citations(r, e, method)
        return out

    def _name(self, r: CslRow, e: Entry, method: str) -> list[AuditRow]:
        if r.name == e.name:
            return []
        conv = classify_text(r.name, e.name)
        if conv is None and method == "name-prefix":
            csl_key, list_key = _key(r.name), _key(e.name)
            if list_key.startswith(csl_key):
                rest = fold(e.name)[len(fold(r.name).rstrip(" .,")) :].lstrip()
                if rest[:1] and rest[0] in _NAME_SEPARATOR:
                    conv = "text-in-other-field"
            elif _contains(_entry_text(e), csl_key[len(list_key) :].strip()):
                conv = "text-in-other-field"
        if conv is None and method == "contained":
            conv = "text-in-other-field"
        msg = (
            "the CSL names the entry by one of its aliases"
            if method == "alias" and not conv
            else "name"
        )
        return [self._diff(r, e, "name", r.name, e.name, conv, msg, method)]

    def _aliases(
        self, r: CslRow, e: Entry, method: str, parts: str, *, parent: str = ""
    ) -> list[AuditRow]:
        """Alias differences; ``parts`` is the text of the CSL rows for the entry's parts,
        ``parent`` (for a unit's row) the text of the entry the unit belongs to."""
        out: list[AuditRow] = []
        listed = {_key(a): a for a in e.aliases}
        csl = {_key(a): a for a in r.aliases}
        text = _entry_text(e)
        name_k = _key(e.name)
        for k, a in csl.items():
            if k in listed:
                if a != listed[k]:
                    out.append(
                        self._diff(
                            r,
                            e,
                            "aliases",
                            a,
                            listed[k],
                            "case-punctuation",
                            "alias written differently",
                            method,
                        )
                    )
                continue
            conv = next((c for a2 in e.aliases if (c := classify_text(a, a2))), None)
            if conv is None and _contains(name_k, k):
                conv = "name-part-as-alias"
            if conv is None and _contains(text, k):
                conv = "text-in-other-field"
            if conv is None and _contains(parent, k):
                conv = "affiliate-rows"  # the part's row carries its parent's aliases
            msg = "an alias the CSL has and the list does not"
            out.append(self._diff(r, e, "aliases", a, "", conv, msg, method))
        csl_text = " " + " ".join(_key(x) for x in (r.name, *r.aliases, *r.addresses)) + " "
        for k, a in listed.items():
            if k in csl:
                continue
            conv = next((c for a2 in r.aliases if (c := classify_text(a2, a))), None)
            if conv is None and _contains(_key(r.name), k):
                conv = "parenthetical-in-name"
            if conv is None and (_contains(csl_text, k) or any(k.startswith(c + " ") for c in csl)):
                conv = "text-in-other-field"
            if conv is None and _contains(parts, k):
                conv = "affiliate-rows"
            msg = "an alias the list has and the CSL does not"
            out.append(self._diff(r, e, "aliases", "", a, conv, msg, method))
        return out

    def _addresses(self, r: CslRow, e: Entry, method: str) -> list[AuditRow]:
        if not r.addresses:
            # The derivative keeps only the addresses' countries: compare the heading.
            if not r.countries or e.country_code is None or e.country_code in r.countries:
                return []
            conv = "hong-kong-china" if _hk_cn(r.countries, e.country_code) else None
            return [
                self._diff(
                    r, e, "countries", ", ".join(r.countries), e.country_code, conv,
                    "the CSL's address countries do not include the entry's country", method,
                )
            ]  # fmt: skip
        return self._address_texts(r, e, method)

    def _address_texts(self, r: CslRow, e: Entry, method: str) -> list[AuditRow]:
        """Addresses compared as sets of words, so that the CSL's own order (street,
        city, state, postal code, country code) is no difference; each CSL address
        is paired with the list address that shares most of its words."""
        out: list[AuditRow] = []
        listed = [(a, _address_words(a)) for a in e.addresses]
        free = list(range(len(listed)))
        cell = _entry_text(e)
        for a in r.addresses:
            words = _address_words(a, code=True)
            best, score = None, 0.0
            for n in free:
                other = listed[n][1]
                jac = len(words & other) / len(words | other) if words | other else 0.0
                if jac > score:
                    best, score = n, jac
            if best is not None and score >= _SAME_ADDRESS:
                free.remove(best)
                if score == 1.0:
                    continue
                la = listed[best][0]
                conv = None
                if "?" in a and _damage_words(a, code=True) == _damage_words(_damaged(la)):
                    conv = "encoding-damage"
                elif _address_words(a, code=True, accents=False) == _address_words(
                    la, accents=False
                ):
                    conv = "case-punctuation"
                out.append(
                    self._diff(r, e, "addresses", a, la, conv, "the address differs", method)
                )
                continue
            conv = (
                "text-in-other-field" if _contains(cell, _key(_COUNTRY_TAIL.sub("", a))) else None
            )
            if conv is None and words and words <= _address_words(" ".join((e.name, *e.aliases))):
                conv = "text-in-other-field"
            msg = "an address the CSL has and the list does not"
            out.append(self._diff(r, e, "addresses", a, "", conv, msg, method))
        csl_text = " " + " ".join(_key(x) for x in (r.name, *r.aliases, *r.addresses)) + " "
        for n in free:
            la, words = listed[n]
            conv = (
                "text-in-other-field"
                if _contains(csl_text, _key(_COUNTRY_TAIL.sub("", la)))
                else None
            )
            msg = "an address the list has and the CSL does not"
            out.append(self._diff(r, e, "addresses", "", la, conv, msg, method))
        return out

    def _citations(self, r: CslRow, e: Entry, method: str) -> list[AuditRow]:
        csl = _citation_keys(r.federal_register_notice)
        listed = {
            (c.volume, c.page): c
            for c in e.citations
            if c.volume is not None and c.page is not None
        }
        only_csl = [k for k in csl if k not in listed]
        only_list = [k for k in listed if k not in csl]
        out: list[AuditRow] = []
        for k in only_csl:
            near = [m for m in only_list if m[0] == k[0] and abs(m[1] - k[1]) <= _NEARBY_PAGES]
            if near:
                m = min(near, key=lambda m: abs(m[1] - k[1]))
                only_list.remove(m)
                out.append(
                    self._diff(
                        r,
                        e,
                        "citations",
                        csl[k],
                        listed[m].label(),
                        "nearby-page",
                        "another page of the same rule",
                        method,
                    )
                )
                continue
            out.append(
                self._diff(
                    r,
                    e,
                    "citations",
                    csl[k],
                    "",
                    None,
                    "a citation the list does not carry",
                    method,
                )
            )
        for m in only_list:
            c = listed[m]
            lag = _days(c.date, self.csl_date)
            msg = "a citation the CSL does not carry" + (
                f" ({c.date}, {lag} days before the CSL file)" if lag is not None else ""
            )
            out.append(
                self.row(
                    DIFFERENCE, DISAGREEMENT, msg, match=method, field="citations",
                    list_value=c.label(), rule=c.label(), rule_date=c.date, lag_days=lag,
                    **_row_fields(r), **_entry_fields(e),
                )
            )  # fmt: skip
        return out


#: Words of the country names, left out when addresses are compared: the CSL ends
#: each address with an ISO code where the list writes the country's name.
_COUNTRY_WORDS = frozenset(
    w for name in (*COUNTRY_HEADINGS.values(), "U.A.E", "UAE", "PRC") for w in _key(name).split()
)


@lru_cache(maxsize=1 << 14)
def _address_words(text: str, *, code: bool = False, accents: bool = True) -> frozenset[str]:
    """An address as a set of words, without country names (nor, for a CSL address,
    the trailing ISO code); accents folded unless ``accents=False``."""
    if code:
        text = re.sub(r",\s*[A-Z]{2}\s*$", "", text)
    words = _key((_accents(text) if accents else text).replace("?", "")).split()
    return frozenset(w for w in words if w not in _COUNTRY_WORDS)


def _damage_words(text: str, *, code: bool = False) -> frozenset[str]:
    """:func:`_address_words` keeping each '?' (a character lost to encoding)."""
    if code:
        text = re.sub(r",\s*[A-Z]{2}\s*$", "", text)
    words = re.split(r"[^\w?]+", fold(text))
    return frozenset(w for w in words if w and w not in _COUNTRY_WORDS)


def audit_list(
    spec: CslList,
    rows: Sequence[CslRow],
    entries: Sequence[Entry],
    *,
    csl_date: str | None = None,
    list_date: str | None = None,
    rules: Sequence[ChangeSet] = (),
) -> ListAudit:
    """The audit of one list's CSL rows against its entries (see the module docstring).

    ``rules`` are the rules applied to the list after its eCFR copy: an entry they
    added, or a CSL row naming an entry they removed, is reported with that rule.
    """
    pairing = _Pairing(spec, rows, entries)
    pairing.find_candidates()
    pairing.assign()
    out, accounted = _Auditor(pairing, csl_date, list_date, rules).run()
    return ListAudit(
        spec=spec,
        csl_rows=len(rows),
        entries=len(entries),
        digest=content_digest(rows),
        rows=tuple(out),
        accounted=accounted,
    )


def require_rows(csl: CslFile, codes: Iterable[str]) -> None:
    """Raise :class:`~frdiff.errors.InputError` unless ``csl`` holds rows of every list
    in ``codes``: a file of other lists must not pass as a clean audit."""
    for code in codes:
        spec = CSL_LISTS[code]
        if not csl.rows_of(spec.id):
            raise InputError(f"the CSL file has no {spec.title} rows", where=csl.source)


def audit_csl(
    csl: CslFile,
    lists: dict[str, Snapshot],
    *,
    against: str = "",
    against_date: str | None = None,
    rules: Sequence[ChangeSet] = (),
    findings: Sequence[Finding] = (),
) -> CslAudit:
    """Audit a CSL file against the lists read from their sources.

    ``lists`` maps a list code of :data:`frdiff.csl.CSL_LISTS` ("EL") to the list as
    frdiff has it; ``against`` and ``against_date`` say what that list is (its
    source, the day it stands for); ``rules`` the rules applied to it after its copy,
    ``findings`` what building it found (carried into the audit's findings).  Rows of the CSL's other BIS lists are counted in the file's
    accounting and named in an info finding, never audited against the wrong list.
    Raises :class:`~frdiff.errors.InputError` when the file holds no row of any list
    audited: a wrong kind of file must not pass as a clean audit.
    """
    findings = list(findings)
    audits: list[ListAudit] = []
    require_rows(csl, lists)
    for code, snap in lists.items():
        spec = CSL_LISTS[code]
        rows = csl.rows_of(spec.id)
        audits.append(
            audit_list(
                spec,
                rows,
                snap.entries,
                csl_date=csl.date,
                list_date=against_date or snap.date,
                rules=rules,
            )
        )
    audited = {CSL_LISTS[c].id for c in lists}
    for spec in CSL_LISTS.values():
        n = len(csl.rows_of(spec.id))
        if n and spec.id not in audited:
            findings.append(
                Finding(
                    INFO,
                    "csl-list-not-audited",
                    f"{n} {spec.title} rows not audited: frdiff does not read Supplement No. "
                    f"{spec.supplement} yet",
                    where=csl.source,
                )
            )
    for la in audits:
        if la.accounted != la.csl_rows:
            findings.append(
                Finding(
                    ERROR,
                    "csl-rows-unaccounted",
                    f"{la.csl_rows - la.accounted} {la.spec.title} rows ended in no kind",
                    where=csl.source,
                )
            )
    return CslAudit(
        csl=csl,
        against=against,
        against_date=against_date,
        lists=tuple(audits),
        findings=tuple(findings),
    )
