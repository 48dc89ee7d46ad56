"""The eCFR snapshot parser: Supplement No. 4 to Part 744 as compiled on a date.

Input is eCFR XML bytes: the appendix fragment (``DIV9 TYPE="APPENDIX"``) or a
whole part or title holding it, with HTML-style tables (TABLE > TR > TH/TD) or
GPO tables (GPOTABLE > ROW > ENT).  Output is a :class:`~frdiff.model.Snapshot`.

Every body row of the Entity List table becomes an entry (a continuation row
joins the entry above it) or a finding naming the document, row and field:
nothing is dropped silently.  ``Snapshot.rows`` counts the body rows seen
(header rows of the table are not counted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from frdiff.errors import ParseError
from frdiff.model import INFO, WARNING, Citation, Entry, Finding, Snapshot
from frdiff.normalize import REGION_HEADINGS, clean, country, fold, parse_citations, parse_date
from frdiff.parse.cells import parse_entity_cell
from frdiff.parse.xml import CellText, cell_text, load, local, text_of

_SUPPLEMENT = re.compile(
    r"^\s*supp(?:lement|\.)?\s*(?:no\.?\s*)?(\d+)\s+to\s+part\s+744\b|"
    r"^\s*pt\.\s*744\s*,\s*supp\.\s*(?:no\.\s*)?(\d+)\b",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_AS_OF = re.compile(r"\b(?:as\s+of|current\s+as\s+of|up\s+to\s+date\s+as\s+of)\s+(.{6,40})", re.I)
_STARS = re.compile(r"^[\s*.\u2022]*$")
_HEADER_WORDS = ("country", "entity", "license requirement", "license review policy")
_TABLE_TAGS = frozenset({"TABLE", "GPOTABLE"})
_ROW_TAGS = frozenset({"TR", "ROW"})
_CELL_TAGS = frozenset({"TD", "TH", "ENT"})
_HEAD_TAGS = frozenset({"THEAD", "BOXHD"})


def _iter_tags(el: etree._Element, tags: frozenset[str] | set[str]) -> list[etree._Element]:
    """Descendants of ``el`` with one of ``tags`` (upper-case, any case or namespace)."""
    names = [t for tag in tags for t in (tag, tag.lower(), f"{{*}}{tag}", f"{{*}}{tag.lower()}")]
    return list(el.iter(*names))


@dataclass
class _Row:
    """One body row's cells, read."""

    number: int
    cells: list[CellText]
    spans: list[int] = field(default_factory=list)
    gpo: bool = False


@dataclass
class _Building:
    """An entry being assembled: continuation rows may still add lines to it."""

    first_row: int
    last_row: int
    country: str
    country_code: str | None
    entity_lines: list[str]
    requirement: CellText
    policy: CellText
    citations: CellText
    entity_footnotes: list[int]


def parse_snapshot(
    data: bytes, *, source: str = "", date: str | None = None, supplement: int = 4
) -> Snapshot:
    """Parse an eCFR copy of Supplement No. 4 to Part 744 into a :class:`Snapshot`.

    ``source`` names the document in entries and findings; ``date`` is the
    snapshot date (ISO) when the caller knows it, otherwise it is read from the
    document where the document says ("as of 2025-03-31", AMDDATE) or left None.
    Raises :class:`~frdiff.errors.ParseError` when the document is not XML or
    holds no Entity List table.
    """
    where = source or "snapshot"
    root = load(data, where=where)
    container = find_supplement(root, supplement, where=where)
    tables = _entity_tables(container)
    if not tables:
        raise ParseError(
            f"no Entity List table (TABLE or GPOTABLE) in Supplement No. {supplement}",
            where=where,
        )
    parser = _TableReader(where)
    for table in tables:
        parser.read_table(table)
    return Snapshot(
        entries=tuple(parser.entries),
        date=date or document_date(root),
        source=source,
        findings=tuple(parser.findings),
        rows=parser.rows,
    )


def _supplement_number(el: etree._Element) -> int | None:
    """The supplement number an element announces by its N attribute or its heading."""
    texts = [el.get("N") or ""]
    for child in el:
        if local(child.tag) in {"HEAD", "HD", "EAR", "RESERVED"}:
            texts.append(text_of(child))
            break
    for t in texts:
        m = _SUPPLEMENT.match(t)
        if m:
            return int(m.group(1) or m.group(2))
    return None


