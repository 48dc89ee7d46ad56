"""Rendering: Markdown, CSV and HTML from frdiff's model objects.

Every renderer is a pure function from model objects to text; nothing here reads
documents, touches the network or writes files.  Text that comes from documents is
never trusted:

- HTML goes through jinja2 with autoescaping on (templates in ``templates/`` at the
  repository's top level, or ``$FRDIFF_TEMPLATES``); the page carries a
  Content-Security-Policy that allows nothing but its own inline style and script,
  named by their sha256 hashes computed at render time.
- Markdown escapes the characters that would make a name a link, an emphasis, a table
  cell boundary or raw HTML.
- CSV cells that a spreadsheet would read as a formula get a leading apostrophe.

Single commands use :func:`diff_markdown`, :func:`diff_csv` and
:func:`changeset_markdown`; the weekly report uses :func:`render_html`,
:func:`render_markdown` and :func:`render_csv` (its JSON is
``WeeklyReport.to_dict()``).
"""

from __future__ import annotations

import base64
import csv
import difflib
import hashlib
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from frdiff import __version__
from frdiff.errors import UsageError
from frdiff.ids import is_document_number
from frdiff.model import (
    ADD,
    LIST_FIELDS,
    REMOVE,
    REVISE,
    Change,
    ChangeSet,
    Citation,
    Claims,
    Diff,
    Entry,
    EntryDiff,
    FieldChange,
    Finding,
)
from frdiff.normalize import country as canonical_country
from frdiff.normalize import name_key

if TYPE_CHECKING:
    from frdiff.weekly import WeeklyReport

__all__ = [
    "CSV_COLUMNS",
    "FR_DOC_URL",
    "changeset_markdown",
    "claim_rows",
    "content_security_policy",
    "diff_csv",
    "diff_markdown",
    "fr_link",
    "render_csv",
    "render_html",
    "render_markdown",
    "templates_dir",
    "word_diff",
]

FR_DOC_URL = "https://www.federalregister.gov/d/{}"

#: Past-tense labels for a rule's actions, as a spreadsheet user reads them.
ACTION_LABELS = {ADD: "added", REVISE: "revised", REMOVE: "removed"}
FIELD_LABELS = {
    "country": "Country",
    "name": "Name",
    "aliases": "Aliases",
    "addresses": "Addresses",
    "license_requirement": "License requirement",
    "license_review_policy": "License review policy",
    "citations": "Federal Register citations",
    "footnotes": "Footnotes",
    "listed_items": "Listed items",
    "notes": "Notes",
}


# ---------------------------------------------------------------------------
# Small shared helpers


def fr_link(document_number: str | None) -> str | None:
    """The Federal Register short link of a document number, or None when it is not one.

    Document numbers come from documents, so only the known shapes ("2025-05427",
    legacy "E9-12940", corrections "C1-2026-16628") become links.
    """
    if not document_number or not is_document_number(document_number):
        return None
    return FR_DOC_URL.format(quote(document_number, safe="-"))


def _item_text(value: Any) -> str:
    if isinstance(value, Citation):
        if value.placeholder and value.page is not None:
            # The rule printed "[INSERT FR PAGE NUMBER ...]"; say what it resolves to.
            return f"{value.label()} (printed “{value.raw}”)"
        return value.raw or value.label()
    return str(value)


def _citations_text(citations: Iterable[Citation]) -> str:
    return " ".join(_item_text(c) for c in citations)


def _field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def _country_code(entry: Entry) -> str:
    return entry.country_code or canonical_country(entry.country)[1] or ""


def field_change_text(fc: FieldChange) -> str:
    """One field change as plain text: "License review policy: 'A' -> 'B'"."""
    label = _field_label(fc.field)
    if fc.is_list:
        parts = [f"+{_item_text(x)}" for x in fc.added] + [f"-{_item_text(x)}" for x in fc.removed]
        return f"{label}: " + "; ".join(parts)
    return f"{label}: {fc.old or ''!r} -> {fc.new or ''!r}"


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences between two texts as (op, text) segments.

    ``op`` is "same", "del" or "ins"; whitespace travels with the word before it so
    the segments joined by op give back each text exactly.
    """
    a = re.findall(r"\S+\s*|\s+", old or "")
    b = re.findall(r"\S+\s*|\s+", new or "")
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(("del", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("ins", "".join(b[j1:j2])))
    return out


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One line of "what the SUMMARY says" against "what was parsed"."""

    label: str
    claimed: int | None
    parsed: int

    @property
    def agrees(self) -> bool | None:
        """None when the SUMMARY is silent on this count."""
        return None if self.claimed is None else self.claimed == self.parsed


