"""Entity cells of the shapes the real eCFR has, each a class of rows, on made-up names.

Each test names the shape; the real rows it stands for are among the hand-checked
rows of ``tests/golden/realdocs-rows.json`` (read by ``tests/test_realdocs.py``).
"""

from __future__ import annotations

import pytest

from frdiff.parse.cells import parse_entity_cell, split_name_address
from frdiff.parse.xml import cell_lines, load


def test_a_former_name_clause_without_parentheses_gives_an_alias() -> None:
    cell = parse_entity_cell(
        [
            "Quillon Trade Limited, f.k.a., Marrow Trade Limited. 5 Odos Street, 2nd floor, "
            "Nicosia 1066, Cyprus."
        ]
    )
    assert cell.name == "Quillon Trade Limited"
    assert cell.aliases == ["Marrow Trade Limited"]
    assert cell.addresses == ["5 Odos Street, 2nd floor, Nicosia 1066, Cyprus"]


@pytest.mark.parametrize("clause", ["a.k.a.,", "f.k.a.,", "formerly known as"])
def test_an_alias_naming_its_own_alias_gives_both_names(clause: str) -> None:
    cell = parse_entity_cell(
        [
            "Velder Research Institute, a.k.a., the following two aliases:",
            "\u2014Velder Heat Institute; and",
            f"\u2014JSC VRI, {clause} Velder Heat Works Research Institute.",
            "1 Main Road, Moscow, Russia.",
        ]
    )
    assert cell.aliases == [
        "Velder Heat Institute",
        "JSC VRI",
        "Velder Heat Works Research Institute",
    ]
    assert cell.addresses == ["1 Main Road, Moscow, Russia"]
    # Two items were announced and two listed: the count is not off.
    assert not [p for p in cell.problems if p[0] == "alias-count"]


def test_a_count_clause_inside_an_alias_is_no_alias_of_it() -> None:
    cell = parse_entity_cell(
        [
            "Orbis Corp., a.k.a., the following one alias:",
            "\u2014Orbis Works, a.k.a., the following",
        ]
    )
    assert cell.aliases == ["Orbis Works, a.k.a., the following"]


@pytest.mark.parametrize(
    ("line", "aliases"),
    [
        # The same name spelt two ways: two names.
        (
            "Kestrel Data Tehran, (a.k.a., Rayon Kestrel Data Tehran and Rayone Kestrel Data "
            "Tehran), Unit 7, Floor 4, Tehran, Iran.",
            ["Rayon Kestrel Data Tehran", "Rayone Kestrel Data Tehran"],
        ),
        # A person's two other names: two names.
        (
            "Omid Farsad, a.k.a., Peter Lin and Paul Wong, 27-06 Amcorp Building, Petaling "
            "Jaya, Malaysia.",
            ["Peter Lin", "Paul Wong"],
        ),
        # An organisation's name with "and" in it: one name.
        (
            "Velder Works, (a.k.a., Velder Optics and Electronics Works), 1 Main Road, "
            "Minsk, Belarus.",
            ["Velder Optics and Electronics Works"],
        ),
        # A person's alias with "and" between organisation words: one name.
        (
            "Omid Farsad, a.k.a., Farsad Import and Export Company, 1 Main Road, Tehran, Iran.",
            ["Farsad Import and Export Company"],
        ),
    ],
)
def test_a_lone_x_and_y_alias_is_two_names_only_when_it_names_two(
    line: str, aliases: list[str]
) -> None:
    assert parse_entity_cell([line]).aliases == aliases


def test_a_period_run_into_the_address_number_ends_the_alias() -> None:
    cell = parse_entity_cell(
        [
            "Arun Patcharin, a.k.a., the following one alias: Arun Phatcharin.140/65 Sky "
            "Tower, 27 Floor, Silom Rd., Bangkok, 10500, Thailand."
        ]
    )
    assert cell.aliases == ["Arun Phatcharin"]
    assert cell.addresses == ["140/65 Sky Tower, 27 Floor, Silom Rd., Bangkok, 10500, Thailand"]


def test_a_name_with_its_acronym_in_an_alias_run_is_no_address() -> None:
    cell = parse_entity_cell(
        [
            "Central Works of Defense (CWD), a.k.a., Central Works of Defence (CWD), "
            "Etablissement Industrial Central (EIC), Main Street, P.O. Box 23, Damascus, Syria."
        ]
    )
    assert cell.aliases == [
        "Central Works of Defence (CWD)",
        "Etablissement Industrial Central (EIC)",
    ]
    assert cell.addresses == ["Main Street, P.O. Box 23, Damascus, Syria"]


@pytest.mark.parametrize(
    ("line", "name", "address"),
    [
        # A semicolon between the name and its address.
        (
            "Q. Ardent Ltd.; Ha'Orot 19, Binyamina, Israel.",
            "Q. Ardent Ltd.",
            "Ha'Orot 19, Binyamina, Israel.",
        ),
        # An office number run into the name, no comma before it.
        (
            "Farid Ahmed Rauf Office M-2, Al Noor Bldg, Deira, Dubai, U.A.E.",
            "Farid Ahmed Rauf",
            "Office M-2, Al Noor Bldg, Deira, Dubai, U.A.E.",
        ),
        # A run of places ends a sub-unit's line: the address is all of them.
        (
            "Kestrel Institute for Nuclear Science (KINS), Nilore, Islamabad",
            "Kestrel Institute for Nuclear Science (KINS)",
            "Nilore, Islamabad",
        ),
        # After a company's full legal name, an organisation word names a site.
        (
            "Velder Technologies Co., Ltd., R&D center, No. 2222, Golden Bridge Road, Shanghai, China.",
            "Velder Technologies Co., Ltd.",
            "R&D center, No. 2222, Golden Bridge Road, Shanghai, China.",
        ),
        # A numbered works keeps its number: not an office.
        (
            "Joint Stock Company 75 Works, 1 Main Road, Moscow, Russia.",
            "Joint Stock Company 75 Works",
            "1 Main Road, Moscow, Russia.",
        ),
    ],
)
def test_where_a_one_line_name_ends(line: str, name: str, address: str) -> None:
    got_name, got_address, _ = split_name_address(line)
    assert (got_name, got_address) == (name, address)