def find_supplement(root: etree._Element, supplement: int = 4, *, where: str) -> etree._Element:
    """The element holding Supplement No. ``supplement`` (the root for a bare table).

    A whole part or title holds several supplements with tables; the one wanted is
    found by its ``N`` attribute or heading.  A document that names other
    supplements but not this one is an error, not a silent empty list.
    """
    named: list[tuple[etree._Element, int]] = []
    stack = [root]
    while stack:  # document order, never descending into tables (thousands of cells)
        el = stack.pop()
        n = _supplement_number(el)
        if n is not None:
            named.append((el, n))
        stack.extend(
            child
            for child in reversed(el)
            if isinstance(child.tag, str) and local(child.tag) not in _TABLE_TAGS
        )
    for el, n in named:
        if n == supplement and _iter_tags(el, _TABLE_TAGS):
            return el
    if any(n == supplement for _, n in named):
        raise ParseError(f"Supplement No. {supplement} to Part 744 holds no table", where=where)
    if named:
        found = ", ".join(str(n) for n in sorted({n for _, n in named}))
        raise ParseError(
            f"no Supplement No. {supplement} to Part 744 in the document "
            f"(found supplement(s) {found})",
            where=where,
        )
    return root


def _header_texts(table: etree._Element) -> list[str]:
    return [fold(text_of(h)) for h in _iter_tags(table, {"TH", "CHED"})]


def _entity_tables(container: etree._Element) -> list[etree._Element]:
    """The tables of the Entity List: those headed like it, else every table."""
    tables = _iter_tags(container, _TABLE_TAGS)
    headed = [t for t in tables if _looks_like_entity_header(_header_texts(t))]
    return headed or tables


def _looks_like_entity_header(texts: list[str]) -> bool:
    joined = " | ".join(texts)
    return "entity" in joined and "license" in joined


def document_date(root: etree._Element) -> str | None:
    """The date a document says it is current as of, where it says so.

    Looks at AMDDATE elements, DATE-like attributes of the root and phrases such as
    "as of 2025-03-31" in CITA or heading text.
    """
    for attr in ("DATE", "date", "AMDDATE", "issue_date", "ISSUE_DATE"):
        value = root.get(attr)
        if value:
            found = _any_date(value)
            if found:
                return found
    for el in root.iter():
        tag = local(el.tag)
        if tag in {"AMDDATE", "CITA", "HEAD", "HD", "DATE"}:
            text = text_of(el)
            if tag in {"AMDDATE", "DATE"}:
                found = _any_date(text)
            else:
                m = _AS_OF.search(text)
                found = _any_date(m.group(1)) if m else None
            if found:
                return found
    return None


def _any_date(text: str) -> str | None:
    m = _ISO_DATE.search(text)
    if m:
        return parse_date(f"{m.group(2)}/{m.group(3)}/{m.group(1)}")
    return parse_date(text)


def _is_country_heading(text: str) -> bool:
    """True when a first-column text is a country heading rather than entity text."""
    heading, code = country(text)
    if code or fold(heading) in REGION_HEADINGS:
        return True
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(text) <= 60


