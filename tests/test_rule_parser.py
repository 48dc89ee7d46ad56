"""The rule parser on small documents: instruction forms, reconciliation, claims."""

from __future__ import annotations

import pytest

from frdiff.model import ADD, REMOVE, REVISE
from frdiff.parse.instructions import parse_instructions, quoted_names
from frdiff.parse.rule import parse_rule
from rulexml import META, row, rule, stars


def codes(cs):
    return [f.code for f in cs.findings]


def test_add_revise_and_remove_in_nested_instructions() -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended:",
            "a. Under CANADA:",
            "i. By adding, in alphabetical order, an entry for “Alpha Corp.”;",
            "ii. By revising the entry for “Beta Ltd.”; and",
            "iii. By removing the entry for “Gamma Inc.”;",
            "b. Under RUSSIA, by removing the entries for “Delta OOO” and “Epsilon JSC”.",
        ],
        [
            stars("CANADA"),
            row("Alpha Corp., 1 Main Street, Toronto, Canada."),
            stars(),
            row("Beta Ltd., a.k.a., the following one alias:<LI>—Beta.</LI>"),
        ],
    )
    cs = parse_rule(doc, source="t.xml", meta=META)
    got = [(c.action, c.country, c.name) for c in cs.changes]
    assert got == [
        (ADD, "CANADA", "Alpha Corp."),
        (REVISE, "CANADA", "Beta Ltd."),
        (REMOVE, "CANADA", "Gamma Inc."),
        (REMOVE, "RUSSIA", "Delta OOO"),
        (REMOVE, "RUSSIA", "Epsilon JSC"),
    ]
    assert cs.changes[0].entry is not None
    assert cs.changes[0].entry.addresses == ("1 Main Street, Toronto, Canada",)
    assert cs.changes[1].entry is not None and cs.changes[1].entry.aliases == ("Beta",)
    assert cs.changes[2].entry is None
    labels = [i.label for i in cs.instructions]
    assert labels == ["1", "2", "2.a", "2.a.i", "2.a.ii", "2.a.iii", "2.b"]
    assert [i.target for i in cs.instructions][:2] == ["authority", "supplement4"]
    assert [f for f in cs.findings if f.severity != "info"] == []


def test_removing_and_adding_in_its_place_is_a_revision() -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended by removing under IRAN the entry for "
            "“Zeta Co.” and adding in its place an entry for “Zeta Co.”.",
        ],
        [stars("IRAN"), row("Zeta Co., 5 Road, Tehran, Iran.")],
    )
    cs = parse_rule(doc, meta=META)
    assert [(c.action, c.name) for c in cs.changes] == [(REVISE, "Zeta Co.")]
    assert "replacement-as-revision" in codes(cs)


def test_straight_quotes_and_semicolons_inside_quotes() -> None:
    names, repairs = quoted_names('entries for "A Co., Ltd.;" "B Ltd.;" and "Gamma."')
    assert names == ["A Co., Ltd.", "B Ltd.", "Gamma"]
    assert repairs == []


def test_unbalanced_quotes_are_repaired_and_reported() -> None:
    names, repairs = quoted_names("entries for Foo “Bar Ltd.; “Baz Co.;” and “Qux Inc.”")
    assert names == ["Foo Bar Ltd.", "Baz Co.", "Qux Inc."]
    assert len(repairs) == 2


def test_roman_i_after_h_is_a_letter() -> None:
    paras = ["2. Supplement No. 4 to part 744 is amended by:"] + [
        f"{ch}. Under CANADA, by adding an entry for “N{ch}”;" for ch in "abcdefghij"
    ]
    parsed = parse_instructions(paras, doc="d")
    assert [i.label for i in parsed.instructions][-3:] == ["2.h", "2.i", "2.j"]


