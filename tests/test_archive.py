"""The Archive facade: online through the store, offline from the store, offline from fixtures."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

import fetch_helpers
from fetch_helpers import FAST, FIXTURES, fixture_data
from frdiff.archive import Archive
from frdiff.errors import HTTPStatusError, OfflineMissingError, ParseError
from replay_server import ReplayServer

Y2025 = (date(2025, 1, 1), date(2025, 12, 31))

server = fetch_helpers.server
no_proxy = fetch_helpers.no_proxy


def _online(s: ReplayServer, cache: Path) -> Archive:
    return Archive.open(cache_dir=cache, fr_api=s.fr_api, ecfr_api=s.ecfr_api, config=FAST)


def _state(cache: Path) -> tuple[dict[str, tuple[int, int]], list[str]]:
    files = {
        p.relative_to(cache).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in cache.rglob("*")
        if p.is_file() and not p.name.startswith("index.sqlite")
    }
    db = sqlite3.connect(cache / "index.sqlite")
    dump = list(db.iterdump())
    db.close()
    return files, dump


def test_online_run_stores_rules_and_snapshots(server: ReplayServer, tmp_path: Path) -> None:
    with _online(server, tmp_path) as a:
        rules = a.find_rules(*Y2025)
        assert [r["document_number"] for r in rules] == ["2025-00480", "2025-00704", "2025-05427"]
        assert a.rule_xml("2025-05427") == fixture_data().documents["2025-05427"][1]
        assert a.rule_meta("2025-05427")["citation"] == "90 FR 14046"
        assert a.snapshot_xml(date(2025, 3, 24)) == fixture_data().snapshots[(4, "2025-03-24")]
        assert a.snapshot_dates() == [
            date(2025, 1, 13),
            date(2025, 1, 17),
            date(2025, 3, 24),
            date(2025, 3, 31),
        ]
        assert a.latest_date() == date(2025, 4, 4)
    assert (tmp_path / "fr" / "2025-05427.xml").is_file()
    assert (tmp_path / "fr" / "2025-05427.meta.json").is_file()
    assert (tmp_path / "ecfr" / "supp4-2025-03-24.xml").is_file()


def test_second_run_makes_only_conditional_requests_and_writes_nothing(
    server: ReplayServer, tmp_path: Path
) -> None:
    with _online(server, tmp_path) as a:
        first = a.fetch_rules(*Y2025)
        a.fetch_snapshot(date(2025, 3, 31))
    assert first.counts() == {"new": 6}
    before = _state(tmp_path)
    server.clear_log()
    with _online(server, tmp_path) as a:
        second = a.fetch_rules(*Y2025)
        a.fetch_snapshot(date(2025, 3, 31))
    assert second.counts() == {"not-modified": 6}
    logged = server.requests()
    assert len(logged) == 8  # search page, 3 x (metadata + XML), snapshot
    assert all("If-None-Match" in r.headers and r.status == 304 for r in logged)
    assert _state(tmp_path) == before


def test_changed_documents_are_updated(server: ReplayServer, tmp_path: Path) -> None:
    with _online(server, tmp_path) as a:
        a.fetch_rules(*Y2025)
    meta, _ = server.data.documents["2025-05427"]
    server.data.documents["2025-05427"] = (meta, b"<RULE>corrected</RULE>")
    with _online(server, tmp_path) as a:
        summary = a.fetch_rules(*Y2025)
        statuses = {(o.kind, o.ident): o.status for o in summary.outcomes}
        assert statuses[("rule", "2025-05427")] == "updated"
        assert statuses[("rule", "2025-00704")] == "not-modified"
    assert (tmp_path / "fr" / "2025-05427.xml").read_bytes() == b"<RULE>corrected</RULE>"


def test_a_damaged_stored_file_is_fetched_again(server: ReplayServer, tmp_path: Path) -> None:
    with _online(server, tmp_path) as a:
        a.fetch_rules(*Y2025)
    (tmp_path / "fr" / "2025-00704.xml").write_bytes(b"garbage")
    server.clear_log()
    with _online(server, tmp_path) as a:
        assert a.rule_xml("2025-00704") == fixture_data().documents["2025-00704"][1]
        assert "If-None-Match" not in server.requests("2025-00704.xml")[-1].headers


def test_offline_from_the_store_never_touches_the_network(
    server: ReplayServer, tmp_path: Path
) -> None:
    with _online(server, tmp_path) as a:
        a.fetch_rules(*Y2025)
        a.fetch_snapshot(date(2025, 3, 24))
    server.clear_log()
    with Archive.open(
        cache_dir=tmp_path, offline=True, fr_api=server.fr_api, ecfr_api=server.ecfr_api
    ) as a:
        assert [
            r["document_number"] for r in a.find_rules(date(2025, 3, 1), date(2025, 3, 31))
        ] == ["2025-05427"]
        assert a.rule_xml("2025-05427") == fixture_data().documents["2025-05427"][1]
        assert a.rule_meta("2025-05427")["document_number"] == "2025-05427"
        assert a.snapshot_xml(date(2025, 3, 24)) == fixture_data().snapshots[(4, "2025-03-24")]
        assert a.snapshot_dates() == [date(2025, 3, 24)]
        with pytest.raises(OfflineMissingError, match="2023-03929"):
            a.rule_xml("2023-03929")
        with pytest.raises(OfflineMissingError, match=r"2025-03-31.*stored dates: 2025-03-24"):
            a.snapshot_xml(date(2025, 3, 31))
        with pytest.raises(OfflineMissingError, match=r"2024-01-01\.\.2025-12-31.*fetch rules"):
            a.find_rules(date(2024, 1, 1), date(2025, 12, 31))
    assert server.requests() == []


def test_offline_with_an_empty_store_names_what_is_missing(tmp_path: Path) -> None:
    with Archive.open(cache_dir=tmp_path, offline=True) as a:
        with pytest.raises(OfflineMissingError, match="rule 2025-05427"):
            a.rule_xml("2025-05427")
        with pytest.raises(OfflineMissingError, match="public-inspection"):
            a.pending()
        assert a.snapshot_dates() == []


def test_offline_from_fixtures() -> None:
    with Archive.open(fixtures_dir=FIXTURES) as a:
        rules = a.find_rules(*Y2025)
        assert [r["document_number"] for r in rules] == ["2025-00480", "2025-00704", "2025-05427"]
        assert (
            a.find_rules(date(2023, 2, 27), date(2023, 2, 27))[0]["document_number"] == "2023-03929"
        )
        assert a.rule_xml("2025-05427") == (FIXTURES / "fr" / "2025-05427.xml").read_bytes()
        assert a.rule_meta("2025-00704")["publication_date"] == "2025-01-16"
        assert date(2025, 3, 24) in a.snapshot_dates()
        assert (
            a.snapshot_xml(date(2025, 3, 31))
            == (FIXTURES / "ecfr" / "supp4-2025-03-31.xml").read_bytes()
        )
        with pytest.raises(OfflineMissingError, match=r"2025-03-25 \(fixtures have: 2025-01-13"):
            a.snapshot_xml(date(2025, 3, 25))
        with pytest.raises(OfflineMissingError, match="2099-00001"):
            a.rule_xml("2099-00001")
        assert a.snapshot_dates(7) == []


def test_base_urls_from_the_environment(
    server: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRDIFF_FR_API", server.fr_api)
    monkeypatch.setenv("FRDIFF_ECFR_API", server.ecfr_api)
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(tmp_path / "env-cache"))
    monkeypatch.setenv("FRDIFF_USER_AGENT", "env-agent/1")
    with Archive.open(config=FAST) as a:
        assert len(a.find_rules(*Y2025)) == 3
        a.snapshot_xml(date(2025, 1, 13))
    assert (tmp_path / "env-cache" / "ecfr" / "supp4-2025-01-13.xml").is_file()
    assert {r.headers["User-Agent"] for r in server.requests()} == {"env-agent/1"}


def test_snapshot_after_the_latest_issue_explains_the_lag(
    server: ReplayServer, tmp_path: Path
) -> None:
    with (
        _online(server, tmp_path) as a,
        pytest.raises(HTTPStatusError, match="latest is 2025-04-04"),
    ):
        a.snapshot_xml(date(2025, 4, 10))


def test_metadata_for_the_wrong_document_is_refused(server: ReplayServer, tmp_path: Path) -> None:
    server.add_fault(
        "/documents/2025-05427.json", "redirect", location="/api/v1/documents/2025-00704.json"
    )
    with _online(server, tmp_path) as a, pytest.raises(ParseError, match="2025-00704"):
        a.rule_meta("2025-05427")
    assert not (tmp_path / "fr" / "2025-05427.meta.json").exists()


def test_pending_online(no_proxy: None, tmp_path: Path) -> None:
    data = fixture_data()
    data.pending = [
        {"document_number": "2025-99999", "type": "Rule", "title": "Additions to the Entity List",
         "publication_date": "2025-04-07", "agency_names": ["Industry and Security Bureau"]},
    ]  # fmt: skip
    with ReplayServer(data) as s, _online(s, tmp_path) as a:
        assert [d["document_number"] for d in a.pending()] == ["2025-99999"]
        fr_api = s.fr_api
    # the server is gone; offline reads the stored response
    with Archive.open(cache_dir=tmp_path, offline=True, fr_api=fr_api) as a:
        assert [d["document_number"] for d in a.pending()] == ["2025-99999"]
