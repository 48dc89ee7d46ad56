"""The Entity cell: name, alias clause, aliases, addresses, listed items.

Shared by the rule parser and the snapshot parser.  Input is the cell as lines
(see :func:`frdiff.parse.xml.cell_text`); output is an :class:`EntityCell` plus
the problems met, which callers turn into findings with their own location.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from frdiff.normalize import (
    COUNTRY_HEADINGS,
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

_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_ALIAS_CLAUSE = re.compile(
    r",?\s*\b(?:a\.?\s?k\.?\s?a\.?|also\s+known\s+as)\s*,?\s*(?:and\s+)?"
    r"(?:the\s+following\s+(?:(?P<count>[\w-]+)\s+)?(?:alias(?:es)?|names?)\s*:?)?",
    re.IGNORECASE,
)
#: The part of _ALIAS_CLAUSE that every match has, written so that a search can
#: skip to the next "a": case spelled out (the classes hold every character that
#: IGNORECASE matches: the Kelvin sign for "k", the long s for "s"), and the word
#: boundary before the "a" checked after it, as "no word character before it".
_CLAUSE_CORE = re.compile(
    r"[aA](?<!\w.)(?:\.?\s?[kK\u212a]\.?\s?[aA]\.?"
    r"|[lL][sS\u017f][oO]\s+[kK\u212a][nN][oO][wW][nN]\s+[aA][sS\u017f])"
)
_INLINE_DASH = re.compile(r"(?:^|(?<=[\s;]))[\u2014\u2013]\s*")
_LEGAL_SUFFIX = re.compile(
    r"^(?:co\b|co\.|ltd|limited|inc\b|inc\.|incorporated|llc|l\.l\.c|plc|jsc|ojsc|cjsc|pjsc|"
    r"ooo|gmbh|ag\b|s\.?a\.?\b|s\.?l\.?\b|b\.?v\.?\b|n\.?v\.?\b|pte|pvt|sdn|bhd|corp|corporation|"
    r"company|group|l\.?p\.?\b|llp|s\.?r\.?l|sarl|spa|s\.p\.a|kft|a\.?s\.?\b|ab\b|oy\b|fze|fzco|"
    r"fzc|fz-llc|dmcc|jlt|est\b|trading|d\.o\.o|s\.r\.o|sp\.? z|tic|ve\b|san\b|ltda|e\.?i\.?r\.?l)",
    re.IGNORECASE,
)
_ENDS_LEGAL = re.compile(
    r"(?:\b(?:co|ltd|limited|inc|incorporated|llc|plc|jsc|gmbh|ag|sa|s\.a|pte|corp|corporation|"
    r"company|llp|fze|fzco|bhd|ooo|ltda|srl|spa|b\.v|bv)\.?)\s*$",
    re.IGNORECASE,
)
_ADDRESS_START = re.compile(
    r"^(?:\d|#|no\.?\s*\d|room\b|rm\b|building\b|bldg\b|floor\b|fl\b|unit\b|flat\b|suite\b|ste\b|"
    r"apartment\b|apt\b|office\b|block\b|p\.?\s?o\.?\s+box|po box|house\b|plot\b|street\b|"
    r"st\.\s|ul\.|d\.\s*\d|km\b|zone\b|area\b|level\b|tower\b|[a-z]?\d)",
    re.IGNORECASE,
)
#: A parenthesised acronym or short designation ("(PAPL)", "(HK)"), not a cross
#: reference ("(See alternate address under ...)"), with the spaces after it.
_DESIGNATION = re.compile(r"\((?!\s*see\b)([^(),;]{1,40})\)\s*", re.IGNORECASE)
_COMMA = re.compile(r",\s")
#: A cross reference ("(See alternate address under Hong Kong)"), the address's note.
_SEE_NOTE = re.compile(r"\(\s*see\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.;]\s+")
#: Characters either side of a comma that the suffix and address patterns need (their
#: longest alternative is "incorporated."), with a wide margin.
_WINDOW = 48
_COUNTRY_WORDS = frozenset(fold(v) for v in COUNTRY_HEADINGS.values()) | {
    "china",
    "hong kong",
    "russia",
    "uae",
    "u.a.e",
    "p.r. china",
    "korea",
    "south korea",
}


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
    if "," in line or _may_have_clause(line):
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
        return None
    core = _CLAUSE_CORE.search(line)
    if core is None:
        return None
    start = core.start()
    while start and line[start - 1].isspace():
        start -= 1
    if start and line[start - 1] == ",":
        start -= 1
    if not start:  # a clause leading the line (nothing to keep it by)
        m = _ALIAS_CLAUSE.search(line)
        return (m.start(), m.end(), m.group("count")) if m else None
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
        return None
    return found[0] + at, found[1] + at, found[2]


def _count(word: str | None) -> int | None:
    if not word:
        return None
    w = word.casefold()
    if w.isdigit():
        return int(w)
    return _NUMBERS.get(w)


def _looks_like_country(text: str) -> bool:
    last = fold(text.rstrip(" .")).rsplit(",", 1)[-1].strip()
    return last in _COUNTRY_WORDS


def _continues_name(line: str, i: int, end: int) -> bool:
    """Whether the text after the comma at ``i`` is still the name's: a legal form
    ("..., Ltd."), or a parenthesised designation that ends the name ("..., (PAPL)"),
    comes before another comma ("..., (PAPL), 12 Road") or before a legal form
    ("Schmidt & Co., (HK) Ltd.").  ``end`` is where the line's final punctuation starts.
    """
    after = line[i + 1 : i + _WINDOW].lstrip()
    if _LEGAL_SUFFIX.match(after):
        return True
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


def split_name_address(line: str, known_names: Iterable[str] = ()) -> tuple[str, str, str]:
    """Split "Name, address; and address." into (name, address text, how).

    ``how`` is "known" when a name from the rule's instructions fixed the split,
    "heuristic" when the split was guessed, "whole" when the line is all name.
    Names contain commas ("Co., Ltd."), so the split is made at the first comma
    after which the text does not continue the name (a legal-form suffix, a
    parenthesised acronym: :func:`_continues_name`) and either the rest starts like
    an address (a number, "Room", "No."), or the name ends in a legal form and the
    rest has the parts of an address (a digit, more comma-separated parts, a
    country at its end), or the line ends in a country.
    """
    line = clean(line)
    commas = [m.start() for m in _COMMA.finditer(line)] if "," in line else []
    names = [n for n in known_names if n]
    keys = {name_key(n) for n in names}
    if keys:
        if name_key(line) in keys:
            return line, "", "known"
        # A name is never much longer than its key; looking further would make a
        # cell of thousands of commas quadratic.
        reach = 2 * max(len(n) for n in names) + 64
        for i in commas:
            if i > reach:
                break
            if name_key(line[:i]) in keys:
                return line[:i], line[i + 1 :].strip(), "known"
    # The patterns only look a few characters either side of a comma, so they are
    # given windows, not the rest of the line (which would be quadratic).
    end = len(line.rstrip(" .;:"))
    candidates = [i for i in commas if not _continues_name(line, i, end)]
    # Whether the text after a comma looks like an address is read from the whole
    # line once: its last digit, its last candidate comma, the place it ends in, its
    # last cross reference.
    last_digit = next((j for j in range(end - 1, -1, -1) if line[j].isdigit()), -1)
    ends_in_country = _looks_like_country(line)
    last_see = max((m.start() for m in _SEE_NOTE.finditer(line)), default=-1)
    for n, i in enumerate(candidates):
        if _ADDRESS_START.match(line[i + 1 : i + _WINDOW].lstrip()):
            return line[:i], line[i + 1 :].strip(), "heuristic"
        # After a legal form, the rest is an address only when it has the parts of
        # one: a number, more comma-separated parts, a country at its end, or a
        # cross reference.  A rest with none is a sub-unit of the name ("Tactical
        # Missile Corporation, Joint Stock Company Saratov Radio Instrument Plant").
        if _ENDS_LEGAL.search(line[max(0, i - _WINDOW) : i]) and (
            last_digit > i or n + 1 < len(candidates) or ends_in_country or last_see > i
        ):
            return line[:i], line[i + 1 :].strip(), "heuristic"
    if candidates and ends_in_country:
        i = candidates[0]
        return line[:i], line[i + 1 :].strip(), "heuristic"
    return line, "", "whole"


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

    A period is no sure end of the alias: before a legal form ("Co. Ltd.") the
    name goes on; after an abbreviation that a number follows ("No. 28", "Bldg. 3")
    the number is the abbreviation's; after another ("Co.", "Ltd.") the rest is
    taken for an address only when it has the parts of one ("Co. 2nd Academy" is
    a name; "Co. 12 Road, Moscow" is not).
    """
    body = alias_line[:-1]
    if "." not in body and ";" not in body:
        return alias_line, ""  # no "." or ";" with text after it (most aliases)
    for m in _SENTENCE_END.finditer(alias_line):
        rest = alias_line[m.end() :]
        if not (_ADDRESS_START.match(rest) or (_looks_like_country(rest) and "," in rest)):
            continue
        piece = alias_line[: m.start() + 1]
        if piece.endswith("."):
            if _LEGAL_SUFFIX.match(rest):
                continue  # "Co. Ltd."
            if _starts_with_number(rest) and ends_with_number_abbreviation(piece):
                continue  # "No. 28 Institute"
            if "," not in rest and ends_with_abbreviation(piece):
                continue  # "Co. 2nd Academy"
        return piece, rest
    return alias_line, ""


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
    first, rest = lines[0], list(lines[1:])
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
                # "X, a.k.a. Y" with no list: the alias runs to the first ";" or the end.
                alias, _, more = tail.partition(";")
                rest.insert(0, "\u2014" + alias)
                if clean(more):
                    rest.insert(1, more)
            else:
                rest = [*_split_inline_dashes(tail), *rest]
    else:
        name_text = first
        if name_text.rstrip().endswith(":") and any(is_dash_line(r) for r in rest):
            cell = EntityCell(name=strip_list_punctuation(name_text), name_split="list-lead")
        elif not known and "," not in name_text:
            # No comma, no names to look for: the line is all name.
            cell = EntityCell(name=strip_item(clean(name_text)))
        else:
            name, address_text, how = split_name_address(name_text, known)
            cell = EntityCell(name=strip_list_punctuation(name), name_split=how)
            if address_text:
                rest.insert(0, address_text)
    in_aliases = has_clause
    target = cell.aliases if has_clause else cell.listed_items
    # The alias whose line may run on into an address: the last one announced.
    detach_at = declared - 1 if has_clause and declared is not None else -1
    pending = rest[::-1]  # a stack: the next line is last
    while pending:
        line = pending.pop()
        after = dash_item(line)
        if after:
            if line.count("\u2014") <= 1:
                # One item (most lines): ``after`` is the item before its punctuation.
                address = ""
                if len(cell.aliases) == detach_at:
                    piece, address = _detach_trailing_address(line)
                    if address:
                        pending.append(address)
                item = clean_alias(piece) if address else strip_item(after)
                if item:
                    target.append(item)
                if not in_aliases and has_clause:
                    cell.problem("alias-after-address", "an alias line follows an address", line)
                continue
            pieces = _split_inline_dashes(line)
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                if last and len(cell.aliases) == detach_at:
                    piece, address = _detach_trailing_address(piece)
                    if address:
                        pending.append(address)
                item = clean_alias(piece)
                if item:
                    target.append(item)
            if not in_aliases and has_clause:
                cell.problem("alias-after-address", "an alias line follows an address", line)
            continue
        in_aliases = False
        addresses, notes = split_addresses(line)
        cell.addresses.extend(addresses)
        cell.notes.extend(notes)
    if declared is not None and declared != len(cell.aliases):
        cell.problem(
            "alias-count",
            f"the alias clause announces {declared} aliases, the cell lists {len(cell.aliases)}",
            first,
        )
    if not cell.name:
        cell.problem("no-name", "no entity name could be read from the Entity cell", first)
    return cell
