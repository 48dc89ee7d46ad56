"""``frdiff rule`` end to end, and clean failures on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, RULES
from frdiff.cli import main


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_json_output_shape(path: Path) -> None:
    meta = FIXTURES / "fr" / f"{path.stem}.meta.json"
    result = run("rule", str(path), "--meta", str(meta), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format_version"] == 1
    assert data["document"]["document_number"] == path.stem
    for key in ("title", "publication_date", "effective_date", "citation"):
        assert data["document"][key]
    assert data["changes"], "every fixture rule changes the list"
    for change in data["changes"]:
        assert change["action"] in ("add", "revise", "remove")
        assert change["country"]
        entry = change["entry"]
        for key in (
            "name",
            "aliases",
            "addresses",
            "license_requirement",
            "license_review_policy",
            "citations",
            "footnotes",
        ):
            assert key in entry
    assert "claims" in data and "findings" in data


def test_markdown_groups_by_country() -> None:
    result = run("rule", str(FIXTURES / "fr" / "2023-03929.xml"), "--format", "md")
    assert result.exit_code == 0, result.output
    text = result.output
    for country in ("CANADA", "FRANCE", "LUXEMBOURG", "NETHERLANDS", "RUSSIA"):
        assert country in text
    assert text.index("CANADA") < text.index("RUSSIA")
    assert "Promtekhkomplekt JSC" in text


def test_reads_standard_input() -> None:
    data = (FIXTURES / "fr" / "2025-00480.xml").read_bytes()
    result = run("rule", "-", "--format", "json", input=data)
    assert result.exit_code == 0
    assert len(json.loads(result.output)["changes"]) == 16


BAD = {
    "empty": (b"", "empty"),
    "whitespace": (b"   \n\t ", "empty"),
    "not-xml": (b"Just some text, not a document.", "not well-formed"),
    "binary": (bytes(range(256)) * 4, "binary"),
    "html-error-page": (
        b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
        b"<body>Try later</body></html>",
        "HTML page",
    ),
    "truncated": ((FIXTURES / "fr" / "2025-05427.xml").read_bytes()[:5000], "not well-formed"),
    "wrong-root": (b"<feed><entry>x</entry></feed>", "not a Federal Register document"),
    "billion-laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<RULE><SUM><P>&lol3;</P></SUM></RULE>",
        "declares XML entities",
    ),
    "xxe-file": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<RULE><P>&x;</P></RULE>",
        "declares XML entities",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_clean_error(name: str, tmp_path: Path) -> None:
    data, message = BAD[name]
    path = tmp_path / f"{name}.xml"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["rule", str(path)])
    assert result.exit_code == 1
    assert f"{name}.xml" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_rule_that_does_not_amend_the_list_says_so(tmp_path: Path) -> None:
    from rulexml import META, rule

    path = tmp_path / "other.xml"
    path.write_bytes(rule(["2. Section 744.21 is amended by revising paragraph (b)."]))
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(META))
    result = run("rule", str(path), "--meta", str(meta), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["changes"] == []
    assert [f["code"] for f in data["findings"]] == ["no-entity-list-changes"]


def test_missing_file_and_bad_metadata(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rule", str(tmp_path / "nope.xml")])
    assert result.exit_code == 1 and "nope.xml" in result.output
    bad = tmp_path / "meta.json"
    bad.write_text("{not json")
    rule_path = FIXTURES / "fr" / "2025-05427.xml"
    result = CliRunner().invoke(main, ["rule", str(rule_path), "--meta", str(bad)])
    assert result.exit_code == 1 and "meta.json" in result.output and "JSON" in result.output


def test_dtd_without_entities_is_fine() -> None:
    from frdiff.parse.rule import parse_rule

    data = (FIXTURES / "fr" / "2025-05427.xml").read_bytes()
    cs = parse_rule(b"<!DOCTYPE RULE>" + data)
    assert len(cs.changes) == 12


def test_endless_input_is_cut_at_the_size_bound() -> None:
    """/dev/zero never ends: reading stops one byte past the bound, with a clear error."""
    result = CliRunner().invoke(main, ["rule", "/dev/zero"])
    assert result.exit_code == 1
    assert "limit" in result.output and "/dev/zero" in result.output


def test_metadata_of_another_document_is_an_error_and_nothing_is_stamped() -> None:
    from frdiff.cli import main as cli_main

    fr = Path(__file__).resolve().parent.parent / "fixtures" / "fr"
    result = CliRunner().invoke(
        cli_main,
        ["rule", str(fr / "2025-05427.xml"), "--meta", str(fr / "2025-00480.meta.json")],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "metadata of document 2025-00480, but the rule is 2025-05427" in result.output
    assert "nothing was stamped" in result.output and "Traceback" not in result.output
    for number in ("2025-05427", "2025-00704"):
        ok = CliRunner().invoke(
            cli_main,
            ["rule", str(fr / f"{number}.xml"), "--meta", str(fr / f"{number}.meta.json")],
            catch_exceptions=False,
        )
        assert ok.exit_code == 0, ok.output
