"""Nothing lost: every table row and amendatory instruction is in the output or a finding.

For every rule and snapshot in fixtures/ (and, from tests/test_fuzz.py, for
mutated copies of them), the invariants below are checked against counts taken
independently from the XML, so a parser that skipped a row or an instruction
without saying so fails here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from msgspec import structs

from conftest import RULES, SNAPSHOTS
from frdiff.model import ChangeSet, Snapshot
from frdiff.normalize import name_key
from frdiff.parse.rows import UNREAD_CODES
from frdiff.parse.rule import parse_rule
from frdiff.parse.snapshot import parse_snapshot

#: A rule's row, "DOC table row N", and the field a finding names ("..., entity").
_TABLE_ROW = re.compile(r" table row (\d+)(?:, [a-z ]+)?$")
_SNAPSHOT_ROWS = re.compile(r", row (\d+)(?:-(\d+))?(?:, |$)")


def _plain_tree(data: bytes) -> etree._Element:
    return etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))


def document_element(root: etree._Element) -> etree._Element:
    """The rule element the parser reads (the root, or the first RULE-like descendant)."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in (
            "RULE",
            "PRORULE",
            "NOTICE",
            "CORRECT",
            "PRESDOCU",
        ):
            return el
    return root


def check_rule(data: bytes, cs: ChangeSet) -> None:
    """The rule invariants; raises AssertionError naming what was lost."""
    acc = dict(cs.accounting)
    doc = cs.rule.document_number or cs.source or "rule"
    kinds = {k[len("rows_") :]: v for k, v in acc.items() if k.startswith("rows_")}
    assert acc["table_rows"] == sum(kinds.values()), acc
    root = document_element(_plain_tree(data))
    amdpars = [el for el in root.iter("AMDPAR")]
    assert acc["instructions"] == len(amdpars) == len(cs.instructions), "an instruction lost"
    # Every instruction is one list's (instructions_supplement4, _supplement6, ...) or other.
    by_list = sum(v for k, v in acc.items() if k.startswith("instructions_supplement"))
    assert acc["instructions"] == by_list + acc["instructions_other"]
    all_rows = sum(1 for t in root.iter("GPOTABLE") for _ in t.iter("ROW"))
    if acc.get("tables_other", 0) == 0:
        assert acc["table_rows"] == all_rows, "table rows counted differ from the document's"
    else:
        assert acc["table_rows"] <= all_rows

    # Every row of kind entry is in exactly one change.
    entry_rows = [c.entry.source for c in cs.changes if c.entry is not None]
    assert len(entry_rows) == kinds.get("entry", 0), "an entry row is not in a change"
    assert len(set(entry_rows)) == len(entry_rows), "an entry row is in two changes"
    for src in entry_rows:
        assert src.startswith(doc) and _TABLE_ROW.search(src), src

    # Every unread row has a finding naming its row.
    unread = {
        m.group(1)
        for f in cs.findings
        if f.code in UNREAD_CODES and (m := _TABLE_ROW.search(f.where))
    }
    assert len(unread) == kinds.get("unread", 0), "an unread row has no finding naming it"

    # Every name quoted by a Supplement No. 4 instruction is in a change or a finding.
    changed = Counter()
    for c in cs.changes:
        changed[(c.instruction_label, name_key(c.name_in_instruction or c.name))] += 1
        changed[(c.instruction_label, name_key(c.name))] += 1
    for ins in cs.instructions:
        if ins.target != "supplement4":
            continue
        for name in ins.names:
            key = name_key(name)
            if changed[(ins.label, key)]:
                continue
            here = [
                f
                for f in cs.findings
                if f.where.endswith(f"instruction {ins.label}")
                and key in name_key(f"{f.message} {f.text}")
            ]
            assert here, f"instruction {ins.label} names {name!r}: no change, no finding"


def snapshot_rows_covered(snap: Snapshot) -> tuple[set[int], list[tuple[int, int]]]:
    """Rows named by findings, and each entry's row range."""
    ranges = []
    for e in snap.entries:
        m = _SNAPSHOT_ROWS.search(e.source)
        assert m, f"entry source names no row: {e.source!r}"
        ranges.append((int(m.group(1)), int(m.group(2) or m.group(1))))
    named = set()
    for f in snap.findings:
        m = _SNAPSHOT_ROWS.search(f.where)
        if m:
            named.update(range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1))
    return named, ranges


def body_rows(data: bytes) -> int:
    """Body rows of the document's tables, counted without frdiff: rows not all TH."""
    root = _plain_tree(data)
    n = 0
    for el in root.iter("TR", "ROW"):
        cells = [c for c in el if isinstance(c.tag, str) and c.tag in ("TD", "TH", "ENT")]
        if cells and all(c.tag == "TH" for c in cells):
            continue
        n += 1
    return n


def check_snapshot(snap: Snapshot, *, complete: bool = True) -> set[int]:
    """The snapshot invariants; returns the rows neither an entry nor a finding names.

    Entries' row ranges never overlap and lie within ``rows``.  With ``complete``,
    every row must be named: ``Snapshot`` does not expose the rows it reads as
    country headings, so for a document that has such rows the check is partial.
    """
    named, ranges = snapshot_rows_covered(snap)
    covered = set(named)
    seen: set[int] = set()
    for a, b in ranges:
        span = set(range(a, b + 1))
        assert 1 <= a <= b <= snap.rows, (a, b, snap.rows)
        assert not span & seen, f"rows {a}-{b} in two entries"
        seen |= span
    covered |= seen
    missing = set(range(1, snap.rows + 1)) - covered
    if complete:
        assert not missing, f"rows in no entry and no finding: {sorted(missing)[:10]}"
    return missing


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_rule_accounts_for_every_row_and_instruction(path: Path) -> None:
    meta = json.loads(path.with_suffix(".meta.json").read_text())
    data = path.read_bytes()
    cs = parse_rule(data, source=path.name, meta=meta)
    check_rule(data, cs)
    acc = dict(cs.accounting)
    assert acc["rows_entry"] == len([c for c in cs.changes if c.entry]) > 0


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.stem)
def test_snapshot_accounts_for_every_row(path: Path) -> None:
    data = path.read_bytes()
    snap = parse_snapshot(data, source=path.name)
    assert snap.rows == body_rows(data)
    check_snapshot(snap)


def test_the_checks_catch_a_lost_row() -> None:
    """The invariants are not vacuous: a parser result with a row dropped fails them."""

    path = RULES[0]
    data = path.read_bytes()
    cs = parse_rule(data, source=path.name)
    with pytest.raises(AssertionError, match="entry row"):
        check_rule(data, structs.replace(cs, changes=cs.changes[1:]))
    snap = parse_snapshot(SNAPSHOTS[0].read_bytes(), source="s.xml")
    with pytest.raises(AssertionError, match="no entry and no finding"):
        check_snapshot(structs.replace(snap, entries=snap.entries[:-1]))
