"""The data frdiff passes around: frozen msgspec structs with a stable ``to_dict()``.

Everything a command prints with ``--format json`` is one of these ``to_dict()``
results, so the dict shapes here are the public JSON schema (see
``frdiff/schema/``).  ``FORMAT_VERSION`` changes whenever a shape changes
incompatibly.  No third-party object (lxml element, DeepDiff result) ever lives
in these classes.

The classes are :class:`msgspec.Struct` types rather than dataclasses: they are
built in C (a parse or a cache load makes thousands of entries, and defining a
dozen dataclasses costs a command more start-up time than the rest of this
module), and the parse cache and the JSON reader decode straight into them with
every field type-checked.
"""

from __future__ import annotations

from collections import Counter
from operator import attrgetter
from typing import Any

from msgspec import Struct

FORMAT_VERSION = 1

ADD, REVISE, REMOVE = "add", "revise", "remove"
ACTIONS = (ADD, REVISE, REMOVE)

ERROR, WARNING, INFO = "error", "warning", "info"

#: How many editorial-only differences a diff's JSON shows as examples.
EDITORIAL_EXAMPLES = 5

#: Entry fields holding lists; the differ reports these as added/removed items.
LIST_FIELDS = ("aliases", "addresses", "citations", "footnotes", "listed_items", "notes", "units")
#: Entry fields holding one text; the differ reports these as old/new.
TEXT_FIELDS = ("country", "name", "license_requirement", "license_review_policy")


class Finding(Struct, frozen=True, gc=False):
    """Something a reader should know: an irregularity, a disagreement, a row not used.

    ``where`` names the document and place (instruction label, table row, field);
    ``text`` quotes the text involved so the reader need not open the document.
    """

    severity: str
    code: str
    message: str
    where: str = ""
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "where": self.where,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        return cls(d["severity"], d["code"], d["message"], d.get("where", ""), d.get("text", ""))


class Citation(Struct, frozen=True, gc=False):
    """One Federal Register citation from an entry's citation cell.

    ``raw`` is the text as printed; ``volume``/``page``/``date`` are filled where the
    text gives them.  ``placeholder`` marks an unfilled "[INSERT FR PAGE NUMBER ...]"
    that was (or could not be) resolved to the rule's own citation.
    """

    raw: str
    volume: int | None = None
    page: int | None = None
    date: str | None = None
    placeholder: bool = False

    @property
    def key(self) -> tuple[int, int] | str:
        """What identifies the citation: volume and page, or the raw text."""
        if self.volume is not None and self.page is not None:
            return (self.volume, self.page)
        return self.raw

    def label(self) -> str:
        """Short human form: "90 FR 14046" (or the raw text when unparsed)."""
        if self.volume is not None and self.page is not None:
            return f"{self.volume} FR {self.page}"
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "volume": self.volume,
            "page": self.page,
            "date": self.date,
            "placeholder": self.placeholder,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Citation:
        return cls(
            d["raw"], d.get("volume"), d.get("page"), d.get("date"), d.get("placeholder", False)
        )


#: What makes two entries equal: every field but ``source``.
content_key = attrgetter(*TEXT_FIELDS, *LIST_FIELDS, "country_code")

#: The kinds of :class:`Unit`, as the list names them.
SUBORDINATE_INSTITUTION, SUBORDINATE_ENTITY, AFFILIATED_ENTITY = (
    "subordinate institution",
    "subordinate entity",
    "affiliated entity",
)


class Unit(Struct, frozen=True, gc=False):
    """A party listed inside another's entry: a subordinate institution (China
    Aerospace Science and Industry Corporation Second Academy's thirteen), a
    subordinate entity (Pakistan Atomic Energy Commission's four) or an affiliated
    entity (Huawei's 22), with its own aliases and addresses."""

    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
        }


