"""What a row of the Entity List table is: one vocabulary for both table readers.

The rule parser reads a rule's GPOTABLE and the snapshot parser a whole eCFR copy
through one row reader (:class:`frdiff.parse.table.TableRows`): it counts every row
as one of :data:`ROW_KINDS`, tells a placeholder row by :func:`is_stars`, and
reports a row it cannot read with these finding codes.
"""

from __future__ import annotations

import re

#: The kinds of table row: an entry's first row, a row continuing the entry above,
#: a country heading alone, stars or empty (placeholder), footnote text, a repeated
#: header, a row of cells that could not be aligned, a row with no entity (or no
#: name) read.  Every row of a table is counted as one of them.
ROW_KINDS = (
    "entry",
    "continuation",
    "country",
    "placeholder",
    "footnote",
    "header",
    "misaligned",
    "unread",
)

#: Finding codes for rows not read as an entry, shared by both readers.
NO_ENTITY = "no-entity"  # a row whose Entity column holds nothing (or only stars)
TEXT_OUTSIDE_CELLS = "text-outside-cells"  # text in the row but in none of its cells
ROW_SHAPE = "row-shape"  # more or fewer cells than the table's columns
ORPHAN_CONTINUATION = "orphan-continuation"  # Entity text alone, no entry above it
NO_COUNTRY = "no-country"  # an entry before any country heading
#: Codes of the rows a table's layout prints (stars, spacers, country headings,
#: column headings): each is counted as its kind by both readers; a snapshot, which
#: accounts for every row of the whole list by a finding, reports them (INFO), a
#: rule, whose tables are excerpts laid out with them, does not.
LAYOUT_CODES = frozenset({"placeholder-row", "empty-row", "country-row", "header-row"})
#: The codes that account for a row read as no entry ("unread").
UNREAD_CODES = frozenset({NO_ENTITY, TEXT_OUTSIDE_CELLS, ORPHAN_CONTINUATION})

_STARS = re.compile(r"^[\s*.\u2022]*$")
STAR_CHARS = "*.\u2022"


def is_stars(text: str) -> bool:
    """True for a clean cell text of stars and dots only (a placeholder) or empty:
    "* * * * *" marks text a rule leaves out."""
    return not text or (text[0] in STAR_CHARS and _STARS.match(text) is not None)


def all_stars(text: str) -> bool:
    """True when ``text`` (several cells' texts joined) is stars, dots or nothing."""
    return _STARS.match(text) is not None