def test_entry_without_instruction_and_instruction_without_entry() -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended by adding under CANADA an entry for “Ghost Ltd.”."
        ],
        [stars("CANADA"), row("Visible Inc., 9 Street, Ottawa, Canada.")],
    )
    cs = parse_rule(doc, meta=META)
    assert "instruction-without-entry" in codes(cs)
    assert "entry-without-instruction" in codes(cs)
    assert [c.name for c in cs.changes] == ["Visible Inc."]


def test_summary_claims_are_checked() -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended by adding under CANADA an entry for “One Ltd.”."
        ],
        [stars("CANADA"), row("One Ltd., 1 Street, Ottawa, Canada.")],
        summary="BIS is adding two entities to the Entity List under the destinations of "
        "Canada (1) and Mexico (1).",
    )
    cs = parse_rule(doc, meta=META)
    mismatches = [f for f in cs.findings if f.code == "claim-mismatch"]
    assert len(mismatches) == 2
    assert any("MEXICO" in f.message for f in mismatches)
    assert all(f.where.endswith("SUMMARY") for f in mismatches)


def test_a_rule_that_does_not_amend_the_entity_list() -> None:
    doc = rule(["2. Section 744.23 is amended by revising paragraph (a) to read as follows:"])
    cs = parse_rule(doc, meta=META)
    assert cs.changes == ()
    assert "no-entity-list-changes" in codes(cs)
    assert cs.instructions[1].target == "other"


def test_tables_of_the_other_lists_are_read_as_their_lists() -> None:
    mil = (
        '<HD SOURCE="HD1">Supplement No. 7 to Part 744—Military End-User List</HD>'
        '<GPOTABLE COLS="3"><BOXHD><CHED H="1">Country</CHED><CHED H="1">Entity</CHED>'
        '<CHED H="1">Citation</CHED></BOXHD><ROW><ENT I="01">CHINA</ENT><ENT>MEU Co.</ENT>'
        "<ENT>85 FR 83799</ENT></ROW></GPOTABLE>"
    )
    doc = rule(["2. Supplement No. 7 to part 744 is amended by adding under CHINA “MEU Co.”."])
    doc = doc.replace(b"</REGTEXT></SUPLINF>", mil.encode() + b"</REGTEXT></SUPLINF>")
    cs = parse_rule(doc, meta=META)
    (change,) = cs.changes
    assert (change.action, change.supplement, change.name) == ("add", 7, "MEU Co.")
    assert change.entry is not None and change.entry.citations[0].page == 83799
    assert change.to_dict()["list"] == "meu-list"
    accounting = dict(cs.accounting)
    assert accounting["tables_other"] == 0 and accounting["instructions_supplement7"] == 1
    assert cs.counts()["by_supplement"] == {"7": {"add": 1}}


def test_tables_of_supplements_without_a_spec_are_set_aside() -> None:
    other = (
        '<HD SOURCE="HD1">Supplement No. 5 to Part 744—Something else</HD>'
        '<GPOTABLE COLS="2"><BOXHD><CHED H="1">Country</CHED><CHED H="1">Entity</CHED>'
        '</BOXHD><ROW><ENT I="01">CHINA</ENT><ENT>Other Co.</ENT></ROW></GPOTABLE>'
    )
    doc = rule(["2. Supplement No. 5 to part 744 is amended by adding under CHINA “Other Co.”."])
    doc = doc.replace(b"</REGTEXT></SUPLINF>", other.encode() + b"</REGTEXT></SUPLINF>")
    cs = parse_rule(doc, meta=META)
    assert cs.changes == ()
    assert dict(cs.accounting)["tables_other"] == 1


def test_citation_placeholder_unresolved_without_metadata_or_pages() -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended by adding under CANADA an entry for “One Ltd.”."
        ],
        [
            stars("CANADA"),
            row("One Ltd., 1 Street, Ottawa, Canada.", cite="[INSERT FR PAGE NUMBER]"),
        ],
    )
    cs = parse_rule(doc)
    assert "unresolved-placeholder" in codes(cs)
    entry = cs.changes[0].entry
    assert entry is not None and entry.citations[0].page is None