def claim_rows(cs: ChangeSet) -> list[ClaimRow]:
    """The SUMMARY's claims of a rule next to the counts parsed from its instructions.

    "Entities" counts distinct names (one entity may be listed under several
    countries); "entries" counts table rows.  Every destination the SUMMARY names or
    the rule adds under gets a row.
    """
    claims: Claims = cs.claims
    adds = [c for c in cs.changes if c.action == ADD]
    counts = cs.counts()
    rows = [
        ClaimRow("Entities added", claims.entities_added, len({name_key(c.name) for c in adds})),
        ClaimRow("Entries added", claims.entries_added, len(adds)),
        ClaimRow("Entries revised", claims.entries_revised, counts[REVISE]),
        ClaimRow("Entries removed", claims.entries_removed, counts[REMOVE]),
    ]
    parsed_by_country: dict[str, int] = {}
    for c in adds:
        heading = canonical_country(c.country)[0]
        parsed_by_country[heading] = parsed_by_country.get(heading, 0) + 1
    claimed_by_country: dict[str, int] = {}
    for destination, n in claims.added_by_destination:
        heading = canonical_country(destination)[0]
        claimed_by_country[heading] = claimed_by_country.get(heading, 0) + n
    for heading in sorted(set(parsed_by_country) | set(claimed_by_country)):
        rows.append(
            ClaimRow(
                f"Added under {heading}",
                claimed_by_country.get(heading),
                parsed_by_country.get(heading, 0),
            )
        )
    # Rows the SUMMARY is silent on and that parsed nothing say nothing.
    return [r for r in rows if r.claimed is not None or r.parsed]


# ---------------------------------------------------------------------------
# Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&!{}])")


def md(text: Any) -> str:
    """Text from a document made inert in Markdown (and in Markdown's raw HTML).

    Backslash-escapes the characters that start emphasis, links, images, code, tables
    or HTML, and folds line breaks so a value cannot start a new block.
    """
    s = re.sub(r"\s+", " ", str(text if text is not None else "")).strip()
    return _MD_SPECIAL.sub(r"\\\1", s)


def _md_entry_lines(entry: Entry, *, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    if entry.aliases:
        lines.append(f"{indent}- Aliases: " + "; ".join(md(a) for a in entry.aliases))
    if entry.addresses:
        lines.append(f"{indent}- Addresses: " + "; ".join(md(a) for a in entry.addresses))
    if entry.listed_items:
        lines.append(f"{indent}- Listed items: " + "; ".join(md(a) for a in entry.listed_items))
    if entry.license_requirement:
        lines.append(f"{indent}- License requirement: {md(entry.license_requirement)}")
    if entry.license_review_policy:
        lines.append(f"{indent}- License review policy: {md(entry.license_review_policy)}")
    if entry.footnotes:
        lines.append(f"{indent}- Footnotes: " + ", ".join(str(n) for n in entry.footnotes))
    if entry.citations:
        lines.append(f"{indent}- Citations: {md(_citations_text(entry.citations))}")
    if entry.notes:
        lines.append(f"{indent}- Notes: " + "; ".join(md(n) for n in entry.notes))
    return lines


def _md_field_change(fc: FieldChange) -> str:
    label = _field_label(fc.field)
    if fc.is_list:
        parts = [f"added “{md(_item_text(x))}”" for x in fc.added]
        parts += [f"removed “{md(_item_text(x))}”" for x in fc.removed]
        return f"{label}: " + "; ".join(parts)
    return f"{label}: “{md(fc.old or '')}” → “{md(fc.new or '')}”"


def _md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(md(c) for c in row) + " |")
    return out


def _md_findings(findings: Sequence[Finding]) -> list[str]:
    out: list[str] = []
    for f in findings:
        where = f" ({md(f.where)})" if f.where else ""
        quote_ = f": “{md(f.text)}”" if f.text else ""
        out.append(f"- **{md(f.severity)}** `{f.code}`{where}: {md(f.message)}{quote_}")
    return out


