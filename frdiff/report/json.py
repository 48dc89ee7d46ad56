"""JSON: exactly each result's ``to_dict()`` (a ``format_version`` in every document)."""

from __future__ import annotations

from typing import Any


def _dump(obj: Any) -> str:
    import msgspec

    return msgspec.json.format(msgspec.json.encode(obj.to_dict()), indent=2).decode() + "\n"


weekly = rule = diff = diffs = snapshot = history = csl_audit = _dump
