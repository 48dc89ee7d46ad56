"""Markdown: the weekly report for e-mail and chat, and ``--format md`` of the commands.

Text from documents is made inert with :func:`md`: the characters that would make a
name a link, an emphasis, a table cell boundary or raw HTML are escaped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from frdiff import lists
from frdiff.model import (
    ADD,
    MOVE_LIST,
    REMOVE,
    REVISE,
    Change,
    ChangeSet,
    Diff,
    Entry,
    FieldChange,
    Finding,
    ListsDiff,
    Snapshot,
)
from frdiff.report.common import (
    ACTION_LABELS,
    EVIDENCE_LABELS,
    KIND_LABELS,
    SIGNIFICANCE_LABELS,
    change_list_label,
    citation_link,
    citations_text,
    claim_rows,
    ecfr_link,
    field_label,
    finding_groups,
    footnote_text,
    fr_link,
    item_text,
    shorten,
    window_label,
)

if TYPE_CHECKING:
    from frdiff.reconcile import ReconciledChange
    from frdiff.weekly import WeeklyReport

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
        lines.append(f"{indent}- Citations: {md(citations_text(entry.citations))}")
    if entry.notes:
        lines.append(f"{indent}- Notes: " + "; ".join(md(n) for n in entry.notes))
    return lines


def _md_field_change(fc: FieldChange) -> str:
    label = field_label(fc.field)
    if fc.is_list:
        parts = [f"added “{md(item_text(x))}”" for x in fc.added]
        parts += [f"removed “{md(item_text(x))}”" for x in fc.removed]
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
    spec = lists.SPECS.get(diff.supplement)
    title = spec.name if spec else lists.label(diff.supplement)
    out = [f"## {md(title)} changes: {old} → {new}", "", _md_diff_counts(diff)]
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


def diffs(both: ListsDiff) -> str:
    """Markdown for ``frdiff diff --supplement all``: the parties moved between lists,
    then each list's diff."""
    out = []
    if both.moved_between_lists:
        out += [f"## Moved between lists: {len(both.moved_between_lists)}", ""]
        out += [
            f"- {md(m.after.name)} ({md(m.after.country)}): from "
            f"{md(lists.label(m.from_supplement))} to {md(lists.label(m.to_supplement))}"
            for m in both.moved_between_lists
        ]
        out.append("")
    return "\n".join(out) + "\n".join(diff_markdown(d) for d in both.diffs)


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
    for action in (ADD, REVISE, REMOVE, MOVE_LIST):
        changes = [c for c in cs.changes if c.action == action]
        if not changes:
            continue
        out += ["", f"**{ACTION_LABELS[action].capitalize()} ({len(changes)})**", ""]
        for c in changes:
            out += _md_change_item(c, f"**{md(c.name)}** ({md(c.country)}{_on_list(c, ', ')})")
    return out


def _on_list(c: Change, lead: str) -> str:
    """The list a change is on, for a change of any list but the Entity List alone."""
    if c.supplement == lists.DEFAULT and c.action != MOVE_LIST:
        return ""
    return lead + md(change_list_label(c))


def _md_changes_by_country(cs: ChangeSet) -> list[str]:
    """The changes of a rule, one heading per country in the order the rule takes them."""
    out: list[str] = []
    for country_name in dict.fromkeys(c.country for c in cs.changes):
        changes = [c for c in cs.changes if c.country == country_name]
        out += ["", f"### {md(country_name or 'Country not stated')} ({len(changes)})", ""]
        for c in changes:
            label = ACTION_LABELS[c.action].capitalize()
            on = _on_list(c, " (") + (")" if _on_list(c, "") else "")
            out += _md_change_item(c, f"{label}: **{md(c.name)}**{on}")
    return out


