"""Entity cells the parser once read wrongly, found by the diff fuzzing, and their near
cases that must keep their reading.

The diff fuzzing makes no edit that produces a cell that does not read back
(``tests/test_diff_properties.py``, ``reads_back``); these cells now do.
"""

from __future__ import annotations

import pytest

from frdiff.parse.cells import parse_entity_cell, split_name_address

_HEAD = "Zorblax Holdings 1 Ltd., a.k.a., the following two aliases:"


def test_last_alias_holding_no_and_a_number_is_not_split_into_an_address() -> None:
    # A rename keeps the old name as the last alias; the old name holds "No. 28".
    cell = parse_entity_cell(
        [
            _HEAD,
            "\u2014NIEE; and",
            "\u2014China Electronics Technology Group Corporation No. 28 Institute.",
        ]
    )
    assert cell.aliases == [
        "NIEE",
        "China Electronics Technology Group Corporation No. 28 Institute",
    ]
    assert cell.addresses == []


def test_a_parenthesised_acronym_after_the_name_is_not_an_address() -> None:
    # The real entry "Poly Asia Pacific Ltd., (PAPL), a.k.a., the following one
    # alias: ..." with its only alias removed.
    cell = parse_entity_cell(["Poly Asia Pacific Ltd., (PAPL)"])
    assert cell.name == "Poly Asia Pacific Ltd., (PAPL)"
    assert cell.addresses == []


@pytest.mark.parametrize(
    ("last", "alias"),
    [
        # Real names (Entity List, 2026-07-31) that a number follows "No." in.
        ("\u2014Joint Stock Company Zavod No. 9.", "Joint Stock Company Zavod No. 9"),
        ("\u2014Joint Stock Company Zavod No. 9;", "Joint Stock Company Zavod No. 9"),
        (
            "\u2014Liyang No. 28 System Equipment Co., Ltd.",
            "Liyang No. 28 System Equipment Co., Ltd.",
        ),
        ("\u2014Plant Nos. 1 and 2;", "Plant Nos. 1 and 2"),
        ("\u2014Design Bureau Bldg. 3;", "Design Bureau Bldg. 3"),
        # After another abbreviation, a number with no address after it is the name's.
        ("\u2014Aerospace Science Co. 2nd Academy.", "Aerospace Science Co. 2nd Academy"),
        # A legal form after a period goes on with the name.
        ("\u2014Sky Aviator Co. Ltd.", "Sky Aviator Co. Ltd."),
    ],
)
def test_last_alias_read_whole(last: str, alias: str) -> None:
    cell = parse_entity_cell([_HEAD, "\u2014NIEE; and", last])
    assert cell.aliases == ["NIEE", alias]
    assert cell.addresses == []


@pytest.mark.parametrize(
    ("last", "alias", "address"),
    [
        ("\u2014Baz. 12 Road, Moscow, Russia.", "Baz", "12 Road, Moscow, Russia"),
        ("\u2014Baz Co., Ltd. 12 Road, Moscow.", "Baz Co., Ltd.", "12 Road, Moscow"),
        ("\u2014Baz Co. Ltd. 12 Road, Moscow.", "Baz Co. Ltd.", "12 Road, Moscow"),
        ("\u2014Baz Ltd. Moscow, Russia.", "Baz Ltd.", "Moscow, Russia"),
        # "No." with its number on either side of the end of the alias.
        (
            "\u2014CETC No. 28 Institute. 1 Road, Nanjing.",
            "CETC No. 28 Institute",
            "1 Road, Nanjing",
        ),
        ("\u2014Zavod No. 9; No. 5 Road, Trelm.", "Zavod No. 9", "No. 5 Road, Trelm"),
        ("\u2014Baz. No. 5 Road, Trelm, Russia.", "Baz", "No. 5 Road, Trelm, Russia"),
    ],
)
def test_last_alias_run_into_an_address_still_detaches_it(
    last: str, alias: str, address: str
) -> None:
    cell = parse_entity_cell([_HEAD, "\u2014NIEE; and", last])
    assert cell.aliases == ["NIEE", alias]
    assert cell.addresses == [address]


@pytest.mark.parametrize(
    ("line", "name", "address"),
    [
        ("Poly Asia Pacific Ltd., (PAPL).", "Poly Asia Pacific Ltd., (PAPL).", ""),
        # A real name (Entity List, 2026-07-31): region in parentheses, then a legal form.
        ("Schmidt & Co., (HK) Ltd.", "Schmidt & Co., (HK) Ltd.", ""),
        (
            "Poly Ltd., (PAPL), 12 Road, Wan Chai, Hong Kong.",
            "Poly Ltd., (PAPL)",
            "12 Road, Wan Chai, Hong Kong.",
        ),
        ("Poly Ltd., (PAPL), Wan Chai, Hong Kong.", "Poly Ltd., (PAPL)", "Wan Chai, Hong Kong."),
        (
            "Schmidt & Co., (HK) Ltd., 5 Road, Kowloon.",
            "Schmidt & Co., (HK) Ltd.",
            "5 Road, Kowloon.",
        ),
        # Near cases that keep their split.
        ("Foo Ltd., 12 Main Street, City", "Foo Ltd.", "12 Main Street, City"),
        ("Foo Ltd., (Room 5), 12 Road, Beijing", "Foo Ltd.", "(Room 5), 12 Road, Beijing"),
        ("Foo Ltd., (PAPL) 12 Road, Beijing", "Foo Ltd.", "(PAPL) 12 Road, Beijing"),
    ],
)
def test_a_parenthesised_designation_after_a_comma_stays_with_the_name(
    line: str, name: str, address: str
) -> None:
    got = split_name_address(line)
    assert got[:2] == (name, address)


