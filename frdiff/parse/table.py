"""The Entity List table, row by row: the one row reader of rules and snapshots.

A rule prints the rows it adds or revises in a GPOTABLE (ROW / ENT); an eCFR copy
prints the whole list in HTML-style tables (TABLE / TR / TD) or GPO ones.  Both are
read by :class:`TableRows`, which counts every row as one of the kinds of
:data:`frdiff.parse.rows.ROW_KINDS` and groups the rows into entries still to be
read (:class:`PendingEntry`), with a finding (codes of :mod:`frdiff.parse.rows`)
for every row that is no entry:

- ``entry``: an Entity cell with the other columns (a new entry);
- ``continuation``: an Entity cell alone (further addresses of the entry above);
  with no entry above, an orphan, reported and not read;
- ``country``: a country heading, alone or with stars;
- ``placeholder``: "* * *" rows marking omitted text, and empty spacer rows;
- ``footnote``: a footer row of footnote text;
- ``header``: column headings printed as a row;
- ``misaligned``: a row of the wrong number of cells, not repaired (see
  :meth:`TableRows.align` for the repairs);
- ``unread``: anything else, reported as a finding with its text.

A country cell may also sit on an entry's own row (TAIWAN in 2025-05427).  The
snapshot parser (:mod:`frdiff.parse.snapshot`) reads the entries grouped into
:class:`~frdiff.model.Entry` values; :func:`read_table` gives a rule's table as
:class:`TableEntry` cells for the rule parser to interpret.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from frdiff.model import FOOTNOTE, INFO, WARNING, Finding, ListNote
from frdiff.normalize import REGION_HEADINGS, clean, country, fold
from frdiff.parse.rows import (
    LAYOUT_CODES,
    NO_COUNTRY,
    NO_ENTITY,
    ORPHAN_CONTINUATION,
    ROW_KINDS,
    ROW_SHAPE,
    STAR_CHARS,
    TEXT_OUTSIDE_CELLS,
    all_stars,
)
from frdiff.parse.rows import is_stars as _is_stars
from frdiff.parse.xml import CellText, break_and_lines, cell_lines, cell_text, local, text_of

#: The Entity List's column headings, as a header row prints them (folded).
HEADER_WORDS = ("country", "entity", "license requirement", "license review policy")
TABLE_TAGS = frozenset({"TABLE", "GPOTABLE"})
ROW_TAGS = frozenset({"TR", "ROW"})
CELL_TAGS = frozenset({"TD", "TH", "ENT"})
#: A table's head, whose rows are its column headings and are not read as rows.  A
#: GPO table's BOXHD holds its headings as CHEDs, never rows: a ROW found there is
#: read as any other row is (counted, and reported when it is no entry).
HEAD_TAGS = frozenset({"THEAD"})
#: What :meth:`TableRows.read_table` looks for in a table: rows, head and foot parts.
_PART_TAGS = ROW_TAGS | HEAD_TAGS | {"TFOOT"}


def iter_tags(el: etree._Element, tags: frozenset[str] | set[str]) -> list[etree._Element]:
    """Descendants of ``el`` with one of ``tags`` (upper-case, any case or namespace)."""
    return list(el.iter(*tag_names(tags)))


def tag_names(tags: frozenset[str] | set[str]) -> list[str]:
    """lxml tag names for ``tags`` in upper or lower case, in any namespace or none."""
    return [t for tag in tags for t in (f"{{*}}{tag}", f"{{*}}{tag.lower()}")]


class Cell:
    """A cell read once: its lines, footnote markers and text (the lines joined).

    The lines are :func:`~frdiff.normalize.clean`, so the text is clean too.
    """

    __slots__ = ("footnotes", "lines", "text")

    def __init__(self, lines: list[str] | None = None, footnotes: list[int] | None = None) -> None:
        self.lines: list[str] = lines or []
        self.footnotes: list[int] = footnotes or []
        self.text = " ".join(self.lines)


class Row:
    """One body row's cells, read."""

    __slots__ = ("cells", "elements", "gpo", "number")

    def __init__(
        self, number: int, cells: list[Cell], elements: list[etree._Element], gpo: bool
    ) -> None:
        self.number = number
        self.cells = cells
        self.elements = elements
        self.gpo = gpo

    @property
    def spans(self) -> list[int]:
        return [_span(c) for c in self.elements]


