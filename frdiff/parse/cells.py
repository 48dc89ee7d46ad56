"""The Entity cell: name, alias clause, aliases, addresses, listed items.

Shared by the rule parser and the snapshot parser.  Input is the cell as lines
(see :func:`frdiff.parse.xml.cell_text`); output is an :class:`EntityCell` plus
the problems met, which callers turn into findings with their own location.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from frdiff.model import AFFILIATED_ENTITY, SUBORDINATE_ENTITY, SUBORDINATE_INSTITUTION, Unit
from frdiff.normalize import (
    ADDRESS_SPLIT,
    COUNTRY_ALIASES,
    COUNTRY_HEADINGS,
    alias_text,
    clean,
    clean_alias,
    dash_item,
    ends_with_abbreviation,
    ends_with_number_abbreviation,
    fold,
    is_dash_line,
    name_key,
    split_addresses,
    strip_item,
    strip_list_punctuation,
)
from frdiff.parse import repairs

_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
#: The alias clause of a name line: "a.k.a., the following N aliases:", also for former
#: names ("Rosneft Trade Limited, f.k.a., TNK Trade Limited."): a party still trades
#: under them.
_ALIAS_CLAUSE = re.compile(
    r",?\s*\b(?:[af]\.?\s?k\.?\s?a(?![^\W\d_])\.?|(?:also|formerly)\s+known\s+as)"
    r"\s*,?\s*(?:and\s+)?"
    # The count clause, as the list writes it: "the following N aliases:", and "the one
    # alias:", "the three following aliases:", "as the following two aliases:",
    # "following two aliases:", "the following the following five aliases:".
    r"(?:(?:including\s+|as\s+)?(?:(?:the|follow(?:ing)?)\s+)+"
    r"(?:(?P<count>[\w-]+)\s+(?:following\s+)?)?"
    r"(?:alia\w*|names?|entit(?:y|ies))\s*:?)?",
    re.IGNORECASE,
)
#: The count clause alone, without "a.k.a.": "Gazprom Neft Shelf, the following one
#: alias:".  ("alia\w*": one real row spells it "aliaes".)
_BARE_CLAUSE = re.compile(
    r",?\s*\b(?:including\s+)?the\s+(?:follow(?:ing)?\s+)?(?P<count>[\w-]+\s+)?"
    r"(?:alia\w*|names?)\s*:?",
    re.IGNORECASE,
)
#: An alias clause in parentheses inside the name line: "Lim Yong Nam, (a.k.a. Lin
#: Rongnan, Steven Lim and Yong Nam Lim), ..."; "Gazmash, AO (f.k.a., Dochernee ...)".
#: Former names (f.k.a.) are aliases too: a party still trades under them.
_INLINE_CLAUSE = re.compile(
    r",?\s*\(\s*(?:[af]\.?\s?k\.?\s?a(?![^\W\d_])\.?|also\s+known\s+as|formerly\s+known\s+as)"
    r"\s*,?\s*(?P<names>[^()]*(?:\([^()]*\)[^()]*)*)\)",
    re.IGNORECASE,
)
#: The part of _ALIAS_CLAUSE that every match has, written so that a search can
#: skip to the next "a" or "f": case spelled out (the classes hold every character that
#: IGNORECASE matches: the Kelvin sign for "k", the long s for "s"), and the word
#: boundary before the "a" checked after it, as "no word character before it".
_CLAUSE_CORE = re.compile(
    r"[aAfF](?<!\w.)\.?\s?[kK\u212a]\.?\s?[aA](?![^\W\d_])"
    r"|(?:[aA](?<!\w.)[lL][sS\u017f][oO]|[fF](?<!\w.)[oO][rR][mM][eE][rR][lL][yY])"
    r"\s+[kK\u212a][nN][oO][wW][nN]\s+[aA][sS\u017f]"
)
#: A dash leading an alias run into one line: an em or en dash after a space or ";",
#: or a hyphen right before the alias ("the following two aliases: -Baet Alhoreya
#: Electronics Trading; and -Baet Alhoreya, Apt #1811 ...").
_INLINE_DASH = re.compile(r"(?:^|(?<=[\s;]))(?:[\u2014\u2013]\s*|-(?=[^\W\d_]))")
_LEGAL_SUFFIX = re.compile(
    r"^(?:co\b|co\.|ltd|limited|inc\b|inc\.|incorporated|llc|l\.l\.c|plc|jsc|ojsc|cjsc|pjsc|"
    r"ooo|gmbh|ag\b|s\.?a\.?\b|s\.?l\.?\b|b\.?v\.?\b|n\.?v\.?\b|pte|pvt|sdn|bhd|corp|corporation|"
    r"company|group|l\.?p\.?\b|llp|s\.?r\.?l|sarl|spa|s\.p\.a|kft|a\.?s\.?\b|ab\b|oy\b|fze|fzco|"
    r"fzc|fz-llc|dmcc|jlt|est\b|trading|d\.o\.o|s\.r\.o|sp\.? z|tic|ve\b|san\b|ltda|e\.?i\.?r\.?l|"
    r"oao\b|ao\b|pao\b|zao\b|pt\b|e?ood\b|kg\b|s\.?a\.?l\b|w\.?l\.?l\b|tbk\b|o[uü]\b)",
    re.IGNORECASE,
)
_ENDS_LEGAL = re.compile(
    r"(?:\b(?:co|ltd|limited|inc|incorporated|llc|plc|jsc|gmbh|ag|sa|s\.a|pte|corp|corporation|"
    r"company|llp|fze|fzco|bhd|ooo|ltda|srl|spa|b\.v|bv|oao|ao|pao|zao|oy|ab|as|s\.l|sl|"
    r"s\.a\.l|sal|pvt|pjsc|ojsc|cjsc)\.?)\s*$",
    re.IGNORECASE,
)
#: The longest text _ENDS_LEGAL matches before its trailing spaces ("incorporated."),
#: and some.
_LEGAL_ENDING_LENGTH = 16


def _ends_legal(text: str) -> bool:
    """``_ENDS_LEGAL.search(text)``, looking at the end of the text only.

    The pattern ends at the end of the text, after spaces only, so a match starts no
    further left than its longest alternative; searched from there (``\b`` still sees
    the character before), it is found without trying every position of a long line.
    """
    return _ENDS_LEGAL.search(text, max(0, len(text.rstrip()) - _LEGAL_ENDING_LENGTH)) is not None


#: A company's legal name ends here: "Co., Ltd.", "Limited", "LLC", "Inc.", "GmbH".
_ENDS_COMPANY = re.compile(r"\b(?:ltd|limited|llc|inc|gmbh|plc)\.?\s*$", re.IGNORECASE)
_ADDRESS_START = re.compile(
    r"^(?:\d|#|no\.?\s*\d|room\b|rm\b|building\b|bldg\b|floor\b|fl\b|unit\b|flat\b|suite\b|ste\b|"
    r"apartment\b|apt\b|office\b|block\b|p\.?\s?o\.?\s+box|po box|house\b|plot\b|street\b|"
    r"st\.\s|ul\.|d\.\s*\d|km\b|zone\b|area\b|level\b|tower\b|[a-z]?\d)",
    re.IGNORECASE,
)
#: A parenthesised acronym or short designation ("(PAPL)", "(HK)"), not a cross
#: reference ("(See alternate address under ...)"), with the spaces after it.
_DESIGNATION = re.compile(r"\((?!\s*see\b)([^(),;]{1,40})\)\s*", re.IGNORECASE)
#: A comma between parts of a cell: with a space, or none before a letter or a number
#: that is not a number's ("Co., Ltd.,902, Building B1"; not "1,000").
_COMMA = re.compile(r",\s|(?<!\d),(?=[^\W_])")
#: Where a name line's name may end: a comma (see _COMMA), or ";" and a space ("A.
#: Leib Ltd.; HA'Assif 19, Binyamina, Israel.").
_NAME_END = re.compile(r"[,;]\s|(?<!\d),(?=[^\W_])")
#: A cross reference ("(See alternate address under Hong Kong)"), the address's note.
_SEE_NOTE = re.compile(r"\(\s*see\b", re.IGNORECASE)
#: Where a sentence may end inside a line: a period or ";" and a space, or a period
#: run into the number that starts an address ("Kosol Surinandha.140/65 ITF Tower").
_SENTENCE_END = re.compile(r"[.;]\s+|(?<=[^\W\d_]{2})\.(?=\d)")
#: Characters either side of a comma that the suffix and address patterns need (their
#: longest alternative is "incorporated."), with a wide margin.
_WINDOW = 48
_COUNTRY_WORDS = (
    frozenset(fold(v) for v in COUNTRY_HEADINGS.values())
    | frozenset(COUNTRY_ALIASES)
    | {
        "china",
        "hong kong",
        "macau",
        "macao",
        "russia",
        "uae",
        "u.a.e",
        "p.r. china",
        "p.r.c",
        "korea",
        "south korea",
        "england",
        "scotland",
        "wales",
        "northern ireland",
        "british virgin islands",
        "kingdom of saudi arabia",
        "the netherlands",
        "republic of cyprus",
        "sultanate of oman",
    }
)
#: The last words of the country names above.
_COUNTRY_LAST_WORDS = frozenset(w.split()[-1] for w in _COUNTRY_WORDS)
#: The longest country name above, in words: an ending is looked for in so many.
_COUNTRY_MAX_WORDS = max(len(w.split()) for w in _COUNTRY_WORDS)
#: What may follow the country at the end of an address: a cross reference
#: ("(See alternate address under Ukraine)"), final punctuation.
_TRAILING_NOTE = re.compile(r"\s*\(\s*see\b[^()]*\)[\s.;]*$", re.IGNORECASE)


#: How a name line was split when another reading was as plausible: the cell gets
#: an "ambiguous-name" problem, so the reading is reported and can be checked.
AMBIGUOUS = "ambiguous"


@dataclass
class EntityCell:
    """What an Entity cell says, before it becomes an :class:`~frdiff.model.Entry`."""

    name: str
    aliases: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    listed_items: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    declared_aliases: int | None = None
    name_split: str = "whole"
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)

    def problem(self, code: str, message: str, text: str = "") -> None:
        self.problems.append((code, message, text))


def _may_have_clause(line: str) -> bool:
    """False when ``line`` cannot hold an alias clause: every form has a "k" ("a.k.a.",
    "also known as"; the Kelvin sign matches "k" when case is ignored)."""
    return "k" in line or "K" in line or "\u212a" in line


def plain_name(line: str) -> str | None:
    """The name an Entity cell of this one line gives when the line is a name alone,
    as :func:`parse_entity_cell` reads it; None when the line may hold more (an
    alias clause, which always has a "k", or addresses after a comma).

    For callers that read many cells: most one-line cells are such names.
    """
    if "," in line or ". " in line or _may_have_clause(line) or "alia" in line:
        return None
    return strip_item(clean(line))


#: A clause found: its start and end in the line, and its announced count (text).
_Clause = tuple[int, int, str | None]
#: _ALIAS_CLAUSE matches by the text they were searched in (see _find_clause).
_CLAUSES: dict[str, _Clause | None] = {}


def _find_clause(line: str) -> _Clause | None:
    """Where ``_ALIAS_CLAUSE.search(line)`` matches, faster: the clause's core is found
    first, and the full pattern is tried from there only.

    The clause's leftmost match starts at its core's first occurrence, less the
    comma and spaces before it.  From there the match depends only on the text
    from the character before (for the word boundary the pattern begins with),
    nearly always ", a.k.a., the following N aliases:": matches are kept by it.
    """
    if not _may_have_clause(line):
        return _find_bare_clause(line)
    core = _CLAUSE_CORE.search(line)
    if core is None:
        return _find_bare_clause(line)
    start = core.start()
    while start and line[start - 1].isspace():
        start -= 1
    if start and line[start - 1] == ",":
        start -= 1
    if not start:  # a clause leading the line (nothing to keep it by)
        m = _ALIAS_CLAUSE.search(line)
        return (m.start(), m.end(), m.group("count")) if m else _find_bare_clause(line)
    at = start - 1
    text = line[at:]
    if text in _CLAUSES:
        found = _CLAUSES[text]
    else:
        m = _ALIAS_CLAUSE.search(text, 1)
        found = (m.start(), m.end(), m.group("count")) if m else None
        if len(text) <= 256 and len(_CLAUSES) < 4096:  # bounded: documents are untrusted
            _CLAUSES[text] = found
    if found is None:
        return _find_bare_clause(line)
    return found[0] + at, found[1] + at, found[2]


def _find_bare_clause(line: str) -> _Clause | None:
    """Where a count clause without "a.k.a." starts and ends (see _BARE_CLAUSE)."""
    if "alia" not in line and "name" not in line:
        return None
    m = _BARE_CLAUSE.search(line)
    if m is None or m.group(0).strip(" ,").casefold().startswith(("the names", "the name")):
        return None  # "the names" alone is prose, not a clause
    count = m.group("count")
    return m.start(), m.end(), count.strip() if count else None


def _inline_aliases(line: str) -> tuple[str, list[str]]:
    """The line without its parenthesised alias clauses, and the names they give.

    The names are separated by ";" where the clause has any ("AO Shipyard 'Zaliv';
    JSC Zaliv Shipyard; and OJSC ZALIV SHIPYARD"), else by commas that do not
    start a legal form, the last two by "and" after such a list ("Lin Rongnan,
    Steven Lim and Yong Nam Lim").  A lone "X and Y" stays one name: "and" is part
    of many ("Optics and Electronics").  Only clauses of the name are read: one
    inside an alias after the cell's own clause (a one-line cell's "..., a.k.a., the
    following six aliases: —...; —AO Institute Stroyproekt (f.k.a., ...); ...")
    is that alias's, read with it (:func:`_alias_names`), as when the alias has a
    line of its own.
    """
    bare = _find_clause(_PARENTHESISED.sub(lambda m: " " * len(m.group(0)), line))
    return _without_inline_clauses(line, len(line) if bare is None else bare[0])


def _without_inline_clauses(text: str, limit: int) -> tuple[str, list[str]]:
    """``text`` without the parenthesised alias clauses that start before ``limit``,
    and the names they give (each read as its owner's: a person's or not)."""
    names: list[str] = []
    kept: list[str] = []
    at = 0
    for m in _INLINE_CLAUSE.finditer(text, 0, limit):
        names.extend(_name_list(m.group("names"), person=_is_person(text[: m.start()])))
        kept.append(text[at : m.start()])
        at = m.end()
    kept.append(text[at:])
    return clean("".join(kept)), names


_PARENTHESISED = re.compile(r"\([^()]*\)")


_AND_SEPARATOR = re.compile(r"\s+and\s+", re.IGNORECASE)


def _name_list(text: str, person: bool = False) -> list[str]:
    """Names listed in running text: see :func:`_inline_aliases`.  ``person``: the
    names are a person's, so a lone "X and Y" of two person names is two."""
    text = repairs.quote_before_semicolon(clean(text))
    if ";" in text:
        pieces = text.split(";")
    else:
        pieces, start = [], 0
        for m in _COMMA.finditer(text):
            if not _LEGAL_SUFFIX.match(text[m.end() : m.end() + _WINDOW]):
                pieces.append(text[start : m.start()])
                start = m.end()
        pieces.append(text[start:])
        if len(pieces) > 1:
            last = _AND_SEPARATOR.split(pieces.pop())
            pieces.extend(last if len(last) == 2 else [" and ".join(last)])
        elif _two_names(text, person):
            pieces = _AND_SEPARATOR.split(text)
    out = []
    for piece in pieces:
        piece = clean(piece)
        if piece[:4].casefold() == "and ":
            piece = piece[4:]
        item = clean_alias(piece)
        if item:
            out.extend(_alias_names(item))
    return out


#: An alias's own alias clause between two names: "JSC NIIP, f.k.a., Otkrytoe ...";
#: "Thermal Processing Technology Research Institute, a.k.a., Hot Working ...";
#: "Yichang Testing Technology Research Institute a.k.a. Yichang Institute of ...".
#: Not a count clause, which announces sub-units' aliases ("..., a.k.a., the
#: following one alias:").
_INNER_CLAUSE = re.compile(
    r"(?:[,;]\s*|\s+)(?:[af]\.\s?k\.\s?a\.?|(?:also|formerly)\s+known\s+as),?\s+(?!the\s+follow)",
    re.IGNORECASE,
)


def _alias_names(item: str) -> list[str]:
    """The names an alias item gives: itself, or the two (or more) that an inner
    clause separates (:data:`_INNER_CLAUSE`), or its own parenthesised one ("AO
    Institute Stroyproekt (f.k.a., Institut Stroiproekt Zakrytoe Aktsionernoe
    Obshchestvo)"): each is a name the party is known by."""
    if not _may_have_clause(item):
        return [item]
    inner: list[str] = []
    if "(" in item:
        item, inner = _without_inline_clauses(item, len(item))
    names = [name for name in map(clean_alias, _INNER_CLAUSE.split(item)) if name]
    return names + [name for name in inner if name not in names]


def _two_names(text: str, person: bool) -> bool:
    """Whether a lone "X and Y" is two names, not one ("Optics and Electronics"): the
    same name spelt twice ("Rayan Parto System Tehran and Rayane Parto System
    Tehran"), or, for a person, two person names ("Mark Ong and Matti Chong")."""
    parts = _AND_SEPARATOR.split(text)
    if len(parts) != 2:
        return False
    left, right = (p.casefold().split() for p in parts)
    if len(left) > 2 and len(right) > 2 and left[-2:] == right[-2:]:
        return True
    return person and all(_is_person(p) for p in parts)


def _is_person(name: str) -> bool:
    """A name that may be a person's: two to four capitalised words, no number, no
    legal form, no word of an organisation or a place."""
    words = name.strip(" ,").split()
    return (
        1 < len(words) <= 4
        and all(w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha() for w in words)
        and not _ends_legal(name)
        and _ORGANISATION_WORDS.isdisjoint(ws := _words(name))
        and _PLACE_WORDS.isdisjoint(ws)
    )


def _alias_run(text: str, person: bool = False) -> tuple[list[str], str]:
    """Aliases run into the address after "X, a.k.a. Y, Z, 12 Road, ...": the names
    up to the first comma after which an address starts (or, when the text ends as
    an address does and none starts plainly, the first comma), and the rest.
    ``person``: the entry is a person's (see :func:`_name_list`)."""
    text = clean(text)
    end = len(text.rstrip(" .;:"))
    candidates = [
        m.start() for m in _COMMA.finditer(text) if not _continues_name(text, m.start(), end)
    ]
    ends = [*candidates[1:], len(text)] if candidates else []
    cut = next(
        (i for i, j in zip(candidates, ends, strict=True) if _starts_address(text, i, j)),
        None,
    )
    if cut is None and candidates and _ends_like_address(text):
        cut = candidates[0]
    stop = _period_cut(text)
    if stop is not None and (cut is None or stop[0] <= cut):
        # "f.k.a., TNK Trade Limited. Elenion Building 5 Themistokli Dervi, ...": the
        # period ends the last alias before the comma would.
        return _name_list(text[: stop[0]], person), text[stop[1] :]
    if cut is None:
        semicolon = text.find(";")
        if semicolon < 0:
            return _name_list(text, person), ""
        return [strip_item(text[:semicolon])], text[semicolon + 1 :]
    return _name_list(text[:cut], person), text[cut + 1 :]


def _starts_address(text: str, i: int, j: int) -> bool:
    """Whether the part between the commas at ``i`` and ``j`` of an alias run is an
    address's first: it starts as one, or has a number or a word of a place; but not
    a name with its acronym ("Etablissement Industrial de la Defence (ETINDE)")."""
    part = text[i + 1 : j]
    if _ADDRESS_START.match(part.lstrip()) or _DIGIT.search(part):
        return True
    if part.rstrip(" .;").endswith(")") and _ENDS_DESIGNATION.search(part):
        return False
    return not _PLACE_WORDS.isdisjoint(_words(part))


#: A part ending in a parenthesised acronym (see _DESIGNATION), the mark of a name.
_ENDS_DESIGNATION = re.compile(
    _DESIGNATION.pattern.removesuffix(r"\s*") + r"[\s.;]*$", re.IGNORECASE
)


def _count(word: str | None) -> int | None:
    if not word:
        return None
    w = word.casefold()
    if w.isdigit():
        return int(w)
    return _NUMBERS.get(w)


def _is_postal_code(token: str) -> bool:
    """A token of a postal code: it has a digit ("01380", "D-65451", "EC2R", "406-840")."""
    return len(token) <= 10 and _DIGIT.search(token) is not None


_DIGIT = re.compile(r"\d")


def _looks_like_country(text: str) -> bool:
    """True when ``text`` ends in a country, as an address does: "..., Moscow, Russia",
    also with a postal code after or before it ("Vantaa, Finland 01380", "Yerevan,
    Armenia, 375002", "London, England, EC2R 7HH", "Germany D-65451"), a cross
    reference after it, or no comma before it ("Berlin Germany")."""
    text = _TRAILING_NOTE.sub("", text) if "(" in text else text
    # casefold, not fold: the country names are plain letters, and this runs for
    # every line that may hold an address.
    parts = text.rstrip(" .;:").casefold().rsplit(",", 2)
    for part in reversed(parts):
        words = part.replace("/", " ").split()
        # A postal code after the country: one or two tokens with digits, or a
        # British one ("EC2R 7HH", "W1J7 LS").
        for _ in range(2):
            if words and (
                _is_postal_code(words[-1])
                or (len(words) > 1 and len(words[-1]) <= 3 and _is_postal_code(words[-2]))
            ):
                words.pop()
        if not words:
            continue  # the postal code was a part of its own: the country is before it
        last = words[-1]
        if (
            last.rstrip(".") not in _COUNTRY_LAST_WORDS
            and last.strip(".") not in _COUNTRY_LAST_WORDS
        ):
            return False  # (most parts: no country ends in their last word)
        return any(
            " ".join(words[-n:]).strip(".") in _COUNTRY_WORDS
            for n in range(1, min(len(words), _COUNTRY_MAX_WORDS) + 1)
        )
    return False


def _continues_name(line: str, i: int, end: int) -> bool:
    """Whether the text after the comma at ``i`` is still the name's: a legal form
    ("..., Ltd."), or a parenthesised designation that ends the name ("..., (PAPL)"),
    comes before another comma ("..., (PAPL), 12 Road") or before a legal form
    ("Schmidt & Co., (HK) Ltd.").  ``end`` is where the line's final punctuation starts.
    """
    after = line[i + 1 : i + _WINDOW].lstrip()
    if _LEGAL_SUFFIX.match(after):
        return True
    part = after.split(",", 1)[0]
    if len(part) < len(after) and len(part.split()) <= 4 and _ends_legal(part):
        return True  # "JLD Technology, Hong Kong Co., Ltd.": a legal form ends the next part
    if after[:1] != "(":
        return False
    at = i + 1 + (len(line[i + 1 : i + _WINDOW]) - len(after))
    m = _DESIGNATION.match(line, at, at + 2 * _WINDOW)
    if m is None or _ADDRESS_START.match(m.group(1).strip()):
        return False  # no designation, or an address in parentheses ("(Room 5)")
    more = m.end()
    return (
        more >= end or line[more] == "," or bool(_LEGAL_SUFFIX.match(line[more : more + _WINDOW]))
    )


class _Candidates:
    """The commas of a line after which the name may end (those that do not continue
    it: :func:`_continues_name`), read as far as they are asked for."""

    __slots__ = ("end", "found", "line", "rest")

    def __init__(self, line: str, end: int) -> None:
        self.line, self.end = line, end
        self.rest = (m.start() for m in _NAME_END.finditer(line))
        self.found: list[int] = []

    def at(self, k: int) -> int | None:
        """The ``k``-th candidate, or None when there are no more."""
        found = self.found
        while len(found) <= k:
            for i in self.rest:  # (the commas of the line, in order)
                if not _continues_name(self.line, i, self.end):
                    found.append(i)
                    break
            else:
                return None
        return found[k]


def split_name_address(line: str, known_names: Iterable[str] = ()) -> tuple[str, str, str]:
    """Split "Name, address; and address." into (name, address text, how).

    ``how`` is "known" when a name from the rule's instructions fixed the split,
    "heuristic" when the split was guessed, :data:`AMBIGUOUS` when the line could
    as well be read otherwise (a city alone after the name, a sub-unit kept with
    the name, a period for a comma), "whole" when the line is all name.
    Names contain commas ("Co., Ltd."), so the split is made at the first comma
    after which the text does not continue the name (a legal-form suffix, a
    parenthesised acronym: :func:`_continues_name`) and either the rest starts like
    an address (a number, "Room", "No."), or the name ends in a legal form and the
    rest has the parts of an address (a digit, more comma-separated parts, a
    country at its end), or the line ends in a country.
    """
    line = clean(line)
    names = [n for n in known_names if n]
    keys = {name_key(n) for n in names}
    if keys:
        if name_key(line) in keys:
            return line, "", "known"
        # A name is never much longer than its key; looking further would make a
        # cell of thousands of commas quadratic.
        reach = 2 * max(len(n) for n in names) + 64
        for i in (m.start() for m in _NAME_END.finditer(line)):
            if i > reach:
                break
            if name_key(line[:i]) in keys:
                return line[:i], line[i + 1 :].strip(), "known"
    # The patterns only look a few characters either side of a comma, so they are
    # given windows, not the rest of the line (which would be quadratic).
    end = len(line.rstrip(" .;:"))
    # Commas where the name may end, found only as far as they are asked for: most
    # lines are decided at the first or second.
    candidates = _Candidates(line, end)
    first = candidates.at(0)
    office = _OFFICE.search(line, 1, end if first is None else first)
    if office and _ends_like_address(line):
        # "Basha Asmath Shaikh Office M-2, Al Andalus Bldg, ...": no comma before the
        # office, room or post-office box that starts the address.
        return line[: office.start()], line[office.end() :], "heuristic"
    if first is None:
        return _split_at_final_country(line)
    ends_like_address = _ends_like_address(line)
    if ends_like_address:
        if _period_number(line, 0, first):
            return _split_at_final_country(line)  # "... UPTK. 1 Institutskaya Street, ..."
        # "Eliron Logistics Oy, Vanha Porvoontie 229, Vantaa, Finland 01380.": the
        # line ends as an address does, so what follows the name's first comma that
        # does not continue it is the address, however its first part begins (a
        # street, a building, a district); unless that part is a sub-unit of an
        # organisation ("Academy of Military Medical Sciences, Field Blood
        # Transfusion Institution, 27 Taiping Road, ..."); but not after a company's
        # complete legal name, where such a part is a site ("Shanghai Huawei
        # Technologies Co., Ltd., R&D center, No. 2222, Golden Bridge Road, ...").
        k, i = 0, first
        while (
            (after := candidates.at(k + 1)) is not None
            and _is_sub_unit(line[i + 1 : after])
            and _is_organisation(line[:i])
            and not _ENDS_COMPANY.search(line, 0, i)
        ):
            k, i = k + 1, after
        return line[:i], line[i + 1 :].strip(), AMBIGUOUS if k else "heuristic"
    # Whether the text after a comma looks like an address is read from the whole
    # line once: its last digit, its last cross reference.
    last_digit = next((j for j in range(end - 1, -1, -1) if line[j].isdigit()), -1)
    last_see = max((m.start() for m in _SEE_NOTE.finditer(line)), default=-1)
    n = 0
    while (c := candidates.at(n)) is not None:
        if _ADDRESS_START.match(line[c + 1 : c + _WINDOW].lstrip()):
            return line[:c], line[c + 1 :].strip(), "heuristic"
        # After a legal form, the rest is an address only when it has the parts of
        # one: a number, more comma-separated parts, or a cross reference.  A rest
        # with none is a sub-unit of the name ("Tactical Missile Corporation, Joint
        # Stock Company Saratov Radio Instrument Plant").
        if _ENDS_LEGAL.search(line, max(0, c - _WINDOW), c) and (
            last_digit > c or candidates.at(n + 1) is not None or last_see > c
        ):
            return line[:c], line[c + 1 :].strip(), "heuristic"
        n += 1
    found = candidates.found
    if _is_place(line[found[-1] + 1 : end]):
        # "Maple Engineering Pvt. Ltd. Consultants, Importers and Exporters, Islamabad.":
        # the city alone ends the line; what comes before it is the name's.  So does a
        # run of places ("... (PINSTECH), Nilore, Islamabad"): the address is all of it.
        k = len(found) - 1
        while k and _is_place(line[found[k - 1] + 1 : found[k]]):
            k -= 1
        i = found[k]
        return line[:i], line[i + 1 :].strip(), AMBIGUOUS
    return line, "", "whole"


def _without_successors(line: str) -> tuple[str, str]:
    """The name line without the scope it gives the entry's listing, and that scope:
    "Wisdom Import and Export (Shanghai) Co., Ltd. and any successor, sub-unit, or
    subsidiary thereof" (the form BIS and State use), "..., and its sub-units and
    successors"; the line and "" where it gives none."""
    if "ucces" not in line and "ubsidiar" not in line and "ub-unit" not in line:
        return line, ""
    m = _SUCCESSORS.search(line)
    if m is None:
        return line, ""
    return clean(line[: m.start()] + line[m.end() :]), strip_list_punctuation(
        m.group(0).lstrip(",; ")
    )


_SCOPE_WORD = r"(?:successors?|sub-?units?|subsidiar(?:y|ies))"
_SUCCESSORS = re.compile(
    rf"[,;]?\s*\band\s+(?:any|all|its)\s+{_SCOPE_WORD}(?:\s*,?\s*(?:(?:and|or)\s+)?{_SCOPE_WORD})*"
    r"(?:\s+thereof)?\b",
    re.IGNORECASE,
)


def _split_at_comma_and(address: str) -> list[str]:
    """An address text holding several addresses joined by ", and" with no ";": split
    where the text before ends in a country or a postal code and the text after
    starts an address ("No. 777 Jianzhu West Road, Wuxi City, China, and No. 5 Huihe
    Road, Wuxi City, China"); not a list inside one address ("Rooms 2402, 2403, and
    2404, ...")."""
    if ", and " not in address:
        return [address]  # (nearly every address)
    out: list[str] = []
    start = 0
    for m in _COMMA_AND.finditer(address):
        before = address[start : m.start()]
        if before.endswith(")"):  # "Sharjah, U.A.E. (Behind the Toyota Showroom)"
            before = _PARENTHESISED.sub("", before)
        if _looks_like_country(before) or _POSTAL_CODE_END.search(before):
            out.append(address[start : m.start()])
            start = m.end()
    out.append(address[start:])
    return out


#: A postal code of five digits or more ending a part: "... Dongguan, 523808" (a
#: room or house number is shorter: "Rooms 2402, 2403, and 2404").
_POSTAL_CODE_END = re.compile(r",\s*\d{5,}\s*$")
_COMMA_AND = re.compile(r",\s+and\s+(?=" + _ADDRESS_START.pattern.removeprefix("^") + ")", re.I)


def _split_at_final_country(line: str) -> tuple[str, str, str]:
    """A name and its country with a period between, no comma: "Safinat Group. South
    Sudan." -> ("Safinat Group.", "South Sudan."); else the line is all name."""
    m = _FINAL_COUNTRY.search(line)
    if m and fold(m.group(1)) in _COUNTRY_WORDS:
        return line[: m.start() + 1], line[m.start() + 1 :].strip(), AMBIGUOUS
    m = _period_number(line, 0, len(line))
    if m and _ends_like_address(line):
        # "Joint Stock Company 766 UPTK. 1 Institutskaya Street, ..., Russia."
        return line[: m.start() + 1], line[m.end() :].strip(), AMBIGUOUS
    return line, "", "whole"


#: An office, room, suite, flat or post-office box number run into the name before it
#: (the space before it; written to start with it, which a search can skip to).
_OFFICE = re.compile(
    r"\s(?=(?:office|room|rm|suite|flat|apt|apartment)\s+#?[\w/-]*\d|p\.?\s?o\.?\s?box\s+\d)",
    re.IGNORECASE,
)
#: A period and the number after it ("UPTK. 1 Institutskaya"): see _period_number.
_PERIOD_NUMBER = re.compile(r"\.\s+(?=\d)")


def _period_number(line: str, start: int, end: int) -> re.Match[str] | None:
    """The first period in ``line[start:end]`` that ends a word of two letters or more
    and that a number follows after a space ("Joint Stock Company 766 UPTK. 1 ..."),
    not an initial's or a number's ("No. 5")."""
    for m in _PERIOD_NUMBER.finditer(line, start, end):
        i = m.start()
        if i >= 2 and line[i - 1].isalpha() and line[i - 2].isalpha():
            return m
    return None


_FINAL_COUNTRY = re.compile(r"\.\s+([^.,;()]{2,40}?)\.?\s*$")


def _ends_like_address(line: str) -> bool:
    """True when ``line`` ends as an address does: in a country (see
    :func:`_looks_like_country`) or a postal code ("Moscow, 0101000"), or holds
    several addresses ("...; and P.O. Box 69-12, Xi'an, Shaanxi Province 710024").
    A dangling "; and" (the next address on the next line) is no ending."""
    text = strip_item(_TRAILING_NOTE.sub("", line) if "(" in line else line)
    if _looks_like_country(text):
        return True
    last = text.rsplit(",", 1)[-1].split()
    if last and len(last[-1]) >= 4 and last[-1].replace("-", "").isdigit():
        return True  # "Yasenevo 11 Kolpachny, Moscow, 0101000."
    if 1 < len(last) <= 3 and _is_postal_code(last[0]) and not _is_postal_code(last[-1]):
        return True  # a postal code, then the city: "Peltoinlahdentie 19, FI-54800 Savitaipale."
    if ";" in text:
        later = [p for p in ADDRESS_SPLIT.split(text)[1:] if p]
        return any(_ADDRESS_START.match(p) or _looks_like_country(p) for p in later)
    return False


#: Words that make a name part an organisation or a unit of one.
_ORGANISATION_WORDS = frozenset(
    "institute institution center centre academy department laboratory laboratories plant "
    "factory bureau branch division company corporation enterprise association works "
    "shipyard committee commission administration directorate ministry agency concern group "
    "npo nii okb".split()
)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


_WORD = re.compile(r"[a-z]+")


#: Words that make a part a place even beside an organisation word ("Business
#: Center", "Valiant Industrial Center", "University City").
_PLACE_WORDS = frozenset(
    "building bldg tower plaza business industrial trade commercial mall park city district "
    "zone street road avenue floor".split()
)


def _is_organisation(text: str) -> bool:
    """A name that is an organisation's: a legal form or an organisation word."""
    return _ends_legal(text) or not _ORGANISATION_WORDS.isdisjoint(_words(text))


def _is_sub_unit(text: str) -> bool:
    """A comma-separated part naming a unit of an organisation, not a place: an
    organisation word and no digit ("Field Blood Transfusion Institution",
    "Joint Stock Company Saratov Radio Instrument Plant")."""
    words = _words(text)
    if _ORGANISATION_WORDS.isdisjoint(words) or not _PLACE_WORDS.isdisjoint(words):
        return False
    # A number may lead the unit's name ("711 Aircraft Repair Plant (711 ARZ)"); one
    # after it is a street's ("R&D Centre Riesstr. 25").
    first, _, after = _PARENTHESISED.sub("", text).strip().partition(" ")
    return not any(c.isdigit() for c in (after if first.isdigit() else text))


def _is_place(text: str) -> bool:
    """True for a city or region alone after the name, the whole address of some
    entries ("ANZ Importers and Exporters, Islamabad."): one to three capitalised
    words, no digit, no legal form ("Gazmash, AO" is a name)."""
    words = text.split()
    if len(words) > 2 and words[0] == "in" and words[1] in ("the", "The"):
        return True  # "Yuzhno-Kirinskoye Field, in the Sea of Okhotsk."
    return (
        0 < len(words) <= 3
        and all(w[:1].isupper() for w in words)
        and not any(c.isdigit() for c in text)
        and not _LEGAL_SUFFIX.match(text)
        and not _ends_legal(text)
        and _ORGANISATION_WORDS.isdisjoint(_words(text))  # "NPO Electromechanics": a unit
    )


def _split_inline_dashes(text: str) -> list[str]:
    """Alias text run together on one line ("—A; —B; and —C.") split at its dashes.

    Each piece keeps a leading dash so it still reads as an alias line; text
    before the first dash (if any) is returned as is.
    """
    parts = _INLINE_DASH.split(text)
    out = [clean(parts[0])] if clean(parts[0]) else []
    out.extend("\u2014" + clean(p) for p in parts[1:] if clean(p))
    return out


def _detach_trailing_address(alias_line: str) -> tuple[str, str]:
    """Split "—Baz. 12 Road, Moscow, Russia." (last alias run into an address).

    The alias ends at the earlier of two places: a period or ";" after which an
    address follows (:func:`_period_cut`), or, when the line ends as an address
    does, the comma after which a name line's address would start ("—Mike
    Davidovich, P.O. Box 242, St. Petersburg, Russia 196240.").
    """
    body = alias_line[:-1]
    has_stop = "." in body or ";" in body
    cuts: list[tuple[int, int]] = []  # (where the alias ends, where the address starts)
    if has_stop:
        cut = _period_cut(alias_line)
        if cut is not None:
            cuts.append(cut)
    if (
        "," in body
        and (not cuts or "," in alias_line[: cuts[0][0]])
        and _ends_like_address(alias_line)
    ):
        name, address, how = split_name_address(alias_line)
        if how != "whole" and address:
            cuts.append((len(name), len(alias_line) - len(address)))
    if "," in body or "box" in body.casefold():
        # "—Power Plant Workshops, P.O. Box 1114, Islamabad;": a post-office box or a
        # room after a comma starts an address wherever the line ends.
        m = _STRONG_ADDRESS.search(alias_line)
        if m:
            cuts.append((m.start(), m.end()))
    if not cuts:
        return alias_line, ""
    end, start = min(cuts)
    return alias_line[:end], alias_line[start:].strip()


def _period_cut(alias_line: str) -> tuple[int, int] | None:
    """Where a period or ";" ends the alias and the address starts, or None.

    A period is no sure end of the alias: before a legal form ("Co. Ltd.") the
    name goes on; after an abbreviation that a number follows ("No. 28", "Bldg. 3")
    the number is the abbreviation's; after another ("Co.", "Ltd.") the rest is
    taken for an address only when it has the parts of one ("Co. 2nd Academy" is
    a name; "Co. 12 Road, Moscow" is not).  A country alone after it is an address
    ("—Ukraine Salvation Committee. Russia.").
    """
    for m in _SENTENCE_END.finditer(alias_line):
        rest = alias_line[m.end() :]
        alone = fold(rest.rstrip(" .")) in _COUNTRY_WORDS
        if not (_ADDRESS_START.match(rest) or (_looks_like_country(rest) and "," in rest) or alone):
            continue
        piece = alias_line[: m.start() + 1]
        if piece.endswith("."):
            if _LEGAL_SUFFIX.match(rest):
                continue  # "Co. Ltd."
            if _starts_with_number(rest) and ends_with_number_abbreviation(piece):
                continue  # "No. 28 Institute"
            if (
                not alone
                and ends_with_abbreviation(piece)
                and ("," not in rest or not (_ADDRESS_START.match(rest) or _ends_legal(piece)))
            ):
                # "Co. 2nd Academy"; "M.A.G. Tech, 5762 Royalmount Ave, ..." (but after
                # a legal form the name is whole: "Kral Aviation Ltd. Senlikkoy Mah, ...")
                continue
        return m.start() + 1, m.end()
    return None


_STRONG_ADDRESS = re.compile(
    r",\s+\(?(?=p\.?\s?o\.?\s+box\b|room\s+\d|suite\s+\d|address:)|\s+(?=p\.\s?o\.?\s+box\s+\d)",
    re.IGNORECASE,
)


def _starts_with_number(text: str) -> bool:
    """True for "28 ...", "A54 ..." (a number, perhaps after a letter)."""
    return text[:1].isdigit() or (text[:1].isalpha() and text[1:2].isdigit())


def parse_entity_cell(lines: list[str], known_names: Iterable[str] = ()) -> EntityCell:
    """Read an Entity cell's lines into name, aliases, addresses and listed items.

    The first line holds the name and, optionally, the alias clause ("a.k.a., the
    following N aliases:").  Dash-led lines after it are aliases when there is an
    alias clause and listed items (facility lists) when there is not.  Other lines
    are addresses, split on "; and".  A name line without an alias clause may carry
    the addresses too ("PowerAir Pte. Ltd., 1 Raffles Place, ..."): the split uses
    ``known_names`` (names the rule's instructions quote) when one fits.
    """
    known = list(known_names) if known_names else []
    if not lines:
        cell = EntityCell(name="")
        cell.problem("empty-entity-cell", "the Entity cell is empty")
        return cell
    segments: list[tuple[str, list[str]]] = []
    if _may_have_units(lines):
        lines, segments = split_units(lines)
        if not lines:
            lines = [""]
    cell = _parse_lines(lines, known)
    for kind, unit_lines in segments:
        u = _parse_lines(unit_lines, [])
        cell.units.append(Unit(kind, u.name, tuple(u.aliases), tuple(u.addresses)))
        cell.problems.extend(
            (code, f"{kind} {u.name!r}: {message}", text) for code, message, text in u.problems
        )
    if not cell.name:
        cell.problem("no-name", "no entity name could be read from the Entity cell", lines[0])
    return cell


def _parse_lines(lines: list[str], known: list[str]) -> EntityCell:
    """:func:`parse_entity_cell` of lines that hold one party (no sub-units)."""
    first, rest = lines[0], list(lines[1:])
    inline: list[str] = []
    if "(" in first and _may_have_clause(first):  # "(a.k.a." and "(f.k.a." have a "k"
        first, inline = _inline_aliases(first)
    m = _find_clause(first)
    has_clause = m is not None
    declared: int | None = None
    if m is not None:
        clause_start, clause_end, count = m
        head, tail = first[:clause_start], first[clause_end:]
        declared = _count(count)
        name = strip_list_punctuation(head)
        cell = EntityCell(name=name, declared_aliases=declared, name_split="alias-clause")
        tail = clean(tail)
        if tail:
            if count is None and not tail.startswith(("\u2014", "\u2013", "-")):
                # "X, a.k.a. Y, Z, 12 Road, ..." with no list: the aliases run to
                # where the address starts.
                aliases, more = _alias_run(tail, _is_person(name))
                rest[:0] = ["\u2014" + a for a in aliases]
                if clean(more):
                    rest.insert(len(aliases), more)
            elif declared and not tail.startswith(("\u2014", "\u2013", "-")):
                # "a.k.a., the following one alias: Nicholas Kaiga": the aliases on
                # the clause's line, without dashes, separated by ";".
                pieces = [p for p in ADDRESS_SPLIT.split(tail) if clean(p)]
                more = "; ".join(pieces[declared:])  # the addresses after the last alias
                rest = [
                    *("\u2014" + p for p in pieces[:declared]),
                    *([more] if more else []),
                    *rest,
                ]
            else:
                rest = [*_split_inline_dashes(tail), *rest]
    else:
        first, rest = repairs.join_stray_dash_address(
            first, rest, ends_like_address=_ends_like_address, organisation=_is_organisation
        )
        name_text, scope = _without_successors(first)
        if name_text.rstrip().endswith(":") and any(is_dash_line(r) for r in rest):
            if _UNIT_LEAD.search(name_text) and is_dash_line(rest[0]):
                # A row of its own for one sub-unit, named on the next line: "China
                # Electronics Technology Group Corporation 13th Research Institute (CETC
                # 13) subordinate institution:<br/>—Hebei Brightway International,";
                # named as the rows beside it name theirs on one line ("... (CETC 13)
                # subordinate institution: Bowei Integrated Circuits, ...").
                name_text = f"{name_text.rstrip()} {clean_alias(rest.pop(0))}"
                cell = EntityCell(name=strip_list_punctuation(name_text), name_split="unit-lead")
            else:
                cell = EntityCell(name=strip_list_punctuation(name_text), name_split="list-lead")
        elif not known and "," not in name_text and ". " not in name_text:
            # No comma, no names to look for: the line is all name.
            cell = EntityCell(name=strip_item(clean(name_text)))
        else:
            name, address_text, how = split_name_address(name_text, known)
            cell = EntityCell(name=strip_list_punctuation(name), name_split=how)
            if how == AMBIGUOUS:
                cell.problem(
                    "ambiguous-name",
                    f"read {cell.name!r} as the name and the rest as its address; "
                    "the line could be read otherwise",
                    name_text,
                )
            if address_text[:10].casefold() == "including ":
                # "The Ministry of Defence of ..., including the Armed Forces of ...
                # and all operating units wherever located.": the entry's scope.
                cell.notes.append(strip_list_punctuation(address_text))
            elif address_text:
                rest.insert(0, address_text)
        if scope:
            cell.notes.append(scope)
    in_aliases = has_clause
    target = cell.aliases if has_clause else cell.listed_items
    # The alias whose line may run on into an address: the last one announced.
    detach_at = declared - 1 if has_clause and declared is not None else -1
    listed = 0  # the items listed (an alias naming its own alias is one item)

    def add(item: str) -> None:
        nonlocal listed
        if item:
            listed += 1
            target.extend(_alias_names(item) if has_clause else (item,))

    if (
        declared
        and rest
        and not cell.aliases
        and not is_dash_line(rest[0])
        and not any(is_dash_line(r) for r in rest[1:])
    ):
        # "a.k.a., the following one alias:<br/>Mihaela Nenova-Muhy, 51 Aleksandar
        # Malinov Blvd., Sofia 1712, Bulgaria.": the announced alias without its dash.
        rest[0] = "\u2014" + rest[0]
    rest = repairs.join_broken_lines(rest)
    pending = rest[::-1]  # a stack: the next line is last
    while pending:
        line = pending.pop()
        after = dash_item(line)
        if after:
            if line.count("\u2014") <= 1:
                # One item (most lines): ``after`` is the item before its punctuation.
                address = ""
                if listed == detach_at:
                    piece, address = _detach_trailing_address(line)
                    if address:
                        pending.append(address)
                add(clean_alias(piece) if address else alias_text(after))
                if not in_aliases and has_clause:
                    cell.problem("alias-after-address", "an alias line follows an address", line)
                continue
            pieces = _split_inline_dashes(line)
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                if last and listed == detach_at:
                    piece, address = _detach_trailing_address(piece)
                    if address:
                        pending.append(address)
                add(clean_alias(piece))
            if not in_aliases and has_clause:
                cell.problem("alias-after-address", "an alias line follows an address", line)
            continue
        in_aliases = False
        addresses, notes = split_addresses(line)
        for address in addresses:
            cell.addresses.extend(_split_at_comma_and(address))
        cell.notes.extend(notes)
    if declared is not None and declared != listed:
        cell.problem(
            "alias-count",
            f"the alias clause announces {declared} aliases, the cell lists {listed}",
            first,
        )
    if inline:
        cell.aliases[:0] = [a for a in inline if a not in cell.aliases]
    return cell


# ---------------------------------------------------------------------------
# Sub-units: subordinate institutions and entities, affiliated entities


def _may_have_units(lines: list[str]) -> bool:
    """False when no line can hold a sub-unit marker (each has "ubordinate" or
    "ffiliated", whatever the case of its first letter)."""
    for line in lines:
        if "ubordinate" in line or "ffiliated" in line or "UBORDINATE" in line:
            return True
    return False


#: A line that starts a sub-unit ("Subordinate institution", "Subordinate
#: Institution: China Electronics ...") or a list of them ("Affiliated entities:").
#: "Subordinate institution", singular ("instit\w*": the Military End-User list spells
#: it "Subordinate instituion:" too).
_INSTITUTION = r"subordinate\s+instit\w*(?<![sS])"
_UNIT_MARKER = re.compile(
    rf"^(?P<kind>{_INSTITUTION}|subordinate\s+entity|affiliated\s+entit(?:y|ies))"
    r"\b\s*:?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
#: The lead of a row for one sub-unit: "... (CETC 13) subordinate institution:".
_UNIT_LEAD = re.compile(rf"\b{_INSTITUTION}\s*:\s*$", re.IGNORECASE)
#: A parent named only in the lead of its units' list, as the Military End-User list
#: does: "The following eight subordinate institutions of Aero-Engine Company of China:".
_UNITS_LEAD = re.compile(
    r"^the\s+following\s+(?:[\w-]+\s+)?subordinate\s+instit\w*\s+of\s+(?P<parent>.+?)\s*:?$",
    re.IGNORECASE,
)
#: Sub-units announced at the end of the name or alias line: "..., a.k.a., the following
#: eight aliases, and thirteen subordinate institutions:"; "—Power Plant Workshops,
#: P.O. Box 1114, Islamabad; and the following four subordinate entities:"; "—Huawei
#: Technology, and to include the following addresses and the following 22 affiliated
#: entities:".
_UNITS_ANNOUNCED = re.compile(
    r"[,;]?\s*(?:and|including)\s+(?:to\s+include\s+)?(?:the\s+following\s+addresses\s+and\s+)?"
    r"(?:the\s+(?:named\s+|following\s+))?(?:[\w-]+\s+)?"
    r"(?P<kind>subordinate\s+institutions?|subordinate\s+entit(?:y|ies)|affiliated\s+entit(?:y|ies))"
    r"\s*:?\s*$",
    re.IGNORECASE,
)
#: "The following addresses apply to the entity and to the seven subordinate
#: institutions: 199 Xiangzhang Ave., ...": the entry's own addresses again.
_SHARED_ADDRESSES = re.compile(r"^the\s+following\s+addresses\s+apply\s+to\b[^:]*:\s*", re.I)
#: "Addresses for Huawei Technologies Co., Ltd.: Bantian Huawei Base, ...".
_ADDRESSES_FOR = re.compile(r"^addresses\s+for\s+[^:]{1,200}:\s*", re.IGNORECASE)
#: "—Beijing Huawei Longshine, to include the following subordinate. Q80-3-25R, ...".
_TO_INCLUDE = re.compile(r",\s*to\s+include\s+the\s+following\s+subordinate\w*(?=\.)", re.I)


def _unit_kind(text: str) -> str:
    t = text.casefold()
    if t.startswith("affiliated"):
        return AFFILIATED_ENTITY
    return SUBORDINATE_ENTITY if "entit" in t else SUBORDINATE_INSTITUTION


def split_units(lines: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The lines of the entry itself, and those of each sub-unit listed inside it.

    Three real layouts: a "Subordinate institution" line before each unit's name
    (China Aerospace Science and Industry Corporation Second Academy, CETC 38, 55,
    11), a unit per line after "Affiliated entities:" (Huawei Technologies Co.,
    Ltd.), and dash-led units after "and the following four subordinate entities:"
    in an alias line (Pakistan Atomic Energy Commission).  A unit's lines are read
    as a cell of their own: its name, its aliases (dash lines up to the count its
    clause announces, or a ";"-separated run), its addresses.  "The following
    addresses apply to the entity and ..." returns to the entry's own lines.
    """
    main: list[str] = []
    units: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    mode = ""  # "", "marked", "affiliates" or "dashes"
    for raw in lines:
        line = _TO_INCLUDE.sub("", raw)
        lead = _UNITS_LEAD.match(line) if not main and not units else None
        if lead:
            main.append(lead.group("parent"))
            mode = "marked"
            continue
        announced = _UNITS_ANNOUNCED.search(line) if current is None and not mode else None
        if announced:
            line = line[: announced.start()]
            mode = "dashes" if is_dash_line(line) else "marked"
            if not clean(line.lstrip("\u2014\u2013-")):
                continue
            main.append(line)
            continue
        marker = _UNIT_MARKER.match(line)
        if marker:
            kind, rest = _unit_kind(marker.group("kind")), marker.group("rest").strip()
            if kind == AFFILIATED_ENTITY and not rest:
                mode, current = "affiliates", None
                continue
            mode, current = "marked", [rest] if rest else []
            units.append((kind, current))
            continue
        shared = _SHARED_ADDRESSES.match(line)
        if shared:
            mode, current = "", None
            if line[shared.end() :].strip():
                main.append(line[shared.end() :])
            continue
        if current is None and mode != "affiliates":
            if mode == "dashes" and is_dash_line(line):
                current = [dash_item(line)]
                units.append((SUBORDINATE_ENTITY, current))
            else:
                main.append(_ADDRESSES_FOR.sub("", line))
            continue
        if mode == "affiliates":
            if current is None or _starts_affiliate(line, current):
                current = [line]
                units.append((AFFILIATED_ENTITY, current))
            elif not is_dash_line(line) and _continues_aliases(current):
                current.append("\u2014" + line)  # "HMN Technologies;": an alias without its dash
            else:
                current.append(line)
            continue
        assert current is not None  # (set above for every mode but "affiliates")
        if mode == "dashes" and is_dash_line(line) and _aliases_complete(current):
            current = [dash_item(line)]
            units.append((SUBORDINATE_ENTITY, current))
        elif mode == "marked" and _starts_unmarked_unit(line, current):
            current = [line]
            units.append((units[-1][0] if units else SUBORDINATE_INSTITUTION, current))
        else:
            current.append(line)
    return main, [(kind, unit) for kind, unit in units if unit]


def _starts_affiliate(line: str, current: list[str]) -> bool:
    """In a list of affiliated entities, whether ``line`` names the next one: not a
    dash line, not an address ("Building R4, No. 2 City Avenue, ..."), not an alias
    continuing a ";" run."""
    return not (
        is_dash_line(line)
        or _ADDRESS_START.match(line)
        or _continues_aliases(current)
        or (len(current) == 1 and _find_clause(current[0]) is not None)
    )


def _starts_unmarked_unit(line: str, unit: list[str]) -> bool:
    """In a list of subordinate institutions, whether ``line`` names the next one
    although no "Subordinate institution" line comes before it.

    Real row (Military End-User list, Aero-Engine Company of China's eight): "AECC
    Aviation Power Co. Ltd., Xiujia Bay, Weiyong Dt., Xian 710021, China" follows
    the previous unit's "Name, address" line directly.  Such a line names a unit
    when it is itself an organisation's name and an address, after a unit whose
    last line ends as an address does; a line that starts like an address is the
    unit's.
    """
    if not unit or is_dash_line(line) or _ADDRESS_START.match(line):
        return False
    if not (_ends_like_address(unit[-1]) and _ends_like_address(line)):
        return False
    name, _, how = split_name_address(line)
    return how != "whole" and _is_organisation(name)  # not "Electronic City of ..., Beijing"


def _continues_aliases(unit: list[str]) -> bool:
    """The unit's last line is an alias ending a ";" run ("—Huawei Marine;")."""
    last = unit[-1].rstrip()
    return len(unit) > 1 and (last.endswith(";") or _TRAILING_AND_END.search(last) is not None)


_TRAILING_AND_END = re.compile(r";\s*and$", re.IGNORECASE)


def _aliases_complete(unit: list[str]) -> bool:
    """Whether a dash-led unit has listed the aliases its clause announces (so the
    next dash line is the next unit, not another alias)."""
    clause = _find_clause(unit[0])
    wanted = _count(clause[2]) if clause else 0
    dashes = sum(1 for line in unit[1:] if is_dash_line(line))
    return dashes >= (wanted or 0) or any(not is_dash_line(line) for line in unit[1:])
