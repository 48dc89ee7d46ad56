"""One row reader: the same table rows read through a rule and through a snapshot
are counted as the same kinds, with the same finding codes on the same rows."""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from frdiff.model import Finding
from frdiff.parse.rows import LAYOUT_CODES, ROW_KINDS
from frdiff.parse.rule import parse_rule
from frdiff.parse.snapshot import parse_snapshot
from frdiff.parse.table import read_table
from rulexml import META, as_ecfr, row, rule, stars

_ENTRY = "For all items subject to the EAR."
#: The table's rows, each with the kind both readers must count it as and the row
#: codes they must report on it (LAYOUT_CODES only in a snapshot).
ROWS: list[tuple[str, str, set[str]]] = [
    ('<ROW><ENT I="22"> </ENT></ROW>', "placeholder", {"empty-row"}),
    ('<ROW><ENT I="28">*  *  *  *  *  *  *</ENT></ROW>', "placeholder", {"placeholder-row"}),
    (
        "<ROW><ENT>Country</ENT><ENT>Entity</ENT><ENT>License requirement</ENT>"
        "<ENT>License review policy</ENT><ENT>Federal Register citation</ENT></ROW>",
        "header",
        {"header-row"},
    ),
    (
        '<ROW><ENT I="22"> </ENT><ENT>77 Stray Address Road, Toronto, Canada.</ENT></ROW>',
        "unread",
        {"orphan-continuation"},
    ),
    (stars("CANADA"), "country", {"country-row"}),
    (row("Maple Tech Inc., 1 King Street, Toronto, Canada."), "entry", set()),
    (
        '<ROW><ENT I="22"> </ENT><ENT>2 Queen Street, Toronto, Canada.</ENT></ROW>',
        "continuation",
        set(),
    ),
    ("<ROW><ENT>x</ENT><ENT/>" + "<ENT>x</ENT>" * 5 + "</ROW>", "misaligned", {"row-shape"}),
    (
        f"<ROW><ENT> </ENT><ENT>Elm Works Ltd.</ENT><ENT>{_ENTRY}</ENT><ENT>Presumption of "
        "denial.</ENT><ENT>90 FR 11000, 3/3/25.</ENT><ENT>Stray</ENT><ENT>Stray</ENT></ROW>",
        "entry",
        {"row-shape"},
    ),
    (
        f"<ROW><ENT> </ENT><ENT>Birch Labs Ltd.</ENT><ENT/><ENT>{_ENTRY}</ENT>"
        "<ENT>Presumption of denial.</ENT><ENT>90 FR 11000, 3/3/25.</ENT></ROW>",
        "entry",
        {"row-6-cells"},
    ),
    (
        f"<ROW><ENT> </ENT><ENT>Cedar Systems</ENT><ENT>{_ENTRY}</ENT></ROW>",
        "entry",
        {"row-shape"},
    ),
    (
        f"<ROW><ENT>CANADA</ENT><ENT>*  *  *</ENT><ENT>{_ENTRY}</ENT><ENT/><ENT/></ROW>",
        "unread",
        {"no-entity"},
    ),
    ("<ROW>CANADA Stray text</ROW>", "unread", {"text-outside-cells"}),
    (
        "<ROW><ENT>Dogwood Corp., 4 Elm Road, Toronto, Canada.</ENT><ENT/><ENT>"
        f"{_ENTRY}</ENT><ENT>Presumption of denial.</ENT><ENT>90 FR 11000</ENT></ROW>",
        "entry",
        {"entity-in-country-column"},
    ),
]
#: Codes the row reader gives; the cells' own findings (names, citations) differ
#: between a rule and a snapshot and are not compared here.
_ROW_CODES = LAYOUT_CODES | {
    "no-entity",
    "text-outside-cells",
    "row-shape",
    "orphan-continuation",
    "no-country",
    "row-4-cells",
    "row-6-cells",
    "entity-in-country-column",
    "footnote-row",
}
_RULE_ROW = re.compile(r" table row (\d+)(?:,|$)")
_SNAPSHOT_ROW = re.compile(r", row (\d+)(?:,|$)")


def _document() -> bytes:
    return rule(
        [
            "2. Supplement No. 4 to part 744 is amended by adding under CANADA entries for "
            "“Maple Tech Inc.”, “Elm Works Ltd.”, “Birch Labs Ltd.”, “Cedar Systems” and “Dogwood "
            "Corp.”."
        ],
        [r for r, _, _ in ROWS],
    )


