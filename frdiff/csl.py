"""The Consolidated Screening List (CSL) as files: reading its formats, and a digest.

trade.gov publishes the CSL as ``consolidated.csv`` (29 columns, multi-valued cells
joined by "; ") and ``consolidated.json`` (``results[]``, addresses as objects);
public projects also pass around compact derivatives of the JSON (one-letter keys
explained in a ``fieldKey``, repeated texts as indexes into ``tables``).
:func:`read_csl` takes any of the three, detected from the content, and returns the
rows of the BIS lists it knows, each labelled with its list, plus an accounting of
every record in the file: nothing is dropped without being counted, and a file that
is damaged (cut off mid-row, a header repeated) says so in ``findings``.

Lists are data: :data:`CSL_LISTS` names each BIS list the CSL carries, its code in
the CSL's ``source`` text and its supplement to 15 CFR Part 744.  Which of them are
audited is the caller's choice (:data:`AUDITED_LISTS`), so adding the Unverified
List and the Military End-User list is a matter of adding their codes there once
frdiff reads Supplements No. 6 and 7.

:func:`content_digest` is a row-order-insensitive digest of one list's rows, so a
reordered file (the CSL's files are regenerated often, rows reshuffled) can be told
from a changed one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from msgspec import Struct

from frdiff.errors import ParseError, TooLargeError
from frdiff.model import ERROR, INFO, WARNING, Finding
from frdiff.normalize import clean

__all__ = [
    "AUDITED_LISTS",
    "CSL_LISTS",
    "CslFile",
    "CslList",
    "CslRow",
    "content_digest",
    "read_csl",
]

#: The complete consolidated.json is about 40 MB; leave room for growth.
MAX_CSL_BYTES = 256 * 1024 * 1024


class CslList(Struct, frozen=True):
    """One BIS list as the CSL labels it.

    ``code`` is the abbreviation in the CSL's ``source`` text ("Entity List (EL) -
    Bureau of Industry and Security"); ``supplement`` the list's supplement to 15 CFR
    Part 744.
    """

    id: str
    code: str
    supplement: int
    title: str


#: The BIS lists in the CSL, by their code in the ``source`` text.
CSL_LISTS: dict[str, CslList] = {
    "EL": CslList("entity-list", "EL", 4, "Entity List"),
    "UVL": CslList("unverified-list", "UVL", 6, "Unverified List"),
    "MEU": CslList("military-end-user", "MEU", 7, "Military End-User List"),
}
#: The lists frdiff can audit today: those whose supplement it reads.
AUDITED_LISTS = ("EL",)

_SOURCE_CODE = re.compile(r"\(([A-Z][A-Z-]{1,12})\)")
#: The columns a consolidated.csv header must carry to be read as one.
_CSV_REQUIRED = ("source", "name", "alt_names", "federal_register_notice")


class CslRow(Struct, frozen=True):
    """One CSL record of a BIS list, in the same shape whatever the file format.

    ``row`` is where it was read: the record number in the file (1 = the first data
    record, counting every list's; ``where`` says the same for a reader, with the
    line for CSV).  ``countries`` are the ISO codes of the
    addresses (the derivative carries only these); ``addresses`` the address texts
    (empty in the derivative).
    """

    row: int
    list: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    license_requirement: str = ""
    license_policy: str = ""
    federal_register_notice: str = ""
    start_date: str = ""
    id: str = ""
    where: str = ""

    def canonical(self) -> tuple[Any, ...]:
        """The row's content, without its place or identifier: what the digest covers."""
        return (
            self.list,
            self.name,
            self.aliases,
            self.addresses,
            self.countries,
            self.license_requirement,
            self.license_policy,
            self.federal_register_notice,
            self.start_date,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "where": self.where,
            "id": self.id,
            "list": self.list,
            "name": self.name,
            "aliases": [*self.aliases],
            "addresses": [*self.addresses],
            "countries": [*self.countries],
            "license_requirement": self.license_requirement,
            "license_policy": self.license_policy,
            "federal_register_notice": self.federal_register_notice,
            "start_date": self.start_date,
        }


