"""Applying change sets to a snapshot, and cross-checking against the next snapshot."""

from __future__ import annotations

import json
from functools import cache

import pytest
from click.testing import CliRunner
from msgspec import structs

from conftest import FIXTURES
from frdiff.apply import apply_rules, crosscheck
from frdiff.cli import main
from frdiff.diff import text_key
from frdiff.errors import UsageError
from frdiff.model import ADD, REMOVE, REVISE, Change, ChangeSet, Citation, Entry, Rule, Snapshot
from frdiff.normalize import country_key, name_key
from frdiff.parse.rule import parse_rule
from frdiff.parse.snapshot import parse_snapshot

CN = "CHINA, PEOPLE'S REPUBLIC OF"
OLD_CITE = Citation("84 FR 22963", 84, 22963)
NEW_CITE = Citation("90 FR 14046", 90, 14046, "2025-03-28")


def E(name: str, country: str = CN, **kw) -> Entry:
    kw.setdefault("license_requirement", "For all items subject to the EAR.")
    kw.setdefault("license_review_policy", "Presumption of denial.")
    kw.setdefault("citations", (OLD_CITE,))
    return Entry(country=country, name=name, **kw)


def cs(doc: str, *changes: Change) -> ChangeSet:
    return ChangeSet(rule=Rule(doc), changes=changes)


def add(entry: Entry, country: str | None = None) -> Change:
    return Change(ADD, country or entry.country, entry.name, entry)


BEFORE = Snapshot(
    entries=(E("Alpha Ltd."), E("Beta Corp."), E("Gamma GmbH", country="GERMANY")),
    date="2025-03-24",
)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_add_revise_remove() -> None:
    new = E("Delta Co.", country="China", citations=(NEW_CITE,))
    revised = E("Beta Corp.", aliases=("Beta",), citations=(OLD_CITE, NEW_CITE))
    rule = cs(
        "2025-1",
        add(new),
        Change(REVISE, CN, "Beta Corp.", revised),
        Change(REMOVE, "GERMANY", "Gamma GmbH"),
    )
    applied = apply_rules(BEFORE, [rule])
    assert applied.findings == ()
    names = [(e.country, e.name) for e in applied.snapshot.entries]
    assert names == [(CN, "Alpha Ltd."), (CN, "Beta Corp."), (CN, "Delta Co.")]
    delta = applied.snapshot.entries[2]
    assert delta.country == CN and delta.country_code == "CN"  # "China" listed canonically
    assert applied.snapshot.entries[1].aliases == ("Beta",)
    assert dict(applied.counts) == {"added": 1, "revised": 1, "removed": 1}
    assert applied.rules == ("2025-1",)
    json.dumps(applied.to_dict())


def test_missing_targets_and_instruction_spelling() -> None:
    rule = cs(
        "2025-2",
        Change(REVISE, CN, "Epsilon Ltd.", E("Epsilon Ltd.")),
        Change(REMOVE, CN, "Zeta Ltd."),
        # The instruction spells the name differently from the table; the target is found.
        Change(REMOVE, CN, "Alfa Ltd.", None, name_in_instruction="Alpha Ltd."),
    )
    applied = apply_rules(BEFORE, [rule])
    assert codes(applied.findings) == ["revise-target-missing", "remove-target-missing"]
    assert applied.findings[0].where.startswith("2025-2: ")
    assert "Zeta Ltd." in applied.findings[1].text
    names = {e.name for e in applied.snapshot.entries}
    assert "Alpha Ltd." not in names and "Epsilon Ltd." in names


def test_addition_already_listed_merges_citations() -> None:
    again = E("Alpha Ltd.", citations=(NEW_CITE,), aliases=("A",))
    applied = apply_rules(BEFORE, [cs("2025-3", add(again))])
    assert codes(applied.findings) == ["already-listed"]
    assert applied.findings[0].severity == "warning"
    (alpha,) = [e for e in applied.snapshot.entries if e.name == "Alpha Ltd."]
    assert [c.key for c in alpha.citations] == [OLD_CITE.key, NEW_CITE.key]
    assert len(applied.snapshot.entries) == len(BEFORE.entries)


