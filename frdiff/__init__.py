"""frdiff: what changed on the US Entity List, rule by rule and field by field.

The library returns data (frozen structs with a versioned ``to_dict()``); the
``frdiff`` command only formats it.  Everything a caller needs is exported here,
loaded on first use (``import frdiff`` costs almost nothing)::

    import frdiff

    rule = frdiff.parse_rule("fixtures/fr/2025-05427.xml")       # a path, or bytes
    old = frdiff.parse_snapshot("fixtures/ecfr/supp4-2025-03-24.xml")
    diff = frdiff.diff_snapshots(old, "fixtures/ecfr/supp4-2025-03-31.xml")
    applied = frdiff.apply_rules(old, [rule])
    report = frdiff.weekly_report("2025-W13", fixtures="fixtures", offline=True)

Functions: :func:`parse_rule`, :func:`parse_snapshot`, :func:`diff_snapshots`,
:func:`apply_rules`, :func:`crosscheck`, :func:`weekly_report` (in
:mod:`frdiff.api`); :func:`latest_list` (:mod:`frdiff.current`: the latest list
frdiff can build), :func:`read_parties` and :func:`screen` (:mod:`frdiff.parties`,
:mod:`frdiff.screening`: screening counterparties), :func:`audit_csl` (in
:mod:`frdiff.api`: a Consolidated Screening List file audited).  Types: the model
(:mod:`frdiff.model`), ``Applied`` and ``CrossCheck`` (:mod:`frdiff.apply`),
``WeeklyReport`` (:mod:`frdiff.weekly`), ``CslAudit`` (:mod:`frdiff.csl_audit`).
Errors: the tree in :mod:`frdiff.errors`, all under :class:`FrdiffError`.
"""

from __future__ import annotations

#: (typing.TYPE_CHECKING without importing typing: ``import frdiff`` loads nothing else.)
TYPE_CHECKING = False

__version__ = "0.1.0"

__all__ = [
    "Applied",
    "Change",
    "ChangeSet",
    "Citation",
    "Claims",
    "CrossCheck",
    "CslAudit",
    "CurrentList",
    "Diff",
    "Entry",
    "EntryDiff",
    "FetchError",
    "FieldChange",
    "Finding",
    "FrdiffError",
    "HTTPStatusError",
    "InputError",
    "Instruction",
    "Match",
    "OfflineMissingError",
    "ParseError",
    "Party",
    "ResponseError",
    "Rule",
    "ScreenResult",
    "Screener",
    "Snapshot",
    "StoreError",
    "TooLargeError",
    "UsageError",
    "WeeklyReport",
    "__version__",
    "apply_rules",
    "audit_csl",
    "crosscheck",
    "diff_snapshots",
    "latest_list",
    "parse_rule",
    "parse_snapshot",
    "read_parties",
    "screen",
    "weekly_report",
]

_FUNCTIONS = ("apply_rules", "crosscheck", "diff_snapshots", "parse_rule", "parse_snapshot")
#: Exported name -> the module that defines it (imported when the name is first used).
_EXPORTS = {
    **dict.fromkeys((*_FUNCTIONS, "weekly_report", "audit_csl"), "frdiff.api"),
    **dict.fromkeys(("Applied", "CrossCheck"), "frdiff.apply"),
    "WeeklyReport": "frdiff.weekly",
    "CslAudit": "frdiff.csl_audit",
    **dict.fromkeys(("CurrentList", "latest_list"), "frdiff.current"),
    **dict.fromkeys(("Party", "read_parties"), "frdiff.parties"),
    **dict.fromkeys(("Match", "ScreenResult", "Screener", "screen"), "frdiff.screening"),
    **{name: "frdiff.errors" for name in __all__ if name.endswith("Error")},
}
_EXPORTS.update({n: "frdiff.model" for n in __all__ if n not in _EXPORTS and n != "__version__"})

if TYPE_CHECKING:
    from frdiff.api import (
        apply_rules,
        audit_csl,
        crosscheck,
        diff_snapshots,
        parse_rule,
        parse_snapshot,
        weekly_report,
    )
    from frdiff.apply import Applied, CrossCheck
    from frdiff.csl_audit import CslAudit
    from frdiff.current import CurrentList, latest_list
    from frdiff.errors import (
        FetchError,
        FrdiffError,
        HTTPStatusError,
        InputError,
        OfflineMissingError,
        ParseError,
        ResponseError,
        StoreError,
        TooLargeError,
        UsageError,
    )
    from frdiff.model import (
        Change,
        ChangeSet,
        Citation,
        Claims,
        Diff,
        Entry,
        EntryDiff,
        FieldChange,
        Finding,
        Instruction,
        Rule,
        Snapshot,
    )
    from frdiff.parties import Party, read_parties
    from frdiff.screening import Match, Screener, ScreenResult, screen
    from frdiff.weekly import WeeklyReport


def __getattr__(name: str) -> object:
    """PEP 562: an exported name, imported from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'frdiff' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