class Entry(Struct, frozen=True, eq=False, gc=False):
    """One row of the Entity List: an entity under one country heading.

    ``country`` is the canonical heading ("CHINA, PEOPLE'S REPUBLIC OF");
    ``listed_items`` holds dash lines that are not aliases (facility lists such as
    India's Department of Atomic Energy entry); ``notes`` holds cross references
    such as "(See alternate address under France)"; ``units`` the parties listed
    inside the entry (subordinate institutions, affiliated entities).  ``source``
    says where the entry was read (document and row) and never takes part in
    comparisons.
    """

    country: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    license_requirement: str = ""
    license_review_policy: str = ""
    citations: tuple[Citation, ...] = ()
    footnotes: tuple[int, ...] = ()
    listed_items: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    country_code: str | None = None
    source: str = ""
    units: tuple[Unit, ...] = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not Entry:
            return NotImplemented
        return bool(content_key(self) == content_key(other))

    def __ne__(self, other: object) -> bool:  # msgspec would compare identity
        if type(other) is not Entry:
            return NotImplemented
        return bool(content_key(self) != content_key(other))

    def __hash__(self) -> int:
        return hash(content_key(self))

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "country_code": self.country_code,
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
            "license_requirement": self.license_requirement,
            "license_review_policy": self.license_review_policy,
            "citations": [c.to_dict() for c in self.citations],
            "footnotes": list(self.footnotes),
            "listed_items": list(self.listed_items),
            "notes": list(self.notes),
            "units": [u.to_dict() for u in self.units],
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Entry:
        return cls(
            country=d["country"],
            name=d["name"],
            aliases=tuple(d.get("aliases", ())),
            addresses=tuple(d.get("addresses", ())),
            license_requirement=d.get("license_requirement", ""),
            license_review_policy=d.get("license_review_policy", ""),
            citations=tuple(Citation.from_dict(c) for c in d.get("citations", ())),
            footnotes=tuple(d.get("footnotes", ())),
            listed_items=tuple(d.get("listed_items", ())),
            notes=tuple(d.get("notes", ())),
            country_code=d.get("country_code"),
            source=d.get("source", ""),
            units=tuple(
                Unit(
                    u["kind"],
                    u["name"],
                    tuple(u.get("aliases", ())),
                    tuple(u.get("addresses", ())),
                )
                for u in d.get("units", ())
            ),
        )


class Rule(Struct, frozen=True):
    """A Federal Register document's identity and dates."""

    document_number: str
    title: str = ""
    publication_date: str | None = None
    effective_date: str | None = None
    citation: str | None = None
    volume: int | None = None
    start_page: int | None = None
    end_page: int | None = None
    docket: str | None = None
    rin: str | None = None
    action: str | None = None
    html_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_number": self.document_number,
            "title": self.title,
            "publication_date": self.publication_date,
            "effective_date": self.effective_date,
            "citation": self.citation,
            "volume": self.volume,
            "start_page": self.start_page,
            "end_page": self.end_page,
            "docket": self.docket,
            "rin": self.rin,
            "action": self.action,
            "html_url": self.html_url,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Rule:
        fields: dict[str, Any] = {k: d.get(k) for k in cls.__struct_fields__}
        fields["document_number"] = str(d["document_number"])
        fields["title"] = d.get("title") or ""
        return cls(**fields)


class Claims(Struct, frozen=True):
    """What a rule's SUMMARY says it does; ``None`` where the SUMMARY is silent."""

    text: str = ""
    entities_added: int | None = None
    entries_added: int | None = None
    added_by_destination: tuple[tuple[str, int], ...] = ()
    entries_revised: int | None = None
    entries_removed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "entities_added": self.entities_added,
            "entries_added": self.entries_added,
            "added_by_destination": dict(self.added_by_destination),
            "entries_revised": self.entries_revised,
            "entries_removed": self.entries_removed,
        }


class Instruction(Struct, frozen=True):
    """One amendatory instruction (AMDPAR), as read.

    ``target`` is "supplement4" for instructions that amend the Entity List,
    otherwise what it concerns ("authority", "other", "heading").
    """

    label: str
    text: str
    target: str
    country: str | None = None
    action: str | None = None
    names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "text": self.text,
            "target": self.target,
            "country": self.country,
            "action": self.action,
            "names": list(self.names),
        }