def changeset_markdown(cs: ChangeSet) -> str:
    """A Markdown account of one rule for ``frdiff rule --format md``, by country."""
    out = _md_rule_head(cs, "##")
    counts = cs.counts()
    out += [
        "",
        f"{counts['changes']} changes: {counts[ADD]} added, {counts[REVISE]} revised, "
        f"{counts[REMOVE]} removed"
        + (f", {counts[MOVE_LIST]} moved between lists" if counts[MOVE_LIST] else "")
        + ".",
    ]
    out += _md_claims(cs)
    out += _md_changes_by_country(cs)
    if cs.findings:
        out += ["", f"### Findings ({len(cs.findings)})", "", *_md_findings(cs.findings)]
    return "\n".join(out) + "\n"


def snapshot(snap: Snapshot) -> str:
    """A short readable summary of a snapshot (``frdiff snapshot --format md``)."""
    by_country = Counter(e.country for e in snap.entries)
    spec = lists.SPECS.get(snap.supplement)
    lines = [
        f"# {spec.name if spec else lists.label(snap.supplement)} snapshot "
        f"{snap.date or ''}".rstrip(),
        "",
        f"Source: {snap.source or '-'}; {len(snap.entries)} entries from {snap.rows} table rows "
        f"under {len(by_country)} countries.",
        "",
        "| Country | Entries |",
        "|---|---:|",
        *(f"| {c} | {n} |" for c, n in sorted(by_country.items())),
        "",
    ]
    if snap.findings:
        lines += ["## Findings", ""]
        lines += [f"- **{f.severity}** `{f.code}` {f.where}: {f.message}" for f in snap.findings]
        lines.append("")
    return "\n".join(lines)


def _link(text: str, url: str | None) -> str:
    return f"[{text}](<{url}>)" if url else text


def _change_line(c: ReconciledChange, footnotes: dict[int, str]) -> list[str]:
    e = c.entry
    name = f"**{md(c.name)}**"
    if c.kind == "renamed" and c.before is not None:
        name = f"**{md(c.before.name)}** → {name}"
    where = md(c.country)
    if c.kind == "moved" and c.before is not None:
        where = f"{md(c.before.country)} → {where}"
    facts = [EVIDENCE_LABELS[c.evidence]]
    if c.rules:
        facts.append(", ".join(_link(md(d), fr_link(d)) for d in c.rules))
    facts.append(", ".join(SIGNIFICANCE_LABELS.get(t, t) for t in c.significance))
    if e is not None and e.license_review_policy and c.kind != "removed":
        from frdiff.reconcile import POLICY_TERMS

        facts.append(f"policy: {POLICY_TERMS[c.policy][0].lower()}")
    if e is not None and e.citations:
        facts.append(" ".join(_link(md(item_text(x)), citation_link(x)) for x in e.citations))
    if e is not None and e.footnotes:
        facts.append("; ".join(md(shorten(footnote_text(n, footnotes), 100)) for n in e.footnotes))
    lines = [f"- {name} ({where}): " + "; ".join(f for f in facts if f)]
    lines += [f"  - {_md_field_change(fc)}" for fc in c.fields]
    if c.note:
        lines.append(f"  - {md(shorten(c.note))}")
    return lines


def _md_findings_grouped(findings: Sequence[Finding]) -> list[str]:
    out: list[str] = []
    for code, group in finding_groups(findings):
        f = group[0]
        where = f" ({md(f.where)})" if f.where else ""
        quote_ = f": “{md(shorten(f.text))}”" if f.text else ""
        more = f" … and {len(group) - 1} more" if len(group) > 1 else ""
        out.append(
            f"- `{code}` × {len(group)} ({md(f.severity)}), e.g.{where}: {md(f.message)}{quote_}{more}"
        )
    return out


