"""The weekly report end to end, offline, from the bundled fixtures; windows; the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

import frdiff
from frdiff import report
from frdiff.archive import Archive
from frdiff.cli import main
from frdiff.diff import diff_snapshots
from frdiff.errors import UsageError
from frdiff.normalize import clean
from frdiff.parse.snapshot import parse_snapshot
from frdiff.weekly import (
    WeeklyReport,
    before_limit,
    build_weekly,
    last_complete_week,
    parse_week,
    week_label,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SCHEMA = json.loads((Path(frdiff.__file__).parent / "schema" / "report.schema.json").read_text())
W13 = (date(2025, 3, 24), date(2025, 3, 30))


def _rules_of_week(since: date, until: date) -> list[dict]:
    """The ground truth of every fixture rule published in the window."""
    out = []
    for path in sorted((FIXTURES / "fr" / "expected").glob("*.json")):
        data = json.loads(path.read_text())
        if since <= date.fromisoformat(data["publication_date"]) <= until:
            out.append(data)
    return out


def _snapshot(on: str):
    path = FIXTURES / "ecfr" / f"supp4-{on}.xml"
    return parse_snapshot(path.read_bytes(), date=on)


@pytest.fixture(scope="module")
def w13() -> WeeklyReport:
    with Archive.open(fixtures_dir=FIXTURES) as archive:
        return build_weekly(archive, *W13, week="2025-W13")


# ---------------------------------------------------------------------------
# Windows


def test_parse_week() -> None:
    assert parse_week("2025-W13") == W13
    assert parse_week("2025w01") == (date(2024, 12, 30), date(2025, 1, 5))
    assert parse_week("2020-W53") == (date(2020, 12, 28), date(2021, 1, 3))
    for bad in ("2025-W54", "2025-13", "W13", ""):
        with pytest.raises(UsageError):
            parse_week(bad)


def test_last_complete_week_and_label() -> None:
    assert last_complete_week(date(2025, 4, 2)) == W13
    assert last_complete_week(date(2025, 3, 31)) == W13  # a Monday: last week just ended
    assert last_complete_week(date(2025, 3, 30)) == (date(2025, 3, 17), date(2025, 3, 23))
    assert week_label(date(2025, 3, 30)) == "2025-W13"


def test_before_limit_respects_effective_dates(w13: WeeklyReport) -> None:
    # 2025-05427 took effect 2025-03-25, after the window's first day: the limit stays.
    assert before_limit(W13[0], w13.rules) == W13[0]
    # A window starting later than that effective date must look before it.
    assert before_limit(date(2025, 3, 27), w13.rules) == date(2025, 3, 24)


# ---------------------------------------------------------------------------
# End to end: the week of 2025-03-24


def test_w13_uses_the_snapshots_around_the_week(w13: WeeklyReport) -> None:
    assert [cs.rule.document_number for cs in w13.rules] == [
        r["document_number"] for r in _rules_of_week(*W13)
    ]
    assert w13.basis == "snapshots"
    assert w13.before is not None and w13.after is not None
    assert (w13.before.date, w13.after.date) == ("2025-03-24", "2025-03-31")
    # The copy after is a day late; the report says so.
    assert any("2025-03-31" in n and "2025-03-30" in n for n in w13.notes)


def test_w13_diff_is_the_snapshot_diff(w13: WeeklyReport) -> None:
    expected = diff_snapshots(_snapshot("2025-03-24"), _snapshot("2025-03-31"))
    assert w13.diff is not None
    assert w13.diff.summary() == expected.summary()
    s = w13.summary()
    assert s["diff"]["added"] == len(w13.diff.added) == len(expected.added)
    # Every entry a rule of the week adds is among the snapshot additions.
    added = {(e.country, clean(e.name).casefold()) for e in w13.diff.added}
    for cs in w13.rules:
        for c in cs.changes:
            assert (c.country, clean(c.name).casefold()) in added or any(
                clean(c.name).casefold() in name for _, name in added
            ), c.name


def test_w13_summary_counts_match_the_data(w13: WeeklyReport) -> None:
    s = w13.summary()
    truth = _rules_of_week(*W13)
    n_add = sum(1 for r in truth for c in r["changes"] if c["action"] == "add")
    assert s["rules"] == len(truth)
    assert s["rule_changes"]["added"] == n_add
    assert s["rule_changes"]["total"] == sum(len(r["changes"]) for r in truth)
    assert s["findings_total"] == (
        len(w13.findings)
        + sum(len(cs.findings) for cs in w13.rules)
        + (len(w13.diff.findings) if w13.diff else 0)
    )
    per_country = {c: v["rule_added"] for c, v in s["by_country"].items() if v["rule_added"]}
    truth_country: dict[str, int] = {}
    for r in truth:
        for c in r["changes"]:
            truth_country[c["country"]] = truth_country.get(c["country"], 0) + 1
    assert per_country == truth_country


def test_w13_html_shows_every_added_entity_as_in_the_rule(w13: WeeklyReport) -> None:
    root = lxml_html.fromstring(report.render_html(w13))
    rules = root.get_element_by_id("rules")
    rows = rules.xpath('.//tr[contains(@class, "item")]')
    row_text = [" ".join(r.text_content().split()) for r in rows]
    truth = _rules_of_week(*W13)
    for r in truth:
        for c in r["changes"]:
            matching = [t for t in row_text if clean(c["name"]) in t]
            assert matching, c["name"]
            for text in (*c["aliases"], *c["addresses"]):
                assert any(clean(text) in t for t in matching), (c["name"], text)
    link = rules.xpath('.//a[@href="https://www.federalregister.gov/d/2025-05427"]')
    assert link and link[0].text_content() == "2025-05427"
    counts = {
        dd.get("id"): int(dd.text_content())
        for dd in root.xpath('//dd[starts-with(@id, "count-")]')
    }
    s = w13.summary()
    assert counts["count-rule-added"] == s["rule_changes"]["added"]
    assert counts["count-diff-added"] == s["diff"]["added"]
    assert counts["count-diff-modified"] == s["diff"]["modified"]
    assert counts["count-findings"] == s["findings_total"]
    diff_section = root.get_element_by_id("diff")
    assert (
        len(diff_section.xpath('.//tr[contains(@class, "item")]'))
        == s["diff"]["added"] + s["diff"]["removed"]
    )


def test_w13_markdown_json_csv_agree(w13: WeeklyReport) -> None:
    s = w13.summary()
    md = report.render_markdown(w13)
    assert f"- Rules published: {s['rules']}" in md
    assert f"({s['rule_changes']['added']} added," in md
    assert f"Snapshot diff: {s['diff']['added']} added, {s['diff']['removed']} removed" in md
    data = json.loads(json.dumps(w13.to_dict()))
    jsonschema.validate(data, SCHEMA)
    assert data["summary"] == s
    rows = list(csv.DictReader(io.StringIO(report.render_csv(w13), newline="")))
    assert len(rows) == s["rule_changes"]["total"] + s["diff"]["total"]
    rule_rows = [r for r in rows if r["source"] == "rule"]
    truth = {clean(c["name"]) for r in _rules_of_week(*W13) for c in r["changes"]}
    assert {clean(r["name"]) for r in rule_rows} == truth


def test_projection_when_no_copy_after(monkeypatch: pytest.MonkeyPatch) -> None:
    with Archive.open(fixtures_dir=FIXTURES) as archive:
        monkeypatch.setattr(archive, "snapshot_dates", lambda supplement=4: [date(2025, 3, 24)])
        wr = build_weekly(archive, *W13)
    assert wr.basis == "projected" and wr.after is not None and wr.after.projected
    assert wr.diff is not None
    # The projection adds exactly what the rules add.
    assert len(wr.diff.added) == wr.summary()["rule_changes"]["added"]
    assert any("projected" in n for n in wr.notes)
    jsonschema.validate(wr.to_dict(), SCHEMA)
    assert "Projected list" in report.render_html(wr)


def test_rules_only_when_no_copy_before(monkeypatch: pytest.MonkeyPatch) -> None:
    with Archive.open(fixtures_dir=FIXTURES) as archive:
        monkeypatch.setattr(archive, "snapshot_dates", lambda supplement=4: [])
        wr = build_weekly(archive, *W13)
    assert wr.basis == "none" and wr.diff is None and wr.has_changes
    assert wr.summary()["rule_changes"]["added"] == 12
    jsonschema.validate(wr.to_dict(), SCHEMA)
    assert "Snapshot diff: not available" in report.render_markdown(wr)


def test_reversed_window_is_a_usage_error() -> None:
    with Archive.open(fixtures_dir=FIXTURES) as archive, pytest.raises(UsageError):
        build_weekly(archive, date(2025, 3, 30), date(2025, 3, 24))


# ---------------------------------------------------------------------------
# CLI


def _weekly(tmp_path: Path, *args: str):
    runner = CliRunner()
    return runner.invoke(
        main,
        ["weekly", "--offline", "--fixtures", str(FIXTURES), "--out", str(tmp_path), *args],
        catch_exceptions=False,
    )


def test_cli_weekly_writes_all_files(tmp_path: Path) -> None:
    result = _weekly(tmp_path, "--week", "2025-W13")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "changes.csv",
        "changes.json",
        "report.html",
        "report.md",
    ]
    data = json.loads((tmp_path / "changes.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert "rules: 1 (2025-05427); 12 added" in result.output
    m = re.search(r"snapshot diff 2025-03-24 -> 2025-03-31: (\d+) added", result.output)
    assert m and int(m.group(1)) == data["summary"]["diff"]["added"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_exit_code_flag(tmp_path: Path) -> None:
    assert _weekly(tmp_path / "a", "--week", "2025-W13", "--exit-code").exit_code == 3
    # A week with no rule and no change: 0 even with --exit-code.
    result = _weekly(
        tmp_path / "b", "--since", "2025-04-07", "--until", "2025-04-13", "--exit-code"
    )
    assert result.exit_code == 0, result.output
    assert "rules: 0 (none)" in result.output


def test_cli_format_subset_and_bad_arguments(tmp_path: Path) -> None:
    result = _weekly(tmp_path, "--week", "2025-W13", "--format", "md,csv")
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.csv", "report.md"]
    assert _weekly(tmp_path, "--format", "pdf").exit_code == 2
    assert _weekly(tmp_path, "--week", "2025-W99").exit_code == 1
    assert _weekly(tmp_path, "--week", "2025-W13", "--since", "2025-03-24").exit_code == 1
    assert _weekly(tmp_path, "--since", "2025-03-24").exit_code == 1
