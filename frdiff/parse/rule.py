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
from typing import Any

from lxml import etree
from rapidfuzz import fuzz

from frdiff.errors import ParseError
from frdiff.model import (
    ADD,
    ERROR,
    INFO,
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
    country,
    country_key,
    name_key,
    parse_citations,
    parse_date,
    resolve_placeholder,
)
from frdiff.parse.cells import parse_entity_cell
from frdiff.parse.claims import parse_claims
from frdiff.parse.instructions import Target, parse_instructions
from frdiff.parse.table import Table, TableEntry, clean_cell, read_table
from frdiff.parse.xml import MAX_DOCUMENT_BYTES, load, local, text_of

_DOC_ROOTS = {"RULE", "PRORULE", "NOTICE", "CORRECT", "PRESDOCU"}
_FRDOC = re.compile(r"FR\s+Doc\.?\s*(?P<num>[A-Z]?\d{1,4}-\d{3,6})", re.I)
_DOC_NUMBER = re.compile(r"^(?:\d{4}-\d{5}|[A-Z]\d-\d{3,6}|\d{2}-\d{3,6})$")
_FUZZY_NAME_MIN = 80


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
    doc_el = _document_element(root, where)
    findings: list[Finding] = []
    rule = _read_rule(doc_el, meta or {}, findings, where)
    doc = rule.document_number or where
    claims = _read_claims(doc_el)
    paragraphs = [text_of(a) for a in doc_el.iter("AMDPAR")]
    parsed = parse_instructions(paragraphs, doc=doc)
    findings.extend(parsed.findings)
    tables = _supplement4_tables(doc_el)
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
    if not parsed.amends_supplement4 and not table.entries:
        findings.append(
            Finding(
                INFO,
                "no-entity-list-changes",
                "this document does not amend Supplement No. 4 to Part 744 (the Entity List)",
                doc,
            )
        )
    entries = [_entry(te, parsed.targets, rule, findings, doc) for te in table.entries]
    changes = _reconcile(parsed.targets, table.entries, entries, findings, doc)
    findings.extend(_check_claims(claims, changes, doc))
    accounting = {
        "instructions": len(parsed.instructions),
        "instructions_supplement4": sum(
            1 for i in parsed.instructions if i.target == "supplement4"
        ),
        "instructions_other": sum(1 for i in parsed.instructions if i.target != "supplement4"),
        "instruction_targets": len(parsed.targets),
        "table_rows": sum(table.rows.values()),
        **{f"rows_{k}": v for k, v in sorted(table.rows.items())},
        "tables_other": len(_all_tables(doc_el)) - len(tables),
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
    m = _FRDOC.search(re.sub(r"[\u2010-\u2015\u2212]", "-", frdoc))
    number = m.group("num") if m else ""
    meta_number = str(meta.get("document_number") or "")
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
    if number and not _DOC_NUMBER.match(number):
        findings.append(
            Finding(WARNING, "document-number", "unusual document number", where, number)
        )
    title = _first_text(doc_el, ".//PREAMB/SUBJECT") or str(meta.get("title") or "")
    docket = re.sub(
        r"^\[?\s*Docket\s+No\.?\s*|\]$", "", _first_text(doc_el, ".//DEPDOC"), flags=re.I
    )
    rin = re.sub(r"^RIN\s*", "", _first_text(doc_el, ".//PREAMB/RIN"), flags=re.I)
    action = _first_text(doc_el, ".//ACT/P") or str(meta.get("action") or "") or None
    dates_text = _first_text(doc_el, ".//EFFDATE") or _first_text(doc_el, ".//DATES")
    effective = parse_date(dates_text) or meta.get("effective_on")
    pub = meta.get("publication_date")
    volume = meta.get("volume")
    start = meta.get("start_page")
    end = meta.get("end_page")
    pages = [int(p.get("P", "0")) for p in doc_el.iter("PRTPAGE") if p.get("P", "").isdigit()]
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
    citation = meta.get("citation") or (f"{volume} FR {start}" if volume and start else None)
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
        html_url=meta.get("html_url")
        or (f"https://www.federalregister.gov/d/{number}" if number else None),
    )


def _first_meta(meta: dict[str, Any], key: str, prefix: str) -> str | None:
    values = meta.get(key) or []
    if not values:
        return None
    return str(values[0]).removeprefix(prefix)


