"""The weekly report end to end, offline, from the bundled fixtures; windows; the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
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
    # Every change of the diff is in the reconciled list exactly once, and so is every
    # change a rule makes.
    ch = w13.summary()["changes"]
    for kind in ("added", "removed", "modified", "renamed", "moved"):
        assert ch[kind] >= len(getattr(expected, kind))
    confirmed = [c for c in w13.reconciled.changes if c.evidence == "confirmed"]
    named = {clean(c.name).casefold() for cs in w13.rules for c in cs.changes}
    assert {clean(c.name).casefold() for c in confirmed} <= named
    assert ch["total"] == expected.summary()["total"] + ch["by_evidence"]["not-in-ecfr"]


def test_w13_summary_counts_match_the_data(w13: WeeklyReport) -> None:
    s = w13.summary()
    truth = _rules_of_week(*W13)
    n_add = sum(1 for r in truth for c in r["changes"] if c["action"] == "add")
    assert s["rules"] == len(truth)
    assert s["rule_changes"]["added"] == n_add
    assert s["rule_changes"]["total"] == sum(len(r["changes"]) for r in truth)
    assert s["findings_total"] == len(w13.all_findings()) == len(w13.to_dict()["findings"])
    # Each of the rules' changes is counted once: seen in the eCFR, or not (yet).
    by_rule = {r["document_number"]: r for r in s["by_rule"]}
    for r in truth:
        assert by_rule[r["document_number"]]["changes"] == len(r["changes"])
    ev = s["changes"]["by_evidence"]
    assert ev["confirmed"] + ev["not-in-ecfr"] == s["rule_changes"]["total"]
    per_country = {c: sum(v.values()) for c, v in s["by_country"].items()}
    assert sum(per_country.values()) == s["changes"]["total"]


def test_w13_headline_names_the_rule_and_the_unread_one(w13: WeeklyReport) -> None:
    """The demo's headline: the rule's additions and the eCFR entries citing a rule not read."""
    lines = w13.headline()
    truth = _rules_of_week(*W13)
    for r in truth:
        adds = sum(1 for c in r["changes"] if c["action"] == "add")
        assert any(
            line.startswith(f"Rule {r['document_number']} ") and f"{adds} added" in line
            for line in lines
        ), lines
    gaps = [g for g in w13.reconciled.groups if g.is_gap]
    assert gaps, "the eCFR cites pages of the window no rule of the store holds"
    # The entries the unread rule added: eCFR additions that no rule of the week names,
    # citing pages of the week's issue up to the first page of the rule read (documents
    # share the page where one ends and the next begins); computed from the copies.
    rule = w13.rules[0].rule
    assert rule.start_page is not None
    named = {clean(c.name).casefold() for cs in w13.rules for c in cs.changes}
    # (A name may be listed twice under one country: count the entries per name.)
    room = Counter((e.country, e.name) for e in _snapshot("2025-03-24").entries)
    new = []
    for e in _snapshot("2025-03-31").entries:
        if room[(e.country, e.name)] > 0:
            room[(e.country, e.name)] -= 1
        else:
            new.append(e)
    unread = [
        e
        for e in new
        if clean(e.name).casefold() not in named
        and e.citations
        and e.citations[-1].volume == rule.volume
        and e.citations[-1].page is not None
        and e.citations[-1].page <= rule.start_page
    ]
    gap = gaps[0]
    assert dict(gap.kinds)["added"] == len(unread) > 0
    assert gap.first_page == min(e.citations[-1].page for e in unread)
    shares = any(e.citations[-1].page == rule.start_page for e in unread)
    assert gap.last_page == rule.start_page - (0 if shares else 1)
    assert gap.date == rule.publication_date
    assert any(
        line.startswith("Unread rule: ")
        and f"{len(unread)} added" in line
        and f"cite {gap.citation} ({rule.publication_date})" in line
        and "no rule with those pages is in the store" in line
        for line in lines
    ), lines


def _counts_json(data: dict) -> Counter:
    return Counter((c["kind"], c["evidence"]) for c in data["changes"])


def _counts_csv(text: str) -> Counter:
    assert text.startswith("\ufeff")
    rows = csv.DictReader(io.StringIO(text[1:], newline=""))
    return Counter((r["change"], r["evidence"]) for r in rows)


def _counts_html(text: str) -> tuple[Counter, dict[str, int]]:
    root = lxml_html.fromstring(text)
    items = root.xpath('//*[contains(concat(" ", @class, " "), " item ")]')
    tiles = {
        dd.get("id"): int(dd.text_content())
        for dd in root.xpath('//dd[starts-with(@id, "count-")]')
    }
    return Counter((i.get("data-kind"), i.get("data-evidence")) for i in items), tiles


_MD_HEAD = re.compile(
    r"(\d+) change\(s\) to the list: (\d+) added, (\d+) removed, (\d+) changed "
    r"\((\d+) by a rule and in the eCFR, (\d+) by a rule not yet in the eCFR, (\d+) in the "
    r"eCFR only"
)


def _counts_md(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """Counts read back from Markdown: the headline's, and the items under each section."""
    m = _MD_HEAD.search(text)
    assert m, text[:400]
    n = [int(x) for x in m.groups()]
    head = dict(zip(("total", "added", "removed", "changed", "confirmed", "not-in-ecfr",
                     "ecfr-only"), n, strict=True))  # fmt: skip
    sections: dict[str, int] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = None
        h = re.match(
            r"### (Added|Removed|Changed|Renamed|Moved to another country) \((\d+)\)", line
        )
        if h:
            current = h.group(1)
            sections[current] = 0
            sections[current + " (stated)"] = int(h.group(2))
        elif current and line.startswith("- "):
            sections[current] += 1
    return head, sections


