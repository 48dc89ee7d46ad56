"""frdiff audit-csl: CSL files read in every format, the audit's accounting, digests, reports."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CSL_2026_07_31, FIXTURES, real_ecfr
from frdiff.cli import main
from frdiff.csl import CSL_LISTS, CslFile, CslRow, content_digest, parse_csl, read_csl
from frdiff.csl_audit import (
    CONVENTIONS,
    CSL_ROW_KINDS,
    KINDS,
    audit_csl,
    audit_list,
    classify_text,
)
from frdiff.csl_report import audit_csv, audit_html, audit_markdown
from frdiff.errors import InputError, ParseError
from frdiff.model import Citation, Entry, Snapshot
from frdiff.report.markdown import md

EL = CSL_LISTS["EL"]
EL_SOURCE = "Entity List (EL) - Bureau of Industry and Security"
SDN_SOURCE = "Specially Designated Nationals (SDN) - Treasury Department"
CSV_HEADER = (
    "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,"
    "start_date,end_date,standard_order,license_requirement,license_policy,call_sign,"
    "vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,"
    "source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,"
    "source_information_url,ids"
).split(",")


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_accounting(audit: Any) -> dict[str, Any]:
    """The invariants every audit keeps, whatever the parser reads today."""
    summary = audit.summary()
    assert summary["accounted"] == summary["csl_rows"]
    csl_side = [r for r in audit.rows if r.kind in CSL_ROW_KINDS]
    # every CSL row ends in exactly one kind
    assert Counter(r.csl_row for r in csl_side) == Counter(
        {r.row: 1 for r in audit.csl.rows_of(EL.id)}
    )
    assert sum(summary[k] for k in CSL_ROW_KINDS) == summary["csl_rows"]
    assert sum(summary["csl_rows_by_verdict"].values()) == summary["csl_rows"]
    assert sum(summary[k] for k in KINDS) == len(audit.rows)
    for r in audit.rows:
        assert r.verdict in ("match", "convention", "disagreement"), r
        assert (r.verdict == "convention") == bool(r.convention), r
        assert not r.convention or r.convention in CONVENTIONS, r
        assert r.list == EL.id and r.supplement == 4
    assert summary["disagreements"] == sum(1 for r in audit.rows if r.verdict == "disagreement")
    assert sum(summary["conventions"].values()) == sum(1 for r in audit.rows if r.convention)
    return summary


def csl_file(rows: list[CslRow]) -> CslFile:
    return CslFile(source="test.csv", format="csv", rows=tuple(rows), records=len(rows),
                   accounting=((EL.id, len(rows)),))  # fmt: skip


def snapshot(*entries: Entry, date: str = "2026-07-23") -> Snapshot:
    return Snapshot(entries=entries, date=date, source="test list", rows=len(entries))


def entry(country: str, code: str, name: str, **kw: Any) -> Entry:
    return Entry(country=country, country_code=code, name=name, source=f"test list, {name}", **kw)


def row(n: int, name: str, **kw: Any) -> CslRow:
    return CslRow(row=n, list=EL.id, name=name, where=f"test, row {n}", **kw)


# ---------------------------------------------------------------------------
# The Done-when cases


@pytest.fixture(scope="module")
def real_list(realdocs: Path) -> Snapshot:
    """The real eCFR copy of 2026-07-23, read once for the tests that need it."""
    from frdiff.cache import load_snapshot

    return load_snapshot(real_ecfr("2026-07-23"), cache=False)


def test_csl_of_2026_07_31_against_the_real_ecfr(real_list: Snapshot) -> None:
    csl = read_csl(CSL_2026_07_31)
    snap = real_list
    audit = audit_csl(csl, {"EL": snap}, against=snap.source, against_date=snap.date)
    summary = check_accounting(audit)
    keys = ("csl_rows", "accounted", "csl_rows_by_verdict", *KINDS, "disagreements")
    counts = {k: summary[k] for k in keys}
    print("\nCSL 2026-07-31 vs eCFR 2026-07-23:", counts, summary["conventions"])
    assert summary["csl_rows"] == len(csl.rows_of(EL.id)) > 3000
    # the named CSL conventions this file is known for are recognised
    assert summary["country-rows"] > 0 and summary["conventions"].get("affiliate-rows", 0) > 0
    huawei = [
        r for r in audit.rows if r.kind == "affiliate-row" and "Affiliated Entity" in r.csl_name
    ]
    assert huawei and all(r.entry_name.startswith("Huawei Technologies Co") for r in huawei)
    assert summary["conventions"].get("nearby-page", 0) > 0
    # The report names every row that is not a plain match, and counts come first.
    report = audit_markdown(audit)
    for r in audit.rows:
        if r.kind in CSL_ROW_KINDS and r.kind != "matched":
            assert md(r.csl_name) in report, r
        if r.kind == "missing-from-csl":
            assert md(r.entry_name) in report, r
    assert report.index("## Counts") < report.index("### CSL rows not on the list")
    # JSON carries the contract keys
    d = audit.to_dict()
    assert d["format_version"] == 1
    assert d["summary"]["csl_rows"] == d["summary"]["accounted"]
    assert len(d["rows"]) == len(audit.rows)
    assert d["csl"]["digests"]["entity-list"].startswith("sha256:")


def test_the_truncated_csv_sample_gives_a_result_with_findings(
    realdocs: Path, real_list: Snapshot
) -> None:
    sample = realdocs / "csl" / "watchman-testdata-csl-2023-11-30.csv"
    if not sample.is_file():
        pytest.skip("CSL sample absent")
    result = run(
        "audit-csl", str(sample), "--snapshot", str(real_ecfr("2026-07-23")), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    csl = d["csl"]
    assert csl["format"] == "csv" and csl["complete"] is False
    assert sum(csl["accounting"].values()) == csl["records"]
    codes = {f["code"]: f for f in d["findings"]}
    assert codes["csl-cut-off"]["severity"] == "error"
    assert "line" in codes["csl-cut-off"]["where"]
    assert "csl-header-repeated" in codes
    assert d["summary"]["complete"] is False
    assert d["summary"]["accounted"] == d["summary"]["csl_rows"] == csl["accounting"]["entity-list"]
    # and a person reading Markdown is told too
    audit = audit_csl(read_csl(sample), {"EL": real_list})
    text = audit_markdown(audit)
    assert "incomplete" in text and "csl-cut-off" in text


def test_digest_ignores_row_order_and_sees_one_alias() -> None:
    doc = json.loads(CSL_2026_07_31.read_bytes())
    el = doc["tables"]["sources"].index(EL_SOURCE)
    # The Entity List rows and some of another list's: the digest covers the former only.
    entries = [e for e in doc["entries"] if e["s"] == el] + doc["entries"][:50]

    def digest_of(items: list[dict[str, Any]]) -> str:
        f = parse_csl(json.dumps({**doc, "entries": items}).encode(), source="csl.json")
        return content_digest(f.rows_of(EL.id))

    digest = digest_of(entries)
    assert digest == content_digest(read_csl(CSL_2026_07_31).rows_of(EL.id))
    shuffled = list(entries)
    random.Random(7).shuffle(shuffled)
    assert shuffled != entries and digest_of(shuffled) == digest
    i = next(i for i, e in enumerate(shuffled) if e["s"] == el and e.get("a"))
    shuffled[i] = {**shuffled[i], "a": [shuffled[i]["a"][0] + " X", *shuffled[i]["a"][1:]]}
    assert digest_of(shuffled) != digest


def _csv_text(rows: list[dict[str, str]], *, header_twice: bool = False) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(CSV_HEADER)
    if header_twice:
        w.writerow(CSV_HEADER)
    for r in rows:
        w.writerow([r.get(c, "") for c in CSV_HEADER])
    return buf.getvalue()


def _csv_rows() -> list[dict[str, str]]:
    return [
        {"_id": "1", "source": EL_SOURCE, "name": "Alpha Trading LLC", "addresses": "1 Main St, Dubai, AE",
         "alt_names": "Alpha; Alpha Co", "federal_register_notice": "85 FR 100"},
        {"_id": "2", "source": SDN_SOURCE, "name": "Somebody", "addresses": "Somewhere, IR"},
        {"_id": "3", "source": EL_SOURCE, "name": "Beta Electronics", "addresses": "2 Road, Moscow, RU",
         "federal_register_notice": "86 FR 200"},
    ]  # fmt: skip


def test_csv_and_json_digests_are_row_order_insensitive() -> None:
    rows = _csv_rows()
    a = parse_csl(_csv_text(rows).encode(), source="a.csv")
    b = parse_csl(_csv_text(rows[::-1]).encode(), source="b.csv")
    assert content_digest(a.rows_of(EL.id)) == content_digest(b.rows_of(EL.id))
    rows[0]["alt_names"] = "Alpha; Alpha Company"
    c = parse_csl(_csv_text(rows).encode(), source="c.csv")
    assert content_digest(c.rows_of(EL.id)) != content_digest(a.rows_of(EL.id))

    def as_json(rs: list[dict[str, str]]) -> bytes:
        results = [
            {"id": r["_id"], "source": r["source"], "name": r["name"],
             "alt_names": [x.strip() for x in r.get("alt_names", "").split(";") if x.strip()],
             "addresses": [{"address": r["addresses"].rsplit(", ", 2)[0],
                            "city": r["addresses"].rsplit(", ", 2)[1],
                            "country": r["addresses"].rsplit(", ", 1)[1]}],
             "federal_register_notice": r.get("federal_register_notice", "")}
            for r in rs
        ]  # fmt: skip
        return json.dumps({"total": len(results), "results": results}).encode()

    j1, j2 = (
        parse_csl(as_json(rows), source="x.json"),
        parse_csl(as_json(rows[::-1]), source="y.json"),
    )
    assert j1.format == "json"
    assert content_digest(j1.rows_of(EL.id)) == content_digest(j2.rows_of(EL.id))
    assert j1.rows_of(EL.id)[0].countries == ("AE",)
    assert j1.rows_of(EL.id)[0].aliases == ("Alpha", "Alpha Company")


# ---------------------------------------------------------------------------
# Reading files


def test_csv_is_read_with_every_record_accounted() -> None:
    text = _csv_text(_csv_rows(), header_twice=True)
    f = parse_csl(text.encode(), source="t.csv")
    assert f.format == "csv" and f.complete
    assert dict(f.accounting) == {"entity-list": 2, "header-repeated": 1, "other-list": 1}
    assert f.records == 4
    r = f.rows_of(EL.id)[0]
    assert r.aliases == ("Alpha", "Alpha Co") and r.countries == ("AE",)
    assert r.where == "t.csv, line 3"
    assert [x.code for x in f.findings] == ["csl-header-repeated"]


def test_list_named_by_code_or_title() -> None:
    from frdiff.csl import list_code

    assert list_code(EL_SOURCE) == "EL"
    assert list_code("Military End User (MEU) List - Bureau of Industry and Security") == "MEU"
    assert list_code("Entity List - Bureau of Industry and Security") == "EL"
    assert list_code("Unverified List") == "UVL"
    assert list_code(SDN_SOURCE) == "SDN" and "SDN" not in CSL_LISTS
    assert list_code("Some other list") is None


def test_csv_cut_off_mid_row_is_a_finding() -> None:
    text = _csv_text(_csv_rows())
    cut = text[: text.rindex("Moscow")]  # inside a quoted cell of the last record
    f = parse_csl(cut.encode(), source="cut.csv")
    assert not f.complete
    assert dict(f.accounting)["cut-off"] == 1
    assert sum(n for _, n in f.accounting) == f.records
    (finding,) = [x for x in f.findings if x.code == "csl-cut-off"]
    assert finding.severity == "error" and finding.where == "cut.csv, line 4"
    assert len(f.rows_of(EL.id)) == 1


def test_csv_row_of_the_wrong_width_is_counted_and_named() -> None:
    text = _csv_text(_csv_rows()) + '"9","' + EL_SOURCE + '","x"\n'
    f = parse_csl(text.encode(), source="w.csv")
    assert not f.complete and dict(f.accounting)["malformed"] == 1
    assert any(x.code == "csl-malformed-row" and x.where == "w.csv, line 5" for x in f.findings)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"<?xml version='1.0'?><ECFR/>", "XML, not a Consolidated Screening List"),
        (b'{"format_version": 1, "kind": "snapshot", "entries": []}', "frdiff snapshot JSON"),
        (b'{"a": 1}', "JSON without 'results' or 'entries'"),
        (b"name,country\nAcme,CN\n", "the header lacks source, alt_names, federal_register_notice"),
        (b'{"results": [{"source": "Entity List (EL)", "name": ["a"]}]}', r"results\[0\]\.name: expected text"),
        (b'{"fieldKey": {}, "tables": {"sources": ["a"], "licenceRequirements": [], '
         b'"licencePolicies": []}, "entries": [{"n": "A", "s": 3}]}', r"entries\[0\]: 's' is not an index"),
        (b"\xff\xfe\x00bad", "not UTF-8 text"),
        (b'{"results": [', "not valid JSON"),
    ],
)  # fmt: skip
def test_wrong_kinds_of_file_are_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_csl(data, source="bad")


def test_wrong_file_on_the_command_line_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "rule.xml"
    bad.write_bytes((FIXTURES / "fr" / "2025-05427.xml").read_bytes())
    result = CliRunner().invoke(main, ["audit-csl", str(bad), "--fixtures", str(FIXTURES)])
    assert result.exit_code == 1
    assert "rule.xml: XML, not a Consolidated Screening List" in result.output
    assert "Traceback" not in result.output
    no_el = tmp_path / "sdn.csv"
    no_el.write_text(_csv_text([_csv_rows()[1]]), encoding="utf-8")
    result = CliRunner().invoke(main, ["audit-csl", str(no_el), "--fixtures", str(FIXTURES)])
    assert result.exit_code == 1 and "has no Entity List rows" in result.output


# ---------------------------------------------------------------------------
# The audit's kinds and conventions, on small lists


def test_kinds_on_a_small_list() -> None:
    cites = (Citation(raw="84 FR 22963", volume=84, page=22963, date="2019-05-21"),)
    huawei = entry(
        "CHINA, PEOPLE'S REPUBLIC OF", "CN", "Huawei Technologies Co., Ltd.",
        aliases=("Huawei Technology, and to include the following 2 affiliated entities",),
        addresses=("Shenzhen Huawei Anjiexin Electricity Co., Ltd.", "Bantian, Shenzhen, China"),
        license_requirement="For all items subject to the EAR", citations=cites,
    )  # fmt: skip
    ghoura_af = entry("AFGHANISTAN", "AF", "Abdul Ghoura", addresses=("Kabul, Afghanistan",))
    ghoura_pk = entry("PAKISTAN", "PK", "Abdul Ghoura", addresses=("Peshawar, Pakistan",))
    missing = entry(
        "RUSSIA", "RU", "Gamma JSC",
        citations=(Citation(raw="90 FR 100", volume=90, page=100, date="2026-07-01"),),
    )  # fmt: skip
    rows = [
        row(1, "Huawei Technologies Co., Ltd. (Huawei)", countries=("CN",),
            license_requirement="For all items subject to the EAR.", federal_register_notice="84 FR 22961"),
        row(2, "Huawei Technologies Co., Ltd. (Huawei). Affiliated Entity: Shenzhen Huawei "
            "Anjiexin Electricity Co., Ltd.", countries=("CN",)),
        row(3, "Abdul Ghoura", countries=("AF", "PK")),
        row(4, "Abdul Ghoura", countries=("AF",)),
        row(5, "Delta Stale Ltd", countries=("IR",)),
    ]  # fmt: skip
    la = audit_list(EL, rows, (huawei, ghoura_af, ghoura_pk, missing), csl_date="2026-07-31")
    kinds = {r.csl_row: r for r in la.rows if r.kind in CSL_ROW_KINDS}
    assert kinds[1].kind == "matched" and kinds[1].match == "parenthetical-in-name"
    assert kinds[2].kind == "affiliate-row" and kinds[2].convention == "affiliate-rows"
    assert kinds[2].entry_name == "Huawei Technologies Co., Ltd."
    # two rows, two entries: each row its own entry, by country
    assert kinds[3].kind == kinds[4].kind == "matched"
    assert kinds[3].country == "PAKISTAN" and kinds[4].country == "AFGHANISTAN"
    assert kinds[5].kind == "not-on-list" and kinds[5].verdict == "disagreement"
    (gone,) = [r for r in la.rows if r.kind == "missing-from-csl"]
    assert gone.entry_name == "Gamma JSC" and gone.rule == "90 FR 100" and gone.lag_days == 30
    assert la.accounted == la.csl_rows == 5
    diffs = {(r.field, r.convention or r.verdict) for r in la.rows if r.kind == "difference"}
    assert ("license_requirement", "case-punctuation") in diffs
    assert ("citations", "nearby-page") in diffs
    assert ("name", "parenthetical-in-name") in diffs


def test_one_row_for_several_countries_and_a_duplicate() -> None:
    af = entry("AFGHANISTAN", "AF", "Abdul Ghoura")
    pk = entry("PAKISTAN", "PK", "Abdul Ghoura")
    de = entry("GERMANY", "DE", "IKCO Trading GmbH")
    rows = [
        row(1, "Abdul Ghoura", countries=("AF", "PK")),
        row(2, "IKCO Trading GmbH", countries=("DE",), federal_register_notice="77 FR 24587"),
        row(3, "IKCO Trading GmbH", countries=("DE",), federal_register_notice="77 FR 24587"),
    ]
    cn = entry("CHINA, PEOPLE'S REPUBLIC OF", "CN", "Xian Semi Electronic Co., Ltd.")
    rows += [
        row(4, "Xian Semi Electronic Co., Ltd.", countries=("CN",)),
        row(5, "Xian Semi Electronic Co., Ltd.", countries=("HK",)),
    ]
    la = audit_list(EL, rows, (af, pk, de, cn))
    kinds = [(r.kind, r.convention or r.verdict) for r in la.rows if r.kind in CSL_ROW_KINDS]
    assert kinds == [
        ("country-rows", "country-rows"),
        ("matched", "match"),
        ("duplicate-row", "disagreement"),  # a stale second copy
        ("matched", "match"),
        ("duplicate-row", "country-rows"),  # a row for the entry's Hong Kong address
    ]
    assert not [r for r in la.rows if r.kind == "missing-from-csl"]  # PK is the one row's too
    dup = la.rows[2]
    assert "already matched by CSL row 2" in dup.message
    text = audit_markdown(audit_csl(csl_file(rows), {"EL": snapshot(af, pk, de, cn)}))
    stale = text.split("### CSL rows repeating an entry (1)", 1)[1].split("###", 1)[0]
    assert "CSL row 3" in stale and "CSL row 5" not in stale


def test_rules_applied_name_the_rule_and_lag() -> None:
    from frdiff.model import Change, ChangeSet, Rule

    new = entry("CHINA, PEOPLE'S REPUBLIC OF", "CN", "Fresh Corp")
    rule = ChangeSet(
        rule=Rule("2026-14000", publication_date="2026-07-20"),
        changes=(
            Change("add", new.country, new.name, entry=new),
            Change("remove", "IRAN", "Old Co"),
        ),
    )
    la = audit_list(
        EL, [row(1, "Old Co", countries=("IR",))], (new,), csl_date="2026-07-31", rules=[rule]
    )
    stale = next(r for r in la.rows if r.kind == "not-on-list")
    assert stale.rule == "2026-14000" and stale.lag_days == 11
    assert "removed from the Entity List by FR Doc. 2026-14000" in stale.message
    missing = next(r for r in la.rows if r.kind == "missing-from-csl")
    assert missing.rule == "2026-14000" and missing.rule_date == "2026-07-20"
    assert missing.lag_days == 11


@pytest.mark.parametrize(
    ("csl", "listed", "convention"),
    [
        ("Presumption of denial.", "Presumption of Denial", "case-punctuation"),
        ("Kaiserswerther Str. 117, D?sseldorf", "Kaiserswerther Str. 117, Düsseldorf", "encoding-damage"),
        ("Ervacan Makina Ekipmanlari Ltd. Sti.", "Ervacan Makina Ekipmanları Ltd. Şti.", "accents-dropped"),
        ("For all items subject to the EAR, see §§ 734.9(e)1 and 744.11 of the EAR2",
         "For all items subject to the EAR, see §§ 734.9(e) and 744.11 of the EAR", "footnote-marks"),
        ("Acme Shipping", "Acme Shipping, and any successor entities", "successor-dropped"),
        ("Chitron Electronics Company Ltd., a.k.a. Chi-Chung Electronics", "Chitron Electronics Company Ltd",
         "parenthetical-in-name"),
        ("For All Items Subject to the EAR (See §734.9(g), 3 §746.8(a)(3), and §744.21(b) of the EAR).",
         "For all items subject to the EAR. (See §§ 734.9(g), 746.8(a)(3), and 744.21(b) of the EAR)",
         "footnote-marks"),
        ("Oil Company Rosneft", "a.k.a. Oil Company Rosneft", "case-punctuation"),
        ("Zhenyong Zhou", "Zhou Zhenyong", "word-order"),
        ("Presumption of denial", "Case-by-case review", None),
        ("For all items subject to the EAR.", "All items subject to the EAR.", None),
        ("For all items subject to the EAR (See §744.11(e))", "For all items subject to the EAR (See §744.11(d))",
         None),
    ],
)  # fmt: skip
def test_text_conventions(csl: str, listed: str, convention: str | None) -> None:
    name = not csl.startswith("For all")
    assert classify_text(csl, listed, name=name) == convention


def test_no_entity_list_rows_is_an_error() -> None:
    f = parse_csl(_csv_text([_csv_rows()[1]]).encode(), source="sdn.csv")
    with pytest.raises(InputError, match="no Entity List rows"):
        audit_csl(f, {"EL": snapshot(entry("IRAN", "IR", "X"))})


# ---------------------------------------------------------------------------
# Reports


def _hostile_audit() -> Any:
    rows = [
        {"_id": "1", "source": EL_SOURCE, "name": "<script>alert(1)</script> Ltd",
         "addresses": "=HYPERLINK(\"http://x\"), Town, CN", "federal_register_notice": "85 FR 1"},
    ]  # fmt: skip
    f = parse_csl(_csv_text(rows).encode(), source="hostile.csv")
    listed = entry("CHINA, PEOPLE'S REPUBLIC OF", "CN", "Other *Entity* | [x](y)")
    return audit_csl(f, {"EL": snapshot(listed)}, against="test list", against_date="2026-07-23")


def test_reports_escape_everything() -> None:
    audit = _hostile_audit()
    page = audit_html(audit)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "script-src" not in page.split("Content-Security-Policy", 1)[1].split(">", 1)[0]
    text = audit_markdown(audit)
    assert "<script>" not in text and r"\<script\>" in text
    assert r"Other \*Entity\* \| \[x\](y)" in text
    table = list(csv.DictReader(io.StringIO(audit_csv(audit).lstrip("\ufeff"))))
    assert {r["kind"] for r in table} == {"not-on-list", "missing-from-csl"}
    assert table[0]["csl_name"] == "<script>alert(1)</script> Ltd"
    assert all(not v.startswith(("=", "+", "-", "@")) for r in table for v in r.values())


def test_command_formats(tmp_path: Path) -> None:
    csl = str(CSL_2026_07_31)
    common = ["--fixtures", str(FIXTURES), "--as-of", "2026-07-31"]
    result = run("audit-csl", csl, *common, "--format", "json", "-o", str(tmp_path / "a.json"))
    assert result.exit_code == 0, result.output
    d = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert d["against"]["source"] == "eCFR copy of 2026-07-31"
    s = d["summary"]
    # the fixture list was built from this very CSL file: nothing is stale or missing
    assert s["accounted"] == s["csl_rows"] and s["not-on-list"] == 0 and s["missing-from-csl"] == 0
    assert s["lists"]["entity-list"]["supplement"] == 4
    assert {"csl-list-not-audited"} <= {f["code"] for f in d["findings"]}
    digest = content_digest(read_csl(CSL_2026_07_31).rows_of(EL.id))
    assert d["csl"]["digests"] == {"entity-list": digest}
    # the other formats, on a small CSL file and a small list given as a file
    small = tmp_path / "list.json"
    listed = (entry("UNITED ARAB EMIRATES", "AE", "Alpha Trading LLC"),)
    small.write_text(json.dumps(snapshot(*listed).to_dict()), encoding="utf-8")
    small_csl = tmp_path / "small.csv"
    small_csl.write_text(_csv_text(_csv_rows()), encoding="utf-8")
    small_digest = content_digest(read_csl(small_csl).rows_of(EL.id))
    for fmt, marker in (
        ("md", "# CSL audit"),
        ("csv", "list,supplement,kind"),
        ("html", "<!DOCTYPE html>"),
    ):
        out = run("audit-csl", str(small_csl), "--snapshot", str(small), "--format", fmt)
        assert out.exit_code == 0 and marker in out.output[:400], fmt
        assert small_digest in out.output or fmt == "csv"
        assert "Alpha Trading LLC" in out.output and "Beta Electronics" in out.output
    out = run("audit-csl", str(small_csl), "--snapshot", str(small), "--csl-date", "2026-08-02",
              "--format", "json")  # fmt: skip
    given = json.loads(out.output)["csl"]
    assert (given["date"], given["date_from"]) == ("2026-08-02", "given")
    assert read_csl(small_csl).date is None  # a CSV says no date of its own


def test_addresses_compared_as_words() -> None:
    listed = entry(
        "GERMANY", "DE", "Nezhad Trading GmbH",
        addresses=("Kaiserswerther Str. 117, 40474, Düsseldorf, Germany",
                   "Schadowplatz 5, 40212 Dusseldorf, Germany", "Königsallee 1, Bonn, Germany"),
    )  # fmt: skip
    csl = row(
        1, "Nezhad Trading GmbH", countries=("DE",),
        addresses=("Kaiserswerther Str. 117, D?sseldorf, 40474, DE",  # damaged, reordered
                   "Schadowplatz 5, Dusseldorf, 40212, DE",  # only reordered
                   "Hafenstrasse 9, Hamburg, DE"),  # not on the list
    )  # fmt: skip
    la = audit_list(EL, [csl], (listed,))
    got = {
        (r.csl_value, r.list_value, r.convention or r.verdict)
        for r in la.rows
        if r.field == "addresses"
    }
    assert got == {
        ("Kaiserswerther Str. 117, D?sseldorf, 40474, DE",
         "Kaiserswerther Str. 117, 40474, Düsseldorf, Germany", "encoding-damage"),
        ("Hafenstrasse 9, Hamburg, DE", "", "disagreement"),
        ("", "Königsallee 1, Bonn, Germany", "disagreement"),
    }  # fmt: skip


@given(data=st.data())
@settings(max_examples=60)
def test_damaged_files_give_a_result_or_a_parse_error(data: st.DataObject) -> None:
    """Cut, spliced and corrupted CSL files: a result that accounts for its records, or a
    ParseError; never another exception."""
    csv_text = _csv_text(_csv_rows(), header_twice=True).encode()
    json_text = json.dumps(
        {"sources_used": [{"source": "EL", "last_imported": "2026-07-30T01:00:00"}],
         "results": [{"source": EL_SOURCE, "name": "Alpha", "alt_names": ["A"],
                      "addresses": [{"address": "1 St", "city": "Dubai", "country": "AE"}]}]}
    ).encode()  # fmt: skip
    derived = json.dumps(
        {"fieldKey": {"n": "name"}, "tables": {"sources": [EL_SOURCE], "licenceRequirements": ["R"],
         "licencePolicies": ["P"]}, "entries": [{"n": "Beta", "a": ["B"], "s": 0, "lr": 0, "lp": 0,
         "c": ["RU"], "fr": "86 FR 200"}]}
    ).encode()  # fmt: skip
    base = data.draw(st.sampled_from([csv_text, json_text, derived]))
    cut = data.draw(st.integers(0, len(base)))
    junk = data.draw(st.binary(max_size=12))
    at = data.draw(st.integers(0, len(base)))
    mutated = data.draw(st.sampled_from([base[:cut], base[:at] + junk + base[at:], junk + base]))
    try:
        f = parse_csl(mutated, source="fuzz")
    except ParseError:
        return
    assert sum(n for _, n in f.accounting) == f.records
    assert all(r.name for r in f.rows)


def test_rows_for_units_carry_the_parents_aliases() -> None:
    from frdiff.model import Unit

    parent = entry(
        "CHINA, PEOPLE'S REPUBLIC OF", "CN", "China Electronics Technology Group Corporation 38th "
        "Research Institute (CETC 38)", aliases=("ECRIEE",),
        units=(Unit("subordinate institution", "Anhui Sun-Create Electronics",
                    addresses=("Hefei, China",)),),
    )  # fmt: skip
    csl = row(
        1,
        "Anhui Sun-Create Electronics",
        aliases=("ECRIEE", "Hefei Radar Works"),
        countries=("CN",),
    )
    la = audit_list(EL, [csl], (parent,))
    (kind,) = [r for r in la.rows if r.kind in CSL_ROW_KINDS]
    assert (kind.kind, kind.convention) == ("affiliate-row", "affiliate-rows")
    assert kind.entry_name.startswith("China Electronics Technology Group")
    aliases = {(r.csl_value, r.convention or r.verdict) for r in la.rows if r.field == "aliases"}
    assert aliases == {("ECRIEE", "affiliate-rows"), ("Hefei Radar Works", "disagreement")}
    assert not [r for r in la.rows if r.kind == "missing-from-csl"]  # the parent is covered


def test_library_api(tmp_path: Path) -> None:
    import frdiff
    from frdiff.errors import UsageError

    small = tmp_path / "small.csv"
    small.write_text(_csv_text(_csv_rows()), encoding="utf-8")
    listed = snapshot(entry("UNITED ARAB EMIRATES", "AE", "Alpha Trading LLC"))
    by_path = frdiff.audit_csl(small, against=listed)
    by_bytes = frdiff.audit_csl(small.read_bytes(), against=listed, name="small.csv")
    assert isinstance(by_path, frdiff.CslAudit)
    assert by_path.to_dict() == by_bytes.to_dict()
    assert by_path.summary()["matched"] == 1 and by_path.summary()["not-on-list"] == 1
    with pytest.raises(UsageError, match="give the list"):
        frdiff.audit_csl(small)