def test_same_name_added_twice_by_one_rule_is_two_entries() -> None:
    one = E("Omega Ltd.", addresses=("1 Road",), citations=(NEW_CITE,))
    two = E("Omega Ltd.", addresses=("2 Road",), citations=(NEW_CITE,))
    applied = apply_rules(BEFORE, [cs("2025-4", add(one), add(two))])
    assert [e.addresses for e in applied.snapshot.entries if e.name == "Omega Ltd."] == [
        ("1 Road",),
        ("2 Road",),
    ]
    assert codes(applied.findings) == ["duplicate-name"]


def test_rules_apply_in_order_and_placeholders_are_reported() -> None:
    placeholder = Citation("90 FR [INSERT FR PAGE NUMBER]", 90, None, None, True)
    first = cs("2025-5", add(E("Eta Ltd.", citations=(placeholder,))))
    second = cs("2025-6", Change(REMOVE, CN, "Eta Ltd."))
    applied = apply_rules(BEFORE, [first, second])
    assert codes(applied.findings) == ["unresolved-placeholder"]
    assert "Eta Ltd." not in {e.name for e in applied.snapshot.entries}
    applied = apply_rules(BEFORE, [second, first])
    assert codes(applied.findings) == ["remove-target-missing", "unresolved-placeholder"]


def test_crosscheck_agreement_and_every_kind_of_disagreement() -> None:
    rule = cs("2025-7", add(E("Delta Co.", citations=(NEW_CITE,), addresses=("9 Road",))))
    after = Snapshot(
        entries=(*BEFORE.entries, E("Delta Co.", citations=(NEW_CITE,))), date="2025-03-31"
    )
    assert codes(crosscheck(BEFORE, [rule], after, ignore=("addresses",)).findings) == []
    cc = crosscheck(BEFORE, [rule], after)
    assert codes(cc.findings) == ["differs-in-after"] and "addresses" in cc.findings[0].message
    assert not cc.agrees
    after2 = Snapshot(
        entries=(BEFORE.entries[0], BEFORE.entries[2], E("Theta Ltd.")), date="2025-03-31"
    )
    cc = crosscheck(BEFORE, [rule], after2, ignore=("addresses",))
    assert sorted(codes(cc.findings)) == [
        "missing-in-after",
        "missing-in-after",
        "unexplained-in-after",
    ]
    data = cc.to_dict()
    assert data["kind"] == "crosscheck" and data["summary"]["by_code"]["missing-in-after"] == 2
    json.dumps(data)
    with pytest.raises(UsageError):
        crosscheck(BEFORE, [rule], after, ignore=("name",))


# ---------------------------------------------------------------------------
# The corpus rules against the corpus snapshots


@cache
def snapshot(date: str) -> Snapshot:
    path = FIXTURES / "ecfr" / f"supp4-{date}.xml"
    return parse_snapshot(path.read_bytes(), source=path.name)


@cache
def rule(doc: str) -> ChangeSet:
    meta = json.loads((FIXTURES / "fr" / f"{doc}.meta.json").read_text(encoding="utf-8"))
    return parse_rule((FIXTURES / "fr" / f"{doc}.xml").read_bytes(), source=doc, meta=meta)


def _key(country: str, name: str) -> tuple[str, str]:
    return country_key(country), name_key(name)


CASES = [
    ("2025-01-13", ("2025-00704", "2025-00480"), "2025-01-17"),
    # 2025-05426, the other rule of 2025-03-28, is not in the fixtures.
    ("2025-03-24", ("2025-05427",), "2025-03-31"),
]