def test_w13_four_outputs_agree_on_every_count(w13: WeeklyReport) -> None:
    """HTML, Markdown, JSON and CSV: counts read back from each output are the same."""
    s = w13.summary()
    data = json.loads(json.dumps(w13.to_dict()))
    jsonschema.validate(data, SCHEMA)
    assert data["summary"] == s
    from_json = _counts_json(data)
    from_csv = _counts_csv(report.render_csv(w13))
    from_html, tiles = _counts_html(report.render_html(w13))
    head, sections = _counts_md(report.render_markdown(w13))
    assert from_json == from_csv == from_html
    by_kind = Counter()
    by_evidence = Counter()
    for (kind, evidence), n in from_json.items():
        by_kind[kind] += n
        by_evidence[evidence] += n
    changed = by_kind["modified"] + by_kind["renamed"] + by_kind["moved"]
    assert head["total"] == sum(by_kind.values()) == s["changes"]["total"]
    assert head["added"] == by_kind["added"] == tiles["count-added"] == s["changes"]["added"]
    assert head["removed"] == by_kind["removed"] == tiles["count-removed"]
    assert head["changed"] == changed == tiles["count-changed"]
    for ev in ("confirmed", "not-in-ecfr", "ecfr-only"):
        assert head[ev] == by_evidence[ev] == s["changes"]["by_evidence"][ev]
    assert tiles["count-ecfr-only"] == by_evidence["ecfr-only"]
    assert tiles["count-findings"] == s["findings_total"] == len(data["findings"])
    for label, kind in (("Added", "added"), ("Removed", "removed"), ("Changed", "modified")):
        if by_kind[kind]:
            assert sections[label] == sections[label + " (stated)"] == by_kind[kind]
    # Nothing counted twice: the rules' changes are not listed again beside the diff's.
    assert sum(from_json.values()) == len(w13.reconciled.changes)


