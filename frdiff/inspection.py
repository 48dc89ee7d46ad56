"""Early warning: BIS documents on the Federal Register's public inspection desk.

A rule is filed for public inspection a day or more before it is published.  The
record (``/public-inspection-documents/current.json``) carries its document number,
title, filing time, scheduled publication date, PDF and raw-text links, but no CFR
references, so whether it concerns 15 CFR Part 744 is read from its title and
subjects and, when it can be had, from its raw text.  The raw text also names the
entries when its amendatory instructions quote them; those are read with the rule
parser's instruction reader (:mod:`frdiff.parse.instructions`).

The raw text is a document from outside: it is bounded in size, decoded leniently
and only ever read as text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from frdiff.errors import FetchError, ParseError

if TYPE_CHECKING:
    from frdiff.archive import Archive

#: Raw text beyond this is not read (a rule's text is well under 1 MB).
MAX_RAW_TEXT = 4 * 1024 * 1024
_PART_744 = re.compile(r"\b(?:15\s+CFR\s+)?part\s+744\b|\bentity\s+list\b", re.I)
_PART_HEADING = re.compile(r"^\s*PART\s+744\b", re.M)
_LABELLED = re.compile(r"^\s*\(?(?:\d+|[a-z]{1,4})[.)]\s+\S")


@dataclass(frozen=True, slots=True)
class Pending:
    """One BIS document on public inspection that concerns Part 744."""

    document_number: str
    title: str
    type: str
    filed_at: str | None
    publication_date: str | None
    pdf_url: str | None
    html_url: str | None
    raw_text_url: str | None
    entities: tuple[dict[str, str], ...] = ()
    entities_read: bool = False  # the raw text was read (entities may still be none)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_number": self.document_number,
            "title": self.title,
            "type": self.type,
            "filed_at": self.filed_at,
            "publication_date": self.publication_date,
            "pdf_url": self.pdf_url,
            "html_url": self.html_url,
            "raw_text_url": self.raw_text_url,
        }


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str) else ""


def _url(value: Any) -> str | None:
    text = _text(value)
    return text if re.match(r"^https?://", text) else None


def headline_concerns_part744(record: dict[str, Any]) -> bool:
    """Whether a record's title, subjects or CFR references point at Part 744."""
    fields = [
        record.get(k)
        for k in ("title", "toc_subject", "toc_doc", "subject_1", "subject_2", "subject_3")
    ]
    if any(_PART_744.search(_text(f)) for f in fields):
        return True
    for ref in record.get("cfr_references") or []:
        if isinstance(ref, dict) and str(ref.get("part")) == "744":
            return True
    return False


def raw_paragraphs(text: str) -> list[str]:
    """Raw text as paragraphs: blank lines separate them, wrapped lines are joined."""
    out = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        joined = ""
        for line in lines:
            if joined.endswith("-") and line[:1].islower():
                joined = joined[:-1] + line
            else:
                joined = f"{joined} {line}" if joined else line
        if joined:
            out.append(joined)
    return out


def named_entities(text: str, *, doc: str) -> list[dict[str, str]]:
    """The entries the raw text's amendatory instructions name: action, country, name.

    Only the paragraphs after the "PART 744" heading that carry a label ("2.",
    "a.", "ii.") are read as instructions, as in the printed rule.
    """
    from frdiff.parse.instructions import parse_instructions

    starts = [m.start() for m in _PART_HEADING.finditer(text)]
    body = text[starts[-1] :] if starts else text
    paragraphs = [p for p in raw_paragraphs(body) if _LABELLED.match(p)]
    if not paragraphs:
        return []
    parsed = parse_instructions(paragraphs, doc=doc)
    seen: set[tuple[str, str, str]] = set()
    out = []
    for t in parsed.targets:
        if t.open or not t.name:
            continue
        key = (t.action, t.country, t.name)
        if key not in seen:
            seen.add(key)
            out.append({"action": t.action, "country": t.country, "name": t.name})
    return out


def concerns_part744(record: dict[str, Any], raw_text: str | None) -> bool:
    if headline_concerns_part744(record):
        return True
    return bool(raw_text and re.search(r"\bpart\s+744\b", raw_text, re.I))


def read_record(record: dict[str, Any], raw_text: str | None, *, note: str = "") -> Pending:
    number = _text(record.get("document_number"))
    entities = (
        tuple(named_entities(raw_text, doc=f"FR {number} (public inspection)")) if raw_text else ()
    )
    return Pending(
        document_number=number,
        title=_text(record.get("title")) or _text(record.get("toc_doc")),
        type=_text(record.get("type")),
        filed_at=_text(record.get("filed_at")) or None,
        publication_date=_text(record.get("publication_date")) or None,
        pdf_url=_url(record.get("pdf_url")),
        html_url=_url(record.get("html_url")),
        raw_text_url=_url(record.get("raw_text_url")),
        entities=entities,
        entities_read=raw_text is not None,
        note=note,
    )


def decode_raw_text(data: bytes, *, where: str) -> str:
    if len(data) > MAX_RAW_TEXT:
        raise ParseError(f"raw text is over {MAX_RAW_TEXT:,} bytes", where=where)
    if data[:1] in (b"<",) and b"<html" in data[:512].lower():
        raise ParseError("an HTML page where raw text was expected", where=where)
    return data.decode("utf-8", errors="replace")


def fetch_raw_text(archive: Archive, url: str) -> str:
    """The raw text of a public-inspection document, on the configured service."""
    from frdiff.fetch import rebase

    assert archive.fr is not None and archive.fetcher is not None
    target = rebase(url, archive.fr.base)
    session = archive.fetcher.session
    assert session is not None
    try:
        with session.get(target, timeout=30, stream=True, allow_redirects=False) as response:
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code} for the raw text", where=target)
            data = response.raw.read(MAX_RAW_TEXT + 1, decode_content=True)
    except OSError as exc:
        raise FetchError(f"cannot read the raw text: {exc}", where=target) from None
    except Exception as exc:  # requests' own exception tree
        if isinstance(exc, FetchError):
            raise
        raise FetchError(f"cannot read the raw text: {type(exc).__name__}", where=target) from None
    return decode_raw_text(data, where=target)


# Fixtures ---------------------------------------------------------------------------------


def fixture_pending(archive: Archive, on: date) -> list[tuple[dict[str, Any], str | None]]:
    """Public-inspection records in a fixtures directory that were on inspection on ``on``.

    Items of kind ``public-inspection`` (the record, JSON) and
    ``public-inspection-text`` (its raw text, same ``id``) in MANIFEST.json; a record
    counts as on inspection from its filing day until the day before publication.
    """
    assert archive.fixtures is not None
    manifest = archive.fixtures.manifest
    out = []
    for item in manifest.items:
        if item.get("kind") != "public-inspection":
            continue
        where = str(manifest.path_of(item))
        try:
            record = json.loads(manifest.read(item))
        except ValueError as exc:
            raise ParseError(f"not valid JSON: {exc}", where=where) from None
        if not isinstance(record, dict):
            raise ParseError("a public-inspection record is not an object", where=where)
        filed = _text(record.get("filed_at"))[:10]
        published = _text(record.get("publication_date"))
        if not (filed and published and filed <= on.isoformat() < published):
            continue
        text_item = manifest.find("public-inspection-text", id=item.get("id"))
        raw = (
            decode_raw_text(manifest.read(text_item), where=str(manifest.path_of(text_item)))
            if text_item
            else None
        )
        out.append((record, raw))
    return out