class PendingEntry:
    """An entry being assembled: continuation rows may still add lines to it."""

    __slots__ = (
        "citations",
        "continuations",
        "country",
        "country_code",
        "entity_footnotes",
        "entity_lines",
        "first_row",
        "last_row",
        "policy",
        "requirement",
    )

    def __init__(
        self,
        row: int,
        country: str,
        country_code: str | None,
        entity: Cell,
        requirement: Cell,
        policy: Cell,
        citations: Cell,
    ) -> None:
        self.first_row = self.last_row = row
        self.continuations = 0
        self.country = country
        self.country_code = country_code
        # The cell's own lists, shared with the memo: a continuation row replaces
        # them, never extends them.
        self.entity_lines = entity.lines
        self.entity_footnotes = entity.footnotes
        self.requirement = requirement
        self.policy = policy
        self.citations = citations

    def continue_with(self, entity: Cell, row: int) -> None:
        """A continuation row: its Entity cell's lines join the entry's."""
        self.entity_lines = self.entity_lines + entity.lines
        self.entity_footnotes = self.entity_footnotes + entity.footnotes
        self.last_row = row
        self.continuations += 1


_tostring = etree.tostring
#: Before an Entity cell's markup in the memo's keys (the second cell of a row):
#: its ``<sup>`` reads as text, a license cell's as a footnote marker.
ENTITY_KEY = b"\x00entity:"


class CellMemo:
    """Cells read once, by their text or markup: repeated cells are read once."""

    __slots__ = ("_cells", "shared")

    def __init__(self, *, shared: bool = True) -> None:
        self._cells: dict[str | bytes, Cell] = {}
        #: Whether the memo serves other parses too.  A memo of one parse only (the
        #: caller's ``shared=False``) keeps no Entity cell with markup: such a cell
        #: seldom recurs in one document, so the key (its markup serialized) would cost
        #: more than it saves.  The cell reads the same either way (see read_table).
        self.shared = shared

    def read_cell(self, el: etree._Element, key: str | bytes) -> Cell:
        """Read a cell not in the memo, and keep it under ``key``: a plain-text cell's
        text, another's markup (license texts repeat hundreds of times, and a second
        version of the list repeats nearly all of the first).  The markup of an Entity
        cell is keyed with :data:`ENTITY_KEY` before it: it reads ``<sup>`` as text."""
        if isinstance(key, str):
            line = clean(key)
            cell = Cell([line] if line else None)
        else:
            cell = Cell(*cell_lines(el, entity=key.startswith(ENTITY_KEY)))
        self._cells[key] = cell
        return cell


#: The longest column heading ("federal register citation"), and some.
_LONGEST_HEADING = 32


def _is_header(texts: list[str]) -> bool:
    """Column headings printed as a row: two cells or more that are headings
    ("Country", "Entity", "License requirement", "License review policy", a
    "... citation"), the others anything."""
    found = 0
    for t in texts:
        if t and len(t) <= _LONGEST_HEADING:
            folded = fold(t)
            if folded in HEADER_WORDS or folded.endswith("citation"):
                found += 1
    return found >= 2


def _is_country_heading(text: str) -> bool:
    """True when a first-column text is a country heading rather than entity text."""
    heading, code = country(text)
    if code or fold(heading) in REGION_HEADINGS:
        return True
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(text) <= 60