def _md_diff_sections(diff: Diff, level: str = "###") -> list[str]:
    out: list[str] = []
    if diff.added:
        out += ["", f"{level} Added ({len(diff.added)})", ""]
        for e in diff.added:
            out.append(f"- **{md(e.name)}** ({md(e.country)})")
            out += _md_entry_lines(e)
    if diff.removed:
        out += ["", f"{level} Removed ({len(diff.removed)})", ""]
        for e in diff.removed:
            out.append(f"- **{md(e.name)}** ({md(e.country)})")
    if diff.modified:
        out += ["", f"{level} Modified ({len(diff.modified)})", ""]
        for d in diff.modified:
            out.append(f"- **{md(d.after.name)}** ({md(d.after.country)})")
            out += [f"  - {_md_field_change(fc)}" for fc in d.changes]
    if diff.renamed:
        out += ["", f"{level} Renamed ({len(diff.renamed)})", ""]
        for d in diff.renamed:
            out.append(
                f"- **{md(d.before.name)}** → **{md(d.after.name)}** ({md(d.after.country)})"
            )
            out += [f"  - {_md_field_change(fc)}" for fc in d.changes if fc.field != "name"]
    if diff.moved:
        out += ["", f"{level} Moved ({len(diff.moved)})", ""]
        for d in diff.moved:
            out.append(f"- **{md(d.after.name)}**: {md(d.before.country)} → {md(d.after.country)}")
            out += [f"  - {_md_field_change(fc)}" for fc in d.changes if fc.field != "country"]
    return out


def _md_diff_counts(diff: Diff) -> str:
    s = diff.summary()
    return (
        f"{s['added']} added, {s['removed']} removed, {s['modified']} modified, "
        f"{s['renamed']} renamed, {s['moved']} moved ({s['unchanged']} unchanged)"
    )


def _md_country_table(by_country: dict[str, dict[str, int]], kinds: Sequence[str]) -> list[str]:
    rows = [[c, *[str(v.get(k, 0)) for k in kinds]] for c, v in sorted(by_country.items())]
    return _md_table(["Country", *[k.capitalize() for k in kinds]], rows)


def diff_markdown(diff: Diff) -> str:
    """A Markdown account of a :class:`Diff` for ``frdiff diff --format md``."""
    old = md(diff.old_label or "old")
    new = md(diff.new_label or "new")
    out = [f"## Entity List changes: {old} → {new}", "", _md_diff_counts(diff)]
    by_country = diff.summary()["by_country"]
    if by_country:
        out += [
            "",
            *_md_country_table(by_country, ("added", "removed", "modified", "renamed", "moved")),
        ]
    out += _md_diff_sections(diff)
    if diff.findings:
        out += ["", f"### Findings ({len(diff.findings)})", "", *_md_findings(diff.findings)]
    return "\n".join(out) + "\n"


def _md_rule_head(cs: ChangeSet, level: str) -> list[str]:
    rule = cs.rule
    link = fr_link(rule.document_number)
    doc = md(rule.document_number)
    doc_ref = f"[{doc}](<{link}>)" if link else doc
    title = md(rule.title or "(untitled)")
    meta = [f"Document {doc_ref}"]
    if rule.citation:
        meta.append(md(rule.citation))
    if rule.publication_date:
        meta.append(f"published {md(rule.publication_date)}")
    if rule.effective_date:
        meta.append(f"effective {md(rule.effective_date)}")
    return [f"{level} {title}", "", ", ".join(meta)]


def _md_claims(cs: ChangeSet) -> list[str]:
    rows = claim_rows(cs)
    if not rows:
        return []
    table = []
    for r in rows:
        verdict = "—" if r.agrees is None else ("yes" if r.agrees else "**NO**")
        claimed = "—" if r.claimed is None else str(r.claimed)
        table.append(f"| {md(r.label)} | {claimed} | {r.parsed} | {verdict} |")
    return [
        "",
        "| SUMMARY claim | Says | Parsed | Agrees |",
        "|---|---|---|---|",
        *table,
    ]


def _md_change_item(c: Change, lead: str) -> list[str]:
    spelled = (
        f" (instruction spells it “{md(c.name_in_instruction)}”)" if c.name_in_instruction else ""
    )
    lines = [f"- {lead}{spelled}"]
    if c.entry is not None:
        lines += _md_entry_lines(c.entry)
    return lines


def _md_changes(cs: ChangeSet) -> list[str]:
    """The changes of a rule, grouped by action."""
    out: list[str] = []
    for action in (ADD, REVISE, REMOVE):
        changes = [c for c in cs.changes if c.action == action]
        if not changes:
            continue
        out += ["", f"**{ACTION_LABELS[action].capitalize()} ({len(changes)})**", ""]
        for c in changes:
            out += _md_change_item(c, f"**{md(c.name)}** ({md(c.country)})")
    return out


