"""The eCFR snapshot parser: a list of Part 744 (Supplement No. 4, the Entity
List, unless told another spec'd list; see :mod:`frdiff.lists`) as compiled on a date.

Input is eCFR XML bytes: the appendix fragment (``DIV9 TYPE="APPENDIX"``) or a
whole part or title holding it, with HTML-style tables (TABLE > TR > TH/TD) or
GPO tables (GPOTABLE > ROW > ENT).  Output is a :class:`~frdiff.model.Snapshot`.

Every body row of the list's table becomes an entry (a continuation row
joins the entry above it) or a finding naming the document, row and field:
nothing is dropped silently.  ``Snapshot.rows`` counts the body rows seen
(header rows of the table are not counted).  The rows are read by
:class:`frdiff.parse.table.TableRows`, the rule parser's row reader too.
"""

from __future__ import annotations

import re

from lxml import etree

from frdiff import lists
from frdiff.errors import ParseError
from frdiff.ids import ISO_DATE, SUPPLEMENT_HEADING
from frdiff.lists import ListSpec
from frdiff.model import (
    EDITORIAL_NOTE,
    EFFECTIVE_DATE_NOTE,
    INFO,
    SOURCE_NOTE,
    WARNING,
    Citation,
    Entry,
    Finding,
    ListNote,
    Snapshot,
    Unit,
)
from frdiff.normalize import (
    country,
    fold,
    parse_citations,
    parse_date,
    unreadable_date,
)
from frdiff.parse.cells import parse_entity_cell, plain_name
from frdiff.parse.rows import NO_COUNTRY, NO_ENTITY, ROW_SHAPE
from frdiff.parse.rows import ROW_KINDS as ROW_KINDS  # the kinds Snapshot.accounting counts
from frdiff.parse.rows import is_stars as _is_stars
from frdiff.parse.table import (
    HEADER_WORDS,
    TABLE_TAGS,
    Cell,
    CellMemo,
    PendingEntry,
    Row,
    TableRows,
    iter_tags,
    tag_names,
)
from frdiff.parse.xml import gc_paused, load, local, text_of

_AS_OF = re.compile(r"\b(?:as\s+of|current\s+as\s+of|up\s+to\s+date\s+as\s+of)\s+(.{6,40})", re.I)
#: The kind of a list's reserved rows ("BURMA | [Reserved] | [Reserved]"), counted
#: for the lists that have them (see ListSpec.reserved).
RESERVED = "reserved"
_DATE_TAGS = frozenset({"AMDDATE", "CITA", "HEAD", "HD", "DATE"})
#: Root elements of Federal Register documents (GPO FR XML), never an eCFR copy.
FR_DOCUMENT_ROOTS = frozenset({"RULE", "PRORULE", "NOTICE", "PRESDOCU", "FEDREG", "RULES"})


#: A citation cell read: its citations and the problems met (code, message, text).
_CitationReading = tuple[tuple[Citation, ...], tuple[tuple[str, str, str], ...]]
#: An Entity cell read: name, aliases, addresses, listed items, notes, problems, units.
_Reading = tuple[
    str,
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[tuple[str, str, str], ...],
    tuple[Unit, ...],
]


class ParseMemo(CellMemo):
    """Cell readings kept for reuse: repeated texts are read once.

    Readings depend on the cell text alone, so they can be shared by the parses of
    several documents: two versions of the list share nearly all their rows, and
    the second parse with the first's memo reads only the rows that changed.  One
    memo grows with every document read through it; the values are immutable.
    """

    __slots__ = ("_citations", "_entities")

    def __init__(self, *, shared: bool = True) -> None:
        super().__init__(shared=shared)
        self._entities: dict[tuple[str, ...], _Reading] = {}
        self._citations: dict[str, _CitationReading] = {}

    def entity(self, lines: list[str]) -> _Reading:
        key = tuple(lines)
        found = self._entities.get(key)
        if found is None and len(lines) == 1:
            name = plain_name(lines[0])
            if name:  # a name alone, read as parse_entity_cell reads it
                found = self._entities[key] = (name, (), (), (), (), (), ())
        if found is None:
            c = parse_entity_cell(lines)
            found = (
                c.name,
                tuple(c.aliases),
                tuple(c.addresses),
                tuple(c.listed_items),
                tuple(c.notes),
                tuple(c.problems),
                tuple(c.units),
            )
            self._entities[key] = found
        return found

    def citations(self, text: str) -> _CitationReading:
        found = self._citations.get(text)
        if found is None:
            citations = parse_citations(text)
            problems: list[tuple[str, str, str]] = []
            for c in citations:
                if c.volume is None or c.page is None:
                    problems.append(
                        ("citation-unparsed", "citation without volume and page", c.raw)
                    )
                bad = unreadable_date(c.raw) if c.date is None else None
                if bad:
                    problems.append(
                        ("unreadable-date", f"the citation's date {bad!r} does not exist", c.raw)
                    )
            found = self._citations[text] = (citations, tuple(problems))
        return found


