"""A rule's SUMMARY, read as claims that can be checked against what it did.

"adding 12 entities to the Entity List, under the destinations of China,
People's Republic of (China) (11) and Taiwan (1)" becomes
``Claims(entities_added=12, added_by_destination=(("CHINA, PEOPLE'S REPUBLIC OF", 11),
("TAIWAN", 1)))``.  Where the SUMMARY is silent a claim stays ``None``.
"""

from __future__ import annotations

import re

from frdiff.model import Claims
from frdiff.normalize import clean, country

_NUM = (
    r"(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)"
)
_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_ENTITIES_ADDED = re.compile(r"\badd(?:ing|s)?\s+" + _NUM + r"\s+(?:new\s+)?(?:entit|person)", re.I)
_ENTRIES_ADDED = re.compile(r"\bunder\s+" + _NUM + r"\s+entr(?:y|ies)", re.I)
_ENTRIES_ADDED_DIRECT = re.compile(
    r"\badd(?:ing|s)?\s+" + _NUM + r"\s+(?:new\s+)?entr(?:y|ies)", re.I
)
_REVISED = re.compile(
    r"\b(?:revis|modif|amend|correct)(?:ing|ies|es|y|ed|s)?\s+" + _NUM + r"\s+(?:existing\s+)?entr",
    re.I,
)
_REMOVED = re.compile(
    r"\bremov(?:ing|es|e)?\s+" + _NUM + r"\s+(?:existing\s+)?(?:entit|entr|person)", re.I
)
_DESTINATIONS = re.compile(
    r"under\s+the\s+destinations?\s+of\s+(?P<list>.+?)(?:\.\s|\.$)", re.I | re.S
)
_DEST_ITEM = re.compile(
    r"\s*(?:and\s+)?(?P<name>[^()]+?(?:\s*\([^()\d]+\))?)\s*\((?P<n>\d+)\)\s*,?"
)


def _n(m: re.Match[str] | None) -> int | None:
    if not m:
        return None
    word = m.group("n").casefold()
    return int(word) if word.isdigit() else _WORDS.get(word)


def destinations(text: str) -> tuple[tuple[str, int], ...]:
    """The per-destination counts of "under the destinations of Canada (2), China (5), ..."."""
    out: dict[str, int] = {}
    for dm in _DESTINATIONS.finditer(text):
        for item in _DEST_ITEM.finditer(dm.group("list")):
            name = re.sub(r"^(?:and|or)\s+", "", clean(item.group("name")).strip(" ,"))
            if not name:
                continue
            heading, _ = country(name)
            out[heading] = out.get(heading, 0) + int(item.group("n"))
    return tuple(out.items())


def parse_claims(summary: str) -> Claims:
    """Read the claims of a SUMMARY paragraph (whitespace already collapsed or not)."""
    text = clean(summary)
    entries_added = _n(_ENTRIES_ADDED.search(text)) or _n(_ENTRIES_ADDED_DIRECT.search(text))
    return Claims(
        text=text,
        entities_added=_n(_ENTITIES_ADDED.search(text)),
        entries_added=entries_added,
        added_by_destination=destinations(text),
        entries_revised=_n(_REVISED.search(text)),
        entries_removed=_n(_REMOVED.search(text)),
    )
