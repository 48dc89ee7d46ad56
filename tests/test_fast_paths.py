"""The parser's shortcuts give what the definitions they stand for give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from frdiff.normalize import (
    _FINAL_WORD,
    _LEADING_DASH,
    _TRAILING_AND,
    _WS,
    _abbreviation,
    _drop_trailing_and,
    _strip_loop,
    clean,
    dash_item,
    ends_with_abbreviation,
    strip_item,
)
from frdiff.parse.cells import _ALIAS_CLAUSE, _find_clause, parse_entity_cell, plain_name
from frdiff.parse.snapshot import parse_snapshot
from frdiff.parse.xml import cell_lines

#: Pieces that meet the shortcuts' edge cases: every kind of space, separators,
#: "and" in any case, alias clauses, abbreviations.
_PIECES = st.sampled_from(
    [
        "a", "A", "k", "K", "\u212a", "and", "AND", "And", " ", "  ", "\t", "\n", "\xa0",
        "\u2009", "\u200b", "\u2060", "\ufeff", "\x1c", ".", "..", ";", ",", ":", "(", "x",
        "Ltd", "Co", "S.A", "a.k.a.", ", a.k.a., the following two aliases:", "also known as",
        "\u2014", "é", "\u0130", "\u017f",
    ]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=12).map("".join) | st.text(max_size=30)


@given(_TEXT)
def test_clean_is_whitespace_collapsed(text: str) -> None:
    assert clean(text) == _WS.sub(" ", text).strip()


@given(_TEXT)
def test_abbreviation_by_final_word(text: str) -> None:
    text = text.replace("\n", " ") + "."
    m = _FINAL_WORD.search(text)
    assert ends_with_abbreviation(text) == (m is not None and _abbreviation(m.group(1)))


@given(_TEXT)
def test_dash_item_after_the_leading_dashes(text: str) -> None:
    for line in (text, "\u2014" + text):
        m = _LEADING_DASH.match(line)
        assert dash_item(line) == (clean(line[m.end() :]) if m else "")


@given(_TEXT, st.sampled_from(["", ";", ",", ".", ":", "; and", ", and", " and", "..", "Ltd."]))
def test_strip_item_shortcuts_agree_with_its_loop(text: str, end: str) -> None:
    item = clean(text + end)
    assert strip_item(item) == _strip_loop(item)


@given(_TEXT)
def test_trailing_and_dropped(text: str) -> None:
    assert _drop_trailing_and(text) == _TRAILING_AND.sub("", text)


@settings(max_examples=300)
@given(_TEXT, _TEXT)
def test_alias_clause_found_where_the_pattern_matches(before: str, after: str) -> None:
    for line in (before, f"{before}, a.k.a., the following two aliases:{after}"):
        for _ in range(2):  # the second time from what was kept
            m = _ALIAS_CLAUSE.search(line)
            want = (m.start(), m.end(), m.group("count")) if m else None
            assert _find_clause(line) == want


@given(_TEXT)
def test_plain_name_as_the_entity_cell_reads_it(line: str) -> None:
    name = plain_name(line)
    if name is not None:
        cell = parse_entity_cell([line])
        assert [name] == [cell.name]
        assert not (cell.aliases or cell.addresses or cell.listed_items or cell.notes)
        assert cell.problems == ([] if name else [("no-name", cell.problems[0][1], line)])


def test_line_break_cells_read_as_cell_lines_reads_them() -> None:
    cells = [
        "Name, a.k.a., the following two aliases:<br/>\u2014One;<br/>\u2014Two.",
        "Name<br/><br/>  12 Road,\n Moscow <br/>",
        "<br/>Lead<br/>",
        "Name<BR/>Address",
        'Name<br class="x"/>Address<br/>\u2014Item',
        "Name<br/>Address<SU>1</SU>",
        "Name<br>stray</br>Address",
    ]
    rows = "".join(
        f"<TR><TD></TD><TD>{c}</TD><TD>For all items</TD><TD>Denial</TD><TD>90 FR 1</TD></TR>"
        for c in cells
    )
    head = "<TR><TH>Country</TH><TH>Entity</TH><TH>License requirement</TH></TR>"
    country = "<TR><TD>FRANCE</TD><TD></TD><TD></TD><TD></TD><TD></TD></TR>"
    xml = f"<DIV><TABLE>{head}{country}{rows}</TABLE></DIV>"
    snap = parse_snapshot(xml.encode())
    tds = etree.fromstring(xml).findall(".//TR/TD[2]")[1:]
    assert len(snap.entries) == len(cells)
    for entry, td in zip(snap.entries, tds, strict=True):
        lines, footnotes = cell_lines(td)
        cell = parse_entity_cell(lines)
        assert (entry.name, list(entry.aliases), list(entry.addresses)) == (
            cell.name,
            cell.aliases,
            cell.addresses,
        )
        assert list(entry.listed_items) == cell.listed_items
        assert set(footnotes) <= set(entry.footnotes)