def parse_snapshot(
    data: bytes,
    *,
    source: str = "",
    date: str | None = None,
    supplement: int | ListSpec = lists.DEFAULT,
    memo: ParseMemo | None = None,
) -> Snapshot:
    """Parse an eCFR copy of a list of Part 744 into a :class:`Snapshot`.

    ``supplement`` is the list's number (or its :class:`~frdiff.lists.ListSpec`):
    Supplement No. 4, the Entity List, unless told; a whole part holding several
    lists gives the one asked for.

    ``source`` names the document in entries and findings; ``date`` is the
    snapshot date (ISO) when the caller knows it, otherwise it is read from the
    document where the document says ("as of 2025-03-31", AMDDATE) or left None.
    ``memo`` shares cell readings with other parses (see :class:`ParseMemo`).
    Raises :class:`~frdiff.errors.ParseError` when the document is not XML or
    holds no table of the list.
    """
    spec = lists.get(supplement)
    with gc_paused():
        return _parse_snapshot(data, source, date, spec, memo)


def _parse_snapshot(
    data: bytes, source: str, date: str | None, spec: ListSpec, memo: ParseMemo | None
) -> Snapshot:
    where = source or "snapshot"
    supplement = spec.number
    root = load(data, where=where)
    if local(root.tag) in FR_DOCUMENT_ROOTS:
        raise ParseError(
            f"this is a Federal Register document (<{local(root.tag)}>), not an eCFR copy "
            "of the list: read it with `frdiff rule`",
            where=where,
        )
    container = find_supplement(root, supplement, where=where, name=spec.name)
    tables = _entity_tables(container, spec)
    if not tables:
        raise ParseError(
            f"no {spec.name} table (TABLE or GPOTABLE) in Supplement No. {supplement}",
            where=where,
        )
    memo = memo if memo is not None else ParseMemo(shared=False)
    parser: _TableReader | _ListReader
    if spec.license_columns is not None and spec.width == _ENTITY_LIST_WIDTH:
        parser = _TableReader(where, memo)
    else:
        parser = _ListReader(where, memo, spec)
    for table in tables:
        parser.read_table(table)
    parser.finish()
    if not parser.rows:
        # An empty list would diff as "every entry removed": refuse it instead.
        raise ParseError(
            f"no {spec.name} rows: the table of Supplement No. {supplement} has a header only",
            where=where,
        )
    findings = parser.findings
    findings.extend(_duplicates(parser.entries))
    if not date:
        dated = iter_tags(root, _DATE_TAGS)  # one walk of the whole tree for both
        date = document_date(root, dated)
        if date is None:
            findings.extend(_unreadable_document_date(root, where, dated))
    return Snapshot(
        entries=tuple(parser.entries),
        date=date,
        source=source,
        findings=tuple(findings),
        rows=parser.rows,
        accounting=tuple(parser.kinds.items()),
        notes=(*parser.footnotes, *_notes_after_table(container)),
        supplement=supplement,
    )


#: The eCFR's notes after a supplement's table, by tag.
_NOTE_KINDS = {"CITA": SOURCE_NOTE, "EDNOTE": EDITORIAL_NOTE, "EFFDNOT": EFFECTIVE_DATE_NOTE}


def _notes_after_table(container: etree._Element) -> list[ListNote]:
    """The supplement's CITA, EDNOTE and EFFDNOT texts, a note per paragraph.

    Read from the supplement's own children (not the tables'): the EDNOTE says
    which amendments the eCFR could not incorporate ("At 89 FR 96836, ... could
    not be incorporated because no text was supplied"), which a cross-check of the
    rules against the list must show.  Headings ("Editorial Notes:") are left out.
    """
    notes: list[ListNote] = []
    for el in container:
        kind = _NOTE_KINDS.get(local(el.tag))
        if kind is None:
            continue
        paragraphs = [p for p in el if local(p.tag) not in {"HED", "HD", ""}]
        for p in paragraphs or [el]:
            text = text_of(p)
            if text:
                notes.append(ListNote(kind, text))
    return notes


