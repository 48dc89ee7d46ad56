"""The library API: `frdiff` exports lazily what a Python user needs, each name
documented; documents are read from a path or from bytes alike."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import frdiff
from conftest import FIXTURES, SNAPSHOTS

RULE = FIXTURES / "fr" / "2025-00704.xml"
META = FIXTURES / "fr" / "2025-00704.meta.json"


def test_import_frdiff_loads_nothing_else() -> None:
    probe = (
        "import sys; before = set(sys.modules); import frdiff; "
        "print(sorted(set(sys.modules) - before))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['frdiff']"


def test_every_export_resolves_and_is_documented() -> None:
    assert set(frdiff.__all__) <= set(dir(frdiff))
    for name in frdiff.__all__:
        value = getattr(frdiff, name)
        if name != "__version__":
            assert inspect.getdoc(value), f"frdiff.{name} has no docstring"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        frdiff.nope  # noqa: B018


def test_a_rule_from_a_path_or_bytes() -> None:
    meta = json.loads(META.read_bytes())
    by_path = frdiff.parse_rule(str(RULE), meta=str(META))
    by_bytes = frdiff.parse_rule(RULE.read_bytes(), meta=meta, name=RULE.name)
    assert by_path == by_bytes
    assert by_path == frdiff.parse_rule(RULE, meta=META)  # path objects too
    assert isinstance(by_path, frdiff.ChangeSet) and by_path.changes
    assert by_path.rule.document_number == "2025-00704"
    with pytest.raises(TypeError, match="path or the document's bytes"):
        frdiff.parse_rule(123)  # type: ignore[arg-type]


def test_a_snapshot_from_a_path_bytes_or_json(tmp_path: Path) -> None:
    path = SNAPSHOTS[0]
    by_path = frdiff.parse_snapshot(path)
    by_bytes = frdiff.parse_snapshot(path.read_bytes(), name=path.name, date=by_path.date)
    assert by_path.entries == by_bytes.entries and by_path.date == by_bytes.date
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(by_path.to_dict()), encoding="utf-8")
    assert frdiff.parse_snapshot(exported).entries == by_path.entries
    with pytest.raises(frdiff.ParseError):
        frdiff.parse_snapshot(b"<html><body>no</body></html>", name="x.html")


def test_diff_apply_and_crosscheck_take_snapshots_or_documents() -> None:
    old, new = SNAPSHOTS[2], SNAPSHOTS[3]
    diff = frdiff.diff_snapshots(old, new)
    assert diff == frdiff.diff_snapshots(frdiff.parse_snapshot(old), new.read_bytes())
    assert isinstance(diff, frdiff.Diff) and diff.summary()["total"] > 0
    rule = FIXTURES / "fr" / "2025-05427.xml"
    applied = frdiff.apply_rules(old, [rule])
    assert isinstance(applied, frdiff.Applied)
    assert len(applied.snapshot.entries) > len(frdiff.parse_snapshot(old).entries)
    check = frdiff.crosscheck(old, [frdiff.parse_rule(rule)], new, ignore=["addresses"])
    assert isinstance(check, frdiff.CrossCheck)


def test_the_weekly_report() -> None:
    report = frdiff.weekly_report("2025-W13", fixtures=FIXTURES, offline=True)
    assert isinstance(report, frdiff.WeeklyReport)
    assert [cs.rule.document_number for cs in report.rules] == ["2025-05427"]
    with pytest.raises(frdiff.UsageError):
        frdiff.weekly_report("2025-W99", fixtures=FIXTURES, offline=True)
