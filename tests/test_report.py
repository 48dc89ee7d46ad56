"""Renderers against hand-built model objects: counts agree, nothing from a document runs."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

import frdiff
from frdiff import report
from frdiff.errors import UsageError
from frdiff.model import Diff
from frdiff.report.markdown import md
from frdiff.weekly import WeeklyReport

try:
    from report_data import CN, HOSTILE, HOSTILE_ALIAS, TW, changeset, diff, weekly
except ImportError:  # pragma: no cover - when tests/ is a package
    from tests.report_data import CN, HOSTILE, HOSTILE_ALIAS, TW, changeset, diff, weekly

SCHEMA = Path(frdiff.__file__).parent / "schema" / "report.schema.json"


class _Page(HTMLParser):
    """Collects what a reader sees (text outside script/style) and the script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in].append(data)
        else:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def _page(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def _b64sha(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


# ---------------------------------------------------------------------------
# HTML


def test_html_shows_hostile_text_as_text_and_runs_only_its_own_script() -> None:
    html = report.render_html(weekly())
    page = _page(html)
    scripts = [t for t, _ in page.tags if t == "script"]
    assert scripts == ["script"], "exactly one script element: the report's own"
    assert not any(t == "img" for t, _ in page.tags)
    assert not any(k.startswith("on") for _, attrs in page.tags for k in attrs)
    assert HOSTILE in page.visible
    assert HOSTILE_ALIAS in page.visible
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_html_csp_names_the_hashes_of_its_inline_style_and_script() -> None:
    html = report.render_html(weekly())
    page = _page(html)
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy"
    csp = metas[0]["content"] or ""
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    (script,) = page.raw["script"]
    (style,) = page.raw["style"]
    assert directives["script-src"] == f"'sha256-{_b64sha(script)}'"
    assert directives["style-src"] == f"'sha256-{_b64sha(style)}'"
    assert "unsafe" not in csp


def test_html_is_self_contained() -> None:
    html = report.render_html(weekly())
    page = _page(html)
    for tag, attrs in page.tags:
        assert tag != "link", "no external stylesheet"
        if tag in ("script", "img", "iframe"):
            assert "src" not in attrs
    hrefs = [a["href"] for t, a in page.tags if t == "a" and a.get("href")]
    assert all(
        h.startswith(("#", "https://www.federalregister.gov/", "https://www.ecfr.gov/on/"))
        for h in hrefs
    )
    assert "https://www.federalregister.gov/d/2025-05427" in hrefs
    assert "http://evil.example" not in hrefs


def test_html_shows_every_added_entity_with_aliases_and_addresses() -> None:
    wr = weekly()
    visible = _page(report.render_html(wr)).visible
    for cs in wr.rules:
        for c in cs.changes:
            assert c.name in visible
    # Each change shows its entry as it now reads (the eCFR's, when the eCFR shows it).
    for rc in wr.reconciled.changes:
        if rc.entry is None:  # a removal the rule does not reprint
            assert rc.name in visible
            continue
        for text in (*rc.entry.aliases, *rc.entry.addresses):
            assert text in visible
    assert wr.diff is not None
    for e in wr.diff.added:
        assert e.name in visible
    assert "Gone Entity" in visible and "Old Name Ltd." in visible and "HONG KONG" in visible
    assert "The eCFR has no copy dated 2025-03-30" in visible


def test_html_headline_counts_match_the_summary() -> None:
    wr = weekly()
    html = report.render_html(wr)
    s = wr.summary()
    ch = s["changes"]

    def count(id_: str) -> int:
        m = re.search(rf'<dd id="{id_}"[^>]*>(\d+)</dd>', html)
        assert m, id_
        return int(m.group(1))

    assert count("count-added") == ch["added"]
    assert count("count-removed") == ch["removed"]
    assert count("count-changed") == ch["modified"] + ch["renamed"] + ch["moved"]
    assert count("count-ecfr-only") == ch["by_evidence"]["ecfr-only"]
    assert count("count-findings") == s["findings_total"] == len(wr.all_findings())
    # One card per reconciled change, each counted once.
    assert html.count('class="item card') == ch["total"] == len(wr.reconciled.changes)


def test_html_claims_mismatch_is_highlighted() -> None:
    html = report.render_html(weekly())
    rows = re.findall(r"<tr class=\"mismatch\"><th scope=\"row\">([^<]+)</th>", html)
    # SUMMARY: 12 entities (parsed 3); China 2 (parsed 2: agrees); Taiwan 1 (agrees).
    assert rows == ["Entities added"]


def test_html_word_level_highlighting() -> None:
    html = report.render_html(weekly())
    assert "<del>Case-by-case review.</del>" in html
    assert "<ins>Presumption of denial for all items.</ins>" in html
    assert "<ins>Nettrix</ins>" in html


def test_html_filter_items_carry_canonical_countries() -> None:
    page = _page(report.render_html(weekly()))
    items = [a for t, a in page.tags if "item" in (a.get("class") or "").split()]
    countries = {a["data-country"] for a in items}
    assert countries == {CN, TW, "INDIA", "RUSSIA"}
    form = next(a for t, a in page.tags if t == "form")
    assert "hidden" in form, "filter controls appear only when the script runs"


def test_templates_override_and_unsafe_asset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = report.templates_dir()
    for name in ("report.html.j2", "report.css"):
        (tmp_path / name).write_text((src / name).read_text())
    (tmp_path / "report.js").write_text("document.title = '</script>';")
    monkeypatch.setenv("FRDIFF_TEMPLATES", str(tmp_path))
    with pytest.raises(UsageError, match="must not contain"):
        report.render_html(weekly())


def test_word_diff_segments_rebuild_both_texts() -> None:
    old, new = "For all items subject to the EAR.", "For all items on the CCL."
    parts = report.word_diff(old, new)
    assert "".join(t for op, t in parts if op != "ins") == old
    assert "".join(t for op, t in parts if op != "del") == new
    assert ("del", "subject to ") in parts and ("ins", "CCL.") in parts


def test_fr_link_only_for_document_numbers() -> None:
    assert report.fr_link("2025-05427") == "https://www.federalregister.gov/d/2025-05427"
    assert report.fr_link("E9-12940") == "https://www.federalregister.gov/d/E9-12940"
    assert report.fr_link("javascript:alert(1)") is None
    assert report.fr_link("2025-05427/../x") is None


# ---------------------------------------------------------------------------
# JSON


def test_json_validates_against_the_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(json.dumps(weekly().to_dict()))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert data["summary"]["rule_changes"] == {"total": 5, "added": 3, "revised": 1, "removed": 1}


def test_json_schema_rejects_a_wrong_shape() -> None:
    schema = json.loads(SCHEMA.read_text())
    data = weekly().to_dict()
    data["format_version"] = 99
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    data = weekly().to_dict()
    del data["rules"][0]["changes"][0]["entry"]["aliases"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_json_of_an_empty_week_validates() -> None:
    schema = json.loads(SCHEMA.read_text())
    wr = WeeklyReport(since="2025-03-31", until="2025-04-06", week="2025-W14")
    jsonschema.validate(wr.to_dict(), schema)
    assert not wr.has_changes


# ---------------------------------------------------------------------------
# CSV


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_csv_round_trips_one_row_per_change() -> None:
    wr = weekly()
    text = report.render_csv(wr)
    assert text.startswith("\ufeff"), "a byte-order mark, so that Excel reads UTF-8"
    rows = _rows(text.removeprefix("\ufeff"))
    assert list(rows[0].keys()) == list(report.WEEKLY_COLUMNS)
    assert len(rows) == wr.summary()["changes"]["total"] == len(wr.reconciled.changes)
    # Round trip: writing what was read gives the same text.
    buf = io.StringIO(newline="")
    buf.write("\ufeff")
    w = csv.DictWriter(buf, fieldnames=report.WEEKLY_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    assert buf.getvalue() == text


def test_csv_neutralises_formulas() -> None:
    rows = _rows(report.render_csv(weekly()))
    hostile = [r for r in rows if "Evil" in r["name"]]
    assert hostile and all(r["name"] == "'" + HOSTILE for r in hostile)
    rule_row = next(r for r in hostile if r["rules"] == "2025-05427")
    # A list cell whose first item starts with "<" is left alone; "+Plus Alias" inside is not first.
    assert rule_row["aliases"].startswith(HOSTILE_ALIAS)
    for r in rows:
        for v in r.values():
            assert not v.startswith(("=", "+", "-", "@")), v


def test_csv_columns_for_pairs_and_rules() -> None:
    rows = _rows(report.render_csv(weekly()))
    renamed = next(r for r in rows if r["change"] == "renamed")
    assert renamed["previous_name"] == "Old Name Ltd." and renamed["name"] == "New Name Ltd."
    moved = next(r for r in rows if r["change"] == "moved")
    assert moved["previous_country"] == "HONG KONG" and moved["country_code"] == "CN"
    modified = next(r for r in rows if r["change"] == "modified" and r["evidence"] == "ecfr-only")
    assert modified["fields_changed"] == "license_review_policy | aliases"
    by_rule = [r for r in rows if r["rules"] == "2025-05427"]
    assert by_rule and all(
        r["link"] == "https://www.federalregister.gov/d/2025-05427" for r in by_rule
    )
    assert all(r["evidence"] in ("confirmed", "not-in-ecfr") for r in by_rule)
    removed = next(r for r in rows if r["change"] == "removed" and r["rules"])
    assert removed["name"] == "Old Entity" and removed["country_code"] == "RU"


# ---------------------------------------------------------------------------
# Markdown


_FR_MD_LINK = "[2025-05427](<https://www.federalregister.gov/d/2025-05427>)"


def test_markdown_counts_match_and_text_is_inert() -> None:
    wr = weekly()
    text = report.render_markdown(wr)
    s = wr.summary()
    for line in wr.headline():
        assert md(line) in text
    assert f"## Changes ({s['changes']['total']})" in text
    assert f"## Findings ({s['findings_total']})" in text
    links = re.sub(r"\[[^\]]*\]\(<https://www\.(federalregister\.gov|ecfr\.gov)/[^>]*>\)", "", text)
    assert not re.search(r"(?<!\\)[<>\[\]]", links), (
        "every bracket from a document is backslash-escaped"
    )
    assert r"\[link\](http://evil.example)" in text
    assert r"\<script\>" in text
    assert (
        "[2025\\-05427]" not in text
        and "[2025-05427](<https://www.federalregister.gov/d/2025-05427>)" in text
    )
    assert "| Entities added | 12 | 3 | **NO** |" in text


def test_markdown_md_escape_keeps_words() -> None:
    assert md("Huawei Co., Ltd.") == "Huawei Co., Ltd."
    assert md("a|b\nc") == r"a\|b c"


def test_diff_markdown_and_csv() -> None:
    d = diff()
    text = report.diff_markdown(d)
    assert text.startswith(
        "## Entity List changes: 2025\\-03\\-24 → 2025\\-03\\-31"
    ) or text.startswith("## Entity List changes: 2025-03-24 → 2025-03-31")
    assert "3 added, 1 removed, 1 modified, 1 renamed, 1 moved (3400 unchanged)" in text
    assert "Added Diff Entity" in text and "**Old Name Ltd\\.** → **New Name Ltd\\.**" not in text
    assert "Old Name Ltd." in text and "New Name Ltd." in text
    assert "License review policy: “Case\\-by\\-case review.”" not in text
    assert (
        "License review policy: “Case-by-case review.” → “Presumption of denial for all items.”"
        in text
    )
    rows = _rows(report.diff_csv(d))
    assert [r["change"] for r in rows] == [
        "added",
        "added",
        "added",
        "removed",
        "modified",
        "renamed",
        "moved",
    ]
    assert report.diff_csv(Diff()).strip() == "\ufeff" + ",".join(report.CSV_COLUMNS)


def test_changeset_markdown() -> None:
    text = report.changeset_markdown(changeset())
    assert "## Additions to the Entity List" in text
    assert "5 changes: 3 added, 1 revised, 1 removed." in text
    assert "- Aliases: BAAI; Zhiyuan" in text
    assert "instruction spells it “Dept. of Atomic Energy”" in text
    assert "**warning** `claims-mismatch`" in text
    rows = _rows(report.changeset_csv(changeset()))
    assert len(rows) == 5 and rows[0]["publication_date"] == "2025-03-28"


# ---------------------------------------------------------------------------
# The registry of formats, and the spreadsheet


def test_every_command_reads_its_formats_from_the_registry() -> None:
    from frdiff.commands.report import OUTPUTS
    from frdiff.commands.rule import rule_command
    from frdiff.commands.snapshot import diff_command, snapshot_command
    from frdiff.report import FORMATS, choices

    for command, kind in (
        (rule_command, "rule"),
        (diff_command, "diff"),
        (snapshot_command, "snapshot"),
    ):
        option = next(p for p in command.params if p.name == "fmt")
        assert list(option.type.choices) == choices(kind)  # type: ignore[attr-defined]
    assert {
        f.name: f.filename for f in FORMATS.values() if "weekly" in f.kinds and f.filename
    } == OUTPUTS
    for spec in FORMATS.values():
        for kind in spec.kinds:
            assert callable(getattr(spec.module, kind)), (spec.name, kind)


def test_a_new_format_is_one_module_and_one_registry_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    # Names the package offers stay what they are whichever format modules are loaded.
    import frdiff.report.markdown  # noqa: F401
    from frdiff.report import FORMATS, Format, choices, md, render

    assert md("a|b") == r"a\|b"

    module = types.ModuleType("frdiff.report.toy")
    module.weekly = lambda r: f"{len(r.reconciled.changes)} changes\n"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "frdiff.report.toy", module)
    monkeypatch.setitem(FORMATS, "toy", Format("toy", "toy.txt", ("weekly",), "a toy"))
    assert "toy" in choices("weekly")
    wr = weekly()
    assert render("toy", "weekly", wr) == f"{len(wr.reconciled.changes)} changes\n"
    with pytest.raises(UsageError):
        render("toy", "diff", diff())


def test_xlsx_has_one_sheet_per_kind_with_header_and_filter(tmp_path: Path) -> None:
    import openpyxl

    wr = weekly()
    path = tmp_path / "changes.xlsx"
    path.write_bytes(report.render_xlsx(wr))
    book = openpyxl.load_workbook(path)
    kinds = {c.kind for c in wr.reconciled.changes}
    from frdiff.report.common import KIND_LABELS

    assert book.sheetnames == ["Summary", *(KIND_LABELS[k][:31] for k in KIND_LABELS if k in kinds)]
    assert [r[0] for r in book["Summary"].iter_rows(values_only=True)] == wr.headline()
    total = 0
    for kind in kinds:
        sheet = book[KIND_LABELS[kind][:31]]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == list(report.WEEKLY_COLUMNS)
        assert (
            sheet.auto_filter.ref
            == f"A1:{sheet.cell(1, len(report.WEEKLY_COLUMNS)).column_letter}{len(rows)}"
        )
        assert {r[0] for r in rows[1:]} == {kind}
        total += len(rows) - 1
        # Text from documents stays text (string cells), never a formula.
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type in ("s", "n") and cell.data_type != "f", cell.value
    assert total == wr.summary()["changes"]["total"]
