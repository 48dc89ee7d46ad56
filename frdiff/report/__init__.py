"""Reports: one module per format, and one registry of formats every command reads.

Each format is a module ``frdiff.report.<module>`` (by default its name) defining one function per kind
of result it can render (``weekly``, ``diff``, ``rule``, ``snapshot``,
``history``, ``csl_audit``), each taking the result and returning text (or bytes, for a binary
format).  :data:`FORMATS` names them; a command's ``--format`` choices are
:func:`choices` of its kind.  A new format is one module plus one line here.

Every renderer is a pure function from model objects to text: nothing here reads
documents, touches the network or writes files.  Text from documents is never
trusted (escaped in HTML and Markdown, formula cells neutralised in CSV and
XLSX).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

__all__ = [
    "FORMATS",
    "Format",
    "choices",
    "render",
]


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: its module, the file ``frdiff weekly`` writes, the kinds it renders."""

    name: str
    filename: str | None
    kinds: tuple[str, ...]
    description: str
    binary: bool = False
    #: The module under frdiff.report, when it is not named as the format.
    module_name: str = ""

    @property
    def module(self) -> Any:
        return import_module(f"frdiff.report.{self.module_name or self.name}")


#: The registry: name -> format, in the order ``--help`` lists them.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("html", "report.html", ("weekly", "csl_audit"), "one self-contained page"),
        Format(
            "md",
            "report.md",
            ("weekly", "diff", "diffs", "rule", "snapshot", "csl_audit"),
            "Markdown",
            module_name="markdown",
        ),
        Format(
            "json",
            "changes.json",
            ("weekly", "diff", "diffs", "rule", "snapshot", "history", "csl_audit"),
            "JSON",
        ),
        Format(
            "csv",
            "changes.csv",
            ("weekly", "diff", "rule", "csl_audit"),
            "CSV with a byte-order mark",
        ),
        Format("xlsx", "changes.xlsx", ("weekly",), "a spreadsheet", binary=True),
        Format("text", None, ("weekly", "history"), "plain text"),
    )
}


def choices(kind: str) -> list[str]:
    """The formats that render ``kind`` (a command's ``--format`` choices)."""
    return [f.name for f in FORMATS.values() if kind in f.kinds]


def render(fmt: str, kind: str, result: Any) -> str | bytes:
    """``result`` (a ``kind``) rendered in format ``fmt``."""
    spec = FORMATS.get(fmt)
    if spec is None or kind not in spec.kinds:
        from frdiff.errors import UsageError

        raise UsageError(f"no {fmt!r} output for {kind}; choose from {', '.join(choices(kind))}")
    return getattr(spec.module, kind)(result)


# The names the single-module report offered, kept for callers and tests.
_COMPAT = {
    "render_html": ("html", "weekly"),
    "render_markdown": ("markdown", "weekly"),
    "render_csv": ("csv", "weekly"),
    "render_xlsx": ("xlsx", "weekly"),
    "diff_markdown": ("markdown", "diff_markdown"),
    "changeset_markdown": ("markdown", "changeset_markdown"),
    "snapshot_markdown": ("markdown", "snapshot"),
    "diff_csv": ("csv", "diff"),
    "changeset_csv": ("csv", "rule"),
    "weekly_rows": ("csv", "weekly_rows"),
    "csv_cell": ("csv", "csv_cell"),
    "CSV_COLUMNS": ("csv", "CSV_COLUMNS"),
    "WEEKLY_COLUMNS": ("csv", "WEEKLY_COLUMNS"),
    "md": ("markdown", "md"),
    "templates_dir": ("html", "templates_dir"),
    "content_security_policy": ("html", "content_security_policy"),
    "history_text": ("text", "history"),
    "fr_link": ("common", "fr_link"),
    "citation_link": ("common", "citation_link"),
    "ecfr_link": ("common", "ecfr_link"),
    "FR_DOC_URL": ("common", "FR_DOC_URL"),
    "word_diff": ("common", "word_diff"),
    "claim_rows": ("common", "claim_rows"),
    "field_change_text": ("common", "field_change_text"),
    "shorten": ("common", "shorten"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attr = _COMPAT[name]
    except KeyError:
        raise AttributeError(f"module 'frdiff.report' has no attribute {name!r}") from None
    return getattr(import_module(f"frdiff.report.{module}"), attr)
