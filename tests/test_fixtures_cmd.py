"""``frdiff fixtures record/verify`` and ``frdiff fetch ...`` through the CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import fetch_helpers
from fetch_helpers import FIXTURES, fixture_data
from frdiff.cli import main
from frdiff.fixtures import verify
from frdiff.ids import parse_week
from replay_server import ReplayServer

server = fetch_helpers.server
no_proxy = fetch_helpers.no_proxy


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _source(s: ReplayServer, cache: Path) -> list[str]:
    return [
        "--cache-dir",
        str(cache),
        "--fr-api",
        s.fr_api,
        "--ecfr-api",
        s.ecfr_api,
        "--rate",
        "200,200",
    ]


def test_verify_passes_on_the_project_fixtures() -> None:
    result = run("fixtures", "verify", str(FIXTURES), "--format", "json")
    report = json.loads(result.output)
    assert report["missing"] == [] and report["mismatched"] == [] and report["invalid"] == []
    assert report["checked"] >= 17
    assert result.exit_code == (0 if report["ok"] else 1)


def test_verify_reports_missing_changed_extra_and_unsafe(tmp_path: Path) -> None:
    root = tmp_path / "fx"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("ecfr"))
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    manifest["items"].append(
        {"id": "x", "kind": "rule", "path": "../outside.xml", "sha256": "0" * 64}
    )
    (root / "MANIFEST.json").write_text(json.dumps(manifest), encoding="utf-8")
    (root / "fr" / "2025-05427.xml").write_bytes(b"<RULE/>")
    (root / "fr" / "unlisted.xml").write_bytes(b"<RULE/>")
    result = run("fixtures", "verify", str(root))
    assert result.exit_code == 1
    assert "sha256 mismatch: fr/2025-05427.xml" in result.output
    assert "missing: ecfr/supp4-2025-03-24.xml" in result.output
    assert "not in MANIFEST.json: fr/unlisted.xml" in result.output
    assert "invalid: item" in result.output and "../outside.xml" in result.output
    assert result.output.rstrip().endswith("FAILED")


def test_record_rules_and_snapshots_then_verify(server: ReplayServer, tmp_path: Path) -> None:
    out = tmp_path / "recorded"
    args = [
        "fixtures",
        "record",
        "--dir",
        str(out),
        "--rule",
        "2025-05427",
        "--snapshot",
        "2025-03-24",
    ]
    result = run(*args, *_source(server, tmp_path / "cache"))
    assert result.exit_code == 0
    assert (out / "fr" / "2025-05427.xml").read_bytes() == fixture_data().documents["2025-05427"][1]
    assert (
        json.loads((out / "fr" / "2025-05427.meta.json").read_bytes())["document_number"]
        == "2025-05427"
    )
    assert (out / "ecfr" / "supp4-2025-03-24.xml").read_bytes() == fixture_data().snapshots[
        (4, "2025-03-24")
    ]
    manifest = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))
    items = {(i["kind"], i["id"]): i for i in manifest["items"]}
    assert set(items) == {
        ("rule", "2025-05427"),
        ("rule-metadata", "2025-05427"),
        ("snapshot", "2025-03-24"),
    }
    for item in items.values():
        data = (out / item["path"]).read_bytes()
        assert item["sha256"] == hashlib.sha256(data).hexdigest()
        assert item["provenance"] == "recorded"
        assert item["source_url"].startswith(server.base)
        assert item["retrieved"].endswith("Z")
    assert items[("snapshot", "2025-03-24")]["supplement"] == 4
    assert items[("snapshot", "2025-03-24")]["date"] == "2025-03-24"
    assert "/full/2025-03-24/title-15.xml" in items[("snapshot", "2025-03-24")]["source_url"]
    assert verify(out).ok
    before = (out / "MANIFEST.json").read_bytes()
    again = run(*args, *_source(server, tmp_path / "cache"))
    assert again.exit_code == 0 and "unchanged fr/2025-05427.xml" in again.output
    assert (out / "MANIFEST.json").read_bytes() == before


def test_recorded_fixtures_work_offline(server: ReplayServer, tmp_path: Path) -> None:
    from frdiff.archive import Archive

    out = tmp_path / "recorded"
    result = run(
        "fixtures",
        "record",
        "--dir",
        str(out),
        "--week",
        "2025-W13",
        *_source(server, tmp_path / "c"),
    )
    assert result.exit_code == 0
    with Archive.open(fixtures_dir=out) as a:
        found = a.find_rules(*parse_week("2025-W13"))
        assert [r["document_number"] for r in found] == ["2025-05427"]
        assert a.rule_xml("2025-05427") == fixture_data().documents["2025-05427"][1]


def test_record_refuses_to_replace_curated_fixtures_without_force(
    server: ReplayServer, tmp_path: Path
) -> None:
    root = tmp_path / "fx"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("ecfr"))
    args = [
        "fixtures",
        "record",
        "--dir",
        str(root),
        "--rule",
        "2025-00704",
        *_source(server, tmp_path / "c"),
    ]
    result = run(*args)
    assert result.exit_code == 1
    # the served XML equals the fixture (left alone); the served metadata differs
    assert (
        "2025-00704.meta.json has provenance 'constructed'" in result.output
        and "--force" in result.output
    )
    meta = (FIXTURES / "fr" / "2025-00704.meta.json").read_bytes()
    assert (root / "fr" / "2025-00704.meta.json").read_bytes() == meta
    assert (root / "MANIFEST.json").read_bytes() == (FIXTURES / "MANIFEST.json").read_bytes()
    forced = run(*args, "--force")
    assert forced.exit_code == 0
    item = next(
        i
        for i in json.loads((root / "MANIFEST.json").read_text())["items"]
        if i["path"] == "fr/2025-00704.meta.json"
    )
    assert item["provenance"] == "recorded"


def test_record_needs_something_to_record(tmp_path: Path) -> None:
    result = run(
        "fixtures",
        "record",
        "--dir",
        str(tmp_path),
        "--offline",
        "--cache-dir",
        str(tmp_path / "c"),
    )
    assert result.exit_code == 2


def test_fetch_rules_json_and_plain_progress(server: ReplayServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ["fetch", "rules", "--since", "2025-01-01", "--until", "2025-03-31", "--format", "json"]
    result = run(*args, *_source(server, cache))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["document_number"] for r in data["rules"]] == [
        "2025-00480",
        "2025-00704",
        "2025-05427",
    ]
    assert data["counts"] == {"new": 6}
    assert "frdiff: rule 2025-05427 XML: new" in result.stderr
    again = json.loads(run(*args, *_source(server, cache)).stdout)
    assert again["counts"] == {"not-modified": 6}
    offline = run(*args, "--offline", "--cache-dir", str(cache))
    assert offline.exit_code == 0
    assert json.loads(offline.stdout)["counts"] == {"stored": 6}


def test_fetch_snapshot_and_offline_errors(server: ReplayServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    result = run("fetch", "snapshot", "2025-03-31", *_source(server, cache))
    assert result.exit_code == 0
    assert "Supplement No. 4 on 2025-03-31" in result.output and "1 new" in result.output
    missing = run("fetch", "snapshot", "2025-01-13", "--offline", "--cache-dir", str(cache))
    assert missing.exit_code == 1
    assert "Supplement No. 4 on 2025-01-13" in missing.output and "2025-03-31" in missing.output
    assert run("fetch", "snapshot", "2025-02-30", "--offline").exit_code == 2


def test_fetch_pending(no_proxy: None, tmp_path: Path) -> None:
    data = fixture_data()
    data.pending = [
        {"document_number": "2025-99999", "type": "Rule", "title": "Additions to the Entity List",
         "publication_date": "2025-04-07", "agencies": [{"slug": "industry-and-security-bureau"}]},
    ]  # fmt: skip
    with ReplayServer(data) as s:
        result = run("fetch", "pending", *_source(s, tmp_path / "c"))
        as_json = run("fetch", "pending", "--format", "json", *_source(s, tmp_path / "c"))
    assert result.exit_code == 0
    assert (
        "1 BIS document(s) on public inspection" in result.output and "2025-99999" in result.output
    )
    assert json.loads(as_json.stdout)["documents"][0]["document_number"] == "2025-99999"


@pytest.mark.parametrize("rate", ["0", "fast", "1,2,3"])
def test_bad_rate_is_a_usage_error(tmp_path: Path, rate: str) -> None:
    result = run("fetch", "snapshot", "2025-01-13", "--rate", rate, "--cache-dir", str(tmp_path))
    assert result.exit_code == 1 and "--rate" in result.output
