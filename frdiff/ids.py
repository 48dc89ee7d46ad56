"""Identifiers and dates, each pattern written once: Federal Register document
numbers, ISO dates and weeks, supplement numbers, and the file names built from them.

Everything frdiff reads from a document or a command line and then uses as a key
or a file name passes one of these checks first, so no text from a response can
reach a path unvalidated.  Cheap to import (``re`` and ``datetime`` only): the
commands that load nothing else use it too.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from frdiff.errors import InputError, UsageError

__all__ = [
    "DOCUMENT_NUMBER",
    "FR_DOC_LINE",
    "ISO_DATE",
    "SUPPLEMENT_HEADING",
    "SUPPLEMENT_MENTION",
    "date_in_name",
    "document_number",
    "is_document_number",
    "is_iso_date",
    "iso_date",
    "last_complete_week",
    "parse_week",
    "relative_path",
    "report_window",
    "snapshot_file_name",
    "snapshot_ident",
    "supplement_number",
    "week_label",
]

#: A Federal Register document number: 2025-05427, legacy E9-12940, and corrections
#: such as C1-2026-16628 or R1-2019-12345 (the pattern's text, for embedding).
_DOCUMENT_NUMBER = r"(?:[A-Z]\d?-)?[A-Z]?\d{1,4}-\d{1,6}"
#: A whole document number (``DOCUMENT_NUMBER.match(text)`` checks all of ``text``).
DOCUMENT_NUMBER = re.compile(_DOCUMENT_NUMBER + r"\Z")
#: The "FR Doc. 2025-05427 Filed ..." line that ends every Federal Register document.
FR_DOC_LINE = re.compile(r"FR\s+Doc\.?\s*(?P<num>" + _DOCUMENT_NUMBER + ")", re.I)
#: YYYY-MM-DD, not inside a longer run of digits: whole (``fullmatch``) or found in
#: a text or file name (``search``); groups year, month, day.
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
#: "Supplement No. 4" anywhere in a text (an instruction, a heading); group ``n``.
SUPPLEMENT_MENTION = re.compile(r"supplement\s+no\.?\s*(?P<n>\d+)", re.I)
#: The heading of a supplement to Part 744 as the eCFR prints it ("Supplement No. 4
#: to Part 744", "Pt. 744, Supp. No. 4"); the number is group 1 or group 2.
SUPPLEMENT_HEADING = re.compile(
    r"^\s*supp(?:lement|\.)?\s*(?:no\.?\s*)?(\d+)\s+to\s+part\s+744\b|"
    r"^\s*pt\.\s*744\s*,\s*supp\.\s*(?:no\.\s*)?(\d+)\b",
    re.IGNORECASE,
)
_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


def is_document_number(text: object) -> bool:
    """Whether ``text`` is a Federal Register document number as written (upper case)."""
    return isinstance(text, str) and DOCUMENT_NUMBER.match(text) is not None


def document_number(text: str) -> str:
    """A validated Federal Register document number (upper-cased), or InputError."""
    value = str(text).strip().upper()
    if not DOCUMENT_NUMBER.match(value):
        raise InputError(f"not a Federal Register document number: {text!r}")
    return value


def is_iso_date(value: object) -> bool:
    """Whether ``value`` is a string YYYY-MM-DD naming a day that exists."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def iso_date(value: str | date) -> date:
    """A validated ISO date (YYYY-MM-DD that exists), or InputError."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not ISO_DATE.fullmatch(text):
        raise InputError(f"not an ISO date (YYYY-MM-DD): {value!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"no such date: {value!r}") from None


def date_in_name(name: str) -> str | None:
    """The YYYY-MM-DD in a file name ("supp4-2025-03-24.xml"), else None."""
    m = ISO_DATE.search(name)
    return m.group(0) if m else None


def supplement_number(value: int | str) -> int:
    """A validated supplement number (1-99), or InputError."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise InputError(f"not a supplement number: {value!r}") from None
    if not 1 <= n <= 99:
        raise InputError(f"not a supplement number: {value!r}")
    return n


def parse_week(text: str) -> tuple[date, date]:
    """An ISO week such as "2025-W13" -> (Monday, Sunday) of that week."""
    m = _WEEK.match(text or "")
    if not m:
        raise UsageError(f"not an ISO week (expected e.g. 2025-W13): {text!r}", where="--week")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise UsageError(f"{year} has no ISO week {week}", where="--week") from None
    return monday, monday + timedelta(days=6)


def week_label(day: date) -> str:
    """The ISO week holding ``day``: "2025-W13"."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def last_complete_week(today: date | None = None) -> tuple[date, date]:
    """Monday and Sunday of the last ISO week that ended before ``today``."""
    today = today or date.today()
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(days=7), this_monday - timedelta(days=1)


def report_window(
    week: str | None = None, since: date | None = None, until: date | None = None
) -> tuple[date, date, str | None]:
    """The weekly report's window: (first day, last day, ISO week label or None).

    An ISO week ("2025-W13"), or ``since`` and ``until`` together (labelled with its
    week when it is one), or by default the last complete ISO week.
    """
    if week and (since or until):
        raise UsageError("give either --week or --since/--until, not both", where="window")
    if week:
        start, end = parse_week(week)
        return start, end, week_label(start)
    if since or until:
        if not (since and until):
            raise UsageError("--since and --until go together", where="window")
        is_week = since.weekday() == 0 and (until - since).days == 6
        return since, until, week_label(since) if is_week else None
    start, end = last_complete_week()
    return start, end, week_label(start)


# ---------------------------------------------------------------------------
# File names (the store's and the fixtures' layout)


def snapshot_ident(on: date | str, supplement: int | str = 4) -> str:
    """The store's identifier of a snapshot: "4/2025-03-24"."""
    return f"{supplement_number(supplement)}/{iso_date(on).isoformat()}"


def snapshot_file_name(on: date | str, supplement: int | str = 4) -> str:
    """An eCFR copy's file name: "supp4-2025-03-24.xml"."""
    return f"supp{supplement_number(supplement)}-{iso_date(on).isoformat()}.xml"


def relative_path(kind: str, ident: str) -> str:
    """Where a document of ``kind`` lives under a store or fixtures root; every part is
    validated: "fr/2025-05427.xml", "fr/2025-05427.meta.json", "ecfr/supp4-2025-03-24.xml",
    or "api/{sha256(url)[:40]}.json" for another API response, keyed by its URL."""
    if kind == "rule":
        return f"fr/{document_number(ident)}.xml"
    if kind == "rule-metadata":
        return f"fr/{document_number(ident)}.meta.json"
    if kind == "snapshot":
        supp, _, day = ident.partition("/")
        return f"ecfr/{snapshot_file_name(day, supp)}"
    if kind == "api":
        if not ident.startswith(("http://", "https://")):
            raise InputError(f"an API record is keyed by its URL, not {ident!r}")
        import hashlib

        return f"api/{hashlib.sha256(ident.encode('utf-8')).hexdigest()[:40]}.json"
    raise InputError(f"unknown document kind {kind!r}")
