"""Renderings of a :class:`~frdiff.screening.ScreenResult`: CSV, Markdown, HTML, XLSX.

JSON is ``ScreenResult.to_dict()``.  Text from the list or the parties file is
untrusted: HTML is escaped, Markdown escaped, CSV and XLSX cells a spreadsheet
would read as a formula start with an apostrophe.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from typing import Any

from frdiff.report import csv_cell, md
from frdiff.screening import Match, ScreenResult

__all__ = ["screen_csv", "screen_html", "screen_markdown", "screen_xlsx"]

COLUMNS = (
    "party_id",
    "party_name",
    "party_row",
    "score",
    "exact",
    "matched",
    "matched_text",
    "country",
    "entry_name",
    "aliases",
    "addresses",
    "license_requirement",
    "license_review_policy",
    "citations",
    "explanation",
    "list",
)


def _row(m: Match) -> dict[str, Any]:
    e = m.entry
    return {
        "party_id": m.party.id,
        "party_name": m.party.name,
        "party_row": m.party.row,
        "score": round(m.score, 1),
        "exact": "yes" if m.exact else "no",
        "matched": m.matched,
        "matched_text": m.matched_text,
        "country": e.country,
        "entry_name": e.name,
        "aliases": "; ".join(e.aliases),
        "addresses": "; ".join(e.addresses),
        "license_requirement": e.license_requirement,
        "license_review_policy": e.license_review_policy,
        "citations": "; ".join(c.label() for c in e.citations),
        "explanation": m.explanation,
        "list": m.list_label(),
    }


def _rows(result: ScreenResult) -> Iterator[dict[str, Any]]:
    for m in result.matches:
        yield _row(m)


def screen_csv(result: ScreenResult) -> str:
    """One row per match."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in _rows(result):
        w.writerow({k: csv_cell(v) for k, v in row.items()})
    return out.getvalue()


def _headline(result: ScreenResult) -> str:
    s = result.summary()
    info = result.list_info
    return (
        f"{s['parties']} parties screened against {info.get('source')} "
        f"(as of {info.get('date')}): {s['parties_matched']} matched, {s['matches']} match(es), "
        f"{s['exact']} exact; threshold {s['threshold']:g}"
    )


def screen_markdown(result: ScreenResult) -> str:
    """A table of the matches, best first for each party."""
    lines = ["# Screening against the Entity List", "", md(_headline(result)), ""]
    for missing in result.list_info.get("not_screened", ()):
        lines += [f"Not screened: {md(missing)}", ""]
    if not result.matches:
        lines += ["No party matched.", ""]
        return "\n".join(lines)
    lines += [
        "| Party | Score | Matched | Entry | Country | License requirement | Citations | List |",
        "|---|---:|---|---|---|---|---|---|",
    ]
    for m in result.matches:
        r = _row(m)
        lines.append(
            f"| {md(r['party_name'])} (id {md(r['party_id'])}, row {r['party_row']}) "
            f"| {r['score']:g}{' exact' if m.exact else ''} | {md(r['matched'])}: "
            f"{md(r['matched_text'])} | {md(r['entry_name'])} | {md(r['country'])} "
            f"| {md(r['license_requirement'])} | {md(r['citations'])} | {md(r['list'])} |"
        )
    lines.append("")
    return "\n".join(lines)


def screen_html(result: ScreenResult) -> str:
    """A self-contained page (no script, no external asset) with the matches' table."""
    esc = html.escape
    head = "".join(f"<th>{esc(c.replace('_', ' '))}</th>" for c in COLUMNS)
    body = []
    for row in _rows(result):
        body.append("<tr>" + "".join(f"<td>{esc(str(row[c]))}</td>" for c in COLUMNS) + "</tr>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        "<title>Screening against the Entity List</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}</style>"
        f"</head><body><h1>Screening against the Entity List</h1><p>{esc(_headline(result))}</p>"
        + (
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            if body
            else "<p>No party matched.</p>"
        )
        + "</body></html>\n"
    )


def _info_text(value: Any) -> str:
    """A value of the list information as one cell: lists joined, a list's entry named."""
    if isinstance(value, list):
        return "; ".join(
            f"{v['name']}: {v['entries']} entries ({v['source']})"
            if isinstance(v, dict)
            else str(v)
            for v in value
        )
    return str(value)


def screen_xlsx(result: ScreenResult) -> bytes:
    """A workbook: a "matches" sheet (one row per match) and a "list" sheet (provenance)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("matches")
    sheet.append(list(COLUMNS))
    for row in _rows(result):
        sheet.append([csv_cell(row[c]) if isinstance(row[c], str) else row[c] for c in COLUMNS])
    about = book.create_sheet("list")
    for key, value in result.list_info.items():
        about.append([key, csv_cell(_info_text(value))])
    for key, value in result.summary().items():
        about.append([key, csv_cell(str(value))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
