"""The differ: the corpus snapshots against their construction, and matching cases inline."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from msgspec import structs

from conftest import FIXTURES
from frdiff.cli import main
from frdiff.diff import _fast_name_key, diff_entries, diff_snapshots, text_key
from frdiff.model import Citation, Diff, Entry, Snapshot
from frdiff.normalize import name_key
from frdiff.parse.snapshot import parse_snapshot


@cache
def snapshot(date: str) -> Snapshot:
    path = FIXTURES / "ecfr" / f"supp4-{date}.xml"
    return parse_snapshot(path.read_bytes(), source=path.name)


def _accounted(d: Diff, old: list[Entry] | tuple[Entry, ...], new) -> None:
    """Every entry of either side is in exactly one place."""
    pairs = len(d.modified) + len(d.renamed) + len(d.moved) + d.unchanged
    assert len(old) == len(d.removed) + pairs
    assert len(new) == len(d.added) + pairs


# ---------------------------------------------------------------------------
# The corpus snapshots: the expectation is derived from the newer file's citations.


@pytest.mark.parametrize(
    ("old_date", "new_date", "first", "last"),
    [
        ("2025-03-24", "2025-03-31", (90, 14032), (90, 14052)),
        ("2025-01-13", "2025-01-17", (90, 4617), (90, 4624)),
    ],
)
def test_corpus_snapshots_diff_to_what_their_construction_implies(
    old_date: str, new_date: str, first: tuple[int, int], last: tuple[int, int]
) -> None:
    old, new = snapshot(old_date), snapshot(new_date)

    def in_window(c: Citation) -> bool:
        return c.volume is not None and c.page is not None and first <= c.key <= last

    # The older list is the newer one with the window's citations dropped, and the
    # entries all of whose citations fall in the window dropped with them.
    expected_added = Counter(
        (e.country, e.name)
        for e in new.entries
        if e.citations and all(in_window(c) for c in e.citations)
    )
    expected_cited: Counter[tuple[str, str, tuple]] = Counter(
        (e.country, e.name, tuple(c.key for c in e.citations if in_window(c)))
        for e in new.entries
        if any(in_window(c) for c in e.citations) and not all(in_window(c) for c in e.citations)
    )
    assert expected_added and expected_cited  # the windows do carry changes

    d = diff_snapshots(old, new)
    assert (d.old_label, d.new_label) == (old_date, new_date)
    assert Counter((e.country, e.name) for e in d.added) == expected_added
    assert d.removed == () and d.renamed == () and d.moved == ()
    got_cited = Counter()
    for m in d.modified:
        (change,) = m.changes
        assert change.field == "citations" and change.removed == ()
        got_cited[(m.after.country, m.after.name, tuple(c.key for c in change.added))] += 1
    assert got_cited == expected_cited
    _accounted(d, old.entries, new.entries)

    # Cross-check against the raw text: every window citation in the newer file is
    # in the diff, as an added entry's citation or an added citation.
    raw = (FIXTURES / "ecfr" / f"supp4-{new_date}.xml").read_text(encoding="utf-8")
    pages = [int(p) for p in re.findall(rf"\b{first[0]} FR (\d+)\b", raw)]
    in_raw = sum(first[1] <= p <= last[1] for p in pages)
    in_diff = sum(len(e.citations) for e in d.added) + sum(
        len(m.changes[0].added) for m in d.modified
    )
    assert in_diff == in_raw

    summary = d.to_dict()["summary"]
    assert summary["added"] == sum(expected_added.values())
    assert sum(v["added"] for v in summary["by_country"].values()) == summary["added"]


def test_a_snapshot_against_itself_is_empty() -> None:
    s = snapshot("2025-03-31")
    d = diff_snapshots(s, s)
    assert d.is_empty and d.unchanged == len(s.entries)


# ---------------------------------------------------------------------------
# Matching cases

_LR = "For all items subject to the EAR. (See § 744.11 of the EAR)."


def E(name: str, country: str = "CHINA, PEOPLE'S REPUBLIC OF", **kw) -> Entry:
    kw.setdefault("license_requirement", _LR)
    kw.setdefault("license_review_policy", "Presumption of denial.")
    kw.setdefault("citations", (Citation("84 FR 22963", 84, 22963),))
    return Entry(country=country, name=name, **kw)


def test_layout_case_punctuation_order_and_source_are_never_a_change() -> None:
    old = [
        E("Alpha Co., Ltd.", aliases=("A1", "A2"), source="old row 1"),
        E("Beta Ltd.", addresses=("1 Road, City",)),
    ]
    new = [
        E(
            "Beta Ltd.",
            addresses=("1 Road,  City.",),
            license_requirement="For all items subject to the EAR (See §744.11 of the EAR)",
            license_review_policy="presumption of denial",
        ),
        E(
            "Alpha Co.,  Ltd",
            aliases=("A2", "A1"),
            citations=(Citation("84 FR 22963, 5/21/19", 84, 22963, "2019-05-21"),),
            source="new row 9",
        ),
    ]
    d = diff_entries(old, new)
    assert d.is_empty and d.unchanged == 2


def test_field_changes_text_and_lists() -> None:
    old = [E("Gamma Corp.", aliases=("G1", "G2"), footnotes=(3,))]
    new = [
        E(
            "Gamma Corp.",
            aliases=("G2", "G3"),
            license_review_policy="Case-by-case review.",
            citations=(Citation("84 FR 22963", 84, 22963), Citation("90 FR 14046", 90, 14046)),
            footnotes=(4,),
        )
    ]
    d = diff_entries(old, new)
    (m,) = d.modified
    got = {c.field: c.to_dict() for c in m.changes}
    assert got["aliases"] == {"field": "aliases", "added": ["G3"], "removed": ["G1"]}
    assert got["license_review_policy"] == {
        "field": "license_review_policy",
        "old": "Presumption of denial.",
        "new": "Case-by-case review.",
    }
    assert [c["page"] for c in got["citations"]["added"]] == [14046]
    assert got["citations"]["removed"] == []
    assert got["footnotes"] == {"field": "footnotes", "added": [4], "removed": [3]}
    assert set(got) == {"aliases", "license_review_policy", "citations", "footnotes"}


@pytest.mark.parametrize(
    ("name", "country", "aliases"),
    [
        ("Telecom International Myanmar Company Limited", "BURMA", ("Mytel", "MyTel")),
        ("Islamic Revolutionary Guard Corps Aerospace Force", "IRAN", ("IRGC-ASF", "IRGCASF")),
    ],
)
def test_of_two_aliases_alike_under_the_key_the_one_gone_is_reported(
    name: str, country: str, aliases: tuple[str, str]
) -> None:
    # Fuzz regressions: "Mytel" removed from "Mytel; and MyTel" (or "IRGC-ASF" from
    # "IRGC-ASF; ... IRGCASF") was reported as the other one removed, the first
    # alias alike under the comparison key, though it is still there.
    old = [E(name, country=country, aliases=aliases)]
    for kept, gone in (aliases, aliases[::-1]):
        new = [E(name, country=country, aliases=("Vashtar Alias 2", kept))]
        (m,) = diff_entries(old, new).modified
        assert [c.to_dict() for c in m.changes] == [
            {"field": "aliases", "added": ["Vashtar Alias 2"], "removed": [gone]}
        ]


def test_duplicate_names_are_paired_by_their_other_fields() -> None:
    # "Tactical Missile Corporation" style: one name, several entries, told apart
    # by the rest of the cell.
    a = E("Tactical Missile Corp.", addresses=("NPO Electromechanics",), country="RUSSIA")
    b = E("Tactical Missile Corp.", addresses=("Plant Molot",), country="RUSSIA")
    c = E("Tactical Missile Corp.", addresses=("Avangard",), country="RUSSIA")
    b2 = structs.replace(
        b, citations=(*b.citations, Citation("90 FR 14046", 90, 14046)), source="x"
    )
    d = diff_entries([a, b, c], [c, b2])  # a removed, b gained a citation, order shuffled
    assert d.removed == (a,)
    (m,) = d.modified
    assert m.before.addresses == ("Plant Molot",) and m.match == "duplicate"
    assert [ch.field for ch in m.changes] == ["citations"]
    assert d.unchanged == 1 and d.added == ()


def test_rename_old_name_kept_as_alias_and_alias_promoted() -> None:
    old = [E("Old Name Ltd."), E("Delta Holdings", aliases=("Delta Tech Co.",))]
    new = [
        E("Brand New Name Ltd.", aliases=("Old Name Ltd.",)),
        E("Delta Tech Co.", aliases=("Delta Holdings",)),
    ]
    d = diff_entries(old, new)
    assert not d.added and not d.removed
    names = {(r.before.name, r.after.name, r.match) for r in d.renamed}
    assert names == {
        ("Old Name Ltd.", "Brand New Name Ltd.", "alias"),
        ("Delta Holdings", "Delta Tech Co.", "alias"),
    }
    first = next(r for r in d.renamed if r.before.name == "Old Name Ltd.")
    assert {c.field for c in first.changes} == {"name", "aliases"}


def test_close_rename_needs_corroboration() -> None:
    cite = (Citation("85 FR 1", 85, 1),)
    old = [E("Shenzhen Huaxing Electronics Technology Co.", citations=cite)]
    renamed = E(
        "Shenzhen Huaxing Electronic Technology Co.",
        citations=(*cite, Citation("90 FR 14046", 90, 14046)),
    )
    d = diff_entries(old, [renamed])
    (r,) = d.renamed
    assert r.match == "fuzzy" and [f.code for f in d.findings] == ["fuzzy-rename"]
    # The same close name with nothing else in common is a removal and an addition.
    stranger = E(
        "Shenzhen Huaxing Electronic Technology Co.", citations=(Citation("91 FR 5", 91, 5),)
    )
    d = diff_entries(old, [stranger])
    assert len(d.added) == 1 and len(d.removed) == 1 and not d.renamed


def test_moves_between_countries() -> None:
    old = [E("Omega Trading Ltd.", country="HONG KONG"), E("Stay Ltd.", country="HONG KONG")]
    new = [E("Omega Trading Ltd."), E("Stay Ltd.", country="HK")]
    d = diff_entries(old, new)
    (mv,) = d.moved
    assert mv.changes[0].to_dict() == {
        "field": "country",
        "old": "HONG KONG",
        "new": "CHINA, PEOPLE'S REPUBLIC OF",
    }
    assert d.unchanged == 1  # "HK" is the HONG KONG heading, printed as its code
    assert d.summary()["by_country"]["CHINA, PEOPLE'S REPUBLIC OF"]["moved"] == 1


def test_same_entity_under_two_countries_is_two_entries() -> None:
    old = [E("Dart Aviation", country="FRANCE")]
    new = [E("Dart Aviation", country="FRANCE"), E("Dart Aviation", country="IRAN")]
    d = diff_entries(old, new)
    assert [e.country for e in d.added] == ["IRAN"] and d.unchanged == 1


def test_output_does_not_depend_on_row_order() -> None:
    s = snapshot("2025-03-31")
    old = snapshot("2025-03-24").entries
    a = diff_entries(old, s.entries).to_dict()
    b = diff_entries(tuple(reversed(old)), tuple(reversed(s.entries))).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_distant_versions_account_for_every_entry() -> None:
    old, new = snapshot("2025-01-13"), snapshot("2026-07-31")
    d = diff_snapshots(old, new)
    _accounted(d, old.entries, new.entries)
    assert not d.removed and len(d.added) > 100


@given(st.text(max_size=40))
def test_fast_name_key_equals_name_key(text: str) -> None:
    assert _fast_name_key(text) == name_key(text)


def test_text_key_keeps_words_and_numbers() -> None:
    assert text_key("See § 744.11 of the EAR).") == text_key("see §744.11 of the EAR)")
    assert text_key("(See §§ 734.9(e)(2))") != text_key("(Se §§ 734.9(e)(2))")
    assert text_key("734.9(e)(2)") != text_key("734.9(e)(3)")


# ---------------------------------------------------------------------------
# Command


def _china_json(date: str, tmp_path) -> str:
    """A fixture snapshot cut down to one country, saved as snapshot JSON (fast to load)."""
    s = snapshot(date)
    part = structs.replace(s, entries=tuple(e for e in s.entries if e.country_code == "CN"))
    path = tmp_path / f"china-{date}.json"
    path.write_text(json.dumps(part.to_dict()), encoding="utf-8")
    return str(path)


def test_diff_command_formats(tmp_path) -> None:
    runner = CliRunner()
    old = str(FIXTURES / "ecfr" / "supp4-2025-03-24.xml")
    new = str(FIXTURES / "ecfr" / "supp4-2025-03-31.xml")
    res = runner.invoke(main, ["diff", old, new, "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["format_version"] == 1 and data["kind"] == "diff"
    assert {"added", "removed", "modified", "renamed", "moved", "summary"} <= set(data)
    assert data["summary"]["added"] == len(data["added"]) > 0
    assert data == json.loads(
        json.dumps(diff_snapshots(snapshot("2025-03-24"), snapshot("2025-03-31")).to_dict())
    )
    change = data["modified"][0]["changes"][0]
    assert set(change) == {"field", "added", "removed"}
    old, new = _china_json("2025-03-24", tmp_path), _china_json("2025-03-31", tmp_path)
    for fmt, marker in (("md", "Beijing Academy of Artificial Intelligence"), ("csv", "added,")):
        res = runner.invoke(main, ["diff", old, new, "--format", fmt], catch_exceptions=False)
        assert res.exit_code == 0 and marker in res.output


def test_snapshot_command_and_json_round_trip(tmp_path) -> None:
    runner = CliRunner()
    src = FIXTURES / "ecfr" / "supp4-2025-03-24.xml"
    res = runner.invoke(main, ["snapshot", str(src), "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["date"] == "2025-03-24" and data["kind"] == "snapshot"
    assert len(data["entries"]) == data["rows"]
    # The constructed list holds a few rows identical in every field (addresses were
    # dropped when it was built) and a few names a comma makes ambiguous ("Kish
    # Airlines, Headquarters."): reported as info, nothing worse.
    assert {f["code"] for f in data["findings"]} <= {"duplicate-entry", "ambiguous-name"}
    assert {f["severity"] for f in data["findings"]} == {"info"}
    assert all(f["severity"] == "info" for f in data["findings"])
    saved = tmp_path / "old.json"
    saved.write_text(res.output, encoding="utf-8")
    res = runner.invoke(main, ["diff", str(saved), str(src), "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output)["summary"]["total"] == 0
    res = runner.invoke(main, ["snapshot", str(saved), "--format", "md"])
    assert res.exit_code == 0 and "| CHINA, PEOPLE'S REPUBLIC OF |" in res.output


def test_commands_give_clean_errors(tmp_path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_bytes(b"<DIV9><TABLE><TR>")
    runner = CliRunner()
    for args in (["snapshot", str(bad)], ["diff", str(bad), str(bad)]):
        res = runner.invoke(main, args)
        assert res.exit_code == 1
        assert "broken.xml" in res.output and "Traceback" not in res.output
    res = runner.invoke(main, ["snapshot", str(tmp_path / "missing.xml")])
    assert res.exit_code != 0 and "missing.xml" in res.output


def test_entry_equality_ignores_only_the_source() -> None:
    a = Entry(country="X", name="n", aliases=("a",), source="one.xml, row 1")
    same = Entry(country="X", name="n", aliases=("a",), source="two.xml, row 9")
    other = Entry(country="X", name="n", aliases=("b",), source="one.xml, row 1")
    assert (a == same, a != same, a == other, a != other) == (True, False, False, True)
    assert hash(a) == hash(same)
    assert len({a, same, other}) == 2