class CslFile(Struct, frozen=True):
    """What :func:`read_csl` read: the BIS lists' rows and how every record was used.

    ``format`` is "csv", "json" or "derived"; ``date`` the day the file was generated
    when it says (ISO), else a date in its name, else None (``date_from`` says which;
    the CSV carries no date of its own).  ``accounting`` counts the
    file's records by what they became (a row of a BIS list, a record of another
    list, a repeated header, a row cut off ...); the counts add up to ``records``.
    ``complete`` is False when records were lost (a file cut off, unreadable rows).
    """

    source: str
    format: str
    rows: tuple[CslRow, ...]
    records: int
    accounting: tuple[tuple[str, int], ...]
    date: str | None = None
    findings: tuple[Finding, ...] = ()
    complete: bool = True
    #: Where ``date`` comes from: "sourceGeneratedAt", "sources_used", "file name",
    #: "given" (by the caller) or "" when there is none.
    date_from: str = ""

    def rows_of(self, list_id: str) -> tuple[CslRow, ...]:
        return tuple(r for r in self.rows if r.list == list_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "date": self.date,
            "date_from": self.date_from,
            "records": self.records,
            "complete": self.complete,
            "accounting": dict(self.accounting),
            "findings": [f.to_dict() for f in self.findings],
        }


def content_digest(rows: Iterable[CslRow]) -> str:
    """A digest of rows' content that does not depend on their order.

    sha256 over the sorted canonical rows (one compact JSON array per row, without
    the row's place or identifier), as ``sha256:HEX``.  Two files with the same rows
    in another order share it; changing one alias changes it.
    """
    lines = sorted(
        json.dumps(r.canonical(), ensure_ascii=False, separators=(",", ":")) for r in rows
    )
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return "sha256:" + h.hexdigest()


# ---------------------------------------------------------------------------
# Reading


def read_csl(path: str | os.PathLike[str]) -> CslFile:
    """Read a CSL file (CSV, JSON or the compact derivative), detected from content.

    Raises :class:`~frdiff.errors.ParseError` for a file that is not a CSL at all
    (XML, a frdiff snapshot, a CSV without the CSL's columns) and for damage that
    leaves nothing trustworthy; damage it can read past (a repeated header, a final
    row cut off) becomes a finding and ``complete=False``.
    """
    where = os.path.basename(os.fspath(path))
    with open(path, "rb") as f:
        data = f.read(MAX_CSL_BYTES + 1)
    if len(data) > MAX_CSL_BYTES:
        raise TooLargeError(f"CSL file is over the {MAX_CSL_BYTES:,}-byte limit", where=where)
    return parse_csl(data, source=where)


def parse_csl(data: bytes, *, source: str = "") -> CslFile:
    """:func:`read_csl` for bytes already in memory; ``source`` names them in messages."""
    where = source or "CSL file"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(f"not UTF-8 text (byte {exc.start}, line {line})", where=where) from None
    head = text.lstrip()[:1]
    if not head:
        raise ParseError("empty file, not a Consolidated Screening List", where=where)
    if head == "<":
        raise ParseError("XML, not a Consolidated Screening List (CSV or JSON)", where=where)
    if head in "{[":
        return _parse_json(text, where)
    return _parse_csv(text, where)


def _file_date(name: str) -> str | None:
    m = re.search(r"(\d{4}-\d{2}-\d{2})", name)
    return m.group(1) if m else None


def _iso_day(value: object) -> str | None:
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


def list_code(source: str) -> str | None:
    """The list code in a CSL ``source`` text ("... (EL) - ..." -> "EL"), else the
    code of the BIS list whose title it names, else None."""
    m = _SOURCE_CODE.search(source)
    if m:
        return m.group(1)
    folded = source.casefold()
    return next((c for c, spec in CSL_LISTS.items() if spec.title.casefold() in folded), None)


class _Collector:
    """Turns records into rows and counts each record by what it became."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.rows: list[CslRow] = []
        self.counts: Counter[str] = Counter()
        self.findings: list[Finding] = []
        self.records = 0
        self.complete = True

    def count(self, kind: str) -> None:
        self.records += 1
        self.counts[kind] += 1

    def add(self, source: str, make: Any) -> None:
        code = list_code(source)
        spec = CSL_LISTS.get(code or "")
        if spec is None:
            self.count("other-list")
            return
        self.count(spec.id)
        self.rows.append(make(spec.id, self.records))

    def finish(self, fmt: str, date: str | None, date_from: str) -> CslFile:
        if date is None and (date := _file_date(self.where)):
            date_from = "file name"
        if not self.rows and not any(k in self.counts for k in ("other-list",)):
            raise ParseError("no CSL records found", where=self.where)
        return CslFile(
            source=self.where,
            format=fmt,
            rows=tuple(self.rows),
            records=self.records,
            accounting=tuple(sorted(self.counts.items())),
            date=date,
            date_from=date_from if date else "",
            findings=tuple(self.findings),
            complete=self.complete,
        )


def _split(cell: str) -> tuple[str, ...]:
    return tuple(x for x in (clean(p) for p in cell.split(";")) if x)


_COUNTRY_END = re.compile(r",\s*([A-Z]{2})$")


def _csv_countries(addresses: Sequence[str]) -> tuple[str, ...]:
    """The ISO codes that end the CSV's addresses ("..., Kabul, AF")."""
    out: list[str] = []
    for a in addresses:
        m = _COUNTRY_END.search(a)
        code = m.group(1) if m else (a if re.fullmatch(r"[A-Z]{2}", a) else None)
        if code and code not in out:
            out.append(code)
    return tuple(out)