def _codes_by_row(findings: tuple[Finding, ...], pattern: re.Pattern[str]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for f in findings:
        m = pattern.search(f.where)
        if m and f.code in _ROW_CODES:
            out[int(m.group(1))].add(f.code)
    return dict(out)


def _kinds(accounting: dict[str, int], prefix: str = "") -> dict[str, int]:
    return {k: accounting.get(prefix + k, 0) for k in ROW_KINDS if accounting.get(prefix + k)}


def test_the_rows_a_rule_prints_read_alike_by_both_readers() -> None:
    data = _document()
    cs = parse_rule(data, meta=META)
    snap = parse_snapshot(as_ecfr(data), source="s.xml")
    want: dict[str, int] = defaultdict(int)
    for _, kind, _ in ROWS:
        want[kind] += 1
    assert _kinds(dict(cs.accounting), "rows_") == dict(want)
    assert _kinds(dict(snap.accounting)) == dict(want)

    expected = {n: codes for n, (_, _, codes) in enumerate(ROWS, 1) if codes}
    assert _codes_by_row(snap.findings, _SNAPSHOT_ROW) == expected
    assert _codes_by_row(cs.findings, _RULE_ROW) == {
        n: codes - LAYOUT_CODES for n, codes in expected.items() if codes - LAYOUT_CODES
    }

    # The same entries, from the same rows, with the continuation row joined.
    rule_entries = [(c.entry.name, c.entry.addresses) for c in cs.changes if c.entry]
    assert rule_entries == [(e.name, e.addresses) for e in snap.entries]
    entry_rows = [n for n, (_, kind, _) in enumerate(ROWS, 1) if kind == "entry"]
    assert [c.entry.source for c in cs.changes if c.entry] == [
        f"2025-01234 table row {n}" for n in entry_rows
    ]
    # The entry followed by its continuation row spans both.
    continued = {n - 1 for n, (_, kind, _) in enumerate(ROWS, 1) if kind == "continuation"}
    assert [e.source for e in snap.entries] == [
        f"s.xml, row {n}-{n + 1}" if n in continued else f"s.xml, row {n}" for n in entry_rows
    ]
    assert rule_entries[0][1] == (
        "1 King Street, Toronto, Canada",
        "2 Queen Street, Toronto, Canada",
    )


def test_rows_numbered_across_tables_under_the_country_carried_in() -> None:
    """``first_row`` and ``start_country``: a second table of one document goes on
    numbering its rows and may start under the country the first ended with."""
    table = etree.fromstring(
        "<GPOTABLE>"
        + row("Elm Works Ltd., 5 Oak Road, Toronto, Canada.")
        + '<ROW><ENT I="22"> </ENT><ENT>6 Oak Road, Toronto, Canada.</ENT></ROW>'
        + '<ROW><ENT I="01">TAIWAN</ENT><ENT>Fir Co., 1 Road, Taipei, Taiwan.</ENT>'
        + f"<ENT>{_ENTRY}</ENT><ENT>Presumption of denial.</ENT><ENT>90 FR 1</ENT></ROW>"
        + "<TNOTE><SU>4</SU> For this entity, see § 744.11.</TNOTE>"
        + "</GPOTABLE>"
    )
    got = read_table(table, doc="D", first_row=40, start_country="CANADA")
    assert [(e.country, e.row, e.last_row) for e in got.entries] == [
        ("CANADA", 40, 41),
        ("TAIWAN", 42, 42),
    ]
    assert got.entries[0].entity.lines[-1] == "6 Oak Road, Toronto, Canada."
    assert dict(got.rows) == {"entry": 2, "continuation": 1}
    assert got.findings == []
    assert got.footnote_texts == {4: "For this entity, see § 744.11."}


def test_a_row_inside_a_gpo_tables_head_is_still_read_as_a_row() -> None:
    # A GPO table's BOXHD holds CHED headings, never rows: a ROW there (found by the
    # fuzzing) is counted and read like any other, never dropped unseen.
    data = _document().replace(
        b"</BOXHD>", b"<ROW><ENT>x</ENT><ENT/>" + b"<ENT>x</ENT>" * 5 + b"</ROW></BOXHD>", 1
    )
    cs = parse_rule(data, meta=META)
    acc = dict(cs.accounting)
    assert acc["table_rows"] == len(ROWS) + 1
    assert acc["rows_misaligned"] == 2
