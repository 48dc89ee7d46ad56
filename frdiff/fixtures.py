"""Fixture directories: reading them, recording into them, verifying them.

A fixtures directory (the project's ``fixtures/`` is one) holds documents under
the store's names (``fr/{doc}.xml``, ``fr/{doc}.meta.json``,
``ecfr/supp{N}-{date}.xml``) and a ``MANIFEST.json`` whose ``items`` say, for
each file: ``id``, ``kind`` (rule, rule-metadata, snapshot, expected,
api-response, ...), ``path``, ``provenance``, ``source_url``, ``retrieved``,
``sha256`` and a ``description``.  :func:`record` writes documents fetched by an
:class:`~frdiff.archive.Archive` with provenance "recorded"; :func:`verify`
checks that every item exists with its sha256 and reports files nobody listed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from frdiff.errors import InputError, OfflineMissingError, ParseError, UsageError
from frdiff.files import rule_meta, write_atomic
from frdiff.ids import (
    document_number,
    iso_date,
    parse_week,
    relative_path,
    snapshot_ident,
    supplement_number,
)
from frdiff.store import sha256_hex, utc_now

if TYPE_CHECKING:
    from frdiff.archive import Archive

MANIFEST = "MANIFEST.json"
FORMAT_VERSION = 1
DEFAULT_DESCRIPTION = (
    "Documents frdiff is built and tested against, with provenance and sha256. "
    "Verify with `frdiff fixtures verify`."
)


def _safe_rel(path: str) -> PurePosixPath:
    p = PurePosixPath(path)
    if not path or p.is_absolute() or ".." in p.parts or "\\" in path:
        raise InputError(f"manifest path {path!r} is not a plain relative path")
    return p


@dataclass
class Manifest:
    """A fixtures directory's MANIFEST.json, loaded."""

    root: Path
    data: dict[str, Any]
    ends_with_newline: bool = True

    @classmethod
    def load(cls, root: Path) -> Manifest:
        path = Path(root) / MANIFEST
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise OfflineMissingError(
                "no MANIFEST.json in the fixtures directory", where=str(root)
            ) from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ParseError(f"not valid JSON: {exc}", where=str(path)) from None
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ParseError("a manifest needs an 'items' list", where=str(path))
        return cls(Path(root), data, text.endswith("\n"))

    @classmethod
    def load_or_new(cls, root: Path) -> Manifest:
        if (Path(root) / MANIFEST).exists():
            return cls.load(root)
        return cls(
            Path(root),
            {"format_version": FORMAT_VERSION, "description": DEFAULT_DESCRIPTION, "items": []},
        )

    @property
    def items(self) -> list[dict[str, Any]]:
        return [i for i in self.data["items"] if isinstance(i, dict)]

    def find(self, kind: str, **match: Any) -> dict[str, Any] | None:
        for item in self.items:
            if item.get("kind") == kind and all(item.get(k) == v for k, v in match.items()):
                return item
        return None

    def path_of(self, item: dict[str, Any]) -> Path:
        return self.root / _safe_rel(str(item.get("path", "")))

    def read(self, item: dict[str, Any]) -> bytes:
        """An item's bytes, checked against its sha256."""
        path = self.path_of(item)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise OfflineMissingError(
                "listed in MANIFEST.json but missing", where=str(path)
            ) from None
        if item.get("sha256") and sha256_hex(data) != item["sha256"]:
            raise InputError("does not match its sha256 in MANIFEST.json", where=str(path))
        return data

    def upsert(self, item: dict[str, Any], *, force: bool = False) -> None:
        """Add ``item`` or replace the one with the same kind and path."""
        items = self.data["items"]
        for n, old in enumerate(items):
            if (
                isinstance(old, dict)
                and old.get("path") == item["path"]
                and old.get("kind") == item["kind"]
            ):
                if old.get("provenance") not in (None, "recorded") and not force:
                    raise UsageError(
                        f"{item['path']} has provenance {old.get('provenance')!r}; "
                        "use --force to replace it with a recording"
                    )
                items[n] = item
                return
        items.append(item)

    def save(self) -> None:
        text = json.dumps(self.data, ensure_ascii=False, indent=2)
        write_atomic(
            self.root / MANIFEST, (text + ("\n" if self.ends_with_newline else "")).encode("utf-8")
        )