def test_w13_html_links_rules_citations_and_copies(w13: WeeklyReport) -> None:
    root = lxml_html.fromstring(report.render_html(w13))
    hrefs = [a.get("href") for a in root.xpath("//a[@href]")]
    assert "https://www.federalregister.gov/d/2025-05427" in hrefs
    assert any(
        re.fullmatch(r"https://www\.federalregister\.gov/citation/90-FR-\d+", h) for h in hrefs
    )
    assert any(h.startswith("https://www.ecfr.gov/on/2025-03-31/") for h in hrefs)
    # The unread rule's entries are folded into one group naming the gap.
    gap = root.xpath('//details[contains(@class, "gap")]/summary')
    assert gap and "no rule with those pages is in the store" in gap[0].text_content()
    # Findings: one block per code, the rest folded.
    codes = root.xpath('//section[@id="findings"]//div[@class="finding"]//h3/code')
    assert len(codes) == len(set(c.text for c in codes)) == len(w13.summary()["findings_by_code"])


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
    assert {c.evidence for c in wr.reconciled.changes} == {"projected"}
    assert "by a rule (projected)" in report.render_html(wr)


def test_rules_only_when_no_copy_before(monkeypatch: pytest.MonkeyPatch) -> None:
    with Archive.open(fixtures_dir=FIXTURES) as archive:
        monkeypatch.setattr(archive, "snapshot_dates", lambda supplement=4: [])
        wr = build_weekly(archive, *W13)
    assert wr.basis == "none" and wr.diff is None and wr.has_changes
    assert wr.summary()["rule_changes"]["added"] == 12
    jsonschema.validate(wr.to_dict(), SCHEMA)
    assert {c.evidence for c in wr.reconciled.changes} == {"not-in-ecfr"}
    assert "No eCFR copy of the list" in report.render_markdown(wr)


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
    for line in data["headline"]:
        assert line in result.output
    assert "Rule 2025-05427 " in result.output
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_exit_code_flag(tmp_path: Path) -> None:
    assert _weekly(tmp_path / "a", "--week", "2025-W13", "--exit-code").exit_code == 3
    # A week with no rule and no change: 0 even with --exit-code.
    result = _weekly(
        tmp_path / "b", "--since", "2025-04-07", "--until", "2025-04-13", "--exit-code"
    )
    assert result.exit_code == 0, result.output
    # The fixtures are not a search: no rule found is not "none was published".
    assert "No rule found in what was searched." in result.output
    assert "was published" not in result.output


def test_cli_format_subset_and_bad_arguments(tmp_path: Path) -> None:
    result = _weekly(tmp_path, "--week", "2025-W13", "--format", "md,csv")
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.csv", "report.md"]
    assert _weekly(tmp_path, "--format", "pdf").exit_code == 2
    assert _weekly(tmp_path, "--week", "2025-W99").exit_code == 1
    assert _weekly(tmp_path, "--week", "2025-W13", "--since", "2025-03-24").exit_code == 1
    assert _weekly(tmp_path, "--since", "2025-03-24").exit_code == 1


def test_a_window_in_the_future_is_an_error(tmp_path: Path) -> None:
    result = _weekly(tmp_path, "--week", "2030-W10")
    assert result.exit_code == 1
    assert "in the future" in result.output and "Traceback" not in result.output
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


def test_coverage_says_what_was_searched() -> None:
    from types import SimpleNamespace

    from frdiff.weekly import coverage_of

    online = SimpleNamespace(online=True, fixtures=None)
    done = coverage_of(online, date(2025, 3, 24), date(2025, 3, 30), (), date(2025, 4, 2))  # type: ignore[arg-type]
    assert done.complete and done.none_found == "No Entity List rule was published in the window."
    assert "2025-03-24 to 2025-03-30" in done.statement
    # A window still running was not searched to its end: nothing is stated as a fact.
    running = coverage_of(online, date(2025, 3, 24), date(2025, 3, 30), (), date(2025, 3, 27))  # type: ignore[arg-type]
    assert not running.complete and running.searched_until == "2025-03-27"
    assert running.none_found == "No rule found in what was searched."
    with Archive.open(fixtures_dir=FIXTURES) as archive:
        held = coverage_of(archive, date(2025, 4, 7), date(2025, 4, 13), ("2025-03-31 (before)",))
    assert not held.complete and "not a search of the Federal Register" in held.statement
    assert "eCFR copies used: 2025-03-31 (before)." in held.statement