def test_a_row_for_one_sub_unit_named_on_the_next_line() -> None:
    cell = parse_entity_cell(
        [
            "Velder Group 13th Institute (VG 13) subordinate institution:",
            "\u2014Velder Brightline International,",
            "21 Main Street, Shijiazhuang, Hebei, China.",
        ]
    )
    assert (
        cell.name
        == "Velder Group 13th Institute (VG 13) subordinate institution: Velder Brightline International"
    )
    assert cell.listed_items == []
    assert cell.addresses == ["21 Main Street, Shijiazhuang, Hebei, China"]


@pytest.mark.parametrize(
    "markup",
    [
        'Athens, Greece;<E T="03">and</E>72 Main Ave, Athens, Greece',
        'Athens, Greece; <E T="03">and</E> 72 Main Ave, Athens, Greece',
        'Athens, Greece; <E T="03">and</E>, 72 Main Ave, Athens, Greece',
        'Athens, Greece, <E T="03">and</E>, 72 Main Ave, Athens, Greece',
    ],
)
def test_addresses_split_at_an_italic_and_however_it_is_spaced(markup: str) -> None:
    lines, _ = cell_lines(
        load(f"<TD>Zorblax Shipping, 1 Port Road, {markup}.</TD>".encode(), where="test")
    )
    cell = parse_entity_cell(lines)
    assert cell.addresses == ["1 Port Road, Athens, Greece", "72 Main Ave, Athens, Greece"]


@pytest.mark.parametrize(
    ("text", "addresses"),
    [
        (
            "1 Velder Road, Wuxi City, China, and No. 5 Kestrel Road, Wuxi City, China.",
            ["1 Velder Road, Wuxi City, China", "No. 5 Kestrel Road, Wuxi City, China"],
        ),
        (
            "1st Street, Sharjah, U.A.E. (Behind the Market), and P.O. Box 354, Sharjah, U.A.E.",
            ["1st Street, Sharjah, U.A.E. (Behind the Market)", "P.O. Box 354, Sharjah, U.A.E."],
        ),
        (
            "Building R4, No. 2 City Avenue, Dongguan, 523808, and No. 62, Second Ave., Tianjin, 300457, China.",
            [
                "Building R4, No. 2 City Avenue, Dongguan, 523808",
                "No. 62, Second Ave., Tianjin, 300457, China",
            ],
        ),
        # A list inside one address: one address.
        (
            "Rooms 2402, 2403, and 2404, 22nd Floor, Velder Plaza, Beijing, China.",
            ["Rooms 2402, 2403, and 2404, 22nd Floor, Velder Plaza, Beijing, China"],
        ),
    ],
)
def test_addresses_joined_by_a_comma_and_are_split_after_a_country(
    text: str, addresses: list[str]
) -> None:
    cell = parse_entity_cell(["Zorblax Shipping Ltd.", text])
    assert cell.addresses == addresses


@pytest.mark.parametrize(
    ("line", "name", "addresses"),
    [
        (
            "Zorblax Trading Co., Ltd. and any successor, sub-unit, or subsidiary thereof",
            "Zorblax Trading Co., Ltd.",
            [],
        ),
        ("Velder Group; and any successor, sub-unit, or subsidiary thereof.", "Velder Group", []),
        (
            "Velder Academy, and its sub-units and successors, 1 Main Road, Beijing, China.",
            "Velder Academy",
            ["1 Main Road, Beijing, China"],
        ),
    ],
)
def test_successors_and_sub_units_are_the_scope_of_the_listing_not_its_name(
    line: str, name: str, addresses: list[str]
) -> None:
    cell = parse_entity_cell([line])
    assert (cell.name, cell.addresses) == (name, addresses)
    assert len(cell.notes) == 1 and cell.notes[0].startswith("and ")


@pytest.mark.parametrize(
    "clause",
    [
        "a.k.a., the following two aliases:",
        "a.k.a., the two aliases:",
        "a.k.a., the two following aliases:",
        "a.k.a., as the following two aliases:",
        "a.k.a., following two aliases:",
        "a.k.a., the following the following two aliases:",
    ],
)
def test_the_count_clause_however_the_list_words_it(clause: str) -> None:
    cell = parse_entity_cell(
        [
            f"Velder Shipping LLC, {clause}",
            "\u2014Velder Lines; and",
            "\u2014VSL.",
            "1 Port Road, Dubai, U.A.E.",
        ]
    )
    assert (cell.name, cell.aliases, cell.declared_aliases) == (
        "Velder Shipping LLC",
        ["Velder Lines", "VSL"],
        2,
    )


@pytest.mark.parametrize(
    ("alias", "names"),
    [
        (
            "Velder Test Institute a.k.a. Velder Institute of Testing",
            ["Velder Test Institute", "Velder Institute of Testing"],
        ),
        ("AO Velder Proekt (f.k.a., Velder Proekt ZAO)", ["AO Velder Proekt", "Velder Proekt ZAO"]),
    ],
)
def test_an_alias_with_its_own_alias_without_a_comma_or_in_parentheses(
    alias: str, names: list[str]
) -> None:
    cell = parse_entity_cell(
        ["Velder Holding, a.k.a., the following one alias:", f"\u2014{alias}."]
    )
    assert cell.aliases == names