class TableRows:
    """The one row reader of both parsers: a table's rows, in order, each counted
    as one kind and grouped into entries, the country carried down.

    :meth:`read_table` reads each row's cells (through the memo) and starts an
    entry (:class:`PendingEntry`), continues the one pending, or counts the row as
    another kind with a finding naming it; :attr:`events` holds the complete
    entries and the findings, in document order.  An entry's own rows (``entry``,
    ``continuation``, or ``unread`` when its cell holds no name) are counted by
    whoever reads its cells: the snapshot parser, or :func:`read_table` for a
    rule.  Rows are numbered on from ``first_row`` and named ``row_at`` and the
    number ("2025-05427 table row 12"; "WHERE, row 12" unless told).
    """

    def __init__(
        self,
        where: str,
        memo: CellMemo,
        *,
        row_at: str | None = None,
        first_row: int = 1,
        start_country: str = "",
    ) -> None:
        self.memo = memo
        self.row_at = f"{where}, row " if row_at is None else row_at
        #: Entries to read and findings about rows, in document order.
        self.events: list[PendingEntry | Finding] = []
        self.rows = first_row - 1
        #: The Entity cell's column (its ``<sup>`` is no footnote marker), and the
        #: width of the usual row, read without :meth:`read_row` (see read_table).
        self.entity_index = 1
        self.usual_width = 5
        self.country = start_country
        self.country_code: str | None = country(start_country)[1] if start_country else None
        self.pending: PendingEntry | None = None
        #: The table's footnote texts, numbered where the row gives the number.
        self.footnotes: list[ListNote] = []
        #: Rows by how they were read (see Snapshot.accounting).
        self.kinds = dict.fromkeys(ROW_KINDS, 0)

    # -- findings -----------------------------------------------------------
    def _at(self, row: int, fld: str = "") -> str:
        base = f"{self.row_at}{row}"
        return f"{base}, {fld}" if fld else base

    def finding(
        self, severity: str, code: str, message: str, row: int, fld: str = "", text: str = ""
    ) -> None:
        self.events.append(Finding(severity, code, message, self._at(row, fld), text))

    # -- rows ---------------------------------------------------------------
    def read_table(self, table: etree._Element) -> None:
        # Sets of the elements themselves (not their ids: a proxy's id may be reused
        # once it is freed); the lists keep the proxies alive.
        head_list: list[etree._Element] = []
        foot_list: list[etree._Element] = []
        # One walk of the table for its rows and its head and foot parts (each walk
        # of thousands of rows costs as much as reading a few hundred cells).
        table_rows: list[etree._Element] = []
        for el in iter_tags(table, _PART_TAGS):
            tag = local(el.tag)
            if tag in ROW_TAGS:
                table_rows.append(el)
            else:
                rows = iter_tags(el, ROW_TAGS)
                (foot_list if tag == "TFOOT" else head_list).extend(rows)
        head_rows, foot_rows = set(head_list), set(foot_list)
        known_cells, read_cell = self.memo._cells, self.memo.read_cell
        entity_index, usual_width = self.entity_index, self.usual_width
        shared = self.memo.shared
        for row_el in table_rows:
            # The usual rows: every child a TD (or every one an ENT), found by lxml's
            # tag filter (reading each child's tag costs as much as the cell itself).
            n = len(row_el)
            cells_el, all_th = list(row_el.iterchildren("TD")), False
            if len(cells_el) != n:
                cells_el = list(row_el.iterchildren("ENT"))
            if len(cells_el) != n:
                children = list(row_el)
                names = [local(c.tag) for c in children]
                cells_el = [c for c, t in zip(children, names, strict=True) if t in CELL_TAGS]
                all_th = all(t == "TH" for t in names if t in CELL_TAGS)
            if (cells_el and all_th) or row_el in head_rows:
                continue
            self.rows += 1
            cells = []
            for i, c in enumerate(cells_el):  # inline: runs for every cell of the list
                if len(c):
                    if i == entity_index and not shared:
                        # Read, not keyed: what read_cell would read under ENTITY_KEY.
                        cells.append(Cell(*cell_lines(c, entity=True)))
                        continue
                    # Text broken by <br/> and the italic "and" only (most multi-line
                    # cells, nearly all of them Entity cells, each its own): read as
                    # cell_lines reads it, without the memo.
                    lines = break_and_lines(c)
                    if lines is not None:
                        cells.append(Cell(lines))
                        continue
                    markup: bytes = _tostring(c, with_tail=False)
                    key: str | bytes = ENTITY_KEY + markup if i == entity_index else markup
                else:
                    key = c.text or ""
                found = known_cells.get(key)
                cells.append(found if found is not None else read_cell(c, key))
            if usual_width and len(cells) == usual_width and self.country and not cells[0].text:
                entity = cells[1].text
                if (
                    entity
                    and entity[0] not in STAR_CHARS
                    and (cells[2].text or cells[3].text or cells[4].text)
                    and row_el not in foot_rows
                ):
                    # The usual row, an entry under the current country: read_row
                    # would find it neither stars, footnote, header, misaligned nor a
                    # continuation.
                    self.flush()
                    self.pending = PendingEntry(
                        self.rows, self.country, self.country_code, *cells[1:]
                    )
                    continue
            row = Row(self.rows, cells, cells_el, local(row_el.tag) == "ROW")
            self.read_row(row, row_el in foot_rows, row_el)
        self.flush()

    def no_entry(self, row: Row, in_foot: bool, el: etree._Element | None) -> bool:
        """Count and report a row that is no entry of any list (text outside its
        cells, stars or nothing, footnote text); False for any other row."""
        texts = [c.text for c in row.cells]
        n = row.number
        if not any(texts) and el is not None and text_of(el):
            # Text in the row but in none of its cells (a hand-edited table).
            self.kinds["unread"] += 1
            self.finding(
                WARNING, TEXT_OUTSIDE_CELLS, "row has text outside its cells", n, text=text_of(el)
            )
            return True
        # All stars or empty: joined by spaces, the texts are too.
        if all_stars(" ".join(texts)):
            code = "placeholder-row" if any(texts) else "empty-row"
            self.kinds["placeholder"] += 1
            self.finding(
                INFO, code, "row is not an entity (stars or empty)", n, text=" | ".join(texts)
            )
            return True
        # A footnote row has exactly one filled cell.
        if in_foot or (texts.count("") == len(texts) - 1 and _is_footnote_row(row)):
            self.flush()
            self.kinds["footnote"] += 1
            self.footnotes.append(_footnote(row))
            self.finding(
                INFO, "footnote-row", "footnote text, not an entity", n, text=" ".join(texts)
            )
            return True
        return False

    def read_row(self, row: Row, in_foot: bool = False, el: etree._Element | None = None) -> None:
        if self.no_entry(row, in_foot, el):
            return
        texts = [c.text for c in row.cells]
        n = row.number
        if _is_header(texts):
            self.kinds["header"] += 1
            self.finding(INFO, "header-row", "a repeated header row", n, text=" | ".join(texts))
            return
        if len(texts) == 5 and not texts[0]:
            cells: list[Cell] | None = row.cells  # the usual row: nothing to align
        else:
            cells = self.align(row)
        if cells is None:
            self.kinds["misaligned"] += 1
            return
        first, entity, requirement, policy, citation = cells
        if first.text and not _is_stars(first.text):
            self.flush()
            self.country, self.country_code = country(first.text)
        rest_empty = not (requirement.text or policy.text or citation.text)
        if (
            self.pending is not None
            and not first.text
            and rest_empty
            and not _is_stars(entity.text)
        ):
            # A GPO continuation row: more addresses for the entry above.
            self.pending.continue_with(entity, n)
            return
        self.flush()
        if _is_stars(entity.text):
            if first.text and all_stars(f"{requirement.text} {policy.text} {citation.text}"):
                self.kinds["country"] += 1
                self.finding(
                    INFO, "country-row", "a country heading row without an entity", n,
                    text=" | ".join(c.text for c in cells),
                )  # fmt: skip
                return
            self.kinds["unread"] += 1
            self.finding(
                WARNING,
                NO_ENTITY,
                "row has no entity text",
                n,
                "entity",
                " | ".join(c.text for c in cells),
            )
            return
        if rest_empty and not first.text:
            # Entity text alone, as a continuation row, but no entry above it (after
            # a country heading or a footnote, or first in the table).
            self.kinds["unread"] += 1
            self.finding(
                WARNING,
                ORPHAN_CONTINUATION,
                "a row with only Entity text follows no entry; not read as an entry",
                n,
                "entity",
                entity.text,
            )
            return
        if not self.country:
            self.finding(
                WARNING, NO_COUNTRY, "entity row before any country heading", n, "country",
                entity.text,
            )  # fmt: skip
        if row.gpo and len(row.cells) < 5:
            self.finding(
                WARNING,
                ROW_SHAPE,
                f"row has {len(row.cells)} cells, not 5; the cells missing read as empty",
                n,
                text=" | ".join(texts),
            )
        self.pending = PendingEntry(
            n, self.country, self.country_code, entity, requirement, policy, citation
        )

    def align(self, row: Row) -> list[Cell] | None:
        """The row's five cells, repairing the misalignments the eCFR has shown."""
        cells = list(row.cells)
        n = row.number
        if (
            row.gpo
            and 0 < len(cells) < 5
            and (len(cells) > 1 or _is_country_heading(cells[0].text))
        ):
            # GPO rows leave trailing empty ENTs out (continuation rows, heading rows:
            # "<ROW><ENT I="01">RUSSIA</ENT></ROW>" in 2023-03929).
            cells += [Cell() for _ in range(5 - len(cells))]
        if len(cells) == 5:
            first = cells[0].text
            if first and not _is_country_heading(first) and not cells[1].text:
                self.finding(
                    WARNING,
                    "entity-in-country-column",
                    "entity text in the country column; read as the entity",
                    n,
                    "country",
                    first,
                )
                return [Cell(), cells[0], *cells[2:]]
            return cells
        if len(cells) == 4:
            first = cells[0].text
            if first and not _is_country_heading(first):
                self.finding(
                    WARNING,
                    "row-4-cells",
                    "row has 4 cells, the country column missing; entity text read from the first",
                    n,
                    "country",
                    first,
                )
                return [Cell(), *cells]
            self.finding(
                WARNING,
                "row-4-cells",
                "row has 4 cells; the citation column is missing",
                n,
                "citation",
                " | ".join(c.text for c in cells),
            )
            return [*cells, Cell()]
        if len(cells) == 6:
            empties = [i for i, c in enumerate(cells) if i > 0 and not c.text]
            drop = empties[0] if empties else 2
            dropped = cells[drop]
            if dropped.text:
                # Two entity cells: the entity text was split across columns.
                cells[1] = Cell(
                    cells[1].lines + dropped.lines, cells[1].footnotes + dropped.footnotes
                )
            self.finding(
                WARNING,
                "row-6-cells",
                f"row has 6 cells; cell {drop + 1} "
                + ("was empty and is ignored" if not dropped.text else "joined to the entity"),
                n,
                text=" | ".join(c.text for c in cells),
            )
            del cells[drop]
            return cells
        if len(cells) > 6 and cells[1].text and (cells[2].text or cells[4].text):
            # Cells after a well-formed row ("Maple Tech Inc. | For all items ... |
            # ... | 90 FR 11000 | Stray cell"): the row is read, the extra text reported.
            self.finding(
                WARNING,
                ROW_SHAPE,
                f"row has {len(cells)} cells, expected 5; the cells after the fifth are ignored",
                n,
                text=" | ".join(c.text for c in cells[5:]),
            )
            return cells[:5]
        self.finding(
            WARNING,
            ROW_SHAPE,
            f"row has {len(cells)} cells, not 5; not read as an entity",
            n,
            text=" | ".join(c.text for c in cells),
        )
        return None

    def flush(self) -> None:
        """The entry being assembled is complete: queue it to be read."""
        if self.pending is not None:
            self.events.append(self.pending)
            self.pending = None


