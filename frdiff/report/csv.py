"""CSV: one row per change, for spreadsheets.

The file starts with a UTF-8 byte-order mark, so that Excel reads "’ § —" as
written; cells a spreadsheet would read as a formula get a leading apostrophe
(the OWASP advice against CSV formula injection).  The weekly file has one row per
reconciled change (:mod:`frdiff.reconcile`): the rows, counted by ``change`` and
``evidence``, give the report's headline counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from frdiff import lists
from frdiff.model import ChangeSet, Diff, Entry, EntryDiff
from frdiff.normalize import country as canonical_country
from frdiff.report.common import (
    ACTION_LABELS,
    change_list_label,
    country_code,
    field_change_text,
    fr_link,
    item_text,
)

if TYPE_CHECKING:
    from frdiff.reconcile import ReconciledChange
    from frdiff.weekly import WeeklyReport

#: The byte-order mark every CSV file starts with.
BOM = "\ufeff"

CSV_COLUMNS = (
    "source",
    "document_number",
    "publication_date",
    "effective_date",
    "change",
    "country",
    "country_code",
    "name",
    "previous_name",
    "previous_country",
    "aliases",
    "addresses",
    "license_requirement",
    "license_review_policy",
    "citations",
    "fields_changed",
    "details",
    "link",
)
#: The weekly file's columns: one reconciled change a row.
WEEKLY_COLUMNS = (
    "change",
    "evidence",
    "significance",
    "country",
    "country_code",
    "name",
    "previous_name",
    "previous_country",
    "rules",
    "effective_date",
    "license_requirement",
    "license_review_policy",
    "policy",
    "footnotes",
    "citations",
    "citation_group",
    "aliases",
    "addresses",
    "fields_changed",
    "details",
    "link",
    "list",
    "moved_between_lists",
)
#: Separator between the items of a list field inside one cell.
LIST_SEPARATOR = " | "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell value a spreadsheet will show as text, never evaluate.

    Cells starting with = + - @ (or a tab / carriage return) get a leading apostrophe.
    """
    s = "" if value is None else str(value)
    if s.startswith(_FORMULA_START):
        return "'" + s
    return s


def _entry_cells(e: Entry) -> dict[str, str]:
    return {
        "country": e.country,
        "country_code": country_code(e),
        "name": e.name,
        "aliases": LIST_SEPARATOR.join(e.aliases),
        "addresses": LIST_SEPARATOR.join(e.addresses),
        "license_requirement": e.license_requirement,
        "license_review_policy": e.license_review_policy,
        "citations": LIST_SEPARATOR.join(item_text(c) for c in e.citations),
    }


def _diff_rows(diff: Diff, source: str) -> Iterator[dict[str, str]]:
    for e in diff.added:
        yield {"source": source, "change": "added", **_entry_cells(e)}
    for e in diff.removed:
        yield {"source": source, "change": "removed", **_entry_cells(e)}
    for kind in ("modified", "renamed", "moved"):
        pair: EntryDiff
        for pair in getattr(diff, kind):
            yield {
                "source": source,
                "change": kind,
                **_entry_cells(pair.after),
                "previous_name": pair.before.name if pair.before.name != pair.after.name else "",
                "previous_country": (
                    pair.before.country if pair.before.country != pair.after.country else ""
                ),
                "fields_changed": LIST_SEPARATOR.join(fc.field for fc in pair.changes),
                "details": "; ".join(field_change_text(fc) for fc in pair.changes),
            }


def _changeset_rows(cs: ChangeSet) -> Iterator[dict[str, str]]:
    r = cs.rule
    base = {
        "source": "rule",
        "document_number": r.document_number,
        "publication_date": r.publication_date or "",
        "effective_date": r.effective_date or "",
        "link": fr_link(r.document_number) or "",
    }
    for c in cs.changes:
        cells = _entry_cells(c.entry) if c.entry is not None else {"country": c.country}
        cells.setdefault("country_code", canonical_country(c.country)[1] or "")
        details = f"instruction names it “{c.name_in_instruction}”" if c.name_in_instruction else ""
        yield {
            **base,
            "change": ACTION_LABELS.get(c.action, c.action),
            **cells,
            "name": c.name,
            "details": details,
        }


def weekly_row(c: ReconciledChange, effective: dict[str, str]) -> dict[str, str]:
    """One reconciled change as a weekly CSV (and spreadsheet) row."""
    e = c.entry
    cells = _entry_cells(e) if e is not None else {"country": c.country, "name": c.name}
    d = c.to_dict()
    return {
        **cells,
        "change": c.kind,
        "evidence": c.evidence,
        "significance": LIST_SEPARATOR.join(c.significance),
        "country": c.country,
        "country_code": c.country_code,
        "name": c.name,
        "previous_name": d["previous_name"] or "",
        "previous_country": d["previous_country"] or "",
        "rules": LIST_SEPARATOR.join(c.rules),
        "effective_date": LIST_SEPARATOR.join(effective.get(doc, "") for doc in c.rules),
        "policy": c.policy,
        "footnotes": LIST_SEPARATOR.join(str(n) for n in e.footnotes) if e is not None else "",
        "citation_group": c.group,
        "fields_changed": LIST_SEPARATOR.join(fc.field for fc in c.fields),
        "details": "; ".join(field_change_text(fc) for fc in c.fields) or c.note,
        "link": LIST_SEPARATOR.join(fr_link(doc) or "" for doc in c.rules),
    }


def weekly_rows(report: WeeklyReport) -> Iterator[dict[str, str]]:
    """The weekly report's reconciled changes as rows (columns :data:`WEEKLY_COLUMNS`),
    list by list: each row says its list, and the move between lists of its party
    where a rule of the window moved it."""
    from frdiff.normalize import country_key, name_key

    effective = {cs.rule.document_number: cs.rule.effective_date or "" for cs in report.rules}
    for r in (report, *report.lists):
        on, moves = lists.label(r.supplement), r.moves()
        for c in r.reconciled.changes:
            move = moves.get((country_key(c.country), name_key(c.name)))
            yield {
                **weekly_row(c, effective),
                "list": on,
                "moved_between_lists": change_list_label(move) if move is not None else "",
            }
    if report.counterparties is not None:
        from frdiff.counterparties import counterparty_rows

        yield from counterparty_rows(report.counterparties)


def _write_csv(rows: Iterable[dict[str, str]], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    buf = io.StringIO(newline="")
    buf.write(BOM)
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(row.get(k, "")) for k in columns})
    return buf.getvalue()


def diff(d: Diff) -> str:
    """One CSV row per changed entry of a :class:`Diff` (columns :data:`CSV_COLUMNS`)."""
    return _write_csv(_diff_rows(d, "snapshot diff"))


def rule(cs: ChangeSet) -> str:
    """One CSV row per change a rule makes (columns :data:`CSV_COLUMNS`)."""
    return _write_csv(_changeset_rows(cs))


def weekly(report: WeeklyReport) -> str:
    """The weekly report as CSV: one row per reconciled change (:data:`WEEKLY_COLUMNS`)."""
    return _write_csv(weekly_rows(report), WEEKLY_COLUMNS)


def csl_audit(audit: Any) -> str:
    """A CSL audit (:class:`~frdiff.csl_audit.CslAudit`): see :mod:`frdiff.csl_report`."""
    from frdiff.csl_report import audit_csv

    return audit_csv(audit)
