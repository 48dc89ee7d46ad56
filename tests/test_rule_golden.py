"""Every fixture rule against its hand-read ground truth (fixtures/fr/expected/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from conftest import FIXTURES, ROOT
from frdiff.normalize import clean, country
from frdiff.parse.rule import parse_rule

EXPECTED = sorted((FIXTURES / "fr" / "expected").glob("*.json"))
GOLDEN = ROOT / "tests" / "golden"


def _load(doc: str, with_meta: bool = True):
    data = (FIXTURES / "fr" / f"{doc}.xml").read_bytes()
    meta = json.loads((FIXTURES / "fr" / f"{doc}.meta.json").read_text()) if with_meta else None
    return parse_rule(data, source=f"{doc}.xml", meta=meta)


def _norm(value):
    """The expected files keep some thin spaces and others not; whitespace never counts."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_every_change_matches_ground_truth(path: Path) -> None:
    expected = json.loads(path.read_text())
    cs = _load(path.stem)
    assert len(cs.changes) == len(expected["changes"])
    for want, got in zip(expected["changes"], cs.changes, strict=True):
        label = want["name"]
        assert got.action == want["action"], label
        assert got.country == country(want["country"])[0], label
        assert got.name == want["name"]
        assert got.entry is not None, label
        entry = got.entry
        assert list(entry.aliases) == _norm(want["aliases"]), label
        assert list(entry.addresses) == _norm(want["addresses"]), label
        assert entry.license_requirement == _norm(want["license_requirement"]), label
        assert entry.license_review_policy == _norm(want["license_review_policy"]), label
        assert list(entry.footnotes) == want["footnotes"], label
        assert list(entry.listed_items) == _norm(want.get("listed_facilities", [])), label
        if "see_also" in want:
            assert list(entry.notes) == _norm([want["see_also"]]), label
        if want.get("name_in_instruction"):
            assert got.name_in_instruction == want["name_in_instruction"], label
        else:
            assert got.name_in_instruction is None, label


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_document_identity_and_claims(path: Path) -> None:
    expected = json.loads(path.read_text())
    for with_meta in (True, False):
        rule = _load(path.stem, with_meta).rule
        assert rule.document_number == expected["document_number"]
        assert rule.title == expected["title"]
        assert rule.publication_date == expected["publication_date"]
        assert rule.effective_date == expected["effective_date"]
        assert rule.citation == expected["citation"]
        assert (rule.start_page, rule.end_page) == (expected["start_page"], expected["end_page"])
        assert clean(rule.docket or "") == clean(expected["docket"])
        assert clean(rule.rin or "") == clean(expected["rin"])
    claims = _load(path.stem).claims
    want = expected["summary_claims"]
    assert claims.text == clean(want["text"])
    for key in ("entities_added", "entries_added", "entries_revised", "entries_removed"):
        assert getattr(claims, key) == want[key], key
    assert dict(claims.added_by_destination) == {
        country(k)[0]: v for k, v in want["added_by_destination"].items()
    }


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_placeholder_citations_resolve_to_the_rules_own_citation(path: Path) -> None:
    expected = json.loads(path.read_text())
    cs = _load(path.stem)
    volume, page = (int(x) for x in expected["citation"].split(" FR "))
    for change in cs.changes:
        assert change.entry is not None
        newest = change.entry.citations[-1]
        assert newest.placeholder
        assert (newest.volume, newest.page) == (volume, page)
        assert newest.date == expected["publication_date"]


def test_without_metadata_placeholders_still_resolve_from_the_document() -> None:
    """Volume from the placeholders, pages from PRTPAGE: 88 FR 12170 for 2023-03929."""
    cs = _load("2023-03929", with_meta=False)
    assert {c.entry.citations[-1].label() for c in cs.changes if c.entry} == {"88 FR 12170"}
    assert any(f.code == "inferred-pages" for f in cs.findings)


def _reshaped(doc: str, how: str) -> bytes:
    root = etree.fromstring((FIXTURES / "fr" / f"{doc}.xml").read_bytes())
    if how == "compact":
        for el in root.iter():
            if el.text is not None and not el.text.strip() and len(el):
                el.text = None
            if el.tail is not None and not el.tail.strip():
                el.tail = None
    else:
        etree.indent(root, space="    ")
    return etree.tostring(root, encoding="utf-8", xml_declaration=(how == "pretty"))


@pytest.mark.parametrize("doc", [p.stem for p in EXPECTED])
@pytest.mark.parametrize("how", ["compact", "pretty"])
def test_layout_does_not_matter(doc: str, how: str) -> None:
    original = _load(doc)
    reshaped = parse_rule(
        _reshaped(doc, how),
        source=f"{doc}.xml",
        meta=json.loads((FIXTURES / "fr" / f"{doc}.meta.json").read_text()),
    )
    strip = lambda cs: [  # noqa: E731
        {k: v for k, v in c.to_dict().items() if k != "instruction"} for c in cs.changes
    ]
    assert strip(reshaped) == strip(original)
    assert [f.code for f in reshaped.findings] == [f.code for f in original.findings]


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_golden_output(path: Path, update_golden: bool) -> None:
    """The whole JSON output, kept in tests/golden and refreshed with --update-golden."""
    got = _load(path.stem).to_dict()
    golden = GOLDEN / f"rule-{path.stem}.json"
    if update_golden or not golden.exists():
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
        if not update_golden:
            pytest.fail(f"golden file {golden.name} was missing and has been written; rerun")
    assert got == json.loads(golden.read_text())


QUIRKS = {
    "2025-05427": {
        "missing-verb": "Under CHINA, PEOPLE'S REPUBLIC OF, in alphabetical order",
        "name-mismatch": "Inspur Electronics Information Industry",
    },
    "2025-00480": {
        "instruction-quotes": "Chengdu Suanze",
        "placeholder-volume": "89 FR [INSERT FR PAGE NUMBER]",
    },
    "2025-00704": {"name-mismatch": "The following Department of Atomic Energy entities"},
}


@pytest.mark.parametrize("doc", sorted(QUIRKS))
def test_irregularities_become_findings_with_their_text(doc: str) -> None:
    cs = _load(doc)
    for code, text in QUIRKS[doc].items():
        hits = [f for f in cs.findings if f.code == code]
        assert hits, code
        assert any(text in (f.text + f.message) for f in hits), (code, hits)
        assert all(f.where.startswith(doc) for f in hits)


def test_clean_rule_has_no_warnings() -> None:
    """2023-03929's instructions and table agree exactly: nothing to warn about."""
    cs = _load("2023-03929")
    assert [f for f in cs.findings if f.severity != "info"] == []