def weekly(report: WeeklyReport) -> str:
    """The weekly report as Markdown, for e-mail and chat."""
    s = report.summary()
    out = [f"# Entity List changes, {md(window_label(report))}", ""]
    out += [f"- {md(line)}" for line in report.headline()]
    for note in report.notes:
        out.append(f"- Note: {md(note)}")
    out += _md_by_list(report, s)
    out += ["", f"## Changes ({s['changes']['total']})"]
    out += _md_changes_by_kind(report, "###")
    if report.reconciled.groups:
        out += ["", "## Seen in the eCFR only, by the citation carried", ""]
        for g in report.reconciled.groups:
            out.append(
                f"- {md(g.message)}"
                + (f" ({md(g.date_basis)})" if g.date_basis and g.date_basis != "printed" else "")
            )
    if report.reconciled.editorial:
        out += ["", f"Editorial only: {report.reconciled.editorial} difference(s), not listed."]
    out += ["", f"## Rules ({s['rules']})"]
    if not report.rules:
        out += [
            "",
            md(
                report.coverage.none_found
                if report.coverage
                else "No rule found in what was searched."
            ),
        ]
    for cs in report.rules:
        out += ["", *_md_rule_head(cs, "###")]
        out += _md_claims(cs)
    for other in report.lists:
        out += _md_list_section(other)
    if s["findings_total"]:
        out += ["", f"## Findings ({s['findings_total']})", ""]
        out += _md_findings_grouped(report.all_findings())
    if report.coverage is not None:
        out += ["", "## Coverage", "", md(report.coverage.statement)]
        for side, info in (("before", report.before), ("after", report.after)):
            if info is not None and not info.projected:
                out.append(f"- eCFR copy {side}: {_link(md(info.date), ecfr_link(info.date))}")
    if report.counterparties is not None:
        from frdiff.counterparties import counterparty_markdown

        out += counterparty_markdown(report.counterparties)
    return "\n".join(out) + "\n"


_LIST_COUNTS = ("rule_added", "rule_revised", "rule_removed", "rule_moved_between_lists")


def _md_by_list(report: WeeklyReport, s: dict[str, Any]) -> list[str]:
    """The weekly report's lists (when it covers several): each list's counts and what
    being on it means, and the parties the rules moved from one list to another."""
    out: list[str] = []
    if len(s["by_list"]) > 1:
        rows = [
            [
                f"{ls['name']} (Supplement No. {n})",
                ls["meaning"],
                *(str(ls[k]) for k in _LIST_COUNTS),
                str(ls["changes"]["total"]),
            ]
            for n, ls in s["by_list"].items()
        ]
        header = ["List", "Being on it means", "Rule: added", "Rule: revised", "Rule: removed"]
        header += ["Rule: moved between lists", "Changes"]
        out += ["", "## By list", "", *_md_table(header, rows)]
    moves = report.all_moves()
    if moves:
        out += ["", f"## Moved between lists ({len(moves)})", ""]
        out += [
            f"- **{md(c.name)}** ({md(c.country)}): {md(change_list_label(c))}; "
            + _link(md(doc), fr_link(doc))
            for doc, c in moves
        ]
    return out


def _md_changes_by_kind(report: WeeklyReport, heading: str) -> list[str]:
    """The report's reconciled changes under a ``heading`` per kind of change."""
    out: list[str] = []
    footnotes = dict(report.footnotes)
    for kind, label in KIND_LABELS.items():
        mine = [c for c in report.reconciled.changes if c.kind == kind]
        if mine:
            out += ["", f"{heading} {label} ({len(mine)})", ""]
            for c in mine:
                out += _change_line(c, footnotes)
    return out


def _md_list_section(report: WeeklyReport) -> list[str]:
    """Another list of the weekly report: what being on it means, its changes."""
    ls = report.list_summary()
    out = ["", f"## {md(ls['name'])} (Supplement No. {report.supplement})", ""]
    out += [md(ls["meaning"][:1].upper() + ls["meaning"][1:]) + "."]
    changes = report.reconciled.changes
    out += ["", f"### Changes ({ls['changes']['total']})"]
    out += _md_changes_by_kind(report, "####")
    if not changes:
        out += ["", "No change to this list."]
    out += [f"- Note: {md(note)}" for note in report.notes]
    return out


#: The registry's names for the renderers of this format.
diff = diff_markdown
rule = changeset_markdown


def csl_audit(audit: Any) -> str:
    """A CSL audit (:class:`~frdiff.csl_audit.CslAudit`): see :mod:`frdiff.csl_report`."""
    from frdiff.csl_report import audit_markdown

    return audit_markdown(audit)
