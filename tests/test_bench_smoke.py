"""The benchmark's code paths, run on a few hundred rows so they cannot rot.

Timings are never asserted here (they belong to ``make bench``); what is asserted
is that every section runs and reports, and that the pairing scores and the
generated history mean what they say.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# benchmarks/ is not an installed package: it runs from the checkout (make bench).
# Appended, not prepended: frdiff itself comes from the install under test.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from benchmarks import baselines as B  # noqa: E402
from benchmarks import run  # noqa: E402
from benchmarks.history import RENAMED, check, edit, history  # noqa: E402
from frdiff.diff import diff_entries  # noqa: E402
from frdiff.parse.snapshot import parse_snapshot  # noqa: E402

ECFR = ROOT / "fixtures" / "ecfr"


@pytest.fixture(scope="module")
def small_entries():
    data = B.trim((ECFR / "supp4-2025-03-31.xml").read_bytes(), 200)
    return parse_snapshot(data).entries


def test_quick_run_reports_every_section(capsys, tmp_path):
    record = tmp_path / "RESULTS.md"
    assert run.main(["--quick", "--record", str(record)]) == 0
    out = capsys.readouterr().out
    for title in (
        "== 1. Parse one full snapshot ==",
        "== 2. Diff two full snapshots in process ==",
        "== 3. The whole command, as a process ==",
        "== 4. Replay a history of 3 versions ==",
        "== 5. Peak memory (each in a fresh process) ==",
        "== 6. Screen 300 parties against the list ==",
        "== Targets ==",
    ):
        assert title in out
    for target in (
        "parse vs lxml floor",
        "diff speed-up vs DeepDiff",
        "diff pairs records correctly",
        "command vs csv-diff",
        "history cost linear",
        "history diffs match truth",
        "peak memory (max RSS)",
        "screen 300 parties",
    ):
        assert target in out
    assert "failed" not in out
    assert "exit " not in out  # the diff command itself succeeded
    assert "3 of 3 diffs exactly right" in out
    assert out in record.read_text(encoding="utf-8")


def test_generated_history_is_a_real_history(small_entries):
    versions = history(small_entries, 4, seed=1, scale=0.5)
    assert len(versions) == 4
    previous = small_entries
    for v in versions:
        assert v.entries != previous
        counts = v.truth.counts()
        assert len(v.entries) == len(previous) + counts["added"] - counts["removed"]
        # frdiff recovers exactly the edits that were made.
        assert check(diff_entries(previous, v.entries), v.truth) == []
        previous = v.entries


def test_renames_keep_the_old_name_as_alias(small_entries):
    v = edit(small_entries, random.Random(3), 1, scale=2)
    renames = [(o, n) for o, n, k in v.truth.pairs if k == RENAMED]
    assert renames
    for old, new in renames:
        assert new.name != old.name
        assert old.name in new.aliases


def test_check_notices_a_wrong_diff(small_entries):
    v = edit(small_entries, random.Random(5), 1, scale=2)
    wrong = diff_entries(small_entries, small_entries)  # says nothing changed
    assert check(wrong, v.truth)


def test_scores_catch_mispairing():
    want = B.Records(added={5}, removed={2}, pairs={(0, 0), (1, 1)})
    assert B.score(want, want).correct
    mispaired = B.Records(added=set(), removed=set(), pairs={(0, 0), (1, 1), (2, 5)})
    s = B.score(mispaired, want)
    assert not s.correct
    assert (s.right_pairs, s.wrong_pairs, s.missed_pairs) == (2, 1, 0)


def test_csv_export_notes_shadowed_keys(small_entries):
    entries = (*small_entries, small_entries[0])
    text, shadowed = B.csv_export(entries)
    assert text.splitlines()[0].startswith("id,country,name")
    assert len(text.splitlines()) == len(entries) + 1
    assert shadowed >= 1


def test_deepdiff_reading_finds_records():
    from deepdiff import DeepDiff

    old = [{"name": "A", "x": 1}, {"name": "B", "x": 2}]
    new = [{"name": "B", "x": 2}, {"name": "A", "x": 3}, {"name": "C", "x": 4}]
    got = B.deepdiff_records(DeepDiff(old, new, ignore_order=True, view="tree"))
    assert got.added == {2}
    assert got.pairs == {(0, 1)}


def test_a_first_parse_is_timed_in_a_fresh_process(tmp_path):
    """...of this interpreter, with frdiff as it has it installed (here the editable
    install of the checkout), and the child says which frdiff it timed."""
    small = tmp_path / "small.xml"
    small.write_bytes(B.trim((ECFR / "supp4-2025-03-24.xml").read_bytes(), 40))
    import frdiff

    editable = Path(frdiff.__file__).resolve().is_relative_to(ROOT)
    for mode in ("parse", "floor"):
        out = run._child([mode, str(small)])
        assert "error" not in out, out
        assert out["mode"] == mode and 0 < out["seconds"] < 10
        assert out["build"] == ("from the checkout" if editable else "installed")