def _parse_csv(text: str, where: str) -> CslFile:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise ParseError(f"not a CSL CSV: unreadable header ({exc})", where=where) from None
    cols = {name.strip().lstrip("\ufeff"): i for i, name in enumerate(header)}
    missing = [c for c in _CSV_REQUIRED if c not in cols]
    if missing:
        raise ParseError(
            f"not a CSL CSV: the header lacks {', '.join(missing)} (read {len(header)} columns)",
            where=f"{where}, line 1",
        )
    got = _Collector(where)
    width = len(header)
    records: Iterator[list[str]] = iter(reader)
    while True:
        line = reader.line_num + 1
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            if "end of data" not in str(exc):
                raise ParseError(f"unreadable CSV ({exc})", where=f"{where}, line {line}") from None
            # A quoted cell still open at the end: the file was cut off mid-row.
            got.count("cut-off")
            got.complete = False
            got.findings.append(
                Finding(
                    ERROR,
                    "csl-cut-off",
                    "the file ends inside a quoted cell: its last record is cut off, and "
                    "whatever followed it is missing; this audit covers only the rows before it",
                    where=f"{where}, line {line}",
                    text=text[-120:].replace("\n", " "),
                )
            )
            break
        if not any(c.strip() for c in record):
            continue  # a blank line is no record
        if [c.strip() for c in record] == [h.strip() for h in header]:
            got.count("header-repeated")
            got.findings.append(
                Finding(
                    WARNING,
                    "csl-header-repeated",
                    "the header row appears again as a record; it was skipped",
                    where=f"{where}, line {line}",
                )
            )
            continue
        if len(record) != width:
            got.count("malformed")
            got.complete = False
            got.findings.append(
                Finding(
                    ERROR,
                    "csl-malformed-row",
                    f"a record with {len(record)} cells where the header has {width}; not read",
                    where=f"{where}, line {line}",
                    text=",".join(record)[:200],
                )
            )
            continue

        def cell(name: str, rec: list[str] = record) -> str:
            i = cols.get(name)
            return rec[i] if i is not None else ""

        def make(list_id: str, n: int, line: int = line, cell: Any = cell) -> CslRow:
            addresses = _split(cell("addresses"))
            return CslRow(
                row=n,
                list=list_id,
                name=clean(cell("name")),
                aliases=_split(cell("alt_names")),
                addresses=addresses,
                countries=_csv_countries(addresses),
                license_requirement=clean(cell("license_requirement")),
                license_policy=clean(cell("license_policy")),
                federal_register_notice=clean(cell("federal_register_notice")),
                start_date=clean(cell("start_date")),
                id=clean(cell("_id") or cell("id") or cell("entity_number")),
                where=f"{where}, line {line}",
            )

        got.add(cell("source"), make)
    return got.finish("csv", None, "")


def _parse_json(text: str, where: str) -> CslFile:
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ParseError("JSON nested too deeply to be a CSL file", where=where) from None
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not valid JSON ({exc.msg}, line {exc.lineno}, column {exc.colno})", where=where
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("fieldKey"), dict) and "entries" in doc:
        return _parse_derived(doc, where)
    if isinstance(doc, dict) and "results" in doc:
        return _parse_results(doc, where)
    kind = doc.get("kind") if isinstance(doc, dict) else None
    what = (
        f"a frdiff {kind} JSON" if isinstance(kind, str) else "JSON without 'results' or 'entries'"
    )
    raise ParseError(f"{what}, not a Consolidated Screening List", where=where)