_LEADING_NUMBER = re.compile(r"^(\d{1,2})\s+(?=\S)")


def _footnote(row: Row) -> ListNote:
    """A footer row as a numbered footnote: its number is the row's superscript
    ("<sup>4</sup> For this entity, ...") or the number its text starts with."""
    text = " ".join(c.text for c in row.cells if c.text)
    marks = [n for c in row.cells for n in c.footnotes]
    if marks:
        return ListNote(FOOTNOTE, text, marks[0])
    m = _LEADING_NUMBER.match(text)
    if m:
        return ListNote(FOOTNOTE, text[m.end() :], int(m.group(1)))
    return ListNote(FOOTNOTE, text)


def _span(el: etree._Element) -> int:
    try:
        return int(el.get("colspan") or el.get("COLSPAN") or 1)
    except ValueError:
        return 1


_FOOTNOTE_START = re.compile(r"^\s*(?:\d{1,2}\s|footnote|note\b|\*\s*\w)", re.IGNORECASE)


def _is_footnote_row(row: Row) -> bool:
    """A footer row: one cell (often spanning the table) of footnote definitions."""
    filled = [c for c in row.cells if c.text]
    if len(filled) != 1:
        return False
    only = filled[0]
    wide = len(row.cells) == 1 or max(row.spans or [1]) >= 3
    return wide and (bool(only.footnotes) or bool(_FOOTNOTE_START.match(only.text)))


