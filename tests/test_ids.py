"""frdiff.ids and frdiff.files: each identifier pattern, the atomic writer, the cache
root and the rule-metadata loader, written once and used by every module."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, SNAPSHOTS
from frdiff import files, ids
from frdiff.cli import main
from frdiff.errors import InputError, ParseError, UsageError
from frdiff.report import fr_link


@pytest.mark.parametrize("number", ["2025-05427", "E9-12940", "C1-2026-16628", "R1-2019-12345"])
def test_every_document_number_shape_is_one_and_links(number: str) -> None:
    assert ids.is_document_number(number)
    assert ids.document_number(number.lower()) == number
    assert fr_link(number) == f"https://www.federalregister.gov/d/{number}"
    m = ids.FR_DOC_LINE.search(f"[FR Doc. {number} Filed 3-27-25; 8:45 am]")
    assert m and m.group("num") == number


@pytest.mark.parametrize("text", ["2025-05427\n", "../2025-05427", "2025-05427.xml", "", None])
def test_what_is_not_a_document_number(text: object) -> None:
    assert not ids.is_document_number(text)
    assert fr_link(text) is None  # type: ignore[arg-type]


def test_dates_whole_and_in_names() -> None:
    assert ids.is_iso_date("2025-03-24") and not ids.is_iso_date("2025-02-30")
    assert ids.iso_date("2025-03-24") == date(2025, 3, 24)
    with pytest.raises(InputError):
        ids.iso_date("2025-3-24")
    assert ids.date_in_name("supp4-2025-03-24.xml") == "2025-03-24"
    assert ids.date_in_name("copy_2025-03-24.xml") == "2025-03-24"
    assert ids.date_in_name("12025-03-241.xml") is None
    assert ids.snapshot_file_name("2025-03-24", 7) == "supp7-2025-03-24.xml"


def test_weeks() -> None:
    assert ids.parse_week("2025-W13") == (date(2025, 3, 24), date(2025, 3, 30))
    assert ids.week_label(date(2025, 3, 30)) == "2025-W13"
    assert ids.last_complete_week(date(2025, 4, 2)) == (date(2025, 3, 24), date(2025, 3, 30))
    with pytest.raises(UsageError):
        ids.parse_week("2025-W54")


def test_supplement_patterns() -> None:
    m = ids.SUPPLEMENT_MENTION.search("amending Supplement No. 4 to part 744")
    assert m and m.group("n") == "4"
    m = ids.SUPPLEMENT_HEADING.match("Pt. 744, Supp. No. 7")
    assert m and (m.group(1) or m.group(2)) == "7"
    with pytest.raises(InputError):
        ids.supplement_number("100")


def test_the_atomic_writer(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.txt"
    files.write_atomic(target, "first")
    files.write_atomic(target, b"second", durable=False)
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.txt"]
    with pytest.raises(OSError):
        files.write_atomic(tmp_path / "a", "a directory")  # cannot replace a directory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.txt"]


def test_one_cache_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from frdiff import cache
    from frdiff.store import default_cache_dir

    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path and cache.default_dir() == tmp_path / "parsed"
    monkeypatch.delenv("FRDIFF_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "frdiff"
    assert cache.default_dir() == default_cache_dir() / "parsed"


def test_the_store_does_not_import_the_fetcher() -> None:
    probe = (
        "import sys, frdiff.store; print(sorted({'requests', 'frdiff.fetch'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"[1, 2]", "metadata must be a JSON object"), (b"{nope", "not valid JSON metadata")],
)
def test_bad_rule_metadata_is_the_same_error_everywhere(
    tmp_path: Path, content: bytes, message: str
) -> None:
    rule = tmp_path / "2025-00704.xml"
    shutil.copy(FIXTURES / "fr" / "2025-00704.xml", rule)
    meta = tmp_path / "2025-00704.meta.json"
    meta.write_bytes(content)
    runner = CliRunner()
    for args in (["rule", str(rule), "--meta", str(meta)], ["apply", str(SNAPSHOTS[0]), str(rule)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and str(meta) in result.output
        assert "Traceback" not in result.output
    with pytest.raises(ParseError, match=message):
        files.rule_meta(content, where="x.json")


def test_rule_metadata_beside_a_rule(tmp_path: Path) -> None:
    rule = tmp_path / "r.xml"
    assert files.rule_meta_beside(rule) is None and files.rule_meta_beside("-") is None
    (tmp_path / "r.meta.json").write_text(json.dumps({"document_number": "2025-00704"}))
    assert files.rule_meta_beside(os.fspath(rule)) == {"document_number": "2025-00704"}
