"""Rules that change more than one list: the constructed rule 2026-90016 adds a party
to the Entity List with a conforming removal from the Unverified List (and adds
another party to the Unverified List)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from frdiff.apply import apply_rules
from frdiff.cli import main
from frdiff.diff import diff_lists
from frdiff.model import MOVE_LIST
from frdiff.parse.rule import parse_rule
from frdiff.parse.snapshot import parse_snapshot
from frdiff.report.common import claim_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RULE = FIXTURES / "fr" / "2026-90016.xml"
META = json.loads((FIXTURES / "fr" / "2026-90016.meta.json").read_text())
MOVED = "Sky Bridge Electronics Trading Co., Ltd."
ADDED = "Nordlicht Components GmbH"
_ROW4 = (
    "<TR><TD>{c}</TD><TD>{e}</TD><TD>For all items subject to the EAR.</TD>"
    "<TD>Presumption of denial.</TD><TD>{cite}</TD></TR>"
)
_ROW6 = "<TR><TD>{c}</TD><TD>{e}</TD><TD>{cite}</TD></TR>"


def _part(entity_list: list[tuple[str, str, str]], unverified: list[tuple[str, str, str]]) -> bytes:
    """A whole Part 744 in eCFR markup with the two lists' tables (constructed rows)."""
    four = "".join(_ROW4.format(c=c, e=e, cite=x) for c, e, x in entity_list)
    six = "".join(_ROW6.format(c=c, e=e, cite=x) for c, e, x in unverified)
    return (
        '<DIV5 N="744" TYPE="PART">'
        '<DIV9 N="Supplement No. 4 to Part 744" TYPE="APPENDIX"><HEAD>Supplement No. 4 to Part '
        "744\u2014Entity List</HEAD><TABLE><THEAD><TR><TH>Country</TH><TH>Entity</TH>"
        "<TH>License requirement</TH><TH>License review policy</TH>"
        f"<TH>Federal Register citation</TH></TR></THEAD><TBODY>{four}</TBODY></TABLE></DIV9>"
        '<DIV9 N="Supplement No. 6 to Part 744" TYPE="APPENDIX"><HEAD>Supplement No. 6 to Part '
        "744\u2014Unverified List</HEAD><TABLE><THEAD><TR><TH>Country</TH>"
        "<TH>Listed person and address</TH><TH>Federal Register citation</TH></TR></THEAD>"
        f"<TBODY>{six}</TBODY></TABLE></DIV9></DIV5>"
    ).encode()


SKY = "Sky Bridge Electronics Trading Co., Ltd., Room 1201, 88 Example Road, Kowloon, Hong Kong."
CHINA = "CHINA, PEOPLE'S REPUBLIC OF"
OTHER4 = ("CANADA", "Maple Parts Ltd., 1 Example Street, Ottawa, Canada.", "88 FR 1, 1/3/23.")
BEFORE = _part([OTHER4], [(CHINA, SKY, "85 FR 64017, October 9, 2020.")])
AFTER = _part(
    [OTHER4, (CHINA, SKY, "91 FR 40016, 7/1/26.")],
    [
        (
            "GERMANY",
            ADDED + ", 12 Beispielstrasse, 10115 Berlin, Germany.",
            "91 FR 40016, July 1, 2026.",
        )
    ],
)


