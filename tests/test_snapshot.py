"""The eCFR snapshot parser: fixtures end to end, table shapes and quirks inline."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from conftest import SNAPSHOTS
from frdiff.cache import load_snapshot
from frdiff.errors import ParseError
from frdiff.model import Entry
from frdiff.normalize import country
from frdiff.parse.snapshot import parse_snapshot

_ROW_CODES = {
    "placeholder-row",
    "empty-row",
    "footnote-row",
    "header-row",
    "row-shape",
    "no-entity",
    "country-row",
}


def _row_numbers(where: str) -> list[int]:
    m = re.search(r"row (\d+)(?:-(\d+))?", where)
    assert m, where
    first = int(m.group(1))
    return list(range(first, int(m.group(2) or first) + 1))


def _accounted(snap) -> None:
    """Every body row is in exactly one entry or one row finding."""
    seen: Counter[int] = Counter()
    for e in snap.entries:
        seen.update(_row_numbers(e.source))
    for f in snap.findings:
        if f.code in _ROW_CODES:
            seen.update(_row_numbers(f.where))
    assert sorted(seen) == list(range(1, snap.rows + 1))
    assert max(seen.values(), default=1) == 1


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.name)
def test_fixture_snapshots_parse_completely(path: Path) -> None:
    data = path.read_bytes()
    snap = parse_snapshot(data, source=path.name)
    # Count the table's body rows independently of the parser.
    root = etree.fromstring(data)
    body_rows = [tr for tr in root.iter("TR") if tr.find("TD") is not None]
    assert snap.rows == len(body_rows)
    assert len(snap.entries) == len(body_rows)
    _accounted(snap)
    assert snap.date == re.search(r"\d{4}-\d{2}-\d{2}", path.name).group(0)
    for e in snap.entries:
        assert e.name and e.country
        assert country(e.country)[0] == e.country
        assert e.source.startswith(path.name)
    # The country column is printed once per country; every heading is carried down.
    headings = {
        country("".join(tr[0].itertext()))[0]
        for tr in body_rows
        if "".join(tr[0].itertext()).strip()
    }
    assert {e.country for e in snap.entries} == headings


def test_known_quirks_of_the_constructed_list() -> None:
    path = next(p for p in SNAPSHOTS if "2026-07-31" in p.name)
    snap = parse_snapshot(path.read_bytes(), source=path.name)
    names = Counter((e.country, e.name) for e in snap.entries)
    assert any(n > 1 for n in names.values()), "the same name twice under one country"
    assert any(e.name == "Address 16" for e in snap.entries)
    codes = {e.country: e.country_code for e in snap.entries}
    assert codes["UGANDA"] == "UG"  # printed as the ISO code "UG"
    assert codes["CRIMEA (OCCUPIED)"] is None


# ---------------------------------------------------------------------------
# Inline documents

_HEADER = (
    "<TR><TH>Country</TH><TH>Entity</TH><TH>License requirement</TH>"
    "<TH>License review policy</TH><TH><I>Federal Register</I> citation</TH></TR>"
)


def _html(rows: str, *, head: str = _HEADER, wrap: bool = True) -> bytes:
    table = f'<DIV class="gpotbl_div"><TABLE>{head}{rows}</TABLE></DIV>'
    if not wrap:
        return table.encode()
    return (
        '<DIV9 N="Supplement No. 4 to Part 744" TYPE="APPENDIX">'
        f"<HEAD>Supplement No. 4 to Part 744—Entity List</HEAD>{table}</DIV9>"
    ).encode()


def _tr(*cells: str) -> str:
    return "<TR>" + "".join(f"<TD>{c}</TD>" for c in cells) + "</TR>"


_LR = "For all items subject to the EAR. (See §744.11 of the EAR)<SU>4</SU>."
_POLICY = "Presumption of denial."
_CITE = "84 FR 22963, 5/21/19. 90 FR 14046, 3/28/25."


def _plain(entries: tuple[Entry, ...]) -> list[dict]:
    out = []
    for e in entries:
        d = e.to_dict()
        d.pop("source")
        out.append(d)
    return out


def test_country_is_carried_down_and_fields_are_read() -> None:
    rows = _tr(
        "CHINA, PEOPLE’S REPUBLIC OF",
        "Alpha Co., Ltd., a.k.a., the following two aliases:<br/>—Alpha;<br/>—Alpha Tech.",
        _LR,
        _POLICY,
        _CITE,
    ) + _tr("", "Beta Ltd.", _LR, _POLICY, "90 FR 14046.")
    snap = parse_snapshot(_html(rows), source="doc.xml")
    a, b = snap.entries
    assert a.country == b.country == "CHINA, PEOPLE'S REPUBLIC OF"
    assert a.country_code == "CN"
    assert a.name == "Alpha Co., Ltd."
    assert a.aliases == ("Alpha", "Alpha Tech")
    assert a.footnotes == (4,)
    assert "<SU>" not in a.license_requirement and "4" not in a.license_requirement[-3:]
    assert [c.key for c in a.citations] == [(84, 22963), (90, 14046)]
    assert a.citations[0].date == "2019-05-21"
    assert b.name == "Beta Ltd."
    assert (snap.rows, snap.findings) == (2, ())
    assert a.source == "doc.xml, row 1"


@pytest.mark.parametrize(
    "entity",
    [
        "Gamma Corp., a.k.a., the following two aliases:<br/>—G One; and<br/>—G Two.",
        "Gamma Corp., a.k.a., the following two aliases:<P>—G One; and</P><P>—G Two.</P>",
        "Gamma Corp., a.k.a., the following two aliases:<LI>—G One; <E T='03'>and</E></LI>"
        "<LI>—G Two.</LI>",
        "Gamma Corp., a.k.a., the following two aliases: —G One; and —G Two.",
        "Gamma Corp., a.k.a., the following two aliases:\n   —G One; and\n   —G Two.",
        "<P>Gamma Corp., a.k.a., the following two aliases:</P><br/><P>—G One; and</P>"
        "\n\n<P>  —G Two.  </P>",
    ],
    ids=["br", "P", "LI", "inline", "newlines", "mixed"],
)
def test_line_breaks_in_any_form_read_alike(entity: str) -> None:
    snap = parse_snapshot(_html(_tr("IRAN", entity, _LR, _POLICY, _CITE)))
    (e,) = snap.entries
    assert (e.name, e.aliases) == ("Gamma Corp.", ("G One", "G Two"))


def test_gpo_and_html_tables_read_alike() -> None:
    html = _html(
        _tr(
            "RUSSIA", "Delta JSC, a.k.a., the following one alias:<br/>—Delta.", _LR, _POLICY, _CITE
        )
        + _tr("", "Epsilon LLC, 5 Lenin Street, Moscow, Russia.", _LR, _POLICY, _CITE)
    )
    gpo = (
        "<APPENDIX><HD SOURCE='HED'>Supplement No. 4 to Part 744—Entity List</HD>"
        "<GPOTABLE COLS='5'><BOXHD><CHED H='1'>Country</CHED><CHED H='1'>Entity</CHED>"
        "<CHED H='1'>License requirement</CHED><CHED H='1'>License review policy</CHED>"
        "<CHED H='1'>Federal Register citation</CHED></BOXHD>"
        "<ROW><ENT I='01'>RUSSIA</ENT><ENT>Delta JSC, a.k.a., the following one alias:"
        f"<LI>—Delta.</LI></ENT><ENT>{_LR}</ENT><ENT>{_POLICY}</ENT><ENT>{_CITE}</ENT></ROW>"
        "<ROW><ENT I='22'> </ENT><ENT>Epsilon LLC, 5 Lenin Street, Moscow, Russia.</ENT>"
        f"<ENT>{_LR}</ENT><ENT>{_POLICY}</ENT><ENT>{_CITE}</ENT></ROW>"
        "</GPOTABLE></APPENDIX>"
    ).encode()
    a = parse_snapshot(html)
    b = parse_snapshot(gpo)
    assert _plain(a.entries) == _plain(b.entries)
    assert a.entries[1].addresses == ("5 Lenin Street, Moscow, Russia",)


def test_gpo_continuation_and_star_rows() -> None:
    gpo = (
        "<GPOTABLE COLS='5'>"
        "<ROW><ENT I='28'>*  *  *  *  *  *  *</ENT></ROW>"
        "<ROW><ENT I='01'>TAIWAN</ENT><ENT>*  *  *  *</ENT></ROW>"
        "<ROW><ENT I='22'> </ENT><ENT>Zeta Inc., a.k.a., the following one alias:<LI>—Zee.</LI></ENT>"
        f"<ENT>{_LR}</ENT><ENT>{_POLICY}</ENT><ENT>{_CITE}</ENT></ROW>"
        "<ROW><ENT I='22'> </ENT><ENT>No. 1 Road, Taipei, Taiwan.</ENT></ROW>"
        "</GPOTABLE>"
    ).encode()
    snap = parse_snapshot(gpo, source="g.xml")
    (e,) = snap.entries
    assert (e.country, e.name, e.aliases) == ("TAIWAN", "Zeta Inc.", ("Zee",))
    assert e.addresses == ("No. 1 Road, Taipei, Taiwan",)
    assert e.source == "g.xml, row 3-4"
    assert snap.rows == 4
    assert [f.code for f in snap.findings] == ["placeholder-row", "country-row"]
    _accounted(snap)


def test_misaligned_rows_are_read_and_reported() -> None:
    rows = (
        _tr("PAKISTAN", "Eta Ltd.", _LR, _POLICY, _CITE)
        # 4 cells: the country column is missing, entity text sits in the first cell.
        + "<TR><TD>Theta Traders, a.k.a., the following one alias:<br/>—Theta.</TD>"
        f"<TD>{_LR}</TD><TD>{_POLICY}</TD><TD>{_CITE}</TD></TR>"
        # 6 cells with an empty extra one.
        + _tr("", "Iota Ltd.", "", _LR, _POLICY, _CITE)
        # 5 cells, entity text in the country column and the entity column empty.
        + _tr("Kappa Works (Pvt) Ltd.", "", _LR, _POLICY, _CITE)
        # 3 cells: not an entity, reported with its text.
        + _tr("Lambda", "odd", "row")
    )
    snap = parse_snapshot(_html(rows), source="m.xml")
    assert [e.name for e in snap.entries] == [
        "Eta Ltd.",
        "Theta Traders",
        "Iota Ltd.",
        "Kappa Works (Pvt) Ltd.",
    ]
    assert {e.country for e in snap.entries} == {"PAKISTAN"}
    assert snap.entries[1].aliases == ("Theta",)
    assert all(e.license_review_policy == _POLICY for e in snap.entries)
    codes = [(f.code, f.where) for f in snap.findings]
    assert ("row-4-cells", "m.xml, row 2, country") in codes
    assert ("row-6-cells", "m.xml, row 3") in codes
    assert ("entity-in-country-column", "m.xml, row 4, country") in codes
    shape = [f for f in snap.findings if f.code == "row-shape"]
    assert len(shape) == 1 and "Lambda" in shape[0].text and shape[0].where == "m.xml, row 5"
    _accounted(snap)


def test_footer_header_and_placeholder_rows_are_not_entities() -> None:
    rows = (
        _tr("INDIA", "Mu Ltd.", _LR, _POLICY, _CITE)
        + _tr("*", "*", "*", "*", "*")
        + _tr("Country", "Entity", "License requirement", "License review policy", "FR citation")
        + _tr("", "", "", "", "")
        + '<TR><TD colspan="5"><SU>1</SU> See § 734.9(e)(1) of the EAR.</TD></TR>'
    )
    snap = parse_snapshot(_html(rows), source="f.xml")
    assert [e.name for e in snap.entries] == ["Mu Ltd."]
    assert [f.code for f in snap.findings] == [
        "placeholder-row",
        "header-row",
        "empty-row",
        "footnote-row",
    ]
    assert snap.rows == 5
    _accounted(snap)


def test_whole_part_document_picks_supplement_4() -> None:
    supp = _html(_tr("CANADA", "Nu Inc.", _LR, _POLICY, _CITE)).decode()
    other = (
        '<DIV9 N="Supplement No. 7 to Part 744" TYPE="APPENDIX"><HEAD>Supplement No. 7</HEAD>'
        "<TABLE><TR><TH>Country</TH><TH>Entity</TH><TH>Federal Register citation</TH></TR>"
        "<TR><TD>CHINA</TD><TD>Xi Co.</TD><TD>1 FR 2.</TD></TR></TABLE></DIV9>"
    )
    supp1 = (
        '<DIV9 N="Supplement No. 1 to Part 744" TYPE="APPENDIX"><HEAD>Supplement No. 1</HEAD>'
        "<TABLE>" + _HEADER + _tr("RUSSIA", "Not This", "x", "y", "1 FR 2.") + "</TABLE></DIV9>"
    )
    doc = (
        '<ECFR><AMDDATE>Mar. 31, 2025</AMDDATE><DIV5 N="744" TYPE="PART">'
        f"{supp1}{supp}{other}</DIV5></ECFR>"
    ).encode()
    snap = parse_snapshot(doc)
    assert [e.name for e in snap.entries] == ["Nu Inc."]
    assert snap.date == "2025-03-31"
    assert parse_snapshot(doc, date="2025-04-01").date == "2025-04-01"


def test_date_from_the_document_or_none() -> None:
    cita = b"<CITA>[Constructed snapshot as of 2025-03-31: eCFR table markup]</CITA>"
    doc = _html(_tr("CANADA", "Nu Inc.", _LR, _POLICY, _CITE)).replace(
        b"</DIV9>", cita + b"</DIV9>"
    )
    assert parse_snapshot(doc).date == "2025-03-31"
    assert parse_snapshot(_html(_tr("CANADA", "Nu Inc.", _LR, _POLICY, _CITE))).date is None


def test_bare_table_fragment_and_region_headings() -> None:
    rows = _tr("CRIMEA (OCCUPIED)", "Omicron LLC.", _LR, _POLICY, _CITE) + _tr(
        "UG", "Pi Ltd.", _LR, _POLICY, _CITE
    )
    snap = parse_snapshot(_html(rows, wrap=False))
    assert [(e.country, e.country_code) for e in snap.entries] == [
        ("CRIMEA (OCCUPIED)", None),
        ("UGANDA", "UG"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"not xml at all", "not well-formed"),
        (b"<html><body>Service unavailable</body></html>", "HTML"),
        (b'<DIV9 N="Supplement No. 4 to Part 744"><TABLE><TR><TD>', "not well-formed"),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><DIV9>&a;</DIV9>',
            "entit",
        ),
        (b'<DIV9 N="Supplement No. 4 to Part 744"><HEAD>x</HEAD><P>no table</P></DIV9>', "table"),
        (
            b'<DIV5><DIV9 N="Supplement No. 2 to Part 744"><TABLE><TR><TD>x</TD></TR></TABLE>'
            b"</DIV9></DIV5>",
            "Supplement No. 4",
        ),
    ],
    ids=["empty", "text", "html", "truncated", "entities", "no-table", "other-supplement"],
)
def test_bad_input_raises_parse_error_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_snapshot(data, source="bad.xml")
    assert str(info.value).startswith("bad.xml: ")
    assert message.casefold() in str(info.value).casefold()


# ---------------------------------------------------------------------------
# Accounting, duplicates, dates, empty tables


def _kinds(snap) -> dict[str, int]:
    acc = dict(snap.accounting)
    assert sum(acc.values()) == snap.rows, acc
    return {k: v for k, v in acc.items() if v}


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.name)
def test_fixture_accounting_counts_every_row(path: Path) -> None:
    snap = parse_snapshot(path.read_bytes(), source=path.name)
    assert _kinds(snap) == {"entry": len(snap.entries)}
    assert snap.to_dict()["accounting"]["entry"] == len(snap.entries)


def test_accounting_names_the_kind_of_every_row() -> None:
    gpo = (
        "<GPOTABLE COLS='5'>"
        "<ROW><ENT I='28'>*  *  *  *  *  *  *</ENT></ROW>"
        "<ROW><ENT I='01'>TAIWAN</ENT><ENT>*  *  *  *</ENT></ROW>"
        "<ROW><ENT I='22'> </ENT><ENT>Zeta Inc.</ENT>"
        f"<ENT>{_LR}</ENT><ENT>{_POLICY}</ENT><ENT>{_CITE}</ENT></ROW>"
        "<ROW><ENT I='22'> </ENT><ENT>No. 1 Road, Taipei, Taiwan.</ENT></ROW>"
        "<ROW><ENT I='22'> </ENT><ENT>No. 2 Road, Taipei, Taiwan.</ENT></ROW>"
        "<ROW><ENT I='22'> </ENT><ENT>*</ENT><ENT>x</ENT><ENT>y</ENT><ENT>z</ENT></ROW>"
        "</GPOTABLE>"
    ).encode()
    snap = parse_snapshot(gpo, source="g.xml")
    assert _kinds(snap) == {
        "placeholder": 1,
        "country": 1,
        "entry": 1,
        "continuation": 2,
        "unread": 1,
    }
    assert snap.entries[0].source == "g.xml, row 3-5"
    rows = (
        _tr("INDIA", "Mu Ltd.", _LR, _POLICY, _CITE)
        + _tr("*", "*", "*", "*", "*")
        + _tr("Country", "Entity", "License requirement", "License review policy", "FR citation")
        + _tr("", "", "", "", "")
        + _tr("Lambda", "odd", "row")
        + '<TR><TD colspan="5"><SU>1</SU> See § 734.9(e)(1) of the EAR.</TD></TR>'
    )
    snap = parse_snapshot(_html(rows), source="f.xml")
    assert _kinds(snap) == {
        "entry": 1,
        "placeholder": 2,
        "header": 1,
        "misaligned": 1,
        "footnote": 1,
    }


def test_identical_entries_are_kept_and_reported_once_each() -> None:
    row = ("Omicron Ltd.", _LR, _POLICY, _CITE)
    rows = (
        _tr("CANADA", *row)
        + _tr("", *row)  # identical: reported
        + _tr("", "Omicron Ltd.", _LR, _POLICY, "85 FR 1, 1/2/20.")  # same name, other citation
        + _tr("FRANCE", *row)  # same entry under another country: not a duplicate
        + _tr("", *row)  # identical to the row above it: reported
    )
    snap = parse_snapshot(_html(rows), source="d.xml")
    assert len(snap.entries) == 5
    dups = [f for f in snap.findings if f.code == "duplicate-entry"]
    assert [(f.severity, f.where, f.text) for f in dups] == [
        ("info", "d.xml, row 2", "Omicron Ltd."),
        ("info", "d.xml, row 5", "Omicron Ltd."),
    ]
    assert "row 1" in dups[0].message and "row 4" in dups[1].message


def test_dates_that_do_not_exist_are_reported() -> None:
    rows = _tr("CANADA", "Pi Inc.", _LR, _POLICY, "84 FR 22963, 2/30/2019. 85 FR 1, 3/1/20.")
    doc = _html(rows).replace(b"</DIV9>", b"<CITA>[Current as of February 30, 2025]</CITA></DIV9>")
    snap = parse_snapshot(doc, source="x.xml")
    assert snap.date is None
    bad = [(f.where, f.text) for f in snap.findings if f.code == "unreadable-date"]
    assert ("x.xml, row 1, citation", "84 FR 22963, 2/30/2019") in bad
    assert ("x.xml, CITA", "[Current as of February 30, 2025]") in bad
    (e,) = snap.entries
    assert [c.date for c in e.citations] == [None, "2020-03-01"]
    # A date given by the caller is used as it is; a readable document date is not reported.
    assert parse_snapshot(doc, source="x.xml", date="2025-03-01").date == "2025-03-01"
    ok = _html(rows).replace(b"</DIV9>", b"<CITA>[Current as of March 3, 2025]</CITA></DIV9>")
    snap = parse_snapshot(ok, source="x.xml")
    assert snap.date == "2025-03-03"
    assert [f.where for f in snap.findings if f.code == "unreadable-date"] == [
        "x.xml, row 1, citation"
    ]


@pytest.mark.parametrize(
    "table",
    [
        _html(""),
        b'<DIV9 N="Supplement No. 4 to Part 744"><GPOTABLE COLS="5"><BOXHD><CHED H="1">Country'
        b'</CHED><CHED H="1">Entity</CHED><CHED H="1">License requirement</CHED></BOXHD>'
        b"</GPOTABLE></DIV9>",
    ],
    ids=["html-header-only", "gpo-boxhd-only"],
)
def test_a_table_without_rows_is_an_error_not_an_empty_list(table: bytes) -> None:
    with pytest.raises(ParseError, match="no Entity List rows") as info:
        parse_snapshot(table, source="empty.xml")
    assert info.value.where == "empty.xml"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ('{"kind": "snapshot", "entries": [], "rows": "abc"}', r"Expected `int`.* at `\$\.rows`"),
        ('{"kind": "snapshot", "entries": [], "rows": -1}', r">= 0 - at `\$\.rows`"),
        ('{"kind": "snapshot", "entries": [], "date": "../../x"}', "not an ISO date"),
        ('{"kind": "snapshot", "entries": [], "date": "2025-02-30"}', "not an ISO date"),
        ('{"kind": "snapshot", "entries": [], "accounting": [1]}', r"at `\$\.accounting`"),
        ('{"kind": "snapshot", "entries": [{"country": "X"}]}', r"missing required field `name`"),
        (
            '{"kind": "snapshot", "entries": [{"country": "X", "name": "N", "aliases": "abc"}]}',
            r"Expected `array`, got `str` - at `\$\.entries\[0\]\.aliases`",
        ),
        ('{"kind": "snapshot", "entries": "abc"}', "not a snapshot JSON"),
        ('{"kind": "snapshot", "entries": ' + "[" * 50_000 + "]" * 50_000 + "}", "entries\\[0\\]"),
        ('{"kind": "snapshot", "entries": [], "x": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested"),
        ('{"kind": "rule"}', "not a snapshot"),
    ],
    ids=[
        "rows",
        "rows-negative",
        "date-path",
        "date-impossible",
        "accounting",
        "entry-without-name",
        "aliases-a-string",
        "entries",
        "deep",
        "deep-unknown-key",
        "kind",
    ],
)
def test_snapshot_json_is_checked_field_by_field(tmp_path: Path, doc: str, message: str) -> None:
    path = tmp_path / "snap.json"
    path.write_text(doc, encoding="utf-8")
    with pytest.raises(ParseError, match=message) as info:
        load_snapshot(path)
    assert info.value.where == "snap.json"


def test_snapshot_json_round_trip_keeps_accounting(tmp_path: Path) -> None:
    src = SNAPSHOTS[0]
    snap = parse_snapshot(src.read_bytes(), source=src.name)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(snap.to_dict()), encoding="utf-8")
    back = load_snapshot(path)
    assert back.accounting == snap.accounting and back.entries == snap.entries
    assert back.to_dict() == snap.to_dict()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_parse_leaves_garbage_collection_as_it_found_it(enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        parse_snapshot(SNAPSHOTS[0].read_bytes(), source="a.xml")
        assert gc.isenabled() is enabled
        with pytest.raises(ParseError):
            parse_snapshot(b"<not xml", source="bad.xml")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
