"""The CSL audit as Markdown, CSV and HTML (its JSON is ``CslAudit.to_dict()``); the
format modules of :mod:`frdiff.report` render the ``csl_audit`` kind through these.

Counts by kind come first, then the rows, grouped by what they are.  Everything
from the CSL file or the list is untrusted: Markdown escapes it, HTML escapes it
(and the page carries a Content-Security-Policy that allows only its own hashed
inline style, nothing else), CSV cells a spreadsheet would evaluate start with an
apostrophe.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from html import escape

from frdiff import __version__
from frdiff.csl_audit import (
    CONVENTION,
    CONVENTIONS,
    CSL_ROW_KINDS,
    DIFFERENCE,
    DISAGREEMENT,
    KINDS,
    MISSING,
    AuditRow,
    CslAudit,
    ListAudit,
)
from frdiff.report.csv import csv_cell
from frdiff.report.markdown import md

__all__ = ["AUDIT_CSV_COLUMNS", "audit_csv", "audit_html", "audit_markdown"]

#: One CSV column per :class:`~frdiff.csl_audit.AuditRow` field, in its order.
AUDIT_CSV_COLUMNS = tuple(AuditRow.__struct_fields__)

KIND_LABELS = {
    "matched": "CSL rows matched to one entry",
    "country-rows": "CSL rows for an entity listed under several countries (convention)",
    "affiliate-row": "CSL rows for a part an entry names (convention)",
    "duplicate-row": "CSL rows repeating an entry another row matched",
    "not-on-list": "CSL rows not on the list (stale)",
    "missing-from-csl": "list entries missing from the CSL",
    "difference": "field differences on matched rows",
}


def _sections(la: ListAudit) -> list[tuple[str, list[AuditRow]]]:
    """The rows of one list, grouped for reading: disagreements first."""
    rows = la.rows
    diffs = [r for r in rows if r.kind == DIFFERENCE]
    return [
        ("CSL rows not on the list", [r for r in rows if r.kind == "not-on-list"]),
        (
            "CSL rows repeating an entry",
            [r for r in rows if r.kind == "duplicate-row" and r.verdict == DISAGREEMENT],
        ),
        ("List entries missing from the CSL", [r for r in rows if r.kind == MISSING]),
        ("Field differences: disagreements", [r for r in diffs if r.verdict == DISAGREEMENT]),
        (
            "CSL rows explained by conventions",
            [r for r in rows if r.kind in CSL_ROW_KINDS and r.verdict == CONVENTION],
        ),
        (
            "Field differences explained by conventions",
            [r for r in diffs if r.verdict == CONVENTION],
        ),
        ("CSL rows matched", [r for r in rows if r.kind == "matched"]),
    ]


def _who(r: AuditRow) -> tuple[str, str]:
    csl = f"{r.csl_name} (CSL row {r.csl_row})" if r.csl_row is not None else ""
    entry = f"{r.entry_name} ({r.country}; {r.entry_source})" if r.entry_name else ""
    return csl, entry


def _note(r: AuditRow) -> str:
    if r.convention:
        return f"{r.convention}: {r.message}"
    return r.message


def _counts_table(audit: CslAudit) -> list[tuple[str, list[int]]]:
    per = [la.counts() for la in audit.lists]
    lines = [
        ("CSL rows", [p["csl_rows"] for p in per]),
        ("accounted", [p["accounted"] for p in per]),
    ]
    lines += [
        (f"CSL rows: {v}", [p["csl_rows_by_verdict"][v] for p in per])
        for v in ("match", "convention", "disagreement")
    ]
    lines += [(k, [p[k] for p in per]) for k in KINDS]
    lines.append(("disagreements", [p["disagreements"] for p in per]))
    return lines


def _head_lines(audit: CslAudit) -> list[str]:
    f = audit.csl
    records = f"{f.records} records" + ("" if f.complete else ", INCOMPLETE")
    dated = f"{f.date} ({f.date_from})" if f.date else "undated"
    out = [
        f"CSL file: {f.source} ({f.format}, {dated}, {records})",
        f"List: {audit.against or '-'}"
        + (f" as of {audit.against_date}" if audit.against_date else ""),
    ]
    out += [f"{la.spec.title} digest: {la.digest}" for la in audit.lists]
    return out


# ---------------------------------------------------------------------------
# Markdown


def audit_markdown(audit: CslAudit) -> str:
    """The audit for e-mail and chat: counts, then every row by group."""
    out = ["# CSL audit", ""]
    out += [f"- {md(line)}" for line in _head_lines(audit)]
    out.append("")
    if not audit.csl.complete:
        out += ["**The CSL file is incomplete: this audit covers only the rows it holds.**", ""]
    titles = [la.spec.title for la in audit.lists]
    out += ["## Counts", "", "| Kind | " + " | ".join(md(t) for t in titles) + " |"]
    out.append("|---|" + "---:|" * len(titles))
    for label, values in _counts_table(audit):
        out.append(
            f"| {md(KIND_LABELS.get(label, label))} | " + " | ".join(map(str, values)) + " |"
        )
    out.append("")
    conventions = audit.summary()["conventions"]
    if conventions:
        out += ["| Convention | Rows | What it is |", "|---|---:|---|"]
        out += [f"| {md(k)} | {n} | {md(CONVENTIONS.get(k, ''))} |" for k, n in conventions.items()]
        out.append("")
    for la in audit.lists:
        out += [f"## {md(la.spec.title)} (Supplement No. {la.spec.supplement})", ""]
        for title, rows in _sections(la):
            out += [f"### {title} ({len(rows)})", ""]
            out += [_md_row(r) for r in rows]
            if rows:
                out.append("")
    findings = (*audit.csl.findings, *audit.findings)
    if findings:
        out += [f"## Findings ({len(findings)})", ""]
        for fi in findings:
            where = f" ({md(fi.where)})" if fi.where else ""
            out.append(f"- **{md(fi.severity)}** `{md(fi.code)}`{where}: {md(fi.message)}")
        out.append("")
    return "\n".join(out)


def _md_row(r: AuditRow) -> str:
    csl, entry = _who(r)
    parts = [f"**{md(csl)}**" if csl else "", md(entry)]
    line = " → ".join(p for p in parts if p)
    if r.kind == DIFFERENCE:
        line += f"; {md(r.field)}: CSL “{md(r.csl_value)}”, list “{md(r.list_value)}”"
    return f"- {line}: {md(_note(r))}"


# ---------------------------------------------------------------------------
# CSV


def audit_csv(audit: CslAudit) -> str:
    """Every audit row, one per line (columns :data:`AUDIT_CSV_COLUMNS`)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(AUDIT_CSV_COLUMNS)
    for r in audit.rows:
        writer.writerow([csv_cell(getattr(r, c)) for c in AUDIT_CSV_COLUMNS])
    return "\ufeff" + buf.getvalue()