def test_a_conforming_removal_is_one_move_between_lists() -> None:
    cs = parse_rule(RULE.read_bytes(), source=RULE.name, meta=META)
    moves = [c for c in cs.changes if c.action == MOVE_LIST]
    assert [(c.name, c.from_supplement, c.supplement) for c in moves] == [(MOVED, 6, 4)]
    assert not [c for c in cs.changes if c.name == MOVED and c.action != MOVE_LIST]
    (added,) = [c for c in cs.changes if c.action == "add"]
    assert (added.name, added.supplement) == (ADDED, 6)
    assert added.entry is not None and added.entry.citations[0].page == 40016
    d = cs.to_dict()
    (move,) = [c for c in d["changes"] if c["action"] == MOVE_LIST]
    assert (move["kind"], move["list"], move["from_supplement"]) == (
        "moved between lists",
        "entity-list",
        6,
    )
    assert d["summary"]["by_supplement"] == {"4": {MOVE_LIST: 1}, "6": {"add": 1}}
    assert "moved-between-lists" in {f.code for f in cs.findings}
    # The SUMMARY's "adding one entity to the Entity List" is met by the move, and the
    # Unverified List addition is none of the Entity List's.
    assert "claim-mismatch" not in {f.code for f in cs.findings}
    rows = {r.label: r.parsed for r in claim_rows(cs)}
    assert rows["Entities added"] == 1 and "Added under GERMANY" not in rows
    assert rows["Added under CHINA, PEOPLE'S REPUBLIC OF"] == 1


def test_an_empty_row_in_a_list_without_license_columns_is_no_entry() -> None:
    """An empty ``<ROW/>`` in the Unverified List's table (found by the fuzz test) is
    counted as a row of no entry, not read as one (it crashed the row reader)."""
    data = RULE.read_bytes()
    end = data.rindex(b"</GPOTABLE>")
    cs = parse_rule(data[:end] + b"<ROW/>" + data[end:], source=RULE.name, meta=META)
    plain = parse_rule(data, source=RULE.name, meta=META)
    assert [c.to_dict() for c in cs.changes] == [c.to_dict() for c in plain.changes]


def test_the_rule_command_shows_the_move(tmp_path: Path) -> None:
    done = CliRunner().invoke(
        main,
        [
            "rule",
            str(RULE),
            "--meta",
            str(FIXTURES / "fr" / "2026-90016.meta.json"),
            "--format",
            "json",
        ],
        catch_exceptions=False,
    )
    assert done.exit_code == 0, done.output
    kinds = [c["kind"] for c in json.loads(done.output)["changes"]]
    assert sorted(kinds) == ["added", "moved between lists"]


def test_applied_to_each_list() -> None:
    cs = parse_rule(RULE.read_bytes(), source=RULE.name, meta=META)
    six = apply_rules(parse_snapshot(BEFORE, supplement=6), [cs])
    assert [e.name for e in six.snapshot.entries] == [ADDED]
    assert six.snapshot.supplement == 6
    four = apply_rules(parse_snapshot(BEFORE, supplement=4), [cs])
    assert sorted(e.name for e in four.snapshot.entries) == ["Maple Parts Ltd.", MOVED]
    assert dict(four.counts)["other-list"] == 1  # the Unverified List addition


def test_the_diff_of_all_lists_shows_one_move(tmp_path: Path) -> None:
    old, new = tmp_path / "part744-2026-06-30.xml", tmp_path / "part744-2026-07-02.xml"
    old.write_bytes(BEFORE)
    new.write_bytes(AFTER)
    both = diff_lists(
        [parse_snapshot(BEFORE, supplement=n) for n in (4, 6)],
        [parse_snapshot(AFTER, supplement=n) for n in (4, 6)],
    )
    (move,) = both.moved_between_lists
    assert (move.after.name, move.from_supplement, move.to_supplement) == (MOVED, 6, 4)
    four, six = both.diffs
    assert not four.added and not six.removed
    assert [e.name for e in six.added] == [ADDED]
    done = CliRunner().invoke(
        main,
        ["diff", str(old), str(new), "--supplement", "all", "--format", "json", "--no-cache"],
        catch_exceptions=False,
    )
    assert done.exit_code == 1  # the documents hold no Supplement No. 7
    assert "Supplement No. 7" in done.output
    done = CliRunner().invoke(
        main,
        ["diff", str(old), str(new), "--supplement", "4,6", "--format", "json", "--no-cache"],
        catch_exceptions=False,
    )
    assert done.exit_code == 0, done.output
    out = json.loads(done.output)
    assert out["kind"] == "diffs" and out["summary"]["moved_between_lists"] == 1
    assert out["moved_between_lists"][0]["kind"] == "moved between lists"
    assert out["summary"]["by_supplement"]["4"]["added"] == 0
    assert out["summary"]["by_supplement"]["6"]["added"] == 1
    md = CliRunner().invoke(
        main, ["diff", str(old), str(new), "--supplement", "4,6"], catch_exceptions=False
    )
    assert md.output.startswith("## Moved between lists: 1")


