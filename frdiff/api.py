"""The library API's functions (exported lazily by :mod:`frdiff`): documents from a
path or from bytes in, frozen model structs out.  The commands are these plus
formatting."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frdiff.apply import Applied, CrossCheck
    from frdiff.archive import Archive
    from frdiff.csl_audit import CslAudit
    from frdiff.model import ChangeSet, Diff, Snapshot
    from frdiff.weekly import WeeklyReport

#: A document: its bytes, or the path of a file holding it ("-" is standard input).
Source = bytes | str | os.PathLike[str]


def _document(source: Source, name: str | None) -> tuple[bytes, str]:
    """The bytes of a document and its name (``name``, else the file's base name)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), name or ""
    if isinstance(source, str | os.PathLike):
        from frdiff.files import read_document

        path = os.fspath(source)
        return read_document(path), name or os.path.basename(path)
    raise TypeError(f"expected a path or the document's bytes, got {type(source).__name__}")


def parse_rule(
    source: Source, *, meta: dict[str, Any] | str | os.PathLike[str] | None = None, name: str = ""
) -> ChangeSet:
    """Read what one Federal Register rule does to the Entity List.

    ``source`` is the rule's full-text XML, as a path or as bytes; ``meta`` its
    Federal Register API metadata (documents/NUMBER.json) as a dict or a path, which
    completes the rule's identity (publication date, citation, pages) and resolves
    citation placeholders.  ``name`` names the document in findings (default: the
    file name).  Raises :class:`~frdiff.errors.ParseError` for anything that is not
    such a rule; irregularities inside a real one are findings in the result.
    """
    from frdiff.files import read_rule_meta
    from frdiff.parse.rule import parse_rule as parse

    data, where = _document(source, name)
    if meta is not None and not isinstance(meta, dict):
        meta = read_rule_meta(meta)
    return parse(data, source=where, meta=meta)


def parse_snapshot(
    source: Source, *, date: str | None = None, name: str = "", cache: bool = True
) -> Snapshot:
    """Read a whole copy of the Entity List: eCFR XML (the appendix alone or a whole
    part or title holding it) or ``frdiff snapshot --format json`` output, as a path
    or as bytes.

    ``date`` is the copy's date when the document does not say (a file name such as
    "supp4-2025-03-24.xml" also does); ``name`` names the document in entries and
    findings.  Parses go through the parse cache unless ``cache`` is false.
    """
    from frdiff.cache import SnapshotLoader

    loader = SnapshotLoader(cache=cache)
    if isinstance(source, str | os.PathLike) and not name:
        return loader.load(source, date)
    data, where = _document(source, name)
    return loader.load_bytes(data, source=where, date=date)


def _snapshot(value: Snapshot | Source) -> Snapshot:
    from frdiff.model import Snapshot

    return value if isinstance(value, Snapshot) else parse_snapshot(value)


def diff_snapshots(old: Snapshot | Source, new: Snapshot | Source) -> Diff:
    """What differs between two copies of the list, entry by entry and field by field:
    added, removed, modified, renamed and moved entries (see :mod:`frdiff.diff`).

    Each side is a :class:`~frdiff.model.Snapshot` or a document as
    :func:`parse_snapshot` reads it.
    """
    from frdiff.diff import diff_snapshots as diff

    return diff(_snapshot(old), _snapshot(new))


def _changesets(rules: Iterable[ChangeSet | Source]) -> list[ChangeSet]:
    """Rules already read, or rule documents (a file's NAME.meta.json beside it is
    read as its metadata, as ``frdiff apply`` does)."""
    from frdiff.files import rule_meta_beside
    from frdiff.model import ChangeSet

    out = []
    for rule in rules:
        if isinstance(rule, ChangeSet):
            out.append(rule)
        elif isinstance(rule, str | os.PathLike):
            out.append(parse_rule(rule, meta=rule_meta_beside(rule)))
        else:
            out.append(parse_rule(rule))
    return out


def apply_rules(snapshot: Snapshot | Source, rules: Iterable[ChangeSet | Source]) -> Applied:
    """Play rules onto a copy of the list, in the order given.

    ``snapshot`` as :func:`diff_snapshots` takes it; each rule a
    :class:`~frdiff.model.ChangeSet` or a rule document (path or bytes).  The
    result's ``snapshot`` is the list after the rules, its ``findings`` every revise
    or remove whose target is missing and every addition already listed.
    """
    from frdiff.apply import apply_rules as apply

    return apply(_snapshot(snapshot), _changesets(rules))


def crosscheck(
    before: Snapshot | Source,
    rules: Iterable[ChangeSet | Source],
    after: Snapshot | Source,
    *,
    ignore: Iterable[str] = (),
) -> CrossCheck:
    """Check "``before`` + ``rules``" against the later copy ``after``: every
    disagreement is a finding (``ignore`` leaves entry fields out, e.g.
    ``["addresses"]`` for a copy that does not record them)."""
    from frdiff.apply import crosscheck as check

    return check(_snapshot(before), _changesets(rules), _snapshot(after), ignore=tuple(ignore))


def weekly_report(
    week: str | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
    fixtures: str | os.PathLike[str] | None = None,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    supplements: Sequence[int] | None = None,
) -> WeeklyReport:
    """The weekly report (what ``frdiff weekly`` renders) for an ISO week ("2025-W13"),
    or the days ``since`` to ``until``, by default the last complete ISO week.

    Documents come from a fixtures directory (``fixtures``), or from the local store
    (``cache_dir``, default: the user cache directory) and, unless ``offline``, the
    Federal Register and eCFR services.  ``supplements`` are the lists reported on
    (every list frdiff reads unless told; the first is the report's own, the others
    in its ``lists``).  ``to_dict()`` gives the report's JSON.
    """
    from pathlib import Path

    from frdiff.archive import Archive
    from frdiff.ids import report_window
    from frdiff.weekly import build_weekly_lists

    start, end, label = report_window(week, since, until)
    with Archive.open(
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
        offline=offline,
        fixtures_dir=Path(fixtures) if fixtures is not None else None,
    ) as archive:
        return build_weekly_lists(archive, start, end, week=label, supplements=supplements)


def audit_csl(
    csl: Source,
    *,
    against: Snapshot | Source | None = None,
    archive: Archive | None = None,
    as_of: date | None = None,
    csl_date: date | None = None,
    name: str = "",
) -> CslAudit:
    """Audit a Consolidated Screening List file (trade.gov's consolidated.csv or
    .json, or its compact derivative; a path or bytes) against the list frdiff reads.

    ``against`` is the list (a :class:`~frdiff.model.Snapshot` or a document as
    :func:`parse_snapshot` reads it); without it, the latest list built from
    ``archive`` (an :class:`~frdiff.archive.Archive`) with the rules published since
    its copy applied, as it stood on ``as_of`` (default: today).  ``csl_date`` is the
    file's date for the lags when it says none.  Raises
    :class:`~frdiff.errors.ParseError` for a file that is not a CSL and
    :class:`~frdiff.errors.InputError` for one without Entity List rows; damage it can
    read past is in the result's findings.  See :mod:`frdiff.csl_audit`.
    """
    from msgspec import structs

    from frdiff.csl import AUDITED_LISTS, CSL_LISTS, parse_csl, read_csl
    from frdiff.csl_audit import audit_csl as audit
    from frdiff.csl_audit import require_rows
    from frdiff.current import CurrentList, latest_list
    from frdiff.errors import UsageError

    if isinstance(csl, str | os.PathLike) and not name:
        parsed = read_csl(csl)  # (bounded for the CSL's size, above a rule's or a copy's)
    else:
        data, where = _document(csl, name)
        parsed = parse_csl(data, source=where)
    if csl_date is not None:
        parsed = structs.replace(parsed, date=csl_date.isoformat(), date_from="given")
    require_rows(parsed, AUDITED_LISTS)  # before the list is built: fail fast
    built: dict[str, CurrentList] = {}
    for code in AUDITED_LISTS:
        if against is not None:
            snap = _snapshot(against)
            built[code] = CurrentList(snap, None, None, source=snap.source or "list")
        elif archive is not None:
            built[code] = latest_list(archive, as_of=as_of, supplement=CSL_LISTS[code].supplement)
        else:
            raise UsageError("give the list to audit against, or an archive to build it from")
    first = built[AUDITED_LISTS[0]]
    return audit(
        parsed,
        {code: c.snapshot for code, c in built.items()},
        against=first.source,
        against_date=first.as_of.isoformat() if first.as_of else first.snapshot.date,
        rules=[cs for c in built.values() for cs in c.changesets],
        findings=[f for c in built.values() for f in c.findings],
    )
