"""Normalization: the conventions every parser and the differ share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frdiff.normalize import (
    clean,
    clean_alias,
    country,
    name_key,
    parse_citations,
    parse_date,
    split_addresses,
    strip_list_punctuation,
)
from frdiff.parse.cells import parse_entity_cell, split_name_address


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("—BAAI;", "BAAI"),
        ("—Zhiyuan.", "Zhiyuan"),
        (
            "—Zhongke Controllable Information Industry Co., Ltd.,;",
            "Zhongke Controllable Information Industry Co., Ltd.",
        ),
        (
            "—Ningchang Information Industry (Beijing) Co., Ltd. and",
            "Ningchang Information Industry (Beijing) Co., Ltd.",
        ),
        (
            "—Chao Chao Electronic Information Industry Co., Ltd.; and",
            "Chao Chao Electronic Information Industry Co., Ltd.",
        ),
        ("—Inspur Taiwan—R&D Center; and", "Inspur Taiwan—R&D Center"),
        ("—Spacety Luxembourg S.A.", "Spacety Luxembourg S.A."),
        ("—INTEKH OOO.", "INTEKH OOO"),
        ("– en dash alias;", "en dash alias"),
    ],
)
def test_alias_lines(text: str, want: str) -> None:
    assert clean_alias(text) == want


def test_names_lose_stray_trailing_punctuation_but_keep_abbreviations() -> None:
    assert strip_list_punctuation("Huawei Technologies (Yangon) Co., Ltd.,.") == (
        "Huawei Technologies (Yangon) Co., Ltd."
    )
    assert (
        strip_list_punctuation("Sophgo Technologies Pte. Ltd..") == "Sophgo Technologies Pte. Ltd."
    )
    assert strip_list_punctuation("Abdul Satar Ghoura.") == "Abdul Satar Ghoura"


def test_clean_folds_every_kind_of_space() -> None:
    assert clean("  See §§\u2009734.9\n\t(e)\u00a0and ") == "See §§ 734.9 (e) and"


def test_name_key_ignores_quotes_case_and_punctuation() -> None:
    assert name_key("CHINA, PEOPLE’S REPUBLIC OF.") == name_key("China, People's Republic of")
    assert name_key("Spacety Co. Ltd.") == name_key("Spacety Co., Ltd.")
    assert name_key("Inspur Electronics") != name_key("Inspur Electronic")


def test_addresses_split_on_semicolon_and_keep_cross_references_apart() -> None:
    addresses, notes = split_addresses(
        "5F, Bldg 5, Beijing 100081, P.R. China; and B-11a-02 Keshi Plaza, Beijing 100058 China. "
        "(See alternate address under France and Netherlands)."
    )
    assert addresses == [
        "5F, Bldg 5, Beijing 100081, P.R. China",
        "B-11a-02 Keshi Plaza, Beijing 100058 China",
    ]
    assert notes == ["(See alternate address under France and Netherlands)."]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("84 FR 22963, 5/21/19.", [(84, 22963, "2019-05-21", False)]),
        ("84 FR 22963. 85 FR 29852.", [(84, 22963, None, False), (85, 29852, None, False)]),
        ("90 FR [INSERT FR PAGE NUMBER AND March 28, 2025.", [(90, None, "2025-03-28", True)]),
        ("88 FR [INSERT FR PAGE NUMBER AND 2/27/2023].", [(88, None, "2023-02-27", True)]),
        ("90 FR [INSERT FR PAGE NUMBER]January 16, 2025.", [(90, None, "2025-01-16", True)]),
        (
            "63 FR 64322, 11/19/98 65 FR 14444, 3/17/00",
            [(63, 64322, "1998-11-19", False), (65, 14444, "2000-03-17", False)],
        ),
    ],
)
def test_citations(text: str, want: list[tuple]) -> None:
    got = [(c.volume, c.page, c.date, c.placeholder) for c in parse_citations(text)]
    assert got == want


def test_citation_text_without_fr_is_kept_not_lost() -> None:
    (c,) = parse_citations("See the notice of May 2, 2019")
    assert c.raw == "See the notice of May 2, 2019" and c.volume is None


@pytest.mark.parametrize("text", ["February 30, 2025", "13/45/2020", "Smarch 3, 2020"])
def test_dates_that_do_not_exist(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("CHINA, PEOPLE’S REPUBLIC OF.", ("CHINA, PEOPLE'S REPUBLIC OF", "CN")),
        ("China, People's Republic of (China)", ("CHINA, PEOPLE'S REPUBLIC OF", "CN")),
        ("India", ("INDIA", "IN")),
        ("NO", ("NORWAY", "NO")),
        ("HONG KONG", ("HONG KONG", "HK")),
        ("CRIMEA (OCCUPIED)", ("CRIMEA (OCCUPIED)", None)),
        ("Russia", ("RUSSIA", "RU")),
    ],
)
def test_countries(text: str, want: tuple[str, str | None]) -> None:
    assert country(text) == want


def test_a_heading_of_many_parenthesised_groups_is_read_in_one_pass() -> None:
    """Each trailing "(...)" was dropped by a recursive call that read the whole text
    again: a RecursionError at ~1,000 groups, minutes at 30,000."""
    assert country("Russia (RU) (Moscow)") == ("RUSSIA", "RU")
    heading, code = country("INDIA" + " (a)" * 30_000)
    assert code is None and heading.startswith("INDIA (A) (A)")


def test_name_and_address_split_by_known_name_and_by_heuristic() -> None:
    line = "Sophon Technology (Beijing) Co., Ltd., Room 106-2, Floor 1, Beijing, China."
    assert split_name_address(line, ["Sophon Technology (Beijing) Co., Ltd."])[2] == "known"
    name, rest, how = split_name_address(line)
    assert (name, how) == ("Sophon Technology (Beijing) Co., Ltd.", "heuristic")
    assert rest.startswith("Room 106-2")
    assert split_name_address("Gulf Gate Sea Cargo LLC.")[2] == "whole"


def test_alias_clause_on_one_line_with_addresses() -> None:
    cell = parse_entity_cell(
        ["Foo Ltd., a.k.a., the following two aliases: —Bar; and —Baz. 12 Road, Moscow, Russia."]
    )
    assert (cell.name, cell.aliases, cell.addresses) == (
        "Foo Ltd.",
        ["Bar", "Baz"],
        ["12 Road, Moscow, Russia"],
    )


def test_declared_alias_count_is_checked() -> None:
    cell = parse_entity_cell(["X, a.k.a., the following three aliases:", "—A; and", "—B."])
    assert [p[0] for p in cell.problems] == ["alias-count"]


@given(st.text())
def test_clean_is_idempotent_and_never_fails(text: str) -> None:
    once = clean(text)
    assert clean(once) == once
    name_key(text)
    strip_list_punctuation(text)
    parse_citations(text)
    country(text)


@given(st.lists(st.text(min_size=0, max_size=60), min_size=0, max_size=6))
def test_entity_cell_reader_never_fails(lines: list[str]) -> None:
    cell = parse_entity_cell(lines)
    assert isinstance(cell.name, str)