def _weekly_fixtures(root: Path) -> Path:
    """A fixtures directory: the constructed rule, and constructed copies of Part 744
    before and after it (Supplements No. 4 and 6; no copy of No. 7)."""
    items: list[dict[str, object]] = []
    root.mkdir()
    for name in ("2026-90016.xml", "2026-90016.meta.json"):
        (root / name).write_bytes((FIXTURES / "fr" / name).read_bytes())
    for kind, name in (("rule", "2026-90016.xml"), ("rule-metadata", "2026-90016.meta.json")):
        items.append(
            {
                "id": "2026-90016",
                "kind": kind,
                "path": name,
                "provenance": "constructed",
                "description": "see fixtures/MANIFEST.json",
                "sha256": hashlib.sha256((root / name).read_bytes()).hexdigest(),
            }
        )
    for day, data in (("2026-06-26", BEFORE), ("2026-07-06", AFTER)):
        name = f"part744-{day}.xml"
        (root / name).write_bytes(data)
        for n in (4, 6):
            items.append(
                {
                    "id": f"{n}-{day}",
                    "kind": "snapshot",
                    "supplement": n,
                    "date": day,
                    "path": name,
                    "provenance": "constructed",
                    "description": "constructed by tests/test_lists_rules.py",
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    (root / "MANIFEST.json").write_text(
        json.dumps({"format_version": 1, "description": "issue 16", "items": items})
    )
    return root


def test_the_weekly_report_covers_every_list_with_the_same_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(tmp_path / "cache"))
    fixtures = _weekly_fixtures(tmp_path / "fx")
    out = tmp_path / "out"
    done = CliRunner().invoke(
        main,
        ["weekly", "--week", "2026-W27", "--fixtures", str(fixtures), "--out", str(out)],
        catch_exceptions=False,
    )
    assert done.exit_code == 0, done.output
    report = json.loads((out / "changes.json").read_text())
    by_list = report["summary"]["by_list"]
    assert sorted(by_list) == ["4", "6", "7"]
    assert (by_list["4"]["rule_moved_between_lists"], by_list["4"]["rule_added"]) == (1, 0)
    assert (by_list["6"]["rule_moved_between_lists"], by_list["6"]["rule_added"]) == (1, 1)
    assert by_list["6"]["rule_removed"] == 0  # the conforming removal is the move
    # Each list's changes: the moved party added to No. 4, removed from No. 6.
    assert (by_list["4"]["changes"]["added"], by_list["4"]["changes"]["removed"]) == (1, 0)
    assert (by_list["6"]["changes"]["added"], by_list["6"]["changes"]["removed"]) == (1, 1)
    assert by_list["7"]["diff"] is None and by_list["7"]["changes"]["total"] == 0
    assert report["summary"]["rule_changes"]["moved_between_lists"] == 1
    six = next(x for x in report["lists"] if x["supplement"] == 6)
    assert sorted(c["kind"] for c in six["rule_changes"]) == ["added", "moved between lists"]
    assert "Unverified List" in six["meaning"] and six["list"] == "unverified-list"
    # The same counts in the Markdown table, the HTML table and the CSV rows.
    markdown = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    rows = list(csv.DictReader(io.StringIO((out / "changes.csv").read_text(encoding="utf-8-sig"))))
    for n, ls in by_list.items():
        counts = [ls[k] for k in ("rule_added", "rule_revised", "rule_removed")]
        counts.append(ls["rule_moved_between_lists"])
        total = ls["changes"]["total"]
        cells = " | ".join(map(str, [*counts, total]))
        assert f"| {ls['name']} (Supplement No. {n}) | {ls['meaning']} | {cells} |" in markdown
        for k, v in zip(
            ("rule_added", "rule_revised", "rule_removed", "rule_moved_between_lists"),
            counts,
            strict=True,
        ):
            assert f'id="count-list-{n}-{k}">{v}<' in html
        assert f'id="count-list-{n}-changes">{total}<' in html
        label = f"{ls['name']} (Supplement No. {n})"
        assert len([r for r in rows if r["list"] == label]) == total
    moved = "from Unverified List (Supplement No. 6) to Entity List (Supplement No. 4)"
    assert {
        r["list"] for r in rows if r["name"] == MOVED and r["moved_between_lists"] == moved
    } == {
        "Entity List (Supplement No. 4)",
        "Unverified List (Supplement No. 6)",
    }
    # One move, listed once, in the Markdown and the HTML.
    assert markdown.count("## Moved between lists (1)") == 1
    assert f"**{MOVED}** (CHINA, PEOPLE'S REPUBLIC OF): {moved}" in markdown
    assert (
        html.count(f'<span class="name">{MOVED}</span> (CHINA, PEOPLE&#39;S REPUBLIC OF): {moved}')
        == 1
    )


def test_screen_labels_each_match_with_its_list(tmp_path: Path) -> None:
    part = tmp_path / "part744-2026-06-26.xml"
    part.write_bytes(BEFORE)
    parties = tmp_path / "parties.csv"
    parties.write_text(
        "id,name\n1,Sky Bridge Electronics Trading Company Limited\n2,Maple Parts Ltd\n"
    )
    done = CliRunner().invoke(
        main,
        ["screen", str(parties), "--snapshot", str(part), "--format", "json"],
        catch_exceptions=False,
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    on = {m["party"]["id"]: (m["list"]["supplement"], m["list"]["name"]) for m in result["matches"]}
    assert on == {
        "1": (6, "Unverified List (Supplement No. 6)"),
        "2": (4, "Entity List (Supplement No. 4)"),
    }
    sky = next(m for m in result["matches"] if m["party"]["id"] == "1")
    assert "no license exception" in sky["list"]["meaning"]
    assert [x["supplement"] for x in result["list"]["lists"]] == [4, 6]
    (missing,) = result["list"]["not_screened"]
    assert missing.startswith("Military End-User List (Supplement No. 7)")
    only = CliRunner().invoke(
        main,
        ["screen", str(parties), "--snapshot", str(part), "--supplement", "4", "--format", "csv"],
        catch_exceptions=False,
    )
    rows = list(csv.DictReader(io.StringIO(only.output)))
    assert [(r["party_id"], r["list"]) for r in rows] == [("2", "Entity List (Supplement No. 4)")]


def _history_args(supplement: str, fixtures: Path) -> list[str]:
    return ["history", "Sky Bridge Electronics Trading", "--supplement", supplement, "--fixtures", str(fixtures), "--until", "2026-07-10"]  # fmt: skip


def test_history_of_a_party_on_each_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(tmp_path / "cache"))
    fixtures = _weekly_fixtures(tmp_path / "fx")
    seen = {}
    for n in ("4", "6"):
        done = CliRunner().invoke(
            main,
            [*_history_args(n, fixtures), "--format", "json"],
            catch_exceptions=False,
        )
        assert done.exit_code == 0, done.output
        seen[n] = json.loads(done.output)
        assert seen[n]["supplement"] == int(n) and seen[n]["matches"]
        assert "2026-90016" in json.dumps(seen[n]["matches"][0])
    assert seen["4"]["list"] == "entity-list" and seen["6"]["list"] == "unverified-list"
    # On the Entity List the party is listed at the end; on the Unverified List it is not.
    text = {
        n: CliRunner()
        .invoke(
            main,
            _history_args(n, fixtures),
            catch_exceptions=False,
        )
        .output
        for n in ("4", "6")
    }
    assert "still listed" in text["4"] and "removed by rule 2026-90016" in text["6"]