# Reading fixtures as an offline source ---------------------------------------------------


def is_entity_list_rule(meta: dict[str, Any]) -> bool:
    """Whether metadata describes a BIS rule amending 15 CFR 744 (what the FR search asks for)."""
    slugs = {a.get("slug") for a in meta.get("agencies") or [] if isinstance(a, dict)}
    names = {str(n).lower() for n in meta.get("agency_names") or []}
    bis = "industry-and-security-bureau" in slugs or "industry and security bureau" in names
    parts = {
        (str(r.get("title")), str(r.get("part")))
        for r in meta.get("cfr_references") or []
        if isinstance(r, dict)
    }
    rule = str(meta.get("type", "")).lower() == "rule"
    return bis and rule and ("15", "744") in parts


@dataclass
class FixtureSource:
    """Rules and snapshots read from a fixtures directory, for offline runs and tests."""

    manifest: Manifest

    @classmethod
    def open(cls, root: Path) -> FixtureSource:
        return cls(Manifest.load(root))

    def _missing(self, what: str) -> OfflineMissingError:
        return OfflineMissingError(f"{what} is not in the fixtures", where=str(self.manifest.root))

    def rule_meta(self, number: str) -> dict[str, Any]:
        number = document_number(number)
        item = self.manifest.find("rule-metadata", id=number)
        if item is None:
            raise self._missing(f"metadata of rule {number}")
        return rule_meta(self.manifest.read(item), where=str(self.manifest.path_of(item)))

    def rule_xml(self, number: str) -> bytes:
        number = document_number(number)
        item = self.manifest.find("rule", id=number)
        if item is None:
            raise self._missing(f"rule {number}")
        return self.manifest.read(item)

    def find_rules(self, since: date, until: date) -> list[dict[str, Any]]:
        found = []
        for item in self.manifest.items:
            if item.get("kind") != "rule-metadata":
                continue
            meta = self.rule_meta(str(item.get("id")))
            published = str(meta.get("publication_date", ""))
            if since.isoformat() <= published <= until.isoformat() and is_entity_list_rule(meta):
                found.append(meta)
        return sorted(
            found, key=lambda m: (str(m.get("publication_date")), str(m.get("document_number")))
        )

    def snapshot_dates(self, supplement: int = 4) -> list[date]:
        return sorted(
            iso_date(str(i.get("date")))
            for i in self.manifest.items
            if i.get("kind") == "snapshot" and int(i.get("supplement", 4)) == supplement
        )

    def snapshot_xml(self, on: date, supplement: int = 4) -> bytes:
        item = self.manifest.find("snapshot", date=on.isoformat(), supplement=supplement)
        if item is None:
            have = ", ".join(d.isoformat() for d in self.snapshot_dates(supplement)) or "none"
            raise self._missing(f"Supplement No. {supplement} on {on} (fixtures have: {have})")
        return self.manifest.read(item)


# Verify -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What ``fixtures verify`` found."""

    root: str
    checked: int
    missing: tuple[str, ...] = ()
    mismatched: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatched or self.invalid or self.extra)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "checked": self.checked,
            "ok": self.ok,
            "missing": list(self.missing),
            "mismatched": list(self.mismatched),
            "invalid": list(self.invalid),
            "extra": list(self.extra),
        }


def verify(root: Path) -> VerifyReport:
    """Check every MANIFEST item exists and matches its sha256; list files not in it."""
    manifest = Manifest.load(Path(root))
    missing: list[str] = []
    mismatched: list[str] = []
    invalid: list[str] = []
    listed: set[str] = set()
    for n, item in enumerate(manifest.items):
        path_text = str(item.get("path", ""))
        try:
            rel = _safe_rel(path_text)
        except InputError as exc:
            invalid.append(f"item {n}: {exc}")
            continue
        listed.add(rel.as_posix())
        sha = item.get("sha256")
        if not isinstance(sha, str) or len(sha) != 64:
            invalid.append(f"{rel}: no sha256")
            continue
        path = manifest.root / rel
        if not path.is_file():
            missing.append(rel.as_posix())
        elif sha256_hex(path.read_bytes()) != sha:
            mismatched.append(rel.as_posix())
    extra = []
    for path in sorted(manifest.root.rglob("*")):
        rel_path = path.relative_to(manifest.root)
        if path.is_dir() or rel_path.as_posix() == MANIFEST:
            continue
        if any(part.startswith(".") or part == "__pycache__" for part in rel_path.parts):
            continue
        if rel_path.as_posix() not in listed:
            extra.append(rel_path.as_posix())
    return VerifyReport(
        root=str(root),
        checked=len(manifest.items),
        missing=tuple(missing),
        mismatched=tuple(mismatched),
        invalid=tuple(invalid),
        extra=tuple(extra),
    )


