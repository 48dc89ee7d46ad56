"""``frdiff snapshot``, ``frdiff diff`` and ``frdiff apply``: whole versions of the list."""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import TYPE_CHECKING, Annotated

import click
import msgspec
from msgspec import structs

from frdiff.commands._common import dump_json, emit, output_option, read_input
from frdiff.errors import ParseError
from frdiff.model import Entry, Finding, ListNote, Snapshot

if TYPE_CHECKING:
    from frdiff.parse.cache import Digested
    from frdiff.parse.snapshot import ParseMemo

#: A file name: str from the command line, or any path object from a caller.
#: (os.path here, not pathlib: see :func:`frdiff.commands._common.emit`.)
FileName = str | os.PathLike[str]

_FILE_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_path_arg = click.Path(dir_okay=False, allow_dash=True)
no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    help="Parse the XML even when the parse cache holds it, and cache nothing "
    "(also: FRDIFF_NO_CACHE=1).",
)


class SnapshotLoader:
    """Loads the snapshots one command reads, through the parse cache.

    A cache hit needs neither the XML parser nor its import; the documents that
    are parsed share one :class:`~frdiff.parse.snapshot.ParseMemo`, so the second
    version of the list costs only its changed rows.  Standard input and JSON
    input are never cached.
    """

    def __init__(self, *, cache: bool = True) -> None:
        from frdiff.parse import cache as parse_cache

        self.cache = cache and parse_cache.enabled()
        self.memo: ParseMemo | None = None

    def load(self, path: FileName, date: str | None = None) -> Snapshot:
        """A snapshot from eCFR XML or from ``frdiff snapshot --format json`` output.

        The date is ``date`` if given, else what the document says, else a date in
        the file name ("supp4-2025-03-24.xml").  A file the cache knows, unchanged
        since it was read, is not read again.
        """
        path = os.fspath(path)
        name = os.path.basename(path)
        snap = self._known(path, name, date)
        if snap is None:
            st = os.stat(path) if self.cache and path != "-" else None
            data = read_input(path)
            if data.lstrip()[:1] == b"{":
                snap = _snapshot_from_json(data, name)
            else:
                snap = self._parse(data, path, name, date, st)
        if date:
            snap = structs.replace(snap, date=date)
        if snap.date is None and _file_date(name):
            snap = structs.replace(snap, date=_file_date(name))
        return snap

    def digested(self, path: FileName) -> tuple[Digested, str] | None:
        """A known, cached file's snapshot with its entries still encoded, and its
        label (its date, from the document or the file name, else its name)."""
        from frdiff.parse import cache as parse_cache

        path = os.fspath(path)
        key = self._known_key(path, None)
        name = os.path.basename(path)
        found = parse_cache.get_digested(key, source=name) if key else None
        if found is None:
            return None
        return found, found.date or _file_date(name) or name

    def _known(self, path: str, name: str, date: str | None) -> Snapshot | None:
        from frdiff.parse import cache as parse_cache

        key = self._known_key(path, date)
        return parse_cache.get_by_key(key, source=name) if key else None

    def _known_key(self, path: str, date: str | None) -> str | None:
        """The cache key of the file at ``path``, when the cache knows it unchanged."""
        if not self.cache or path == "-":
            return None
        from frdiff.parse import cache as parse_cache

        return parse_cache.file_key(path, date=date)

    def _parse(
        self, data: bytes, path: str, name: str, date: str | None, st: os.stat_result | None
    ) -> Snapshot:
        """Parse ``data`` (through the cache when ``st``, the file's stat, is given)."""
        from frdiff.parse import cache as parse_cache

        key = parse_cache.cache_key(data, date=date) if st else None
        snap = parse_cache.get_by_key(key, source=name) if key else None
        if snap is None:
            from frdiff.parse.snapshot import ParseMemo, parse_snapshot

            if self.memo is None:
                self.memo = ParseMemo()
            snap = parse_snapshot(data, source=name, date=date, memo=self.memo)
            if key:
                parse_cache.put_by_key(key, snap)
        if key and st:  # (key is only computed with st; mypy needs both)
            parse_cache.remember_file(path, st, key, date=date)
        return snap


def _file_date(name: str) -> str | None:
    """A date in a file name ("supp4-2025-03-24.xml"), else None."""
    m = _FILE_DATE.search(name)
    return m.group(1) if m else None


def load_snapshot(path: FileName, date: str | None = None, *, cache: bool = True) -> Snapshot:
    """One snapshot, as :meth:`SnapshotLoader.load` reads it."""
    return SnapshotLoader(cache=cache).load(path, date)


class _SnapshotJSON(msgspec.Struct):
    """``frdiff snapshot --format json`` output, as read back (unknown keys ignored)."""

    kind: str
    entries: tuple[Entry, ...]
    date: str | None = None
    source: str = ""
    rows: Annotated[int, msgspec.Meta(ge=0)] = 0
    accounting: dict[str, Annotated[int, msgspec.Meta(ge=0)]] = msgspec.field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    notes: tuple[ListNote, ...] = ()