# ---------------------------------------------------------------------------
# A rule's table: the rows grouped, the entries' cells for the rule parser

COLUMNS = ("country", "entity", "license_requirement", "license_review_policy", "citation")


@dataclass
class TableEntry:
    """An entry's cells as read from the table, before interpretation: the rows
    from ``row`` to ``last_row`` (its continuation rows)."""

    country: str
    entity: CellText
    license_requirement: CellText
    license_review_policy: CellText
    citation: CellText
    row: int
    last_row: int

    @property
    def footnotes(self) -> tuple[int, ...]:
        notes = (
            self.entity.footnotes
            + self.license_requirement.footnotes
            + self.license_review_policy.footnotes
        )
        return tuple(sorted(set(notes)))


@dataclass
class Table:
    entries: list[TableEntry] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    footnote_texts: dict[int, str] = field(default_factory=dict)


def read_table(
    table: etree._Element, *, doc: str, first_row: int = 1, start_country: str = ""
) -> Table:
    """Read one GPOTABLE of Supplement No. 4 entries, as :class:`TableRows` reads
    every table of the list: the same row kinds, the same findings.

    ``first_row`` numbers rows across several tables of one document so that
    findings can name them ("2025-05427 table row 12"); ``start_country`` is the
    country heading the rows start under.  The footnote texts are the table's
    TNOTEs and footer rows, by number.  The rows of the table's layout are counted
    but not reported (:data:`~frdiff.parse.rows.LAYOUT_CODES`).
    """
    reader = TableRows(
        f"{doc} table",
        CellMemo(shared=False),
        row_at=f"{doc} table row ",
        first_row=first_row,
        start_country=start_country,
    )
    reader.read_table(table)
    out = Table()
    for event in reader.events:
        if isinstance(event, Finding):
            if event.code not in LAYOUT_CODES:
                out.findings.append(event)
            continue
        out.entries.append(_table_entry(event))
        reader.kinds["entry"] += 1
        reader.kinds["continuation"] += event.continuations
    out.rows.update({kind: n for kind, n in reader.kinds.items() if n})
    for note in reader.footnotes:
        if note.number is not None:
            out.footnote_texts[note.number] = note.text
    for el in table.iter("TNOTE"):
        ct = cell_text(el)
        if ct.footnotes and ct.text and not all_stars(ct.text):
            out.footnote_texts[ct.footnotes[0]] = ct.text
    return out


def _table_entry(b: PendingEntry) -> TableEntry:
    """An entry's cells, copied out of the memo's (shared) ones."""

    def copy(cell: Cell) -> CellText:
        return CellText(list(cell.lines), list(cell.footnotes))

    return TableEntry(
        b.country,
        CellText(list(b.entity_lines), list(b.entity_footnotes)),
        copy(b.requirement),
        copy(b.policy),
        copy(b.citations),
        b.first_row,
        b.last_row,
    )


def clean_cell(cell: CellText) -> str:
    """A non-Entity cell's text on one line."""
    return clean(cell.text)