def _duplicates(entries: list[Entry]) -> list[Finding]:
    """An info finding for each entry identical in every field to an earlier one.

    Both are kept: the list has genuine entries of one name under one country that
    differ in other fields, and an identical pair is still two rows of the table.
    """
    out: list[Finding] = []
    seen: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        same_name = seen.get((e.country, e.name))
        if same_name is None:
            seen[e.country, e.name] = [e]
            continue
        twin = next((other for other in same_name if other == e), None)
        if twin is not None:
            out.append(
                Finding(
                    INFO,
                    "duplicate-entry",
                    f"the same entry as {twin.source.rsplit(', ', 1)[-1]}, identical in every "
                    "field; both are kept",
                    e.source,
                    e.name,
                )
            )
        same_name.append(e)
    return out


def _unreadable_document_date(
    root: etree._Element, where: str, dated: list[etree._Element] | None = None
) -> list[Finding]:
    """A finding for a date the document gives that does not exist ("February 30").

    Looks where :func:`document_date` looks, when it found no date (``dated``: the
    elements it looked at, as it takes them).
    """

    def finding(bad: str, place: str, text: str) -> list[Finding]:
        message = f"the document's date {bad!r} does not exist; the snapshot has no date"
        return [Finding(WARNING, "unreadable-date", message, f"{where}, {place}", text[:300])]

    for attr in ("DATE", "date", "AMDDATE", "issue_date", "ISSUE_DATE"):
        value = root.get(attr)
        bad = _unreadable(value) if value else None
        if bad and value:
            return finding(bad, attr, value)
    for el in iter_tags(root, _DATE_TAGS) if dated is None else dated:
        text = text_of(el)
        tag = local(el.tag)
        if tag not in {"AMDDATE", "DATE"}:
            m = _AS_OF.search(text)
            if not m:
                continue
            text = m.group(1)
        bad = _unreadable(text)
        if bad:
            return finding(bad, tag, text_of(el))
    return []


def _supplement_number(el: etree._Element) -> int | None:
    """The supplement number an element announces by its N attribute or its heading."""
    texts = [el.get("N") or ""]
    for child in el:
        if local(child.tag) in {"HEAD", "HD", "EAR", "RESERVED"}:
            texts.append(text_of(child))
            break
    for t in texts:
        m = SUPPLEMENT_HEADING.match(t)
        if m:
            return int(m.group(1) or m.group(2))
    return None


def find_supplement(
    root: etree._Element,
    supplement: int = lists.DEFAULT,
    *,
    where: str,
    name: str = "Entity List",
) -> etree._Element:
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
            if isinstance(child.tag, str) and local(child.tag) not in TABLE_TAGS
        )
    for el, n in named:
        if n == supplement and next(el.iter(*tag_names(TABLE_TAGS)), None) is not None:
            return el
    if any(n == supplement for _, n in named):
        raise ParseError(
            f"Supplement No. {supplement} to Part 744 holds no {name} table", where=where
        )
    if named:
        found = ", ".join(str(n) for n in sorted({n for _, n in named}))
        raise ParseError(
            f"no Supplement No. {supplement} to Part 744 in the document "
            f"(found supplement(s) {found})",
            where=where,
        )
    return root


def _entity_tables(container: etree._Element, spec: ListSpec) -> list[etree._Element]:
    """The tables of the list: those headed like it, else every table."""
    tables = iter_tags(container, TABLE_TAGS)
    headed = [t for t in tables if _headed_like(t, spec.header_words)]
    return headed or tables


def _headed_like(table: etree._Element, words: tuple[str, ...]) -> bool:
    """True when the table's header cells (TH, CHED) hold each of ``words`` (the
    Entity List's say "entity" and "license").

    Stops at the header cells that do, not at the end of a table of thousands of
    rows.  (No word can run across two cells.)
    """
    missing = set(words)
    for h in table.iter(*tag_names({"TH", "CHED"})):
        text = fold(text_of(h))
        missing = {w for w in missing if w not in text}
        if not missing:
            return True
    return False


