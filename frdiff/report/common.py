"""Helpers every report format shares: links, labels, citations, word diffs, claims.

Nothing here reads documents or writes files.  Text from documents is never
trusted: links are built only from values of a known shape (a document number, a
citation's volume and page, an ISO date), and each format escapes the rest.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from frdiff import lists
from frdiff.ids import is_document_number, is_iso_date
from frdiff.model import ACTION_LABELS as MODEL_ACTION_LABELS
from frdiff.model import (
    ADD,
    MOVE_LIST,
    REMOVE,
    REVISE,
    Change,
    ChangeSet,
    Citation,
    Claims,
    Entry,
    FieldChange,
    Unit,
)
from frdiff.normalize import country as canonical_country
from frdiff.normalize import name_key

if TYPE_CHECKING:
    from frdiff.weekly import WeeklyReport

FR_DOC_URL = "https://www.federalregister.gov/d/{}"
FR_CITATION_URL = "https://www.federalregister.gov/citation/{}-FR-{}"
ECFR_URL = (
    "https://www.ecfr.gov/on/{}/title-15/part-744/appendix-Supplement%20No.%204%20to%20Part%20744"
)

#: Past-tense labels for a rule's actions, as a spreadsheet user reads them.
ACTION_LABELS = MODEL_ACTION_LABELS  # one wording for every report (frdiff.model)


def change_list_label(c: Change) -> str:
    """Which list a change is on, as reports print it: "Entity List (Supplement No. 4)",
    "from Unverified List (Supplement No. 6) to Entity List (Supplement No. 4)"."""
    if c.action == MOVE_LIST and c.from_supplement is not None:
        return f"from {lists.label(c.from_supplement)} to {lists.label(c.supplement)}"
    return lists.label(c.supplement)


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
    "units": "Subordinate or affiliated entities",
}
#: How each evidence reads in a report.
EVIDENCE_LABELS = {
    "confirmed": "by a rule, in the eCFR",
    "not-in-ecfr": "by a rule, not yet in the eCFR",
    "ecfr-only": "in the eCFR only",
    "projected": "by a rule (projected)",
}
KIND_LABELS = {
    "added": "Added",
    "removed": "Removed",
    "modified": "Changed",
    "renamed": "Renamed",
    "moved": "Moved to another country",
}
#: How each significance tag reads.
SIGNIFICANCE_LABELS = {
    "added": "added",
    "removed": "removed",
    "fdp-footnote": "foreign-direct-product footnote",
    "moved": "moved",
    "renamed": "renamed",
    "license-requirement-tightened": "license requirement tightened",
    "license-requirement-loosened": "license requirement loosened",
    "license-requirement-changed": "license requirement changed",
    "review-policy-tightened": "review policy tightened",
    "review-policy-loosened": "review policy loosened",
    "review-policy-changed": "review policy reworded",
    "fdp-footnote-added": "foreign-direct-product footnote added",
    "fdp-footnote-removed": "foreign-direct-product footnote removed",
    "footnote-changed": "footnote changed",
    "alias-added": "alias added",
    "alias-removed": "alias removed",
    "address-added": "address added",
    "address-removed": "address removed",
    "citation-only": "citation only",
    "citation-changed": "citation added",
    "other": "other fields",
}
#: Quotes longer than this are shortened, the whole text one click away.
SHORT_QUOTE = 160


def fr_link(document_number: str | None) -> str | None:
    """The Federal Register short link of a document number, or None when it is not one.

    Document numbers come from documents, so only the known shapes ("2025-05427",
    legacy "E9-12940", corrections "C1-2026-16628") become links.
    """
    if not document_number or not is_document_number(document_number):
        return None
    return FR_DOC_URL.format(quote(document_number, safe="-"))


def citation_link(citation: Citation) -> str | None:
    """federalregister.gov/citation/VOL-FR-PAGE for a citation with a volume and page."""
    if citation.volume is None or citation.page is None:
        return None
    return FR_CITATION_URL.format(int(citation.volume), int(citation.page))


def ecfr_link(day: str | None) -> str | None:
    """The eCFR page of the Entity List as it stood on ``day`` (an ISO date)."""
    if not day or not is_iso_date(day):
        return None
    return ECFR_URL.format(day)


def item_text(value: Any) -> str:
    """A list field's item as text (a citation with its resolved placeholder)."""
    if isinstance(value, Citation):
        if value.placeholder and value.page is not None:
            # The rule printed "[INSERT FR PAGE NUMBER ...]"; say what it resolves to.
            return f"{value.label()} (printed “{value.raw}”)"
        return value.raw or value.label()
    if isinstance(value, Unit):
        aka = f" (a.k.a. {'; '.join(value.aliases)})" if value.aliases else ""
        return f"{value.name}{aka}"
    return str(value)


def citations_text(citations: Iterable[Citation]) -> str:
    return " ".join(item_text(c) for c in citations)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def country_code(entry: Entry) -> str:
    return entry.country_code or canonical_country(entry.country)[1] or ""


def field_change_text(fc: FieldChange) -> str:
    """One field change as plain text: "License review policy: 'A' -> 'B'"."""
    label = field_label(fc.field)
    if fc.is_list:
        parts = [f"+{item_text(x)}" for x in fc.added] + [f"-{item_text(x)}" for x in fc.removed]
        return f"{label}: " + "; ".join(parts)
    return f"{label}: {fc.old or ''!r} -> {fc.new or ''!r}"


def shorten(text: str, limit: int = SHORT_QUOTE) -> str:
    """``text`` cut at a word boundary to about ``limit`` characters, with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:") + "…"


def footnote_text(number: int, footnotes: dict[int, str]) -> str:
    """What footnote ``number`` says, from the list's own footnote texts."""
    text = footnotes.get(number)
    return (
        f"footnote {number}: {text}"
        if text
        else f"footnote {number} (its text is not in the copy read)"
    )


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
    from frdiff.apply import on_list

    claims: Claims = cs.claims
    # The SUMMARY's counts are the Entity List's: its changes, a move onto it an addition.
    mine = [x for c in cs.changes if (x := on_list(c, lists.DEFAULT)) is not None]
    adds = [c for c in mine if c.action == ADD]
    rows = [
        ClaimRow("Entities added", claims.entities_added, len({name_key(c.name) for c in adds})),
        ClaimRow("Entries added", claims.entries_added, len(adds)),
        ClaimRow("Entries revised", claims.entries_revised, sum(c.action == REVISE for c in mine)),
        ClaimRow("Entries removed", claims.entries_removed, sum(c.action == REMOVE for c in mine)),
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


def window_label(report: WeeklyReport) -> str:
    if report.week:
        return f"week {report.week} ({report.since} to {report.until})"
    return f"{report.since} to {report.until}"


def finding_groups(findings: Iterable[Any]) -> list[tuple[str, list[Any]]]:
    """Findings grouped by code, the largest group first (each keeps its order)."""
    groups: dict[str, list[Any]] = {}
    for f in findings:
        groups.setdefault(f.code, []).append(f)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
