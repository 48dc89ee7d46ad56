"""The weekly report's "Your counterparties": new, changed and removed matches, decisions."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import FIXTURES
from frdiff.cli import main
from frdiff.counterparties import counterparties
from frdiff.diff import compare_entries
from frdiff.model import Diff, Entry, EntryDiff
from frdiff.parties import Decision, Party
from frdiff.weekly import WeeklyReport

CN = "CHINA, PEOPLE'S REPUBLIC OF"
ADDED = Entry(CN, "Zorvex Photonics Co., Ltd.", license_review_policy="Presumption of denial")
OLD = Entry(CN, "Quillmark Avionics Research Institute", license_review_policy="Case-by-case")
NEW = Entry(
    CN,
    "Quillmark Avionics Research Institute",
    aliases=("QARI",),
    license_review_policy="Presumption of denial",
)
GONE = Entry("RUSSIA", "Brantov Machine Works JSC")
PARTIES = [
    Party("C1", "ZORVEX PHOTONICS COMPANY LIMITED", 2, "CN"),
    Party("C2", "QUILLMARK AVIONICS RESEARCH INSTITUTE", 3),
    Party("C3", "Brantov Machine Works", 4),
    Party("C4", "Entirely Unrelated Trading GmbH", 5),
]


def _report(*, added=(), pairs=(), removed=(), until="2025-03-30") -> WeeklyReport:
    diff = Diff(
        added=tuple(added),
        modified=tuple(EntryDiff(b, a, compare_entries(b, a)) for b, a in pairs),
        removed=tuple(removed),
    )
    return WeeklyReport(since="2025-03-24", until=until, basis="snapshots", diff=diff)


def test_new_changed_and_removed_matches() -> None:
    section = counterparties(
        _report(added=[ADDED], pairs=[(OLD, NEW)], removed=[GONE]), PARTIES
    ).to_dict()
    assert section["summary"] == {"new": 1, "changed": 1, "removed": 1, "suppressed": 0}
    assert section["new"][0]["party"]["id"] == "C1"
    assert section["new"][0]["entry"]["name"] == ADDED.name
    changed = section["changed"][0]
    assert changed["party"]["id"] == "C2"
    assert {c["field"] for c in changed["changes"]} == {"aliases", "license_review_policy"}
    assert section["removed"][0]["party"]["id"] == "C3"


def _cleared(party: str, entry: str, when: str) -> Decision:
    return Decision(party, entry, "cleared", "not the same company", when, 2)


def test_a_cleared_match_reappears_only_when_its_entry_changes() -> None:
    decisions = [_cleared("C1", ADDED.name, "2025-03-31"), _cleared("C2", OLD.name, "2025-02-01")]
    # the week the entry was added: the cleared match is left out
    week1 = counterparties(_report(added=[ADDED]), PARTIES, decisions)
    assert week1.to_dict()["summary"]["new"] == 0
    assert [m.match.party.id for m in week1.suppressed] == ["C1"]
    # a later week that changes the entry cleared earlier: it is shown, with the change
    changed_entry = Entry(CN, ADDED.name, aliases=("ZPC",), license_review_policy="Denial")
    week2 = counterparties(
        _report(pairs=[(ADDED, changed_entry)], until="2025-04-06"), PARTIES, decisions
    )
    shown = week2.to_dict()["changed"]
    assert [m["party"]["id"] for m in shown] == ["C1"]
    assert shown[0]["decision"]["status"] == "cleared" and shown[0]["changes"]
    # the entry cleared in February changes now: shown; cleared after this window: not
    week3 = counterparties(_report(pairs=[(OLD, NEW)]), PARTIES, decisions)
    assert [m.match.party.id for m in week3.of_kind("changed")] == ["C2"]
    late = [_cleared("C2", OLD.name, "2025-04-02")]
    assert counterparties(_report(pairs=[(OLD, NEW)]), PARTIES, late).of_kind("changed") == []


def test_weekly_with_parties_and_decisions(tmp_path: Path) -> None:
    parties = tmp_path / "parties.csv"
    parties.write_text(
        "id,name,country\n"
        "P1,Air Force Engineering University,China\n"
        "P2,DART AVIATION,France\n"
        "P3,Aerospace Star Technology Application Co Ltd,CN\n"
    )
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "party_id,entry,decision,note,date\n"
        'P3,"Aerospace Star Technology Application Co., Ltd.",cleared,other firm,2025-03-31\n'
    )
    out = tmp_path / "out"
    args = ["weekly", "--week", "2025-W13", "--fixtures", str(FIXTURES), "--out", str(out)]
    args += ["--parties", str(parties), "--decisions", str(decisions)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    section = json.loads((out / "changes.json").read_text())["counterparties"]

    def pairs(kind: str) -> set[tuple[str, str]]:
        return {(m["party"]["id"], m["entry"]["name"]) for m in section[kind]}

    cleared = ("P3", "Aerospace Star Technology Application Co., Ltd.")
    assert ("P1", "Air Force Engineering University") in pairs("new")
    assert cleared not in pairs("new") and pairs("suppressed") == {cleared}
    assert {p for p, _ in pairs("changed")} == {"P2"}  # Dart Aviation: a citation added
    assert all(m["changes"] for m in section["changed"])
    md = (out / "report.md").read_text()
    assert "## Your counterparties" in md and "Air Force Engineering University" in md
    html = (out / "report.html").read_text()
    assert "Your counterparties" in html
    assert "counterparty changed" in (out / "changes.csv").read_text()


def test_decisions_file_errors(tmp_path: Path) -> None:
    parties = tmp_path / "p.csv"
    parties.write_text("name\nX\n")
    bad = tmp_path / "d.csv"
    bad.write_text("party_id,entry,decision\nP1,Foo,maybe\n")
    args = ["weekly", "--week", "2025-W13", "--fixtures", str(FIXTURES), "--out", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--parties", str(parties), "--decisions", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column 'decision'" in result.output and str(bad) in result.output