# Record -------------------------------------------------------------------------------------


@dataclass
class RecordReport:
    """What ``fixtures record`` wrote."""

    root: str
    written: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"root": self.root, "written": self.written, "unchanged": self.unchanged}


def record(
    archive: Archive,
    root: Path,
    *,
    rules: Iterable[str] = (),
    weeks: Iterable[str] = (),
    snapshots: Iterable[str | date] = (),
    supplement: int = 4,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RecordReport:
    """Fetch rules (by number or ISO week) and snapshots (by date) into a fixtures directory."""
    root = Path(root)
    manifest = Manifest.load_or_new(root)
    report = RecordReport(root=str(root))
    numbers = [document_number(n) for n in rules]
    for week in weeks:
        since, until = parse_week(week)
        numbers += [
            document_number(str(m["document_number"])) for m in archive.find_rules(since, until)
        ]
    try:
        seen: set[str] = set()
        for number in numbers:
            if number in seen:
                continue
            seen.add(number)
            if progress:
                progress(f"rule {number}")
            meta_bytes = archive.rule_meta_bytes(number)
            meta = json.loads(meta_bytes)
            xml = archive.rule_xml(number)
            title = str(meta.get("title", "")).strip()
            citation = str(meta.get("citation", "")).strip()
            published = str(meta.get("publication_date", ""))
            described = f"{title}, {citation} ({published})." if title else f"Rule {number}."
            _add(archive, manifest, report, "rule", number, xml, described, force, id=number)
            _add(
                archive,
                manifest,
                report,
                "rule-metadata",
                number,
                meta_bytes,
                "Federal Register API document metadata as served.",
                force,
                id=number,
            )
        supp = supplement_number(supplement)
        for on in snapshots:
            day = iso_date(on)
            if progress:
                progress(f"snapshot {day}")
            xml = archive.snapshot_xml(day, supp)
            _add(
                archive,
                manifest,
                report,
                "snapshot",
                snapshot_ident(day, supp),
                xml,
                f"Supplement No. {supp} to Part 744 as the eCFR served it for {day}.",
                force,
                id=day.isoformat(),
                supplement=supp,
                date=day.isoformat(),
            )
    finally:
        # what was written is listed even when a later item fails
        if report.written:
            manifest.save()
    return report


def _add(
    archive: Archive,
    manifest: Manifest,
    report: RecordReport,
    kind: str,
    ident: str,
    data: bytes,
    description: str,
    force: bool,
    **keys: Any,
) -> None:
    rel = relative_path(kind, ident)
    digest = sha256_hex(data)
    old = manifest.find(kind, path=rel)
    path = manifest.root / rel
    if (
        old
        and old.get("sha256") == digest
        and path.is_file()
        and sha256_hex(path.read_bytes()) == digest
    ):
        report.unchanged.append(rel)
        return
    origin = archive.origin_of(kind, ident)
    item: dict[str, Any] = {
        "id": keys.get("id", ident),
        "kind": kind,
        **{k: v for k, v in keys.items() if k != "id"},
        "path": rel,
        "provenance": "recorded",
        "source_url": origin.get("source_url"),
        "retrieved": origin.get("retrieved") or utc_now(),
        "description": description,
        "sha256": digest,
        "origin": "frdiff fixtures record",
    }
    manifest.upsert(item, force=force)
    write_atomic(path, data)
    report.written.append({"kind": kind, "id": item["id"], "path": rel, "sha256": digest})