def _snapshot_from_json(data: bytes, where: str) -> Snapshot:
    """A snapshot from ``frdiff snapshot --format json`` output, every field checked."""
    try:
        d = msgspec.json.decode(data, type=_SnapshotJSON)
    except RecursionError:
        raise ParseError("JSON nested too deeply to be a snapshot", where=where) from None
    except msgspec.DecodeError as exc:
        if _kind(data) not in (None, "snapshot"):
            raise ParseError("JSON is not a snapshot (kind != 'snapshot')", where=where) from None
        # msgspec names the place: "Expected `int`, got `str` - at `$.rows`"
        raise ParseError(f"not a snapshot JSON: {exc}", where=where) from None
    if d.kind != "snapshot":
        raise ParseError("JSON is not a snapshot (kind != 'snapshot')", where=where)
    if d.date is not None and not _is_iso_date(d.date):
        raise ParseError(f"snapshot 'date' is not an ISO date or null: {d.date!r:.60}", where=where)
    return Snapshot(
        entries=d.entries,
        date=d.date,
        source=d.source or where,
        findings=d.findings,
        rows=d.rows,
        accounting=tuple(d.accounting.items()),
        notes=d.notes,
    )


class _Kind(msgspec.Struct):
    kind: object = None


def _kind(data: bytes) -> object:
    """The "kind" of a JSON object, or None when there is no such key (or no object)."""
    try:
        return msgspec.json.decode(data, type=_Kind).kind
    except (msgspec.DecodeError, RecursionError):
        return None


def _is_iso_date(value: object) -> bool:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return False
    import datetime

    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def snapshot_markdown(snap: Snapshot) -> str:
    """A short readable summary of a snapshot: counts by country and findings."""
    by_country = Counter(e.country for e in snap.entries)
    lines = [
        f"# Entity List snapshot {snap.date or ''}".rstrip(),
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


@click.command("snapshot", short_help="Read an eCFR copy of the Entity List as entries.")
@click.argument("path", type=_path_arg)
@click.option("--date", help="The snapshot's date (YYYY-MM-DD) when the document does not say.")
@click.option("--format", "fmt", type=click.Choice(["json", "md"]), default="md", show_default=True)
@output_option
@no_cache_option
def snapshot_command(
    path: str, date: str | None, fmt: str, output: str | None, no_cache: bool
) -> None:
    """Read an eCFR copy of Supplement No. 4 to Part 744 (the Entity List) as entries.

    PATH is eCFR XML: the appendix alone or a whole part or title holding it
    ("-" for standard input).  Every table row becomes an entry or a finding.
    """
    snap = load_snapshot(path, date, cache=not no_cache)
    emit(dump_json(snap.to_dict()) if fmt == "json" else snapshot_markdown(snap), output)


@click.command("diff")
@click.argument("old", type=_path_arg)
@click.argument("new", type=_path_arg)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "md", "csv"]), default="md", show_default=True
)
@output_option
@no_cache_option
def diff_command(old: str, new: str, fmt: str, output: str | None, no_cache: bool) -> None:
    """Compare two versions of the Entity List, entry by entry and field by field.

    OLD and NEW are eCFR XML snapshots (or ``frdiff snapshot --format json``
    output).  Reports entries added, removed, modified, renamed (the old name now
    an alias, or a close name) and moved between countries.  Markup, whitespace
    and row order are never a change.
    """
    from frdiff.diff import diff_digested, diff_snapshots

    loader = SnapshotLoader(cache=not no_cache)
    # Both files known and cached: compare entry digests, decode only what changed.
    a, b = loader.digested(old), loader.digested(new)
    d = diff_digested(a[0], b[0], old_label=a[1], new_label=b[1]) if a and b else None
    if d is None:
        d = diff_snapshots(loader.load(old), loader.load(new))
    if fmt == "json":
        emit(dump_json(d.to_dict()), output)
    else:
        from frdiff.report import diff_csv, diff_markdown

        emit(diff_markdown(d) if fmt == "md" else diff_csv(d), output)


def _rule_meta(path: str) -> dict[str, object] | None:
    """The rule's FR API metadata from NAME.meta.json beside it, when present."""
    import json
    from pathlib import Path

    meta_path = Path(path).with_name(f"{Path(path).stem}.meta.json")
    if path == "-" or not meta_path.is_file():
        return None

    try:
        meta = json.loads(meta_path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"not valid JSON metadata: {exc}", where=str(meta_path)) from None
    return meta if isinstance(meta, dict) else None


@click.command("apply")
@click.argument("snapshot", type=_path_arg)
@click.argument("rules", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--against",
    type=click.Path(dir_okay=False),
    help="A later snapshot: cross-check 'SNAPSHOT + RULES' against it and report disagreements.",
)
@click.option(
    "--ignore",
    multiple=True,
    help="With --against: an entry field to leave out of the comparison (repeatable), "
    "e.g. addresses for a list that does not carry them.",
)
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@output_option
@no_cache_option
def apply_command(
    snapshot: str,
    rules: tuple[str, ...],
    against: str | None,
    ignore: tuple[str, ...],
    fmt: str,
    output: str | None,
    no_cache: bool,
) -> None:
    """Apply rules to a snapshot, in the order given, and print the resulting list.

    RULE files are Federal Register XML; a NAME.meta.json beside a rule (its FR
    API metadata) is used to resolve citation placeholders.  Findings name every
    revise or remove whose target is missing and every addition already listed.
    """
    from frdiff.apply import apply_rules, crosscheck
    from frdiff.parse.rule import parse_rule

    loader = SnapshotLoader(cache=not no_cache)
    base = loader.load(snapshot)
    changesets = [
        parse_rule(read_input(p), source=os.path.basename(p), meta=_rule_meta(p)) for p in rules
    ]  # fmt: skip
    if against is not None:
        result = crosscheck(base, changesets, loader.load(against), ignore=ignore).to_dict()
    else:
        result = apply_rules(base, changesets).to_dict()
    emit(dump_json(result), output)