def _text(value: object, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ParseError(f"expected text, got {type(value).__name__}", where=where)


def _texts(value: object, where: str) -> tuple[str, ...]:
    """A list of texts, or one text with "; " between items (as CSV cells are)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return _split(value)
    if isinstance(value, list):
        return tuple(t for i, v in enumerate(value) if (t := _text(v, f"{where}[{i}]")))
    raise ParseError(f"expected a list of texts, got {type(value).__name__}", where=where)


def _address(value: object, where: str) -> tuple[str, str]:
    """One consolidated.json address object as (text, country code)."""
    if isinstance(value, str):
        text = clean(value)
        codes = _csv_countries([text])
        return text, codes[0] if codes else ""
    if not isinstance(value, dict):
        raise ParseError(f"expected an address object, got {type(value).__name__}", where=where)
    parts = [
        _text(value.get(k), f"{where}.{k}") for k in ("address", "city", "state", "postal_code")
    ]
    code = _text(value.get("country"), f"{where}.country")
    text = ", ".join(p for p in (*parts, code) if p)
    return text, code


def _parse_results(doc: dict[str, Any], where: str) -> CslFile:
    results = doc.get("results")
    if not isinstance(results, list):
        raise ParseError("'results' is not a list", where=where)
    got = _Collector(where)
    for i, item in enumerate(results):
        at = f"{where}: results[{i}]"
        if not isinstance(item, dict):
            raise ParseError(f"expected an object, got {type(item).__name__}", where=at)

        def make(list_id: str, n: int, item: dict[str, Any] = item, at: str = at) -> CslRow:
            raw = item.get("addresses") or []
            if not isinstance(raw, list):
                raise ParseError("'addresses' is not a list", where=at)
            pairs = [_address(a, f"{at}.addresses[{j}]") for j, a in enumerate(raw)]
            countries: list[str] = []
            for _, code in pairs:
                if code and code not in countries:
                    countries.append(code)
            name = _text(item.get("name"), f"{at}.name")
            if not name:
                raise ParseError("a record without a name", where=at)
            return CslRow(
                row=n,
                list=list_id,
                name=name,
                aliases=_texts(item.get("alt_names"), f"{at}.alt_names"),
                addresses=tuple(t for t, _ in pairs if t),
                countries=tuple(countries),
                license_requirement=_text(
                    item.get("license_requirement"), f"{at}.license_requirement"
                ),
                license_policy=_text(item.get("license_policy"), f"{at}.license_policy"),
                federal_register_notice=_text(
                    item.get("federal_register_notice"), f"{at}.federal_register_notice"
                ),
                start_date=_text(item.get("start_date"), f"{at}.start_date"),
                id=_text(item.get("id") or item.get("entity_number"), f"{at}.id"),
                where=at,
            )

        got.add(_text(item.get("source"), f"{at}.source"), make)
    # The API's answer says when each source was last imported: the latest is the date.
    used = doc.get("sources_used")
    days = (
        [_iso_day(u.get("last_imported")) for u in used if isinstance(u, dict)]
        if isinstance(used, list)
        else []
    )
    date = max((d for d in days if d), default=None)
    return got.finish("json", date, "sources_used")


def _parse_derived(doc: dict[str, Any], where: str) -> CslFile:
    tables = doc.get("tables")
    entries = doc.get("entries")
    if not isinstance(tables, dict) or not isinstance(entries, list):
        raise ParseError(
            "a derived CSL file needs 'tables' (object) and 'entries' (list)", where=where
        )

    def table(name: str) -> list[Any]:
        t = tables.get(name)
        if not isinstance(t, list):
            raise ParseError(f"'tables.{name}' is missing or not a list", where=where)
        return t

    sources, requirements, policies = (
        table("sources"),
        table("licenceRequirements"),
        table("licencePolicies"),
    )

    def pick(values: list[Any], item: dict[str, Any], key: str, at: str) -> str:
        i = item.get(key)
        if i is None:
            return ""
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(values):
            raise ParseError(f"'{key}' is not an index into its table: {i!r:.40}", where=at)
        return _text(values[i], f"{at}.{key}")

    got = _Collector(where)
    for i, item in enumerate(entries):
        at = f"{where}: entries[{i}]"
        if not isinstance(item, dict):
            raise ParseError(f"expected an object, got {type(item).__name__}", where=at)

        def make(list_id: str, n: int, item: dict[str, Any] = item, at: str = at) -> CslRow:
            name = _text(item.get("n"), f"{at}.n")
            if not name:
                raise ParseError("an entry without a name ('n')", where=at)
            return CslRow(
                row=n,
                list=list_id,
                name=name,
                aliases=_texts(item.get("a"), f"{at}.a"),
                countries=_texts(item.get("c"), f"{at}.c"),
                license_requirement=pick(requirements, item, "lr", at),
                license_policy=pick(policies, item, "lp", at),
                federal_register_notice=_text(item.get("fr"), f"{at}.fr"),
                id=_text(item.get("e"), f"{at}.e"),
                where=at,
            )

        got.add(pick(sources, item, "s", at), make)
    if not got.findings:
        got.findings.append(
            Finding(
                INFO,
                "csl-no-addresses",
                "this derivative carries address countries but no address texts; "
                "addresses are compared by country only",
                where=where,
            )
        )
    return got.finish("derived", _iso_day(doc.get("sourceGeneratedAt")), "sourceGeneratedAt")