def _md_changes_by_country(cs: ChangeSet) -> list[str]:
    """The changes of a rule, one heading per country in the order the rule takes them."""
    out: list[str] = []
    for country_name in dict.fromkeys(c.country for c in cs.changes):
        changes = [c for c in cs.changes if c.country == country_name]
        out += ["", f"### {md(country_name or 'Country not stated')} ({len(changes)})", ""]
        for c in changes:
            out += _md_change_item(c, f"{ACTION_LABELS[c.action].capitalize()}: **{md(c.name)}**")
    return out


def changeset_markdown(cs: ChangeSet) -> str:
    """A Markdown account of one rule for ``frdiff rule --format md``, by country."""
    out = _md_rule_head(cs, "##")
    counts = cs.counts()
    out += [
        "",
        f"{counts['changes']} changes: {counts[ADD]} added, {counts[REVISE]} revised, "
        f"{counts[REMOVE]} removed.",
    ]
    out += _md_claims(cs)
    out += _md_changes_by_country(cs)
    if cs.findings:
        out += ["", f"### Findings ({len(cs.findings)})", "", *_md_findings(cs.findings)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# CSV

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
#: Separator between the items of a list field inside one cell.
LIST_SEPARATOR = " | "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell value a spreadsheet will show as text, never evaluate.

    Cells starting with = + - @ (or a tab / carriage return) get a leading apostrophe
    (the OWASP advice against CSV formula injection).
    """
    s = "" if value is None else str(value)
    if s.startswith(_FORMULA_START):
        return "'" + s
    return s


def _entry_cells(e: Entry) -> dict[str, str]:
    return {
        "country": e.country,
        "country_code": _country_code(e),
        "name": e.name,
        "aliases": LIST_SEPARATOR.join(e.aliases),
        "addresses": LIST_SEPARATOR.join(e.addresses),
        "license_requirement": e.license_requirement,
        "license_review_policy": e.license_review_policy,
        "citations": LIST_SEPARATOR.join(_item_text(c) for c in e.citations),
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
    rule = cs.rule
    base = {
        "source": "rule",
        "document_number": rule.document_number,
        "publication_date": rule.publication_date or "",
        "effective_date": rule.effective_date or "",
        "link": fr_link(rule.document_number) or "",
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


def _write_csv(rows: Iterable[dict[str, str]]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(row.get(k, "")) for k in CSV_COLUMNS})
    return buf.getvalue()


def diff_csv(diff: Diff) -> str:
    """One CSV row per changed entry of a :class:`Diff` (columns :data:`CSV_COLUMNS`)."""
    return _write_csv(_diff_rows(diff, "snapshot diff"))


def changeset_csv(cs: ChangeSet) -> str:
    """One CSV row per change a rule makes (columns :data:`CSV_COLUMNS`)."""
    return _write_csv(_changeset_rows(cs))


# ---------------------------------------------------------------------------
# Weekly report: Markdown and CSV


def _window_label(report: WeeklyReport) -> str:
    if report.week:
        return f"week {report.week} ({report.since} to {report.until})"
    return f"{report.since} to {report.until}"


def _diff_source_label(report: WeeklyReport) -> str:
    return "projected diff" if report.basis == "projected" else "snapshot diff"


def render_markdown(report: WeeklyReport) -> str:
    """The weekly report as Markdown, for e-mail and chat."""
    s = report.summary()
    rc = s["rule_changes"]
    out = [
        f"# Entity List changes, {md(_window_label(report))}",
        "",
        f"- Rules published: {s['rules']}",
        f"- Changes made by the rules: {rc['total']} ({rc['added']} added, "
        f"{rc['revised']} revised, {rc['removed']} removed)",
    ]
    if report.diff is not None:
        out.append(f"- {_diff_source_label(report).capitalize()}: {_md_diff_counts(report.diff)}")
    else:
        out.append("- Snapshot diff: not available")
    out.append(f"- Findings: {s['findings_total']}")
    for note in report.notes:
        out.append(f"- Note: {md(note)}")
    if s["by_country"]:
        kinds = ("rule_added", "rule_revised", "rule_removed", *_DIFF_KINDS)
        rows = [[c, *[str(v.get(k, 0)) for k in kinds]] for c, v in s["by_country"].items()]
        out += ["", "## By country", "", *_md_table(["Country", *_COUNTRY_HEADERS], rows)]
    out += ["", "## Rules"]
    if not report.rules:
        out += ["", "No Entity List rule was published in this window."]
    for cs in report.rules:
        out += ["", *_md_rule_head(cs, "###")]
        out += _md_claims(cs)
        out += _md_changes(cs)
        if cs.findings:
            out += ["", "Findings:", "", *_md_findings(cs.findings)]
    if report.diff is not None:
        before = md(report.before.date if report.before else "?")
        after = md(report.after.date if report.after else "?")
        title = "Projected list" if report.basis == "projected" else "Snapshot diff"
        out += ["", f"## {title}: {before} → {after}", "", _md_diff_counts(report.diff)]
        out += _md_diff_sections(report.diff)
    if report.findings:
        out += ["", f"## Findings ({len(report.findings)})", "", *_md_findings(report.findings)]
    if report.counterparties is not None:
        from frdiff.counterparties import counterparty_markdown

        out += counterparty_markdown(report.counterparties)
    return "\n".join(out) + "\n"


_DIFF_KINDS = ("added", "removed", "modified", "renamed", "moved")
_COUNTRY_HEADERS = (
    "Rule: added",
    "Rule: revised",
    "Rule: removed",
    "Diff: added",
    "Diff: removed",
    "Diff: modified",
    "Diff: renamed",
    "Diff: moved",
)


def weekly_rows(report: WeeklyReport) -> Iterator[dict[str, str]]:
    """The weekly report's changes as CSV rows: rule changes first, then the diff."""
    for cs in report.rules:
        yield from _changeset_rows(cs)
    if report.diff is not None:
        yield from _diff_rows(report.diff, _diff_source_label(report))
    if report.counterparties is not None:
        from frdiff.counterparties import counterparty_rows

        yield from counterparty_rows(report.counterparties)


def render_csv(report: WeeklyReport) -> str:
    """The weekly report as CSV: one row per change (columns :data:`CSV_COLUMNS`)."""
    return _write_csv(weekly_rows(report))


# ---------------------------------------------------------------------------
# HTML


def templates_dir() -> Path:
    """Where the templates live: ``$FRDIFF_TEMPLATES``, else ``frdiff/templates`` in an
    installed copy, else the repository's ``templates/`` (a checkout)."""
    override = os.environ.get("FRDIFF_TEMPLATES")
    if override:
        return Path(override)
    import frdiff

    package = Path(frdiff.__file__).resolve().parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


@cache
def _environment(directory: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        fr_link=fr_link,
        field_label=_field_label,
        item_text=_item_text,
        word_diff=word_diff,
        country_code=_country_code,
        citations_text=_citations_text,
        action_label=lambda a: ACTION_LABELS.get(a, a),
        field_change_text=field_change_text,
    )
    return env


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    """The report's policy: nothing loads; only the given inline style and script run."""
    return (
        "default-src 'none'; "
        f"style-src {_csp_hash(style)}; "
        f"script-src {_csp_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _read_asset(directory: Path, name: str) -> str:
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("template asset not found", where=str(path)) from None
    if "</" in text:
        # The asset is inlined in a raw-text element: "</" could close it early.
        raise UsageError("inline asset must not contain '</'", where=str(path))
    return text


def _rule_index(report: WeeklyReport) -> dict[tuple[str, str], list[str]]:
    """(country heading, name key) -> document numbers of the window's rules naming it."""
    index: dict[tuple[str, str], list[str]] = {}
    for cs in report.rules:
        for c in cs.changes:
            key = (canonical_country(c.country)[0], name_key(c.name))
            index.setdefault(key, []).append(cs.rule.document_number)
    return index


def render_html(report: WeeklyReport) -> str:
    """The weekly report as one self-contained HTML page (no external assets)."""
    directory = templates_dir()
    style = _read_asset(directory, "report.css")
    script = _read_asset(directory, "report.js")
    env = _environment(str(directory))
    template = env.get_template("report.html.j2")
    index = _rule_index(report)

    def rules_for(entry: Entry) -> list[str]:
        return index.get((canonical_country(entry.country)[0], name_key(entry.name)), [])

    countries = sorted(
        {canonical_country(c.country)[0] for cs in report.rules for c in cs.changes}
        | (
            {e.country for e in (*report.diff.added, *report.diff.removed)}
            | {
                d.after.country
                for d in report.diff.modified + report.diff.renamed + report.diff.moved
            }
            if report.diff is not None
            else set()
        )
    )
    return str(
        template.render(
            report=report,
            summary=report.summary(),
            window_label=_window_label(report),
            diff_kinds=_DIFF_KINDS,
            country_headers=_COUNTRY_HEADERS,
            countries=countries,
            claim_rows=claim_rows,
            rules_for=rules_for,
            list_fields=LIST_FIELDS,
            style=style,
            script=script,
            csp=content_security_policy(style, script),
            version=__version__,
            actions=(ADD, REVISE, REMOVE),
            canonical_country=lambda c: canonical_country(c)[0],
            country_code_of=lambda c: canonical_country(c)[1] or "",
        )
    )