def document_date(root: etree._Element, dated: list[etree._Element] | None = None) -> str | None:
    """The date a document says it is current as of, where it says so.

    Looks at AMDDATE elements, DATE-like attributes of the root and phrases such as
    "as of 2025-03-31" in CITA or heading text.  ``dated``: those elements, when the
    caller has found them already (a walk of the whole tree, done once).
    """
    for attr in ("DATE", "date", "AMDDATE", "issue_date", "ISSUE_DATE"):
        value = root.get(attr)
        if value:
            found = _any_date(value)
            if found:
                return found
    for el in iter_tags(root, _DATE_TAGS) if dated is None else dated:  # filtered in C
        text = text_of(el)
        if local(el.tag) in {"AMDDATE", "DATE"}:
            found = _any_date(text)
        else:
            m = _AS_OF.search(text)
            found = _any_date(m.group(1)) if m else None
        if found:
            return found
    return None


def _unreadable(text: str) -> str | None:
    """The date-shaped text :func:`_any_date` cannot read, else None."""
    m = ISO_DATE.search(text)
    if m:
        return None if _any_date(text) else m.group(0)
    return unreadable_date(text)


def _any_date(text: str) -> str | None:
    m = ISO_DATE.search(text)
    if m:
        return parse_date(f"{m.group(2)}/{m.group(3)}/{m.group(1)}")
    return parse_date(text)


class _TableReader(TableRows):
    """The Entity List's rows read into entries (see :class:`TableRows`).

    In two passes: :meth:`~TableRows.read_table` groups the rows into entries still
    to be read (and the findings about rows), in order; :meth:`finish` then reads
    each entry's cells.  The result is what reading each entry as its last row is
    seen would give, in the same order, but each pass keeps its own code and data
    hot: a tenth faster on a full list.
    """

    def __init__(
        self, where: str, memo: ParseMemo, *, row_at: str | None = None, first_row: int = 1
    ) -> None:
        super().__init__(where, memo, row_at=row_at, first_row=first_row)
        self.memo: ParseMemo = memo
        self.known_entities = memo._entities
        self.known_citations = memo._citations
        self.entries: list[Entry] = []
        self.findings: list[Finding] = []

    def finish(self) -> None:
        """Read the entries queued, keeping findings in document order."""
        self.flush()
        events, self.events = self.events, []
        findings = self.findings
        for event in events:
            if isinstance(event, Finding):
                findings.append(event)
            else:
                self.read_entry(event)

    def read_entry(self, b: PendingEntry) -> None:
        """Read an entry's cells into an :class:`Entry` and its findings."""
        if b.first_row == b.last_row:
            src = f"{self.row_at}{b.first_row}"
        else:
            src = f"{self.row_at}{b.first_row}-{b.last_row}"
        reading = self.known_entities.get(tuple(b.entity_lines))
        if reading is None:
            reading = self.memo.entity(b.entity_lines)
        name, aliases, addresses, listed_items, notes, problems, units = reading
        for code, message, text in problems:
            self.findings.append(
                Finding(
                    WARNING if code == "no-name" else INFO, code, message, f"{src}, entity", text
                )
            )
        if not name:
            self.kinds["unread"] += 1 + b.continuations
            return
        self.kinds["entry"] += 1
        if b.continuations:
            self.kinds["continuation"] += b.continuations
        cited = self.known_citations.get(b.citations.text)
        if cited is None:
            cited = self.memo.citations(b.citations.text)
        citations, cite_problems = cited
        for code, message, text in cite_problems:
            self.findings.append(Finding(INFO, code, message, f"{src}, citation", text))
        notes_seen = b.entity_footnotes + b.requirement.footnotes + b.policy.footnotes
        # Positional, in field order: a third faster than keywords, for every entry.
        self.entries.append(
            Entry(
                b.country,
                name,
                aliases,
                addresses,
                b.requirement.text,  # license_requirement: cell texts are clean (Cell)
                b.policy.text,  # license_review_policy
                citations,
                tuple(dict.fromkeys(notes_seen)) if notes_seen else (),  # footnotes
                listed_items,
                notes,
                b.country_code,
                src,  # source
                units,
            )
        )


#: A row of the Entity List's table has five cells (country, entity, the two license
#: columns, citation): the layout :class:`_TableReader` reads.
_ENTITY_LIST_WIDTH = len(HEADER_WORDS) + 1
#: An entry announcing sub-units listed on the rows below it: "The following eight
#: subordinate institutions of Aero-Engine Company of China:" (Supplement No. 7).
_UNITS_HEADING = re.compile(r"^the\s+following\b.*:\s*$", re.IGNORECASE)


