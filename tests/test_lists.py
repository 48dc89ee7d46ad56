"""Lists as data: a list is one spec (frdiff/lists.py) and its fixtures.

The toy list below is constructed here (two columns, a country and a party); it is
read, diffed and reported by the same code as the real lists, without any other
module knowing of it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from frdiff import lists
from frdiff.archive import Archive
from frdiff.cli import main
from frdiff.errors import InputError
from frdiff.lists import ListSpec
from frdiff.weekly import build_weekly

TOY = ListSpec(
    number=42,
    key="toy-list",
    name="Toy List",
    title="Supplement No. 42 to Part 744\u2014Toy List",
    meaning="a constructed list for tests",
    columns=("country", "party"),
    header_words=("party",),
    citation_column=None,
    reserved="[Reserved]",
)


def _toy_document(rows: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<TR><TD>{c}</TD><TD>{p}</TD></TR>" for c, p in rows)
    return (
        '<DIV5 N="744" TYPE="PART">'
        '<DIV9 N="Supplement No. 4 to Part 744" TYPE="APPENDIX"><HEAD>Supplement No. 4</HEAD>'
        "<TABLE><THEAD><TR><TH>Country</TH><TH>Entity</TH><TH>License requirement</TH>"
        "<TH>License review policy</TH><TH>Federal Register citation</TH></TR></THEAD>"
        "<TBODY><TR><TD>CANADA</TD><TD>Not A Toy, Ottawa</TD><TD>All items</TD>"
        "<TD>Presumption of denial</TD><TD>88 FR 1, 1/3/23.</TD></TR></TBODY></TABLE></DIV9>"
        '<DIV9 N="Supplement No. 42 to Part 744" TYPE="APPENDIX">'
        "<HEAD>Supplement No. 42 to Part 744\u2014Toy List</HEAD>"
        f"<TABLE><THEAD><TR><TH>Country</TH><TH>Party</TH></TR></THEAD><TBODY>{body}</TBODY>"
        "</TABLE></DIV9></DIV5>"
    ).encode()


OLD = [("ARMENIA", "Atlas Toys"), ("", "Blue Toys"), ("BURMA", "[Reserved]")]
NEW = [("ARMENIA", "Atlas Toys"), ("", "Green Toys"), ("BURMA", "[Reserved]")]


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setitem(lists.SPECS, TOY.number, TOY)
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(tmp_path / "cache"))
    items = []
    for day, rows in (("2026-01-05", OLD), ("2026-01-12", NEW)):
        data = _toy_document(rows)
        (tmp_path / f"supp42-{day}.xml").write_bytes(data)
        items.append(
            {
                "id": f"42-{day}",
                "kind": "snapshot",
                "supplement": 42,
                "date": day,
                "path": f"supp42-{day}.xml",
                "provenance": "constructed",
                "description": "a toy list constructed by tests/test_lists.py",
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    (tmp_path / "MANIFEST.json").write_text(
        json.dumps({"format_version": 1, "description": "toy", "items": items})
    )
    return tmp_path


def test_a_throwaway_spec_is_read_diffed_and_reported(toy: Path) -> None:
    runner = CliRunner()
    old, new = str(toy / "supp42-2026-01-05.xml"), str(toy / "supp42-2026-01-12.xml")
    done = runner.invoke(
        main, ["snapshot", old, "--supplement", "42", "--format", "json"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    snap = json.loads(done.output)
    assert (snap["supplement"], snap["list"], snap["rows"]) == (42, "toy-list", 3)
    assert [(e["country"], e["name"]) for e in snap["entries"]] == [
        ("ARMENIA", "Atlas Toys"),
        ("ARMENIA", "Blue Toys"),
    ]
    assert snap["accounting"]["reserved"] == 1
    assert [f["code"] for f in snap["findings"]] == ["reserved-row"]

    done = runner.invoke(
        main, ["diff", old, new, "--supplement", "42", "--format", "json"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    d = json.loads(done.output)
    assert (d["supplement"], d["list"]) == (42, "toy-list")
    assert [e["name"] for e in d["added"]] == ["Green Toys"]
    assert [e["name"] for e in d["removed"]] == ["Blue Toys"]
    done = runner.invoke(main, ["diff", old, new, "--supplement", "42"], catch_exceptions=False)
    assert done.output.startswith("## Toy List changes")

    with Archive.open(offline=True, fixtures_dir=toy) as archive:
        report = build_weekly(archive, date(2026, 1, 6), date(2026, 1, 12), supplement=42)
    out = report.to_dict()
    assert (out["supplement"], out["list"], out["basis"]) == (42, "toy-list", "snapshots")
    toy = out["summary"]["by_list"]["42"]
    assert (toy["name"], toy["changes"]["added"], toy["changes"]["removed"]) == ("Toy List", 1, 1)
    assert out["diff"]["supplement"] == 42


def test_the_same_document_reads_as_each_list(toy: Path) -> None:
    """A whole part holds several lists; --supplement all prints each in turn."""
    path = str(toy / "supp42-2026-01-05.xml")
    done = CliRunner().invoke(
        main, ["snapshot", path, "--supplement", "all", "--format", "json"], catch_exceptions=False
    )
    assert done.exit_code == 1  # Supplements No. 6 and 7 are not in the toy document
    assert "no Supplement No. 6" in done.output
    four = CliRunner().invoke(main, ["snapshot", path, "--format", "json"], catch_exceptions=False)
    assert json.loads(four.output)["entries"][0]["name"] == "Not A Toy"


def test_a_snapshot_json_of_one_list_is_refused_as_another(toy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    path = str(toy / "supp42-2026-01-05.xml")
    out = tmp_path / "toy.json"
    runner.invoke(
        main, ["snapshot", path, "--supplement", "42", "--format", "json", "-o", str(out)]
    )
    done = runner.invoke(main, ["diff", str(out), str(out)], catch_exceptions=False)
    assert done.exit_code == 1
    assert "Toy List (Supplement No. 42)" in done.output and "--supplement 42" in done.output


def test_supplement_values() -> None:
    assert lists.supplements("all") == tuple(sorted(lists.SPECS))
    assert lists.supplements("6,7") == (6, 7)
    assert lists.supplements(None) == (lists.DEFAULT,)
    assert lists.get("meu-list").number == 7
    with pytest.raises(InputError, match="no list spec"):
        lists.get(5)
    assert lists.get(7).is_reserved(" [reserved] ")
    assert not lists.get(6).is_reserved("[Reserved]")
