"""The lists of parties in 15 CFR Part 744, as data: one :class:`ListSpec` per list.

BIS keeps three: the Entity List (Supplement No. 4), the Unverified List (No. 6)
and the Military End-User list (No. 7).  A spec says what the parsers, the differ
and the reports need to know about a list: its number and names, what being on it
means for a license, the columns of its table and how a row of it reads.  Nothing
else in frdiff writes a supplement number down; a new list is a new spec here
(:func:`register`) and its fixtures.

Cheap to import (no third-party module): every command may read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frdiff.errors import InputError

__all__ = [
    "DEFAULT",
    "SPECS",
    "ListSpec",
    "choices",
    "get",
    "label",
    "register",
    "supplements",
]


@dataclass(frozen=True, slots=True)
class ListSpec:
    """One list: its supplement number, names, meaning and table.

    ``columns`` are the table's header texts, folded (lower case, single spaces),
    in order; ``country_column``, ``entity_column`` and ``citation_column`` index
    them, and ``license_columns`` gives the license requirement and license review
    policy columns of a list that has them (None otherwise).  ``header_words`` are
    words the list's table header holds (how its table is told from the others of a
    supplement); ``reserved`` is the text of a reserved row's entity cell
    ("[Reserved]"), None when the list has none.  ``units_span_rows`` says that an
    entry announcing its sub-units ("The following eight subordinate institutions
    of ...:") continues over the rows below it that carry no citation.
    """

    number: int
    key: str
    name: str
    title: str
    meaning: str
    columns: tuple[str, ...]
    country_column: int = 0
    entity_column: int = 1
    citation_column: int | None = -1
    license_columns: tuple[int, int] | None = None
    header_words: tuple[str, ...] = ("entity",)
    reserved: str | None = None
    units_span_rows: bool = False

    @property
    def width(self) -> int:
        """How many cells a row of the table has."""
        return len(self.columns)

    @property
    def target(self) -> str:
        """The target of an amendatory instruction amending this list ("supplement4")."""
        return f"supplement{self.number}"

    @property
    def citation_index(self) -> int | None:
        """:attr:`citation_column` as a non-negative index (None: no citation column)."""
        return None if self.citation_column is None else self.citation_column % self.width

    def is_reserved(self, text: str) -> bool:
        """True for a reserved row's entity (or citation) text."""
        return self.reserved is not None and text.strip().casefold() == self.reserved.casefold()

    def to_dict(self) -> dict[str, object]:
        return {"supplement": self.number, "list": self.key, "name": self.name}


ENTITY_LIST = ListSpec(
    number=4,
    key="entity-list",
    name="Entity List",
    title="Supplement No. 4 to Part 744\u2014Entity List",
    meaning="a license is required for the items the entry names, with the review policy "
    "it states; license exceptions only as it allows",
    columns=(
        "country",
        "entity",
        "license requirement",
        "license review policy",
        "federal register citation",
    ),
    license_columns=(2, 3),
    header_words=("entity", "license"),
)

UNVERIFIED_LIST = ListSpec(
    number=6,
    key="unverified-list",
    name="Unverified List",
    title="Supplement No. 6 to Part 744\u2014Unverified List",
    meaning="no license is required for being listed, but no license exception may be used "
    "and an Unverified List statement is required from the party (\u00a7 744.15)",
    columns=("country", "listed person and address", "federal register citation"),
    header_words=("listed person", "citation"),
)

MILITARY_END_USER_LIST = ListSpec(
    number=7,
    key="meu-list",
    name="Military End-User List",
    title="Supplement No. 7 to Part 744\u2014'Military End-User' (MEU) List",
    meaning="a license is required for the items of Supplement No. 2 to Part 744 when the "
    "party is in the transaction; no license exceptions but GOV (\u00a7 744.21)",
    columns=("country", "entity", "federal register citation"),
    header_words=("entity", "citation"),
    reserved="[Reserved]",
    units_span_rows=True,
)

#: The lists frdiff reads, by supplement number.
SPECS: dict[int, ListSpec] = {
    s.number: s for s in (ENTITY_LIST, UNVERIFIED_LIST, MILITARY_END_USER_LIST)
}
#: The list a command reads when it is not told which.
DEFAULT = ENTITY_LIST.number


def register(spec: ListSpec) -> ListSpec:
    """Add ``spec`` to :data:`SPECS` (replacing one of the same number) and return it."""
    if spec.width < 2 or not spec.columns:
        raise InputError(f"list spec {spec.key!r}: a table has at least two columns")
    for i in (spec.country_column, spec.entity_column, spec.citation_column):
        if i is not None and not -spec.width <= i < spec.width:
            raise InputError(f"list spec {spec.key!r}: column {i} is not one of its columns")
    SPECS[spec.number] = spec
    return spec


def get(supplement: int | str | ListSpec) -> ListSpec:
    """The spec of ``supplement`` (a number, "6", a key such as "meu-list", or a spec);
    InputError naming the lists known otherwise."""
    if isinstance(supplement, ListSpec):
        return supplement
    text = str(supplement).strip().casefold()
    for s in SPECS.values():
        if text in (str(s.number), s.key):
            return s
    known = ", ".join(f"{s.number} ({s.name})" for s in SPECS.values())
    raise InputError(f"no list spec for supplement {supplement!r}: frdiff knows {known}")


def label(supplement: int) -> str:
    """ "Entity List (Supplement No. 4)": how reports name a list."""
    s = SPECS.get(supplement)
    name = s.name if s else "list"
    return f"{name} (Supplement No. {supplement})"


def choices(*, all_: bool = True) -> list[str]:
    """The values ``--supplement`` takes: each number, and "all" where ``all_``."""
    return [str(n) for n in sorted(SPECS)] + (["all"] if all_ else [])


_SEPARATORS = re.compile(r"[\s,]+")


def supplements(value: str | int | None) -> tuple[int, ...]:
    """The supplements a ``--supplement`` value names: "4", "6,7", "all" (every list)."""
    if value is None:
        return (DEFAULT,)
    text = str(value).strip().casefold()
    if text == "all":
        return tuple(sorted(SPECS))
    out = tuple(dict.fromkeys(get(part).number for part in _SEPARATORS.split(text) if part))
    if not out:
        raise InputError(f"no supplement in {value!r}")
    return out