class _ListReader(_TableReader):
    """The rows of a list without license columns (the Unverified List, the Military
    End-User list, any list spec'd so): the country, entity and citation cells where
    its :class:`~frdiff.lists.ListSpec` puts them.

    Rows read as the Entity List's do (an entry, a continuation, a country heading,
    stars, a footnote, a repeated header, a row of the wrong shape), and a reserved
    row ("BURMA | [Reserved] | [Reserved]") is one of its own kind: every row is
    accounted for.  Entries are read by the same cell readers.
    """

    def __init__(
        self,
        where: str,
        memo: ParseMemo,
        spec: ListSpec,
        *,
        row_at: str | None = None,
        first_row: int = 1,
    ) -> None:
        super().__init__(where, memo, row_at=row_at, first_row=first_row)
        self.spec = spec
        self.entity_index = spec.entity_column % spec.width
        self.citation_index = spec.citation_index
        self.country_index = spec.country_column % spec.width
        self.usual_width = 0  # no usual row: every row is read by read_row
        if spec.reserved is not None:
            self.kinds[RESERVED] = 0

    def read_row(self, row: Row, in_foot: bool = False, el: etree._Element | None = None) -> None:
        spec = self.spec
        if self.no_entry(row, in_foot, el):
            return
        texts = [c.text for c in row.cells]
        n = row.number
        if [fold(t) for t in texts] == list(spec.columns):
            self.kinds["header"] += 1
            self.finding(INFO, "header-row", "a repeated header row", n, text=" | ".join(texts))
            return
        cells = list(row.cells)
        if row.gpo and 1 < len(cells) < spec.width:
            # GPO rows leave trailing empty ENTs out.
            cells += [Cell() for _ in range(spec.width - len(cells))]
        if len(cells) != spec.width:
            self.kinds["misaligned"] += 1
            self.finding(
                WARNING,
                ROW_SHAPE,
                f"row has {len(cells)} cells, not {spec.width}; not read as an entity",
                n,
                text=" | ".join(texts),
            )
            return
        first, entity = cells[self.country_index], cells[self.entity_index]
        cited = cells[self.citation_index] if self.citation_index is not None else Cell()
        if first.text and not _is_stars(first.text):
            self.flush()
            self.country, self.country_code = country(first.text)
        if spec.is_reserved(entity.text):
            self.flush()
            self.kinds[RESERVED] += 1
            self.finding(
                INFO,
                "reserved-row",
                f"a reserved row under {self.country or 'no country'}, not an entity",
                n,
                text=" | ".join(texts),
            )
            return
        if (
            self.pending is not None
            and not first.text
            and not cited.text
            and not _is_stars(entity.text)
            and self._continues(self.pending)
        ):
            self.pending.continue_with(entity, n)
            return
        self.flush()
        if _is_stars(entity.text):
            if first.text and not cited.text:
                self.kinds["country"] += 1
                self.finding(
                    INFO, "country-row", "a country heading row without an entity", n,
                    text=" | ".join(texts),
                )  # fmt: skip
                return
            self.kinds["unread"] += 1
            self.finding(
                WARNING, NO_ENTITY, "row has no entity text", n, "entity", " | ".join(texts)
            )
            return
        if not self.country:
            self.finding(WARNING, NO_COUNTRY, "entity row before any country heading", n, "country")
        self.pending = PendingEntry(
            n, self.country, self.country_code, entity, Cell(), Cell(), cited
        )

    def _continues(self, pending: PendingEntry) -> bool:
        """Whether a row without country or citation continues ``pending``: always
        (as the Entity List's GPO continuation rows do), except in a list without a
        citation column (where nothing tells a continuation), or one whose
        sub-units span rows, where only an entry announcing them ("The following
        eight subordinate institutions of ...:") or one still without its citation
        continues; another row without a citation is an entry of its own."""
        if self.citation_index is None:
            return False
        if not self.spec.units_span_rows:
            return True
        lines = pending.entity_lines
        return not pending.citations.text or bool(lines and _UNITS_HEADING.match(lines[0]))


def read_list_table(
    table: etree._Element,
    spec: ListSpec,
    *,
    where: str,
    row_at: str | None = None,
    first_row: int = 1,
) -> tuple[list[Entry], list[Finding], dict[str, int]]:
    """The entries of one table printing rows of a list without license columns (a
    rule's GPOTABLE adding to the Unverified List, say), the findings about its rows,
    and how each row was read (as :attr:`Snapshot.accounting` counts them).  Rows are
    numbered from ``first_row`` and named as :class:`~frdiff.parse.table.TableRows`
    names them (``row_at``)."""
    reader = _ListReader(where, ParseMemo(shared=False), spec, row_at=row_at, first_row=first_row)
    reader.read_table(table)
    reader.finish()
    return reader.entries, reader.findings, reader.kinds
