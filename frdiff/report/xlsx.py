"""A spreadsheet (XLSX, written by XlsxWriter): one sheet per kind of change.

Each sheet has a header row, frozen, with an autofilter over its columns; the
cells are the weekly CSV's (:data:`frdiff.report.csv.WEEKLY_COLUMNS`), written as
strings, so nothing a document holds is ever read as a formula.  A "Summary"
sheet comes first with the headline.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from frdiff.report.common import KIND_LABELS

if TYPE_CHECKING:
    from frdiff.weekly import WeeklyReport


def weekly(report: WeeklyReport) -> bytes:
    """The weekly report's changes as an XLSX workbook (bytes)."""
    import xlsxwriter

    from frdiff.report.csv import WEEKLY_COLUMNS, weekly_rows

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    summary = book.add_worksheet("Summary")
    summary.set_column(0, 0, 120)
    for i, line in enumerate(report.headline()):
        summary.write_string(i, 0, line)
    rows = list(weekly_rows(report))
    for kind, label in KIND_LABELS.items():
        mine = [r for r in rows if r["change"] == kind]
        if not mine:
            continue
        sheet = book.add_worksheet(label[:31])
        for col, name in enumerate(WEEKLY_COLUMNS):
            sheet.write_string(0, col, name, bold)
        for r, row in enumerate(mine, start=1):
            for col, name in enumerate(WEEKLY_COLUMNS):
                sheet.write_string(r, col, row.get(name, "") or "")
        sheet.autofilter(0, 0, len(mine), len(WEEKLY_COLUMNS) - 1)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, len(WEEKLY_COLUMNS) - 1, 22)
    book.close()
    return buf.getvalue()