@pytest.mark.parametrize(("before", "docs", "after"), CASES)
def test_corpus_rules_reproduce_their_additions(before: str, docs, after: str) -> None:
    base = snapshot(before)
    changesets = [rule(d) for d in docs]
    applied = apply_rules(base, changesets)
    result = {_key(e.country, e.name): e for e in applied.snapshot.entries}
    listed = {_key(e.country, e.name) for e in base.entries}
    expected_codes = []
    for c in (c for s in changesets for c in s.changes):
        names = [c.name, c.name_in_instruction, c.entry.name if c.entry else None]
        present = any(_key(c.country, n) in listed for n in names if n)
        if c.action == ADD:
            got = result[_key(c.country, c.entry.name)]
            if present:
                expected_codes.append("already-listed")
            else:  # a new entry, exactly as the rule prints it
                assert structs.replace(got, country=c.entry.country) == structs.replace(
                    c.entry, country=c.entry.country, country_code=got.country_code
                )
            assert {x.key for x in c.entry.citations} <= {x.key for x in got.citations}
        elif not present:
            expected_codes.append(f"{c.action}-target-missing")
    # Findings only where the snapshot really lacks (or already has) the entry.
    assert sorted(codes(applied.findings)) == sorted(expected_codes)


def _differs(rule_entry: Entry, listed: Entry) -> bool:
    """An independent reading of "the rule and the list disagree" (addresses aside)."""
    return (
        text_key(rule_entry.license_requirement) != text_key(listed.license_requirement)
        or text_key(rule_entry.license_review_policy) != text_key(listed.license_review_policy)
        or {text_key(a) for a in rule_entry.aliases} != {text_key(a) for a in listed.aliases}
        or {c.key for c in rule_entry.citations} != {c.key for c in listed.citations}
    )


@pytest.mark.parametrize(("before", "docs", "after"), CASES)
def test_corpus_crosscheck_reports_only_real_disagreements(before: str, docs, after: str) -> None:
    changesets = [rule(d) for d in docs]
    later = snapshot(after)
    cc = crosscheck(snapshot(before), changesets, later, ignore=("addresses",))
    in_after = {}
    for e in later.entries:
        in_after.setdefault(_key(e.country, e.name), []).append(e)
    window = {c.key for s in changesets for ch in s.changes if ch.entry for c in ch.entry.citations}
    flagged = {f.text for f in cc.findings if f.code == "differs-in-after"}
    for ch in (c for s in changesets for c in s.changes if c.action == ADD):
        (listed,) = in_after[_key(ch.country, ch.entry.name)]  # every addition is in the list
        assert (f"{listed.country}: {listed.name}" in flagged) == _differs(ch.entry, listed)
    # What the rules do not explain is what other rules of the period added (2025-05426
    # ends on the page where 2025-05427 begins): each such entry carries a citation of
    # those pages and is not one of these rules' additions.
    added = {_key(c.country, c.entry.name) for s in changesets for c in s.changes if c.entry}
    pages = {p for v, p in window}
    lo, hi = min(pages), max(pages) + 10
    for f in cc.findings:
        if f.code == "unexplained-in-after":
            country_name = f.text.split(": ", 1)
            (e, *_) = in_after[_key(*country_name)]
            assert any(c.volume == 90 and lo - 20 <= (c.page or 0) <= hi for c in e.citations)
            assert _key(*country_name) not in added
    assert "missing-in-after" not in codes(cc.findings) or before == "2025-01-13"


def test_apply_command(tmp_path) -> None:
    saved = tmp_path / "before.json"
    saved.write_text(json.dumps(snapshot("2025-03-24").to_dict()), encoding="utf-8")
    rule_path = str(FIXTURES / "fr" / "2025-05427.xml")
    runner = CliRunner()
    res = runner.invoke(
        main, ["apply", str(saved), rule_path, "--format", "json"], catch_exceptions=False
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["kind"] == "applied" and data["rules"] == ["2025-05427"]
    assert data["summary"]["added"] == 12
    assert len(data["entries"]) == len(snapshot("2025-03-24").entries) + 12
    after = tmp_path / "after.json"
    after.write_text(json.dumps(snapshot("2025-03-31").to_dict()), encoding="utf-8")
    res = runner.invoke(
        main, ["apply", str(saved), rule_path, "--against", str(after), "--ignore", "addresses"]
    )
    assert res.exit_code == 0
    assert json.loads(res.output)["kind"] == "crosscheck"
    res = runner.invoke(main, ["apply", str(saved), str(tmp_path / "nope.xml")])
    assert res.exit_code == 1 and "nope.xml" in res.output
