"""Entity cells the parser reads wrongly, found by the diff fuzzing (for the parser's owner).

Each test states what the cell says; they are expected to fail until the parser
(``frdiff/parse/cells.py``) reads them right, and then must be unmarked
(``strict``: a fix shows up as a failure here).  The diff fuzzing makes no edit
that produces such a cell (``tests/test_diff_properties.py``, ``reads_back``).
"""

from __future__ import annotations

import pytest

from frdiff.parse.cells import parse_entity_cell


@pytest.mark.xfail(
    strict=True,
    reason="_detach_trailing_address takes the '. ' of 'No. 28' for the end of the last alias",
)
def test_last_alias_holding_no_and_a_number_is_not_split_into_an_address() -> None:
    # A rename keeps the old name as the last alias; the old name holds "No. 28".
    cell = parse_entity_cell(
        [
            "Zorblax Holdings 1 Ltd., a.k.a., the following two aliases:",
            "\u2014NIEE; and",
            "\u2014China Electronics Technology Group Corporation No. 28 Institute.",
        ]
    )
    # Read now: aliases [..., "China Electronics Technology Group Corporation No."],
    # addresses ["28 Institute"].
    assert cell.aliases == [
        "NIEE",
        "China Electronics Technology Group Corporation No. 28 Institute",
    ]
    assert cell.addresses == []


@pytest.mark.xfail(
    strict=True,
    reason="split_name_address splits at the comma after 'Ltd.' though '(PAPL)' is no address",
)
def test_a_parenthesised_acronym_after_the_name_is_not_an_address() -> None:
    # The real entry "Poly Asia Pacific Ltd., (PAPL), a.k.a., the following one
    # alias: ..." with its only alias removed.
    cell = parse_entity_cell(["Poly Asia Pacific Ltd., (PAPL)"])
    # Read now: name "Poly Asia Pacific Ltd.", addresses ["(PAPL)"].
    assert cell.name == "Poly Asia Pacific Ltd., (PAPL)"
    assert cell.addresses == []
