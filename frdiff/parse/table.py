"""The Entity List table as a rule prints it (GPOTABLE / ROW / ENT).

Rows come in the kinds of :data:`frdiff.parse.rows.ROW_KINDS`, the snapshot
parser's too, and every row is counted as one of them:

- ``entry``: an Entity cell with the other columns (a new entry);
- ``continuation``: an Entity cell alone (further addresses of the entry above);
- ``country``: a country heading, alone or with a stars cell;
- ``placeholder``: "* * *" rows marking omitted text, and empty spacer rows;
- ``header``: column headings printed as a row;
- ``unread``: anything else, reported as a finding (codes of :mod:`frdiff.parse.rows`)
  with its text.

A country cell may also sit on an entry's own row (TAIWAN in 2025-05427).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from frdiff.model import WARNING, Finding
from frdiff.normalize import clean, country, fold
from frdiff.parse.rows import (
    NO_COUNTRY,
    NO_ENTITY,
    ORPHAN_CONTINUATION,
    ROW_SHAPE,
    TEXT_OUTSIDE_CELLS,
    is_stars,
)
from frdiff.parse.xml import CellText, cell_text, local, text_of

_HEADER_WORDS = {"country", "entity", "license requirement", "license review policy"}
COLUMNS = ("country", "entity", "license_requirement", "license_review_policy", "citation")


@dataclass
class TableEntry:
    """An entry's cells as read from the table, before interpretation."""

    country: str
    entity: CellText
    license_requirement: CellText
    license_review_policy: CellText
    citation: CellText
    row: int
    continuation_rows: list[int] = field(default_factory=list)

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


def _is_stars(cell: CellText) -> bool:
    return bool(cell.lines) and all(is_stars(line) for line in cell.lines)


def _is_blank(cell: CellText) -> bool:
    return not cell.lines


def read_table(
    table: etree._Element, *, doc: str, first_row: int = 1, start_country: str = ""
) -> Table:
    """Read one GPOTABLE of Supplement No. 4 entries.

    ``first_row`` numbers rows across several tables of one document so that
    findings can name them ("row 12").
    """
    out = Table()
    current_country = start_country
    last: TableEntry | None = None
    n = first_row - 1
    for row in table.iter("ROW"):
        n += 1
        where = f"{doc} table row {n}"
        cells = [cell_text(c) for c in row if local(c.tag) == "ENT"]
        nonblank = [c for c in cells if not _is_blank(c)]
        if not nonblank:
            stray = text_of(row)
            if stray:
                # Text in a ROW but in no ENT (a malformed or hand-edited table).
                out.rows["unread"] += 1
                out.findings.append(
                    Finding(
                        WARNING,
                        TEXT_OUTSIDE_CELLS,
                        "table row has text outside its ENT cells",
                        where,
                        stray,
                    )
                )
                continue
            out.rows["placeholder"] += 1
            continue
        if all(_is_stars(c) for c in nonblank):
            out.rows["placeholder"] += 1
            continue
        texts = [fold(c.text) for c in cells]
        if sum(t in _HEADER_WORDS or t.endswith("citation") for t in texts) >= 2:
            out.rows["header"] += 1
            continue
        first = cells[0]
        rest = cells[1:]
        rest_nonblank = [c for c in rest if not _is_blank(c) and not _is_stars(c)]
        if not _is_blank(first) and not _is_stars(first):
            heading, _ = country(first.text)
            if heading != current_country:
                last = None
            current_country = heading
            if not rest_nonblank:
                out.rows["country"] += 1
                continue
        if not rest_nonblank:
            out.rows["unread"] += 1
            out.findings.append(
                Finding(WARNING, NO_ENTITY, "table row has no entity text", where, first.text)
            )
            continue
        entity = rest[0] if rest else CellText()
        others = rest[1:]
        if _is_blank(entity) or _is_stars(entity):
            out.rows["unread"] += 1
            out.findings.append(
                Finding(
                    WARNING,
                    NO_ENTITY,
                    "table row has text outside the Entity column only",
                    where,
                    " | ".join(c.text for c in cells),
                )
            )
            continue
        filled = [c for c in others if not _is_blank(c)]
        if not filled:
            if last is None:
                out.rows["unread"] += 1
                out.findings.append(
                    Finding(
                        WARNING,
                        ORPHAN_CONTINUATION,
                        "a row with only Entity text follows no entry; not read as an entry",
                        where,
                        entity.text,
                    )
                )
                continue
            out.rows["continuation"] += 1
            last.entity.lines.extend(entity.lines)
            last.entity.footnotes.extend(entity.footnotes)
            last.continuation_rows.append(n)
            continue
        padded = [*others, CellText(), CellText(), CellText()][:3]
        if len(others) > 3:
            out.findings.append(
                Finding(
                    WARNING,
                    ROW_SHAPE,
                    f"table row has {len(cells)} cells, expected 5; extra cells ignored",
                    where,
                    " | ".join(c.text for c in others[3:]),
                )
            )
        elif len(others) < 3:
            out.findings.append(
                Finding(
                    WARNING,
                    ROW_SHAPE,
                    f"table row has {len(cells)} cells, expected 5",
                    where,
                    entity.text,
                )
            )
        if not current_country:
            out.findings.append(
                Finding(
                    WARNING,
                    NO_COUNTRY,
                    "entry row before any country heading",
                    where,
                    entity.text,
                )
            )
        last = TableEntry(current_country, entity, padded[0], padded[1], padded[2], n)
        out.entries.append(last)
        out.rows["entry"] += 1
    for note in table.iter("TNOTE"):
        ct = cell_text(note)
        if ct.footnotes and ct.text and not _is_stars(ct):
            out.footnote_texts[ct.footnotes[0]] = ct.text
    return out


def clean_cell(cell: CellText) -> str:
    """A non-Entity cell's text on one line."""
    return clean(cell.text)