class _TableReader:
    """Reads rows into entries, carrying the country down and collecting findings."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.entries: list[Entry] = []
        self.findings: list[Finding] = []
        self.rows = 0
        self.country = ""
        self.country_code: str | None = None
        self.pending: _Building | None = None

    # -- findings -----------------------------------------------------------
    def _at(self, row: int, fld: str = "") -> str:
        base = f"{self.where}, row {row}"
        return f"{base}, {fld}" if fld else base

    def finding(
        self, severity: str, code: str, message: str, row: int, fld: str = "", text: str = ""
    ) -> None:
        self.findings.append(Finding(severity, code, message, self._at(row, fld), text))

    # -- rows ---------------------------------------------------------------
    def read_table(self, table: etree._Element) -> None:
        head_rows = {
            id(r) for part in _iter_tags(table, _HEAD_TAGS) for r in _iter_tags(part, _ROW_TAGS)
        }
        foot_rows = {
            id(r) for part in _iter_tags(table, {"TFOOT"}) for r in _iter_tags(part, _ROW_TAGS)
        }
        for row_el in _iter_tags(table, _ROW_TAGS):
            cells_el = [c for c in row_el if local(c.tag) in _CELL_TAGS]
            if id(row_el) in head_rows or (
                cells_el and all(local(c.tag) == "TH" for c in cells_el)
            ):
                continue
            self.rows += 1
            spans = [_span(c) for c in cells_el]
            row = _Row(
                self.rows, [cell_text(c) for c in cells_el], spans, local(row_el.tag) == "ROW"
            )
            self.read_row(row, id(row_el) in foot_rows)
        self.flush()

    def read_row(self, row: _Row, in_foot: bool = False) -> None:
        texts = [c.text for c in row.cells]
        n = row.number
        if not any(texts) or all(_STARS.match(t) for t in texts):
            code = "placeholder-row" if any(texts) else "empty-row"
            self.finding(
                INFO, code, "row is not an entity (stars or empty)", n, text=" | ".join(texts)
            )
            return
        if in_foot or _is_footnote_row(row):
            self.flush()
            self.finding(
                INFO, "footnote-row", "footnote text, not an entity", n, text=" ".join(texts)
            )
            return
        if texts[0][:7].casefold() == "country" and [fold(t) for t in texts[:4]] == list(
            _HEADER_WORDS
        ):
            self.finding(INFO, "header-row", "a repeated header row", n, text=" | ".join(texts))
            return
        cells = self.align(row)
        if cells is None:
            return
        first, entity, requirement, policy, citation = cells
        if first.text and not _STARS.match(first.text):
            self.flush()
            self.country, self.country_code = country(first.text)
        rest_empty = not (requirement.text or policy.text or citation.text)
        if (
            self.pending is not None
            and not first.text
            and rest_empty
            and entity.text
            and not _STARS.match(entity.text)
        ):
            # A GPO continuation row: more addresses for the entry above.
            self.pending.entity_lines.extend(entity.lines)
            self.pending.entity_footnotes.extend(entity.footnotes)
            self.pending.last_row = n
            return
        self.flush()
        if not entity.text or _STARS.match(entity.text):
            if first.text and rest_empty:
                self.finding(
                    INFO, "country-row", "a country heading row without an entity", n,
                    text=" | ".join(c.text for c in cells),
                )  # fmt: skip
                return
            self.finding(
                WARNING,
                "no-entity",
                "row has no entity text",
                n,
                "entity",
                " | ".join(c.text for c in cells),
            )
            return
        if not self.country:
            self.finding(
                WARNING, "no-country", "entity row before any country heading", n, "country"
            )
        self.pending = _Building(
            n, n, self.country, self.country_code, list(entity.lines),
            requirement, policy, citation, list(entity.footnotes),
        )  # fmt: skip

    def align(self, row: _Row) -> list[CellText] | None:
        """The row's five cells, repairing the misalignments the eCFR has shown."""
        cells = list(row.cells)
        n = row.number
        if row.gpo and 1 < len(cells) < 5:
            # GPO rows leave trailing empty ENTs out (continuation rows, heading rows).
            cells += [CellText() for _ in range(5 - len(cells))]
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
                return [CellText(), cells[0], *cells[2:]]
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
                return [CellText(), *cells]
            self.finding(
                WARNING,
                "row-4-cells",
                "row has 4 cells; the citation column is missing",
                n,
                "citation",
                " | ".join(c.text for c in cells),
            )
            return [*cells, CellText()]
        if len(cells) == 6:
            empties = [i for i, c in enumerate(cells) if i > 0 and not c.text]
            drop = empties[0] if empties else 2
            dropped = cells[drop]
            if dropped.text:
                # Two entity cells: the entity text was split across columns.
                cells[1] = CellText(
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
        self.finding(
            WARNING,
            "row-shape",
            f"row has {len(cells)} cells, not 5; not read as an entity",
            n,
            text=" | ".join(c.text for c in cells),
        )
        return None

    def flush(self) -> None:
        b = self.pending
        if b is None:
            return
        self.pending = None
        rows = str(b.first_row) if b.first_row == b.last_row else f"{b.first_row}-{b.last_row}"
        src = f"{self.where}, row {rows}"
        cell = parse_entity_cell(b.entity_lines)
        for code, message, text in cell.problems:
            self.findings.append(
                Finding(
                    WARNING if code == "no-name" else INFO, code, message, f"{src}, entity", text
                )
            )
        if not cell.name:
            return
        citations: tuple[Citation, ...] = parse_citations(b.citations.text)
        for c in citations:
            if c.volume is None or c.page is None:
                self.findings.append(
                    Finding(
                        INFO,
                        "citation-unparsed",
                        "citation without volume and page",
                        f"{src}, citation",
                        c.raw,
                    )
                )
        footnotes = tuple(
            dict.fromkeys(b.entity_footnotes + b.requirement.footnotes + b.policy.footnotes)
        )
        self.entries.append(
            Entry(
                country=b.country,
                name=cell.name,
                aliases=tuple(cell.aliases),
                addresses=tuple(cell.addresses),
                license_requirement=clean(b.requirement.text),
                license_review_policy=clean(b.policy.text),
                citations=citations,
                footnotes=footnotes,
                listed_items=tuple(cell.listed_items),
                notes=tuple(cell.notes),
                country_code=b.country_code,
                source=src,
            )
        )


def _span(el: etree._Element) -> int:
    try:
        return int(el.get("colspan") or el.get("COLSPAN") or 1)
    except ValueError:
        return 1


_FOOTNOTE_START = re.compile(r"^\s*(?:\d{1,2}\s|footnote|note\b|\*\s*\w)", re.IGNORECASE)


def _is_footnote_row(row: _Row) -> bool:
    """A footer row: one cell (often spanning the table) of footnote definitions."""
    filled = [c for c in row.cells if c.text]
    if len(filled) != 1:
        return False
    only = filled[0]
    wide = len(row.cells) == 1 or max(row.spans or [1]) >= 3
    return wide and (bool(only.footnotes) or bool(_FOOTNOTE_START.match(only.text)))