class Change(Struct, frozen=True):
    """One change a rule makes to the list: add, revise or remove an entry.

    ``entry`` is the entry as the rule prints it (``None`` for a removal, whose text
    the rule does not reprint).  ``name_in_instruction`` is set when the
    instruction spelled the name differently from the table.
    """

    action: str
    country: str
    name: str
    entry: Entry | None = None
    instruction: str = ""
    instruction_label: str = ""
    name_in_instruction: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "country": self.country,
            "name": self.name,
            "name_in_instruction": self.name_in_instruction,
            "instruction_label": self.instruction_label,
            "instruction": self.instruction,
            "entry": self.entry.to_dict() if self.entry else None,
        }


class ChangeSet(Struct, frozen=True):
    """Everything frdiff read from one rule."""

    rule: Rule
    claims: Claims = Claims()
    instructions: tuple[Instruction, ...] = ()
    changes: tuple[Change, ...] = ()
    findings: tuple[Finding, ...] = ()
    source: str = ""
    #: How every instruction and table row was used: ("table_rows", 35), ("rows_entry", 12), ...
    accounting: tuple[tuple[str, int], ...] = ()

    def counts(self) -> dict[str, Any]:
        by_action = Counter(c.action for c in self.changes)
        by_country: dict[str, dict[str, int]] = {}
        for c in self.changes:
            by_country.setdefault(c.country, Counter())[c.action] += 1
        return {
            "changes": len(self.changes),
            **{a: by_action.get(a, 0) for a in ACTIONS},
            "by_country": {k: dict(v) for k, v in sorted(by_country.items())},
            "findings": dict(Counter(f.severity for f in self.findings)),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": "rule",
            "source": self.source,
            "document": self.rule.to_dict(),
            "claims": self.claims.to_dict(),
            "summary": self.counts(),
            "instructions": [i.to_dict() for i in self.instructions],
            "changes": [c.to_dict() for c in self.changes],
            "findings": [f.to_dict() for f in self.findings],
            "accounting": dict(self.accounting),
        }


#: The kinds of :class:`ListNote`: a numbered footnote of the table (its TFOOT),
#: the eCFR's editorial note and effective-date note after it (EDNOTE, EFFDNOT), and
#: the source citation of the supplement (CITA).
FOOTNOTE, EDITORIAL_NOTE, EFFECTIVE_DATE_NOTE, SOURCE_NOTE = (
    "footnote",
    "editorial-note",
    "effective-date-note",
    "source-citation",
)


class ListNote(Struct, frozen=True, gc=False):
    """A text a copy of the list carries beside its entries.

    Footnotes have their ``number`` (what "footnote 4" of an entry means); the
    eCFR's editorial notes say, among other things, which amendments it could not
    incorporate: a disagreement between the rules and the list worth reporting.
    """

    kind: str
    text: str
    number: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "number": self.number, "text": self.text}


class Snapshot(Struct, frozen=True):
    """The whole list as compiled on a date (an eCFR point-in-time copy)."""

    entries: tuple[Entry, ...]
    date: str | None = None
    source: str = ""
    findings: tuple[Finding, ...] = ()
    rows: int = 0
    #: How every table row was read: ("entry", 3270), ("continuation", 4), ...; the
    #: counts add up to ``rows``.
    accounting: tuple[tuple[str, int], ...] = ()
    #: The list's footnotes and the eCFR's notes after the table, in document order.
    notes: tuple[ListNote, ...] = ()

    def footnote(self, number: int) -> str | None:
        """The text of the list's footnote ``number``, where the copy carries it."""
        for n in self.notes:
            if n.kind == FOOTNOTE and n.number == number:
                return n.text
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": "snapshot",
            "date": self.date,
            "source": self.source,
            "rows": self.rows,
            "accounting": dict(self.accounting),
            "notes": [n.to_dict() for n in self.notes],
            "entries": [e.to_dict() for e in self.entries],
            "findings": [f.to_dict() for f in self.findings],
        }


