"""Counterparty files: a CSV or Excel (.xlsx) sheet with a header row.

:func:`read_parties` reads one into :class:`Party` values.  The header must hold
the name column (``name`` unless told otherwise); ``id``, ``country`` and
``address`` columns are used when present (matched case-insensitively, surrounding
spaces ignored).  Rows left wholly blank are skipped; anything else that cannot
be read (no header, no name column, a row without a name, a cell that is not
text, a file that is not CSV or XLSX, text that is not UTF-8) is an
:class:`~frdiff.errors.InputError` naming the file, row and column.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from frdiff.errors import InputError

__all__ = ["Party", "read_decisions", "read_parties"]

#: Bound on a parties file (a million rows of 200 bytes).
MAX_BYTES = 256 * 1024 * 1024
#: Bound on one cell.
MAX_CELL = 2000
OPTIONAL_COLUMNS = ("id", "country", "address")


@dataclass(frozen=True, slots=True)
class Party:
    """One counterparty: ``row`` is its line in the file (the header is row 1)."""

    id: str
    name: str
    row: int
    country: str = ""
    address: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "row": self.row,
            "country": self.country,
            "address": self.address,
        }


def _rows_csv(data: bytes, where: str) -> Iterator[tuple[int, list[str]]]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        raise InputError("not a CSV file (binary content); give a .csv or .xlsx file", where=where)
    lines = data.splitlines(keepends=True)
    text_lines = []
    for number, line in enumerate(lines, 1):
        try:
            text_lines.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InputError(
                f"row {number}: not UTF-8 text (byte {line[exc.start]:#04x} at column "
                f"{exc.start + 1}); save the file as UTF-8 CSV",
                where=where,
            ) from None
    try:
        for number, row in enumerate(csv.reader(io.StringIO("".join(text_lines))), 1):
            yield number, row
    except csv.Error as exc:
        raise InputError(f"not readable as CSV: {exc}", where=where) from None


def _rows_xlsx(data: bytes, where: str) -> Iterator[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable .xlsx workbook: {exc}", where=where) from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise InputError("the workbook has no sheet", where=where)
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        row = []
        for col, value in enumerate(values, 1):
            if value is None:
                row.append("")
            elif isinstance(value, str | int | float):
                row.append(
                    str(value).removesuffix(".0") if isinstance(value, float) else str(value)
                )
            else:
                row.append(str(value))
            if len(row[-1]) > MAX_CELL:
                raise InputError(
                    f"row {number}, column {col}: cell over {MAX_CELL} characters", where=where
                )
        yield number, row
    book.close()


def _rows(path: str | os.PathLike[str]) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    where = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError(f"over the {MAX_BYTES:,}-byte limit", where=where)
    is_zip = data[:4] == b"PK\x03\x04"
    ext = os.path.splitext(where)[1].lower()
    if ext in (".xlsx", ".xlsm") or is_zip:
        if not is_zip:
            raise InputError("not an .xlsx workbook (no zip signature)", where=where)
        return where, _rows_xlsx(data, where)
    if ext in (".xls", ".ods", ".pdf", ".json", ".xml", ".zip"):
        raise InputError(
            f"a {ext} file is not supported; give a .csv (UTF-8) or .xlsx file", where=where
        )
    return where, _rows_csv(data, where)


def _header(where: str, rows: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    for number, row in rows:
        if any(c.strip() for c in row):
            return number, [c.strip().lower() for c in row]
    raise InputError("no header row (the file is empty)", where=where)


def _column(header: Sequence[str], name: str) -> int | None:
    wanted = name.strip().lower()
    return header.index(wanted) if wanted in header else None


def read_table(
    path: str | os.PathLike[str], required: Sequence[str], optional: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: cell}) for each non-blank row of a CSV or XLSX file.

    Raises an InputError naming the file when a required column is missing.
    """
    where, rows = _rows(path)
    header_row, header = _header(where, rows)
    columns: dict[str, int] = {}
    for name in required:
        at = _column(header, name)
        if at is None:
            shown = ", ".join(repr(h) for h in header if h) or "none"
            raise InputError(
                f"row {header_row}: no {name!r} column in the header (columns: {shown})",
                where=where,
            )
        columns[name] = at
    for name in optional:
        at = _column(header, name)
        if at is not None:
            columns[name] = at
    for number, row in rows:
        if not any(c.strip() for c in row):
            continue
        cells = {}
        for name, at in columns.items():
            value = row[at].strip() if at < len(row) else ""
            if len(value) > MAX_CELL:
                raise InputError(
                    f"row {number}, column {name!r}: cell over {MAX_CELL} characters", where=where
                )
            cells[name] = value
        yield number, cells


def read_parties(path: str | os.PathLike[str], *, name_column: str = "name") -> list[Party]:
    """The counterparties in a CSV or XLSX file (see the module docstring)."""
    where = os.fspath(path)
    out = []
    seen: dict[str, int] = {}
    for number, cells in read_table(path, [name_column], OPTIONAL_COLUMNS):
        name = cells[name_column]
        if not name:
            raise InputError(
                f"row {number}, column {name_column!r}: the name is empty", where=where
            )
        ident = cells.get("id", "") or str(number)
        if ident in seen and "id" in cells:
            raise InputError(
                f"row {number}, column 'id': {ident!r} is also the id of row {seen[ident]}",
                where=where,
            )
        seen[ident] = number
        out.append(Party(ident, name, number, cells.get("country", ""), cells.get("address", "")))
    return out


@dataclass(frozen=True, slots=True)
class Decision:
    """An analyst's decision on one match: ``status`` is "cleared" or "escalated"."""

    party_id: str
    entry: str
    status: str
    note: str
    date: str
    row: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "party_id": self.party_id,
            "entry": self.entry,
            "status": self.status,
            "note": self.note,
            "date": self.date,
        }


DECISION_STATUSES = ("cleared", "escalated")


def read_decisions(path: str | os.PathLike[str]) -> list[Decision]:
    """Analysts' decisions: columns ``party_id`` (or ``id``), ``entry``, ``decision``
    (or ``status``: cleared | escalated), and optional ``note`` and ``date``."""
    from datetime import date

    where = os.fspath(path)
    _, rows = _rows(path)
    header_row, header = _header(where, rows)

    def pick(names: Iterable[str], required: bool = True) -> str:
        for n in names:
            if n in header:
                return n
        if required:
            raise InputError(
                f"row {header_row}: no {' or '.join(repr(n) for n in names)} column",
                where=where,
            )
        return ""

    id_col = pick(("party_id", "party id", "id"))
    status_col = pick(("decision", "status"))
    required = [id_col, "entry", status_col]
    pick(("entry",))
    out = []
    for number, cells in read_table(path, required, ("note", "date")):
        status = cells[status_col].lower()
        if status not in DECISION_STATUSES:
            raise InputError(
                f"row {number}, column {status_col!r}: {cells[status_col]!r:.40} is not "
                "cleared or escalated",
                where=where,
            )
        if not cells[id_col] or not cells["entry"]:
            column = id_col if not cells[id_col] else "entry"
            raise InputError(f"row {number}, column {column!r}: empty", where=where)
        when = cells.get("date", "")
        if when:
            try:
                date.fromisoformat(when)
            except ValueError:
                raise InputError(
                    f"row {number}, column 'date': {when!r:.40} is not a date (YYYY-MM-DD)",
                    where=where,
                ) from None
        out.append(
            Decision(cells[id_col], cells["entry"], status, cells.get("note", ""), when, number)
        )
    return out