# ---------------------------------------------------------------------------
# HTML

_STYLE = """body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:80rem;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;
vertical-align:top;text-align:left}td.n{text-align:right}.bad{background:#fff1f0}
.warn{background:#fff8e1;border:1px solid #e0b000;padding:.5rem 1rem}code{font-size:90%}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
@media (max-width:40rem){table{display:block;overflow-x:auto}}"""


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _h(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _html_rows(rows: Sequence[AuditRow]) -> Iterable[str]:
    yield "<table><tr><th>CSL row</th><th>List entry</th><th>Field</th><th>CSL</th><th>List</th><th>Why</th></tr>"
    for r in rows:
        csl, entry = _who(r)
        cls = ' class="bad"' if r.verdict == DISAGREEMENT else ""
        yield (
            f"<tr{cls}><td>{_h(csl)}</td><td>{_h(entry)}</td><td>{_h(r.field)}</td>"
            f"<td>{_h(r.csl_value)}</td><td>{_h(r.list_value)}</td><td>{_h(_note(r))}</td></tr>"
        )
    yield "</table>"


def audit_html(audit: CslAudit) -> str:
    """The audit as one self-contained page (no external assets, no script)."""
    csp = f"default-src 'none'; style-src {_csp_hash(_STYLE)}; base-uri 'none'; form-action 'none'"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # (the policy holds no double quote; its single quotes stay as they are)
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp, quote=False)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>CSL audit: {_h(audit.csl.source)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>CSL audit</h1><ul>",
        *(f"<li>{_h(line)}</li>" for line in _head_lines(audit)),
        "</ul>",
    ]
    if not audit.csl.complete:
        out.append(
            '<p class="warn">The CSL file is incomplete: this audit covers only the rows it holds.</p>'
        )
    out.append("<h2>Counts</h2><table><tr><th>Kind</th>")
    out += [f"<th>{_h(la.spec.title)}</th>" for la in audit.lists]
    out.append("</tr>")
    for label, values in _counts_table(audit):
        cells = "".join(f'<td class="n">{v}</td>' for v in values)
        out.append(f"<tr><td>{_h(KIND_LABELS.get(label, label))}</td>{cells}</tr>")
    out.append("</table>")
    conventions = audit.summary()["conventions"]
    if conventions:
        out.append("<table><tr><th>Convention</th><th>Rows</th><th>What it is</th></tr>")
        out += [
            f'<tr><td><code>{_h(k)}</code></td><td class="n">{n}</td><td>{_h(CONVENTIONS.get(k, ""))}</td></tr>'
            for k, n in conventions.items()
        ]
        out.append("</table>")
    for la in audit.lists:
        out.append(f"<h2>{_h(la.spec.title)} (Supplement No. {la.spec.supplement})</h2>")
        for i, (title, rows) in enumerate(_sections(la)):
            opened = " open" if i < 4 else ""
            out.append(f"<details{opened}><summary>{_h(title)} ({len(rows)})</summary>")
            if rows:
                out += list(_html_rows(rows))
            out.append("</details>")
    findings = (*audit.csl.findings, *audit.findings)
    if findings:
        out.append(f"<h2>Findings ({len(findings)})</h2><ul>")
        out += [
            f"<li><strong>{_h(f.severity)}</strong> <code>{_h(f.code)}</code> {_h(f.where)}: {_h(f.message)}</li>"
            for f in findings
        ]
        out.append("</ul>")
    out.append(f"<footer><p>frdiff {_h(__version__)}</p></footer></body></html>")
    return "\n".join(out) + "\n"