def _plain(value: Any) -> Any:
    """A list item as JSON: citations become their dicts, strings and numbers stay."""
    return value.to_dict() if hasattr(value, "to_dict") else value


class FieldChange(Struct, frozen=True):
    """One field's change between two versions of an entry.

    Text fields fill ``old``/``new``; list fields fill ``added``/``removed``.
    """

    field: str
    old: str | None = None
    new: str | None = None
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()

    @property
    def is_list(self) -> bool:
        return self.field in LIST_FIELDS

    def to_dict(self) -> dict[str, Any]:
        if self.is_list:
            return {
                "field": self.field,
                "added": [_plain(x) for x in self.added],
                "removed": [_plain(x) for x in self.removed],
            }
        return {"field": self.field, "old": self.old, "new": self.new}


class EntryDiff(Struct, frozen=True):
    """A matched pair of entries and what changed between them."""

    before: Entry
    after: Entry
    changes: tuple[FieldChange, ...]
    match: str = "exact"

    def to_dict(self, *, brief: bool = False) -> dict[str, Any]:
        """The pair as JSON; ``brief`` leaves out the two whole entries."""
        if brief:
            return {
                "country": self.after.country,
                "name": self.after.name,
                "source": self.after.source,
                "changes": [c.to_dict() for c in self.changes],
            }
        return {
            "country": self.after.country,
            "name": self.after.name,
            "match": self.match,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
        }


class Diff(Struct, frozen=True):
    """What differs between two versions of the list.

    ``modified`` holds pairs matched by country and name; ``renamed`` pairs whose
    name changed (matched through aliases or a close name); ``moved`` pairs whose
    country changed.  Every entry of either side is in exactly one place: added,
    removed, one of the pair lists, or unchanged.
    """

    added: tuple[Entry, ...] = ()
    removed: tuple[Entry, ...] = ()
    modified: tuple[EntryDiff, ...] = ()
    renamed: tuple[EntryDiff, ...] = ()
    moved: tuple[EntryDiff, ...] = ()
    unchanged: int = 0
    old_label: str = ""
    new_label: str = ""
    findings: tuple[Finding, ...] = ()
    #: Pairs that differ only editorially: the same words set differently (punctuation,
    #: dashes, line breaks, "EAR.)" for "EAR)", an address broken elsewhere).  Never a
    #: change: they are among ``unchanged``; the fields as written differently are in
    #: each pair's ``changes``.
    editorial: tuple[EntryDiff, ...] = ()

    def summary(self) -> dict[str, Any]:
        kinds = ("added", "removed", "modified", "renamed", "moved")
        by_country: dict[str, Counter[str]] = {}

        def bump(country: str, kind: str) -> None:
            by_country.setdefault(country, Counter())[kind] += 1

        for e in self.added:
            bump(e.country, "added")
        for e in self.removed:
            bump(e.country, "removed")
        for kind in ("modified", "renamed", "moved"):
            for d in getattr(self, kind):
                bump(d.after.country, kind)
        counts = {k: len(getattr(self, k)) for k in kinds}
        return {
            **counts,
            "total": sum(counts.values()),
            "unchanged": self.unchanged,
            "editorial": len(self.editorial),
            "by_country": {c: {k: v[k] for k in kinds} for c, v in sorted(by_country.items())},
        }

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.modified or self.renamed or self.moved)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": "diff",
            "old": self.old_label,
            "new": self.new_label,
            "summary": self.summary(),
            "added": [e.to_dict() for e in self.added],
            "removed": [e.to_dict() for e in self.removed],
            "modified": [d.to_dict() for d in self.modified],
            "renamed": [d.to_dict() for d in self.renamed],
            "moved": [d.to_dict() for d in self.moved],
            "editorial": {
                "count": len(self.editorial),
                "examples": [d.to_dict(brief=True) for d in self.editorial[:EDITORIAL_EXAMPLES]],
            },
            "findings": [f.to_dict() for f in self.findings],
        }
