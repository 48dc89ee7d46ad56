"""The latest Entity List frdiff can build: an eCFR copy plus the rules published since.

The eCFR compiles the list a business day or two behind the Federal Register, and
a store may hold an older copy still.  :func:`latest_list` takes the latest copy
on or before the day asked for and plays the rules published after that copy (up
to that day) onto it with :func:`frdiff.apply.apply_rules`, so that a screening
or an alert reads the list as it stood that day.  :func:`list_from_file` reads a
list the caller names instead (an eCFR copy or ``frdiff snapshot`` JSON).

Both return a :class:`CurrentList`, whose ``to_dict()`` says what was used:

    {"source": "eCFR copy of 2025-03-24 + 1 rule(s)", "date": "2025-03-30",
     "copy_date": "2025-03-24", "rules": ["2025-05427"], "entries": 3301,
     "findings": [...]}
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from frdiff import lists
from frdiff.errors import FrdiffError, OfflineMissingError
from frdiff.model import WARNING, ChangeSet, Finding, Snapshot

if TYPE_CHECKING:
    from frdiff.archive import Archive

__all__ = ["CurrentList", "latest_list", "list_from_file"]


@dataclass(frozen=True, slots=True)
class CurrentList:
    """A version of the list and how it was built.

    ``snapshot`` is the list itself; ``copy_date`` the date of the eCFR copy it
    starts from (None when a file without a date was given); ``rules`` the
    document numbers of the rules applied to that copy, oldest first;
    ``changesets`` those rules as parsed; ``findings`` whatever did not apply
    cleanly (or could not be searched); ``as_of`` the day the list stands for.
    """

    snapshot: Snapshot
    copy_date: date | None
    as_of: date | None
    source: str
    rules: tuple[str, ...] = ()
    changesets: tuple[ChangeSet, ...] = ()
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "date": self.as_of.isoformat() if self.as_of else None,
            "copy_date": self.copy_date.isoformat() if self.copy_date else None,
            "rules": list(self.rules),
            "entries": len(self.snapshot.entries),
            "findings": [f.to_dict() for f in self.findings],
        }


def _load_copy(archive: Archive, on: date, supplement: int) -> Snapshot:
    from frdiff.cache import parse_cached

    data = archive.snapshot_xml(on, supplement)
    source = f"eCFR Supplement No. {supplement} to Part 744 as of {on}"
    return parse_cached(data, source=source, date=on.isoformat(), supplement=supplement)


def _rules_since(archive: Archive, since: date, until: date) -> list[ChangeSet]:
    from frdiff.parse.rule import parse_rule

    out = []
    for meta in archive.find_rules(since, until):
        number = str(meta["document_number"])
        out.append(parse_rule(archive.rule_xml(number), source=f"FR {number}", meta=meta))
    return out


def latest_list(
    archive: Archive, *, as_of: date | None = None, supplement: int = lists.DEFAULT
) -> CurrentList:
    """The list as it stood on ``as_of`` (default: today), built from ``archive``.

    The latest eCFR copy dated on or before ``as_of``, with the rules published
    after it and on or before ``as_of`` applied.  Raises
    :class:`~frdiff.errors.OfflineMissingError` when no copy that old is available.
    When the rules after the copy cannot be searched (an offline store that never
    searched that span), the copy alone is returned with a warning finding saying
    so: nothing is dropped silently.
    """
    day = as_of or date.today()
    dates = [d for d in archive.snapshot_dates(supplement) if d <= day]
    if not dates:
        have = archive.snapshot_dates(supplement)
        held = f"the earliest available is {have[0]}" if have else "none is available"
        raise OfflineMissingError(
            f"no eCFR copy of Supplement No. {supplement} on or before {day} ({held}); "
            "run `frdiff fetch snapshot` or `frdiff fetch history` first",
            where="list",
        )
    copy_date = dates[-1]
    copy = _load_copy(archive, copy_date, supplement)
    findings: list[Finding] = []
    changesets: list[ChangeSet] = []
    if copy_date < day:
        try:
            changesets = _rules_since(archive, copy_date + timedelta(days=1), day)
        except OfflineMissingError as exc:
            findings.append(
                Finding(
                    WARNING,
                    "list-rules-unsearched",
                    f"rules published after the eCFR copy of {copy_date} could not be "
                    f"searched, so the list is that copy alone ({exc.message})",
                    where=exc.where or "list",
                )
            )
    snapshot = copy
    if changesets:
        from frdiff.apply import apply_rules

        applied = apply_rules(copy, changesets)
        findings.extend(applied.findings)
        snapshot = applied.snapshot
    numbers = tuple(cs.rule.document_number for cs in changesets)
    source = f"eCFR copy of {copy_date}" + (f" + {len(numbers)} rule(s)" if numbers else "")
    return CurrentList(
        snapshot=snapshot,
        copy_date=copy_date,
        as_of=day,
        source=source,
        rules=numbers,
        changesets=tuple(changesets),
        findings=tuple(findings),
    )


def list_from_file(
    path: str | os.PathLike[str], *, cache: bool = True, supplement: int = lists.DEFAULT
) -> CurrentList:
    """The list in a file: an eCFR copy (XML) or ``frdiff snapshot --format json`` output
    (of list ``supplement``, the Entity List unless told)."""
    from frdiff.cache import load_snapshot

    snap = load_snapshot(path, cache=cache, supplement=supplement)
    when: date | None = None
    if snap.date:
        try:
            when = date.fromisoformat(snap.date)
        except ValueError:
            raise FrdiffError(f"not an ISO date: {snap.date!r:.40}", where=str(path)) from None
    return CurrentList(
        snapshot=snap,
        copy_date=when,
        as_of=when,
        source=os.path.basename(os.fspath(path)),
    )