def test_country_on_the_entry_row_and_continuation_rows() -> None:
    doc = rule(
        ["2. Supplement No. 4 to part 744 is amended by adding under TAIWAN an entry for “T Co.”."],
        [
            row(
                "T Co., a.k.a., the following two aliases:<LI>—T1; and</LI><LI>—T2.</LI>", "TAIWAN"
            ),
            '<ROW><ENT I="22"> </ENT><ENT>1 Road, Taipei, Taiwan; <E T="03">and</E> 2 Road, '
            "Taipei, Taiwan.</ENT></ROW>",
        ],
    )
    cs = parse_rule(doc, meta=META)
    entry = cs.changes[0].entry
    assert entry is not None
    assert (entry.country, entry.country_code) == ("TAIWAN", "TW")
    assert entry.aliases == ("T1", "T2")
    assert entry.addresses == ("1 Road, Taipei, Taiwan", "2 Road, Taipei, Taiwan")
    assert dict(cs.accounting)["rows_continuation"] == 1


def test_alias_count_disagreement_is_reported() -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended by adding under CANADA an entry for “A Ltd.”."
        ],
        [
            stars("CANADA"),
            row("A Ltd., a.k.a., the following three aliases:<LI>—A1; and</LI><LI>—A2.</LI>"),
        ],
    )
    cs = parse_rule(doc, meta=META)
    hit = [f for f in cs.findings if f.code == "alias-count"]
    assert hit and "table row" in hit[0].where and hit[0].where.endswith(", entity")


def test_metadata_for_another_document_is_an_error_finding() -> None:
    cs = parse_rule(
        rule(["2. Section 744.1 is amended."]), meta={**META, "document_number": "2024-99999"}
    )
    assert any(f.code == "metadata-mismatch" and f.severity == "error" for f in cs.findings)


@pytest.mark.parametrize("ordinal", ["rd", "th"])
def test_ordinal_superscripts_join_their_number(ordinal: str) -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended by adding under CANADA an entry for “O Ltd.”."
        ],
        [
            stars("CANADA"),
            row(
                f"O Ltd., a.k.a., the following one alias:<LI>—O.</LI><LI>3\n<SU>{ordinal}</SU> Floor, Ottawa, Canada.</LI>"
            ),
        ],
    )
    entry = parse_rule(doc, meta=META).changes[0].entry
    assert entry is not None and entry.addresses == (f"3{ordinal} Floor, Ottawa, Canada",)
    assert entry.footnotes == ()


def test_instruction_without_quoted_names_claims_the_countrys_table_entries() -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended by adding under CANADA, in alphabetical "
            "order, two entities."
        ],
        [
            stars("CANADA"),
            row("A Ltd., 1 Street, Ottawa, Canada."),
            row("B Ltd., 2 Street, Ottawa, Canada."),
        ],
    )
    cs = parse_rule(doc, meta=META)
    assert [(c.action, c.name) for c in cs.changes] == [(ADD, "A Ltd."), (ADD, "B Ltd.")]
    assert "entry-without-instruction" not in codes(cs)
    assert "instruction-unnamed" in codes(cs)


def test_a_verb_inside_a_quoted_name_is_part_of_the_name() -> None:
    doc = rule(
        [
            "2. Supplement No. 4 to part 744 is amended by adding under CANADA an entry for "
            "“Removing Adding Machines Ltd.”."
        ],
        [stars("CANADA"), row("Removing Adding Machines Ltd., 1 Street, Ottawa, Canada.")],
    )
    cs = parse_rule(doc, meta=META)
    assert [(c.action, c.name) for c in cs.changes] == [(ADD, "Removing Adding Machines Ltd.")]
    assert [f for f in cs.findings if f.severity != "info"] == []
