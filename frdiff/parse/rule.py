"""A BIS rule's Federal Register XML -> a :class:`~frdiff.model.ChangeSet`.

The path: load the XML safely; read the document's identity (PREAMB, FRDOC,
DATES, PRTPAGE, optionally completed from Federal Register API metadata); read
the SUMMARY's claims; read the amendatory instructions; read the Supplement
No. 4 tables; then reconcile instructions with table entries, and the result
with the claims.  Every instruction and every table row ends up in a change or
a finding, and ``ChangeSet.accounting`` says how each was used.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from lxml import etree
from msgspec import structs
from rapidfuzz import fuzz, process

from frdiff import lists
from frdiff.errors import ParseError
from frdiff.ids import DOCUMENT_NUMBER, FR_DOC_LINE, ISO_DATE, SUPPLEMENT_MENTION
from frdiff.model import (
    ADD,
    ERROR,
    INFO,
    MOVE_LIST,
    REMOVE,
    REVISE,
    WARNING,
    Change,
    ChangeSet,
    Citation,
    Claims,
    Entry,
    Finding,
    Rule,
)
from frdiff.normalize import (
    clean,
    country,
    country_key,
    name_key,
    parse_citations,
    parse_date,
    resolve_placeholder,
)
from frdiff.parse.cells import parse_entity_cell
from frdiff.parse.claims import parse_claims
from frdiff.parse.instructions import LIST_TARGETS, Target, parse_instructions
from frdiff.parse.rows import LAYOUT_CODES
from frdiff.parse.snapshot import read_list_table
from frdiff.parse.table import Table, TableEntry, clean_cell, read_table
from frdiff.parse.xml import MAX_DOCUMENT_BYTES, load, local, text_of

_DOC_ROOTS = {"RULE", "PRORULE", "NOTICE", "CORRECT", "PRESDOCU"}
_FR_SITE = "https://www.federalregister.gov/"
_FUZZY_NAME_MIN = 80
_LOOKS_LIKE_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\d{1,2}/\d{1,2}/\d{2,4}",
    re.I,
)
#: Quoted instruction text is cut to a window around the name it concerns, so an
#: instruction naming thousands of entries is not copied once per entry.
_EXCERPT = 2000


def parse_rule(
    data: bytes,
    *,
    source: str = "",
    meta: dict[str, Any] | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> ChangeSet:
    """Read what one rule does to the Entity List.

    ``data`` is the rule's full-text XML (GPO FR XML, root <RULE>); ``meta`` is
    the Federal Register API's JSON for the document, which fills in what the
    XML does not print (publication date, citation, pages).  Raises ParseError
    for input that is not such a document; everything irregular inside a real
    rule becomes a Finding instead.
    """
    where = source or "rule"
    root = load(data, where=where, max_bytes=max_bytes)
    findings: list[Finding] = []
    _strip_namespaces(root, findings, where)
    doc_el = _document_element(root, where)
    rule = _read_rule(doc_el, meta or {}, findings, where)
    doc = rule.document_number or where
    claims = _read_claims(doc_el)
    paragraphs = [text_of(a) for a in doc_el.iter("AMDPAR")]
    parsed = parse_instructions(paragraphs, doc=doc)
    findings.extend(parsed.findings)
    by_list = _list_tables(doc_el)
    list_tables = sum(len(v) for v in by_list.values())
    tables = by_list.pop(lists.DEFAULT, [])
    table = Table()
    first_row = 1
    for t in tables:
        part = read_table(t, doc=doc, first_row=first_row)
        first_row += sum(part.rows.values())
        table.entries.extend(part.entries)
        table.rows.update(part.rows)
        table.findings.extend(part.findings)
        table.footnote_texts.update(part.footnote_texts)
    findings.extend(table.findings)
    other_tables = _other_list_entries(by_list, rule, doc, findings, table.rows, first_row)
    if not parsed.amended and not table.entries and not any(other_tables.values()):
        findings.append(
            Finding(
                INFO,
                "no-entity-list-changes",
                "this document amends none of the lists of Part 744 frdiff reads ("
                + ", ".join(lists.label(n) for n in sorted(lists.SPECS))
                + ")",
                doc,
            )
        )
    main_targets = [t for t in parsed.targets if t.supplement == lists.DEFAULT]
    known = _KnownNames(main_targets)
    entries = [_entry(te, known, rule, findings, doc) for te in table.entries]
    changes = _reconcile(main_targets, table.entries, entries, findings, doc)
    for n in sorted({t.supplement for t in parsed.targets} | set(other_tables)):
        if n == lists.DEFAULT:
            continue
        targets = [t for t in parsed.targets if t.supplement == n]
        listed = other_tables.get(n, [])
        found = _reconcile(targets, [_row_of(e) for e in listed], listed, findings, doc)
        changes.extend(structs.replace(c, supplement=n) for c in found)
    changes = _moves(changes, findings, doc)
    findings.extend(_duplicates(changes, doc))
    findings.extend(
        _check_claims(
            claims,
            [c for c in changes if c.supplement == lists.DEFAULT]
            + [
                structs.replace(c, action=ADD)
                for c in changes
                if c.action == MOVE_LIST and c.supplement == lists.DEFAULT
            ],
            doc,
        )
    )
    accounting = {
        "instructions": len(parsed.instructions),
        "instructions_supplement4": sum(
            1 for i in parsed.instructions if i.target == lists.get(lists.DEFAULT).target
        ),
        **{
            f"instructions_{spec.target}": k
            for n, spec in sorted(lists.SPECS.items())
            if n != lists.DEFAULT
            and (k := sum(1 for i in parsed.instructions if i.target == spec.target))
        },
        "instructions_other": sum(1 for i in parsed.instructions if i.target not in LIST_TARGETS),
        "instruction_targets": len(parsed.targets),
        "table_rows": sum(table.rows.values()),
        **{f"rows_{k}": v for k, v in sorted(table.rows.items())},
        "tables_other": len(_all_tables(doc_el)) - list_tables,
    }
    return ChangeSet(
        rule=rule,
        claims=claims,
        instructions=tuple(parsed.instructions),
        changes=tuple(changes),
        findings=tuple(findings),
        source=source,
        accounting=tuple(accounting.items()),
    )


# ---------------------------------------------------------------------------
# Document identity


def _strip_namespaces(root: etree._Element, findings: list[Finding], where: str) -> None:
    """GPO FR XML has no namespace; a copy that gained one is read by local names."""
    namespaces = set()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            ns, _, name = el.tag[1:].partition("}")
            namespaces.add(ns)
            el.tag = name
    if namespaces:
        findings.append(
            Finding(
                INFO,
                "namespace",
                "the document uses an XML namespace, which FR XML does not; read by local names",
                where,
                ", ".join(sorted(namespaces))[:200],
            )
        )


def excerpt(text: str, around: str = "", width: int = 240) -> str:
    """``text`` whole when short, else cut to ``width`` characters around ``around``."""
    if len(text) <= _EXCERPT:
        return text
    at = text.find(around) if around else 0
    start = max(0, min(at - width // 3, len(text) - width)) if at >= 0 else 0
    head = "\u2026" if start else ""
    tail = "\u2026" if start + width < len(text) else ""
    return f"{head}{text[start : start + width]}{tail}"


def _quote(t: Target) -> str:
    """The instruction text a change or finding quotes: whole when short; for a long
    instruction (one naming many entries), just a window around this name."""
    if len(t.text) <= _EXCERPT:
        return t.text
    return excerpt(t.text, t.printed or t.name, width=min(240, 12 + 2 * len(t.printed or t.name)))


def _meta_text(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    return clean(value)[:1000] if isinstance(value, str) else ""


def _meta_int(meta: dict[str, Any], key: str, findings: list[Finding], where: str) -> int | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**7:
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,7}", value):
        return int(value)
    findings.append(
        Finding(
            WARNING,
            "metadata-invalid",
            f"metadata {key!r} is not a volume or page number; ignored",
            where,
            repr(value)[:200],
        )
    )
    return None


def _meta_date(meta: dict[str, Any], key: str, findings: list[Finding], where: str) -> str | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    findings.append(
        Finding(
            WARNING,
            "metadata-invalid",
            f"metadata {key!r} is not an ISO date; ignored",
            where,
            repr(value)[:200],
        )
    )
    return None


def _document_element(root: etree._Element, where: str) -> etree._Element:
    if local(root.tag) in _DOC_ROOTS:
        return root
    for el in root.iter():
        if local(el.tag) in _DOC_ROOTS:
            return el
    raise ParseError(
        f"not a Federal Register document: root element <{local(root.tag) or '?'}>, "
        "expected <RULE>",
        where=where,
    )


def _first_text(el: etree._Element, path: str) -> str:
    found = el.find(path)
    return text_of(found) if found is not None else ""


def _read_rule(
    doc_el: etree._Element, meta: dict[str, Any], findings: list[Finding], where: str
) -> Rule:
    frdoc = _first_text(doc_el, ".//FRDOC")
    # Typeset documents print the number with an en dash ("2025–00704").
    m = FR_DOC_LINE.search(re.sub(r"[\u2010-\u2015\u2212]", "-", frdoc))
    number = m.group("num") if m else ""
    meta_number = _meta_text(meta, "document_number")
    if meta_number and number and meta_number != number:
        findings.append(
            Finding(
                ERROR,
                "metadata-mismatch",
                f"metadata is for document {meta_number}, the XML is {number}",
                where,
                frdoc,
            )
        )
    number = number or meta_number
    if number and not DOCUMENT_NUMBER.match(number):
        findings.append(
            Finding(
                WARNING,
                "document-number",
                "not a Federal Register document number; ignored",
                where,
                number[:200],
            )
        )
        number = ""
    title = _first_text(doc_el, ".//PREAMB/SUBJECT") or _meta_text(meta, "title")
    docket = re.sub(
        r"^\[?\s*Docket\s+No\.?\s*|\]$", "", _first_text(doc_el, ".//DEPDOC"), flags=re.I
    )
    rin = re.sub(r"^RIN\s*", "", _first_text(doc_el, ".//PREAMB/RIN"), flags=re.I)
    action = _first_text(doc_el, ".//ACT/P") or _meta_text(meta, "action") or None
    dates_text = _first_text(doc_el, ".//EFFDATE") or _first_text(doc_el, ".//DATES")
    effective = parse_date(dates_text) or _meta_date(meta, "effective_on", findings, where)
    if effective is None and _LOOKS_LIKE_DATE.search(dates_text):
        findings.append(
            Finding(
                WARNING,
                "unreadable-date",
                "the DATES paragraph gives a date that does not exist or cannot be read",
                f"{where} DATES",
                dates_text[:300],
            )
        )
    pub = _meta_date(meta, "publication_date", findings, where)
    volume = _meta_int(meta, "volume", findings, where)
    start = _meta_int(meta, "start_page", findings, where)
    end = _meta_int(meta, "end_page", findings, where)
    pages = [
        int(p.get("P") or "0")
        for p in doc_el.iter("PRTPAGE")
        if re.fullmatch(r"[0-9]{1,7}", p.get("P") or "")
    ]
    placeholder_cits = [
        c
        for cell in doc_el.iter("ENT")
        if "insert" in text_of(cell).casefold()
        for c in parse_citations(text_of(cell))
        if c.placeholder
    ]
    if pub is None and placeholder_cits:
        dates = Counter(c.date for c in placeholder_cits if c.date)
        if dates:
            pub = dates.most_common(1)[0][0]
            findings.append(
                Finding(
                    INFO,
                    "inferred-publication-date",
                    f"publication date {pub} taken from the citation placeholders "
                    "(no API metadata given)",
                    where,
                )
            )
    if volume is None and placeholder_cits:
        vols = Counter(c.volume for c in placeholder_cits if c.volume)
        if vols:
            volume = vols.most_common(1)[0][0]
    if start is None and pages:
        start = min(pages) - 1
        end = end or max(pages)
        findings.append(
            Finding(
                INFO,
                "inferred-pages",
                f"pages {start}-{end} inferred from the page markers (no API metadata given)",
                where,
            )
        )
    meta_citation = _meta_text(meta, "citation")
    if meta_citation and not re.fullmatch(r"\d{1,3} FR \d{1,7}", meta_citation):
        meta_citation = ""
    citation = meta_citation or (f"{volume} FR {start}" if volume and start else None)
    html_url = _meta_text(meta, "html_url")
    if html_url and not html_url.startswith(_FR_SITE):
        findings.append(
            Finding(
                WARNING,
                "metadata-invalid",
                "metadata html_url is not a federalregister.gov address; ignored",
                where,
                html_url[:200],
            )
        )
        html_url = ""
    return Rule(
        document_number=number,
        title=title,
        publication_date=pub,
        effective_date=effective,
        citation=citation,
        volume=int(volume) if volume else None,
        start_page=int(start) if start else None,
        end_page=int(end) if end else None,
        docket=docket or _first_meta(meta, "docket_ids", "Docket No. "),
        rin=rin or _first_meta(meta, "regulation_id_numbers", ""),
        action=action,
        html_url=html_url or (f"{_FR_SITE}d/{number}" if number else None),
    )


def _first_meta(meta: dict[str, Any], key: str, prefix: str) -> str | None:
    values = meta.get(key)
    if not isinstance(values, list) or not values or not isinstance(values[0], str):
        return None
    return clean(values[0]).removeprefix(prefix)[:200] or None


def _read_claims(doc_el: etree._Element) -> Claims:
    summary = doc_el.find(".//SUM")
    if summary is None:
        return Claims()
    text = " ".join(text_of(p) for p in summary.iter("P"))
    return parse_claims(text)


# ---------------------------------------------------------------------------
# Tables


def _all_tables(doc_el: etree._Element) -> list[etree._Element]:
    return list(doc_el.iter("GPOTABLE"))


def _list_tables(doc_el: etree._Element) -> dict[int, list[etree._Element]]:
    """The GPOTABLEs that print entries of a list, by the list's supplement number.

    A table belongs to the supplement named by the nearest heading or
    instruction before it; a table with the Entity List's five columns and no
    such context is taken as the Entity List's.
    """
    chosen: dict[int, list[etree._Element]] = {}
    context = ""
    for el in doc_el.iter():
        tag = local(el.tag)
        if tag in ("HD", "AMDPAR", "SECTNO", "SUBJECT"):
            t = text_of(el)
            m = SUPPLEMENT_MENTION.search(t)
            if m:
                context = m.group(1)
            elif tag == "SECTNO":
                context = "section"
        elif tag == "GPOTABLE":
            heads = " ".join(text_of(c) for c in el.iter("CHED")).casefold()
            number = int(context) if context.isdigit() else None
            if number is None and context == "" and "entity" in heads:
                number = lists.DEFAULT
            if number is not None and number in lists.SPECS:
                chosen.setdefault(number, []).append(el)
    return chosen


def _other_list_entries(
    by_list: dict[int, list[etree._Element]],
    rule: Rule,
    doc: str,
    findings: list[Finding],
    rows: Counter[str],
    first_row: int,
) -> dict[int, list[Entry]]:
    """The entries printed in the rule's tables of the lists other than the Entity List
    (read as a snapshot's rows are), each with the rule's own citation where its
    citation cell is a placeholder.  Their rows are counted into ``rows`` and numbered
    on from ``first_row``, as "DOC table row N" like the Entity List table's."""
    out: dict[int, list[Entry]] = {}
    for n, tables in by_list.items():
        spec = lists.get(n)
        for el in tables:
            entries, found, kinds = read_list_table(
                el,
                spec,
                where=f"{doc} table of Supplement No. {n}",
                row_at=f"{doc} table row ",
                first_row=first_row,
            )
            cited = [_with_rule_citation(e, rule) for e in entries]
            # A placeholder given the rule's citation is no longer an unparsed citation.
            resolved = {
                f"{e.source}, citation" for e, c in zip(entries, cited, strict=True) if c is not e
            }
            findings.extend(
                f
                for f in found
                if f.code not in LAYOUT_CODES
                and not (f.code == "citation-unparsed" and f.where in resolved)
            )
            out.setdefault(n, []).extend(cited)
            counted = {k: v for k, v in kinds.items() if v}
            rows.update(counted)
            first_row += sum(counted.values())
    return out


def _with_rule_citation(e: Entry, rule: Rule) -> Entry:
    """An entry whose citation is the rule's unfilled placeholder gets the rule's citation."""
    if rule.volume is None or rule.start_page is None:
        return e
    if e.citations and not all(c.placeholder or c.page is None for c in e.citations):
        return e
    cite = Citation(
        f"{rule.volume} FR {rule.start_page}",
        rule.volume,
        rule.start_page,
        rule.publication_date,
        placeholder=bool(e.citations),
    )
    return structs.replace(e, citations=(cite,))


class _ListRow:
    """What :func:`_reconcile` needs of a table entry's row: its number and lines."""

    __slots__ = ("entity", "row")

    def __init__(self, e: Entry) -> None:
        m = re.search(r"row (\d+)", e.source)
        self.row = int(m.group(1)) if m else 0
        self.entity = _Lines([e.name])


class _Lines:
    __slots__ = ("lines",)

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines


def _row_of(e: Entry) -> Any:
    return _ListRow(e)


def _moves(changes: list[Change], findings: list[Finding], doc: str) -> list[Change]:
    """A removal from one list and an addition to another of the same party (country
    and name) in one rule are one change: moved between lists (a "conforming
    removal" from the Unverified List of a party added to the Entity List)."""
    removals: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(changes):
        if c.action == REMOVE:
            removals.setdefault((country_key(c.country), name_key(c.name)), []).append(i)
    paired: dict[int, int] = {}  # addition -> removal
    for i, c in enumerate(changes):
        if c.action != ADD:
            continue
        left = removals.get((country_key(c.country), name_key(c.name)), [])
        other = next(
            (j for j in left if j not in paired.values() and changes[j].supplement != c.supplement),
            None,
        )
        if other is not None:
            paired[i] = other
    out: list[Change] = []
    taken = set(paired.values())
    for i, c in enumerate(changes):
        if i in taken:
            continue
        if i not in paired:
            out.append(c)
            continue
        removed = changes[paired[i]]
        out.append(
            structs.replace(
                c,
                action=MOVE_LIST,
                from_supplement=removed.supplement,
                instruction=" / ".join(t for t in (c.instruction, removed.instruction) if t),
            )
        )
        findings.append(
            Finding(
                INFO,
                "moved-between-lists",
                f"{c.name!r} is removed from {lists.label(removed.supplement)} and added to "
                f"{lists.label(c.supplement)} (instruction {c.instruction_label}): one change, "
                "moved between lists",
                f"{doc} instruction {removed.instruction_label}",
                c.name,
            )
        )
    return out


class _KnownNames:
    """Names the instructions quote, looked up by the first word of a table line.

    A table line "Name, address ..." is split where a quoted name ends; indexing
    the names by first word keeps that lookup constant-time per entry.
    """

    def __init__(self, targets: list[Target]) -> None:
        self.by_word: dict[str, list[tuple[str, str]]] = {}
        for t in targets:
            if t.name:
                key = name_key(t.name)
                word = key.split(" ", 1)[0]
                self.by_word.setdefault(word, []).append((country_key(t.country), t.name))

    def for_line(self, line: str, country_name: str) -> list[str]:
        word = name_key(line).split(" ", 1)[0]
        candidates = self.by_word.get(word, [])
        ckey = country_key(country_name)
        same = [n for c, n in candidates if c == ckey]
        return same or [n for _, n in candidates]


def _entry(
    te: TableEntry, known: _KnownNames, rule: Rule, findings: list[Finding], doc: str
) -> Entry:
    where = f"{doc} table row {te.row}"
    first = te.entity.lines[0] if te.entity.lines else ""
    cell = parse_entity_cell(te.entity.lines, known.for_line(first, te.country))
    for code, message, text in cell.problems:
        findings.append(Finding(WARNING, code, message, f"{where}, entity", text))
    if cell.name_split == "heuristic":  # (an ambiguous split is among the problems)
        findings.append(
            Finding(
                INFO,
                "name-address-split",
                f"name and address share a line; name read as {cell.name!r}",
                f"{where}, entity",
                te.entity.lines[0] if te.entity.lines else "",
            )
        )
    citations = _citations(clean_cell(te.citation), rule, findings, f"{where}, citation")
    heading, iso = country(te.country)
    return Entry(
        country=heading,
        country_code=iso,
        name=cell.name,
        aliases=tuple(cell.aliases),
        addresses=tuple(cell.addresses),
        license_requirement=clean_cell(te.license_requirement),
        license_review_policy=clean_cell(te.license_review_policy),
        citations=citations,
        footnotes=te.footnotes,
        listed_items=tuple(cell.listed_items),
        units=tuple(cell.units),
        notes=tuple(cell.notes),
        source=where,
    )


def _citations(text: str, rule: Rule, findings: list[Finding], where: str) -> tuple[Citation, ...]:
    """Parse a citation cell, completing "[INSERT FR PAGE NUMBER ...]" from the rule."""
    out = []
    for c in parse_citations(text):
        if not c.placeholder:
            out.append(c)
            continue
        if rule.volume is None or rule.start_page is None:
            findings.append(
                Finding(
                    WARNING,
                    "unresolved-placeholder",
                    "citation placeholder left unresolved: the rule's citation is unknown "
                    "(pass the Federal Register metadata with --meta)",
                    where,
                    c.raw,
                )
            )
            out.append(c)
            continue
        if c.volume is not None and c.volume != rule.volume:
            findings.append(
                Finding(
                    WARNING,
                    "placeholder-volume",
                    f"citation placeholder says volume {c.volume}, the rule is in volume "
                    f"{rule.volume}; resolved to {rule.volume} FR {rule.start_page}",
                    where,
                    c.raw,
                )
            )
        out.append(resolve_placeholder(c, rule.volume, rule.start_page, rule.publication_date))
    return tuple(out)


# ---------------------------------------------------------------------------
# Reconciliation


def _reconcile(
    targets: list[Target],
    table_entries: list[TableEntry],
    entries: list[Entry],
    findings: list[Finding],
    doc: str,
) -> list[Change]:
    """Pair every instruction target with a table entry, and every entry with a target."""
    index: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(entries):
        index.setdefault((country_key(e.country), name_key(e.name)), []).append(i)
    matched: dict[int, tuple[Target, str | None]] = {}
    keys = [(country_key(e.country), name_key(e.name)) for e in entries]
    unmatched_targets: list[Target] = []
    open_targets = [t for t in targets if t.open]
    targets = [t for t in targets if not t.open]
    for t in targets:
        key = (country_key(t.country), name_key(t.name))
        free = [i for i in index.get(key, []) if i not in matched]
        if free:
            printed = t.printed if t.printed and t.printed != t.name else None
            matched[free[0]] = (t, printed)
            continue
        unmatched_targets.append(t)
    removals: list[Change] = []
    # The entries still unpaired, by country: each fuzzy search reads only these.
    unpaired: dict[str, dict[int, str]] = {}
    for i, (ckey, nkey) in enumerate(keys):
        if i not in matched:
            unpaired.setdefault(ckey, {})[i] = nkey
    for t in unmatched_targets:
        where = f"{doc} instruction {t.label}"
        if t.action == REMOVE:
            removals.append(Change(REMOVE, t.country, t.name, None, _quote(t), t.label, None))
            continue
        near, score, other_country = _closest(t, unpaired)
        if near is not None:
            matched[near] = (t, t.name)
            del unpaired[keys[near][0]][near]
            e = entries[near]
            findings.append(
                Finding(
                    WARNING,
                    "name-mismatch",
                    f"instruction names {t.name!r}; the table prints {e.name!r} "
                    f"(similarity {score:.0f}%)"
                    + (f"; the table lists it under {e.country}" if other_country else ""),
                    where,
                    _quote(t),
                )
            )
            continue
        findings.append(
            Finding(
                ERROR,
                "instruction-without-entry",
                f"instruction to {t.action} {t.name!r} under {t.country or '?'} has no entry "
                "in the table",
                where,
                _quote(t),
            )
        )
    for i, e in enumerate(entries):
        if i in matched:
            continue
        for t in open_targets:
            if country_key(t.country) == country_key(e.country):
                matched[i] = (t, None)
                break
    implied = _implied_actions(targets)
    changes: list[Change] = []
    for i, e in enumerate(entries):
        te = table_entries[i]
        if i in matched:
            t, in_instruction = matched[i]
            changes.append(
                Change(
                    t.action,
                    e.country,
                    e.name,
                    e,
                    _quote(t),
                    t.label,
                    in_instruction,
                )
            )
            continue
        action = implied.get(country_key(e.country), ADD)
        findings.append(
            Finding(
                WARNING,
                "entry-without-instruction",
                f"table entry {e.name!r} under {e.country} is not named by any instruction; "
                f"read as {action!r}",
                f"{doc} table row {te.row}",
                te.entity.lines[0] if te.entity.lines else "",
            )
        )
        changes.append(Change(action, e.country, e.name, e, "", "", None))
    return changes + removals


def _closest(t: Target, unpaired: dict[str, dict[int, str]]) -> tuple[int | None, float, bool]:
    """The unpaired table entry closest in name to an instruction's name.

    ``unpaired`` holds the entries' name keys by country key.  Entries under the
    instruction's country are tried first, then the others.
    """
    want = name_key(t.name)
    ckey = country_key(t.country)
    for same_country in (True, False):
        if same_country:
            choices = unpaired.get(ckey, {})
        else:
            choices = {i: k for c, ks in unpaired.items() if c != ckey for i, k in ks.items()}
        if not choices:
            continue
        hit = process.extractOne(want, choices, scorer=fuzz.ratio, score_cutoff=_FUZZY_NAME_MIN)
        if hit is not None:
            _, score, i = hit
            return (int(i), float(score), not same_country)
    return (None, 0.0, False)


def _duplicates(changes: list[Change], doc: str) -> list[Finding]:
    """The same entry twice in one rule (same action, country and name): a finding each."""
    seen: dict[tuple[str, str, str], Change] = {}
    out = []
    for c in changes:
        key = (c.action, country_key(c.country), name_key(c.name))
        if key in seen:
            where = c.entry.source if c.entry else f"{doc} instruction {c.instruction_label}"
            out.append(
                Finding(
                    WARNING,
                    "duplicate-entry",
                    f"the rule {c.action}s {c.name!r} under {c.country} more than once",
                    where,
                    c.name,
                )
            )
        seen.setdefault(key, c)
    return out


def _implied_actions(targets: list[Target]) -> dict[str, str]:
    """Per country key, the one action its instructions take (where there is just one)."""
    actions: dict[str, set[str]] = {}
    for t in targets:
        actions.setdefault(country_key(t.country), set()).add(t.action)
    return {k: next(iter(v)) for k, v in actions.items() if len(v) == 1}


def _check_claims(claims: Claims, changes: list[Change], doc: str) -> list[Finding]:
    """Compare the SUMMARY's claims with the changes read; each difference is a finding."""
    out: list[Finding] = []
    where = f"{doc} SUMMARY"
    adds = [c for c in changes if c.action == ADD]

    def check(label: str, claimed: int | None, found: int) -> None:
        if claimed is not None and claimed != found:
            out.append(
                Finding(
                    WARNING,
                    "claim-mismatch",
                    f"SUMMARY claims {claimed} {label}; the rule's instructions and table "
                    f"give {found}",
                    where,
                    claims.text,
                )
            )

    check("entities added", claims.entities_added, len({name_key(c.name) for c in adds}))
    check("entries added", claims.entries_added, len(adds))
    check("entries revised", claims.entries_revised, sum(c.action == REVISE for c in changes))
    check("entries removed", claims.entries_removed, sum(c.action == REMOVE for c in changes))
    if claims.added_by_destination:
        found = Counter(country_key(c.country) for c in adds)
        claimed = {country_key(k): v for k, v in claims.added_by_destination}
        for k in sorted(set(found) | set(claimed)):
            if claimed.get(k, 0) != found.get(k, 0):
                out.append(
                    Finding(
                        WARNING,
                        "claim-mismatch",
                        f"SUMMARY claims {claimed.get(k, 0)} additions under {k.upper()}; "
                        f"the rule gives {found.get(k, 0)}",
                        where,
                        claims.text,
                    )
                )
    return out