def _read_claims(doc_el: etree._Element) -> Claims:
    summary = doc_el.find(".//SUM")
    if summary is None:
        return Claims()
    text = " ".join(text_of(p) for p in summary.iter("P"))
    return parse_claims(text)


# ---------------------------------------------------------------------------
# Tables


def _all_tables(doc_el: etree._Element) -> list[etree._Element]:
    return [t for t in doc_el.iter("GPOTABLE")]


def _supplement4_tables(doc_el: etree._Element) -> list[etree._Element]:
    """The GPOTABLEs that print Supplement No. 4 entries.

    A table belongs to the supplement named by the nearest heading or
    instruction before it; a table with the Entity List's five columns and no
    such context is taken too.
    """
    chosen = []
    context = ""
    for el in doc_el.iter():
        tag = local(el.tag)
        if tag in ("HD", "AMDPAR", "SECTNO", "SUBJECT"):
            t = text_of(el)
            m = re.search(r"supplement\s+no\.?\s*(\d+)", t, re.I)
            if m:
                context = m.group(1)
            elif tag == "SECTNO":
                context = "section"
        elif tag == "GPOTABLE":
            heads = " ".join(text_of(c) for c in el.iter("CHED")).casefold()
            looks = "entity" in heads or "license" in heads or not heads.strip()
            if context == "4" or (context == "" and looks and "entity" in heads):
                chosen.append(el)
    return chosen


def _entry(
    te: TableEntry, targets: list[Target], rule: Rule, findings: list[Finding], doc: str
) -> Entry:
    where = f"{doc} table row {te.row}"
    ckey = country_key(te.country)
    known = [t.name for t in targets if country_key(t.country) == ckey] or [t.name for t in targets]
    cell = parse_entity_cell(te.entity.lines, known)
    for code, message, text in cell.problems:
        findings.append(Finding(WARNING, code, message, f"{where}, Entity", text))
    if cell.name_split == "heuristic":
        findings.append(
            Finding(
                INFO,
                "name-address-split",
                f"name and address share a line; name read as {cell.name!r}",
                f"{where}, Entity",
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
    for t in unmatched_targets:
        where = f"{doc} instruction {t.label}"
        if t.action == REMOVE:
            removals.append(Change(REMOVE, t.country, t.name, None, t.text, t.label, None))
            continue
        near, score, other_country = _closest(t, entries, matched)
        if near is not None:
            matched[near] = (t, t.name)
            e = entries[near]
            findings.append(
                Finding(
                    WARNING,
                    "name-mismatch",
                    f"instruction names {t.name!r}; the table prints {e.name!r} "
                    f"(similarity {score:.0f}%)"
                    + (f"; the table lists it under {e.country}" if other_country else ""),
                    where,
                    t.text,
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
                t.text,
            )
        )
    for i, e in enumerate(entries):
        if i in matched:
            continue
        for t in open_targets:
            if country_key(t.country) == country_key(e.country):
                matched[i] = (t, None)
                break
    changes: list[Change] = []
    for i, e in enumerate(entries):
        te = table_entries[i]
        if i in matched:
            t, in_instruction = matched[i]
            changes.append(Change(t.action, e.country, e.name, e, t.text, t.label, in_instruction))
            continue
        action = _implied_action(targets, e.country)
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


def _closest(
    t: Target, entries: list[Entry], matched: dict[int, Any]
) -> tuple[int | None, float, bool]:
    """The unmatched table entry closest in name to an instruction's name."""
    want = name_key(t.name)
    ckey = country_key(t.country)
    best: tuple[int | None, float, bool] = (None, 0.0, False)
    for same_country in (True, False):
        for i, e in enumerate(entries):
            if i in matched or (country_key(e.country) == ckey) != same_country:
                continue
            score = fuzz.ratio(want, name_key(e.name))
            if score > best[1]:
                best = (i, score, not same_country)
        if best[0] is not None and best[1] >= _FUZZY_NAME_MIN:
            return best
    return (None, best[1], False)


def _implied_action(targets: list[Target], country_name: str) -> str:
    actions = {t.action for t in targets if country_key(t.country) == country_key(country_name)}
    return actions.pop() if len(actions) == 1 else ADD


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
