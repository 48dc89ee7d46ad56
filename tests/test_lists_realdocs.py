"""The Unverified List (Supplement No. 6) and the Military End-User list (No. 7) in the
real eCFR responses for Part 744, read as they are.

The documents are read where they are kept (the ``realdocs`` fixture), never copied;
expected values are counted here from the XML by lxml, apart from the parser.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import combinations

import pytest
from lxml import etree

from conftest import REAL_ECFR_DATES, real_ecfr
from frdiff import lists
from frdiff.diff import diff_snapshots
from frdiff.model import Snapshot
from frdiff.parse.snapshot import RESERVED, ROW_KINDS, parse_snapshot

SUPPLEMENTS = (6, 7)


@cache
def _snapshot(day: str, supplement: int) -> Snapshot:
    path = real_ecfr(day)
    return parse_snapshot(path.read_bytes(), source=path.name, supplement=supplement)


@cache
def _rows(day: str, supplement: int) -> list[list[str]]:
    """The body rows of the supplement's table, each a list of cell texts (lxml alone)."""
    root = etree.parse(str(real_ecfr(day))).getroot()
    (supp,) = [
        d for d in root.iter("DIV9") if d.get("N") == f"Supplement No. {supplement} to Part 744"
    ]
    (table,) = list(supp.iter("TABLE"))
    return [
        [" ".join("".join(td.itertext()).split()) for td in tr]
        for body in table.iter("TBODY")
        for tr in body.findall("TR")
    ]


@pytest.fixture(params=[(d, s) for d in REAL_ECFR_DATES for s in SUPPLEMENTS], ids=str)
def case(request: pytest.FixtureRequest, realdocs: object) -> tuple[str, int]:
    return request.param  # type: ignore[no-any-return]


def test_every_row_is_an_entry_a_continuation_or_a_finding(case: tuple[str, int]) -> None:
    day, n = case
    snap, rows = _snapshot(day, n), _rows(day, n)
    spec = lists.get(n)
    assert snap.supplement == n
    assert all(len(r) == spec.width for r in rows)
    counts = dict(snap.accounting)
    assert snap.rows == len(rows) and sum(counts.values()) == snap.rows
    assert counts["unread"] == counts["misaligned"] == 0
    assert counts["entry"] == len(snap.entries)
    assert set(counts) == set(ROW_KINDS) | ({RESERVED} if spec.reserved else set())
    # Every row number is an entry's row (or inside its range) or a finding's row.
    covered: set[int] = set()
    for e in snap.entries:
        m = re.search(r"row (\d+)(?:-(\d+))?$", e.source)
        assert m, e.source
        covered.update(range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1))
    for f in snap.findings:
        m = re.search(r"row (\d+)$", f.where)
        if m:
            covered.add(int(m.group(1)))
    assert covered == set(range(1, len(rows) + 1))


def test_reserved_rows_are_recognised(case: tuple[str, int]) -> None:
    day, n = case
    snap, rows = _snapshot(day, n), _rows(day, n)
    reserved = [i for i, r in enumerate(rows, 1) if r[1] == "[Reserved]"]
    if n == 7:
        assert reserved and dict(snap.accounting)[RESERVED] == len(reserved)
        found = [f for f in snap.findings if f.code == "reserved-row"]
        assert [int(f.where.rsplit(" ", 1)[1]) for f in found] == reserved
        # A reserved row names its country; none is an entry.
        assert all(rows[i - 1][0] in f.message for i, f in zip(reserved, found, strict=True))
        assert not any(e.name == "[Reserved]" for e in snap.entries)
    else:
        assert not reserved and RESERVED not in dict(snap.accounting)


def test_citations_are_read_whole(case: tuple[str, int]) -> None:
    """Each entry has as many citations as its citation cell has "N FR N" (both the
    long-form dates of Supplement No. 6, whose separators changed between 07-18 and
    07-23, and the numeric ones of No. 7), each with volume and page."""
    day, n = case
    snap, rows = _snapshot(day, n), _rows(day, n)
    by_row = {int(m.group(1)): e for e in snap.entries if (m := re.search(r"row (\d+)", e.source))}
    for i, e in by_row.items():
        expected = len(re.findall(r"\d+\s+FR\s+\d+", rows[i - 1][2]))
        assert len(e.citations) == expected, e.source
        assert all(c.volume and c.page for c in e.citations), e.source
    assert not [f for f in snap.findings if f.code.startswith("citation")]


def test_units_continue_only_entries_that_announce_them(case: tuple[str, int]) -> None:
    day, n = case
    snap = _snapshot(day, n)
    spanning = [e for e in snap.entries if re.search(r"row \d+-\d+$", e.source)]
    if n == 6:
        assert not spanning
        return
    assert spanning and dict(snap.accounting)["continuation"] > 0
    # "The following eight subordinate institutions of Aero-Engine Company of China:"
    # and the rows after it: the parent named, each institution a unit of it.
    assert all(e.units and not e.name.lower().startswith("the following") for e in spanning)
    assert [len(e.units) for e in spanning] == [8, 7]
    assert [e for e in snap.entries if e.units] == spanning


@pytest.mark.parametrize("supplement", SUPPLEMENTS)
@pytest.mark.parametrize("pair", list(combinations(REAL_ECFR_DATES, 2)), ids=str)
def test_editorial_pairs_diff_to_nothing(
    pair: tuple[str, str], supplement: int, realdocs: object
) -> None:
    d = diff_snapshots(_snapshot(pair[0], supplement), _snapshot(pair[1], supplement))
    s = d.summary()
    assert d.supplement == supplement
    assert (s["added"], s["removed"], s["modified"], s["renamed"], s["moved"]) == (0,) * 5
    assert s["unchanged"] == len(_snapshot(pair[1], supplement).entries)


def test_lists_of_one_document_are_apart(realdocs: object) -> None:
    """The three lists of one response share no entry, and each is read from its own
    supplement (an entity of No. 7 is not one of No. 6)."""
    day = REAL_ECFR_DATES[-1]
    names = {n: {(e.country, e.name) for e in _snapshot(day, n).entries} for n in SUPPLEMENTS}
    assert names[6] and names[7] and not names[6] & names[7]
    with pytest.raises(Exception, match="one list"):
        diff_snapshots(_snapshot(day, 6), _snapshot(day, 7))