def test_a_number_ending_the_last_alias_is_no_initial() -> None:
    # The real entry "Shanghai Integrated Circuit Equipment & Materials Industry
    # Innovation Center Co., Ltd.": its last alias "—ICRD Phase 2." kept its period,
    # the "2" taken for an initial like the "Q." of "John Q.".
    cell = parse_entity_cell([_HEAD, "\u2014ICRD Phase II; and", "\u2014ICRD Phase 2."])
    assert cell.aliases == ["ICRD Phase II", "ICRD Phase 2"]
    cell = parse_entity_cell([_HEAD, "\u2014John Q.; and", "\u2014U.S."])
    assert cell.aliases == ["John Q.", "U.S."]


def test_a_cross_reference_after_the_name_is_still_a_note() -> None:
    cell = parse_entity_cell(["Foo Ltd., (See alternate address under Hong Kong)."])
    assert cell.name == "Foo Ltd."
    assert cell.addresses == []
    assert cell.notes == ["(See alternate address under Hong Kong)."]


@pytest.mark.parametrize(
    "line",
    [
        # Cells of the eCFR Supplement No. 4 (fixtures/ecfr/supp4-2026-07-31.xml):
        # a sub-unit after the legal form, no address (once read as the name before
        # the comma and an address, so three entities became three of one name).
        "Tactical Missile Corporation, Joint Stock Company Saratov Radio Instrument Plant.",
        "Tactical Missile Corporation, Joint Stock Company \u201cPlant Dagdiesel\u201d.",
        "Tactical Missile Corporation, Petrovsky Electromechanical Plant \u201cMolot\u201d.",
        "Tactical Missile Corporation, NPO Electromechanics.",
        "Shenzhen HiSilicon Technologies Co., Electrical Research Center.",
        "Huawei Technologies Co., Ltd. (Huawei). Affiliated Entity: Huawei Technologies"
        " Co., Ltd., Beijing Research Institute.",
        "Frontier Services Group Limited, FLC & FRONTIER SERVICES GROUPL MENA DMCC,.",
    ],
)
def test_a_sub_unit_after_a_legal_form_stays_with_the_name(line: str) -> None:
    cell = parse_entity_cell([line])
    assert cell.name == line.rstrip(".,")
    assert cell.addresses == []


@pytest.mark.parametrize(
    ("line", "name", "address"),
    [
        # The real cell: a city and its province after the legal form.
        (
            "Xi'an Huawei Technologies Co., Ltd., Xi'an, Shaanxi.",
            "Xi'an Huawei Technologies Co., Ltd.",
            "Xi'an, Shaanxi",
        ),
        # Real addresses that do not start like one (no number, "Room", "No."), after
        # a legal form: a digit, or more comma-separated parts, or a country.
        (
            "Zorblax Trading Co., Ltd., B-11a-02 Keshi Plaza 28 Shangdi Xinxi Rd Beijing"
            " 100058 China.",
            "Zorblax Trading Co., Ltd.",
            "B-11a-02 Keshi Plaza 28 Shangdi Xinxi Rd Beijing 100058 China",
        ),
        (
            "Zorblax Corporation, Mira prospect, 2-7 601901 Kovrov, Russia.",
            "Zorblax Corporation",
            "Mira prospect, 2-7 601901 Kovrov, Russia",
        ),
        (
            "Zorblax JSC, Gansheng Building Ganyuan 6th, Shandong, China.",
            "Zorblax JSC",
            "Gansheng Building Ganyuan 6th, Shandong, China",
        ),
        (
            "Zorblax Corporation, Moscow, Russia.",
            "Zorblax Corporation",
            "Moscow, Russia",
        ),
    ],
)
def test_an_address_after_a_legal_form_is_still_split_off(
    line: str, name: str, address: str
) -> None:
    cell = parse_entity_cell([line])
    assert cell.name == name
    assert cell.addresses == [address]


@pytest.mark.parametrize(
    ("lines", "aliases", "declared"),
    [
        (["Zorblax Ltd., a.k.a., the following alias:", "\u2014Zorb."], ["Zorb"], None),
        (["Zorblax Ltd., a.k.a., the following alias: \u2014Zorb."], ["Zorb"], None),
        (
            ["Zorblax Ltd., a.k.a., the following aliases:", "\u2014Zorb; and", "\u2014ZL."],
            ["Zorb", "ZL"],
            None,
        ),
        (["Zorblax Ltd., a.k.a., the following one alias:", "\u2014Zorb."], ["Zorb"], 1),
        (["Zorblax Ltd., a.k.a. Zorb"], ["Zorb"], None),
    ],
)
def test_an_alias_clause_without_a_count_is_still_a_clause(
    lines: list[str], aliases: list[str], declared: int | None
) -> None:
    """ "the following alias:" with no number announces the list; it is no alias."""
    cell = parse_entity_cell(lines)
    assert (cell.name, cell.aliases, cell.declared_aliases) == ("Zorblax Ltd.", aliases, declared)
    assert cell.problems == []
