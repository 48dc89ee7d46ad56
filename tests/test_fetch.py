"""The Federal Register and eCFR clients against the replay server: paging, caps, limits."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

import fetch_helpers
from fetch_helpers import FAST, fixture_data
from frdiff.errors import FetchError, UsageError
from frdiff.fetch import (
    ECFR,
    FederalRegister,
    Fetcher,
    RateLimiter,
    Validators,
    host_class,
    parse_rate,
    rebase,
)
from replay_server import ReplayData, ReplayServer, synthetic_rules

server = fetch_helpers.server
no_proxy = fetch_helpers.no_proxy


def _fr(s: ReplayServer, config=FAST, **kw) -> FederalRegister:  # type: ignore[no-untyped-def]
    return FederalRegister(Fetcher(config), s.fr_api, **kw)


def test_search_asks_for_bis_rules_on_part_744(server: ReplayServer) -> None:
    found = _fr(server).search(date(2025, 1, 1), date(2025, 12, 31))
    assert [r["document_number"] for r in found] == ["2025-00480", "2025-00704", "2025-05427"]
    (logged,) = server.requests("/documents.json")
    q = parse_qs(urlsplit(logged.path).query)
    assert q["conditions[agencies][]"] == ["industry-and-security-bureau"]
    assert q["conditions[cfr][title]"] == ["15"] and q["conditions[cfr][part]"] == ["744"]
    assert q["conditions[type][]"] == ["RULE"]
    assert q["conditions[publication_date][gte]"] == ["2025-01-01"]
    assert q["conditions[publication_date][lte]"] == ["2025-12-31"]
    assert "document_number" in q["fields[]"] and "full_text_xml_url" in q["fields[]"]


def test_search_only_returns_matching_documents(no_proxy: None) -> None:
    data = ReplayData(documents=synthetic_rules(3, date(2030, 1, 1)))
    meta, xml = data.documents["2030-10001"]
    data.documents["2030-10001"] = ({**meta, "cfr_references": [{"title": 15, "part": 740}]}, xml)
    with ReplayServer(data) as s:
        found = _fr(s).search(date(2030, 1, 1), date(2030, 1, 31))
    assert [r["document_number"] for r in found] == ["2030-10000", "2030-10002"]


@pytest.mark.parametrize("paging", ["page", "cursor"])
def test_search_follows_next_page_url(no_proxy: None, paging: str) -> None:
    data = ReplayData(documents=synthetic_rules(23, date(2030, 1, 1)))
    with ReplayServer(data, paging=paging, per_page_max=5) as s:
        found = _fr(s).search(date(2030, 1, 1), date(2030, 12, 31))
        pages = s.requests("/documents.json")
    assert len(found) == 23
    assert len({r["document_number"] for r in found}) == 23
    assert [r["publication_date"] for r in found] == sorted(r["publication_date"] for r in found)
    assert len(pages) == 5
    key = "cursor" if paging == "cursor" else "page"
    assert all(key in parse_qs(urlsplit(p.path).query) for p in pages[1:])


def test_search_splits_ranges_that_reach_the_cap(no_proxy: None) -> None:
    data = ReplayData(documents=synthetic_rules(20, date(2030, 1, 1), step_days=3))
    with ReplayServer(data, cap=6, per_page_max=4) as s:
        found = _fr(s, result_cap=6).search(date(2030, 1, 1), date(2030, 3, 31))
        queries = [parse_qs(urlsplit(p.path).query) for p in s.requests("/documents.json")]
    assert sorted(r["document_number"] for r in found) == sorted(data.documents)
    spans = {
        (q["conditions[publication_date][gte]"][0], q["conditions[publication_date][lte]"][0])
        for q in queries
    }
    assert ("2030-01-01", "2030-03-31") in spans
    assert len(spans) > 3  # the full range was split, and split again


def test_search_fails_clearly_when_one_day_exceeds_the_cap(no_proxy: None) -> None:
    data = ReplayData(documents=synthetic_rules(5, date(2030, 1, 1), step_days=0))
    with ReplayServer(data, cap=3) as s, pytest.raises(FetchError, match="cannot be split"):
        _fr(s, result_cap=3).search(date(2030, 1, 1), date(2030, 1, 1))


def test_search_rejects_a_reversed_range(server: ReplayServer) -> None:
    with pytest.raises(UsageError):
        _fr(server).search(date(2025, 2, 1), date(2025, 1, 1))


def test_next_page_links_stay_on_the_configured_service(server: ReplayServer) -> None:
    assert rebase("https://evil.example/api/v1/documents.json?page=2", server.fr_api).startswith(
        server.base
    )
    fr = _fr(server)
    meta = {
        "document_number": "2025-05427",
        "full_text_xml_url": "https://elsewhere.example/x/2025-05427.xml",
    }
    assert fr.xml_url(meta) == server.base + "/x/2025-05427.xml"
    assert fr.xml_url({"document_number": "2025-05427", "publication_date": "2025-03-28"}) == (
        server.base + "/documents/full_text/xml/2025/03/28/2025-05427.xml"
    )


def test_user_agent_is_sent_and_configurable(server: ReplayServer) -> None:
    fr = _fr(server, replace(FAST, user_agent="acme-monitor/2 (ops@example.invalid)"))
    fr.load_json(fr.document_url("2025-05427"))
    assert server.requests()[-1].headers["User-Agent"] == "acme-monitor/2 (ops@example.invalid)"


def test_conditional_request_gets_304(server: ReplayServer) -> None:
    fetcher = Fetcher(FAST)
    url = server.fr_api + "/documents/2025-05427.json"
    first = fetcher.get(url, expect="json")
    assert first.status == 200 and first.etag and first.body
    again = fetcher.get(url, expect="json", validators=Validators(first.etag, first.last_modified))
    assert again.not_modified and again.body == b""
    assert server.requests()[-1].headers["If-None-Match"] == first.etag


def test_rate_limits_hold_per_host_class(server: ReplayServer) -> None:
    config = replace(FAST, api_rate=10.0, xml_rate=4.0)
    fetcher = Fetcher(config)
    fr = FederalRegister(fetcher, server.fr_api)
    for number in ("2025-05427", "2025-00704", "2025-00480"):
        meta = fr.load_json(fr.document_url(number))
        fetcher.get(fr.xml_url(meta), expect="xml")
        fr.load_json(fr.document_url(number))
    api = [r.t for r in server.requests("/api/v1/")]
    xml = [r.t for r in server.requests("/full_text/xml/")]
    assert len(api) == 6 and len(xml) == 3
    # measured by the server; a little slack for scheduling
    assert min(b - a for a, b in itertools.pairwise(api)) >= 0.1 - 0.02
    assert min(b - a for a, b in itertools.pairwise(xml)) >= 0.25 - 0.02


def test_rate_limiter_spaces_calls() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.wait()
    assert slept == [0.25, 0.25, 0.25]


def test_parse_rate() -> None:
    assert parse_rate("5") == (5.0, None)
    assert parse_rate("2,0.5") == (2.0, 0.5)
    for bad in ("0", "x", "1,2,3", "-1"):
        with pytest.raises(UsageError):
            parse_rate(bad)


def test_host_classes() -> None:
    assert (
        host_class("https://www.ecfr.gov/api/versioner/v1/full/2025-01-01/title-15.xml?part=744")
        == "xml"
    )
    assert host_class("https://www.federalregister.gov/api/v1/documents.json?x=1") == "api"


def test_public_inspection_lists_bis_documents(no_proxy: None) -> None:
    pending = [
        {
            "document_number": "2030-20000",
            "type": "Rule",
            "title": "Additions to the Entity List",
            "publication_date": "2030-02-03",
            "agencies": [{"slug": "industry-and-security-bureau"}],
        },
        {
            "document_number": "2030-20001",
            "type": "Notice",
            "title": "Fisheries",
            "publication_date": "2030-02-03",
            "agencies": [{"slug": "national-oceanic-and-atmospheric-administration"}],
        },
    ]
    with ReplayServer(ReplayData(pending=pending)) as s:
        fr = _fr(s)
        assert [d["document_number"] for d in fr.public_inspection()] == ["2030-20000"]
        assert [d["document_number"] for d in fr.public_inspection(date(2030, 2, 1))] == [
            "2030-20000"
        ]
        paths = [r.path for r in s.requests()]
    assert paths[0].endswith("/public-inspection-documents/current.json")
    assert "conditions[available_on]=2030-02-01" in requests.utils.unquote(paths[1])


def test_ecfr_latest_versions_and_supplement_xml(server: ReplayServer) -> None:
    ecfr = ECFR(Fetcher(FAST), server.ecfr_api)
    assert ecfr.latest_date() == date(2025, 4, 4)
    assert ecfr.version_dates(4) == [
        date(2025, 1, 13),
        date(2025, 1, 17),
        date(2025, 3, 24),
        date(2025, 3, 31),
    ]
    got = ecfr.supplement_xml(date(2025, 3, 26), 4)
    assert got.body == fixture_data().snapshots[(4, "2025-03-24")]
    url = server.requests("/full/")[-1].path
    assert "/full/2025-03-26/title-15.xml" in url
    assert parse_qs(urlsplit(url).query)["appendix"] == ["Supplement No. 4 to Part 744"]


def test_ecfr_supplement_is_a_parameter(no_proxy: None) -> None:
    data = ReplayData(
        snapshots={(4, "2025-01-01"): b"<DIV9 N='4'/>", (7, "2025-01-01"): b"<DIV9 N='7'/>"}
    )
    with ReplayServer(data) as s:
        ecfr = ECFR(Fetcher(FAST), s.ecfr_api)
        assert ecfr.supplement_xml(date(2025, 2, 1), 7).body == b"<DIV9 N='7'/>"
        assert "Supplement No. 7 to Part 744" in ecfr.full_url(date(2025, 2, 1), 7).replace(
            "%20", " "
        )
        assert ecfr.version_dates(7) == [date(2025, 1, 1)]


def test_supplement_url_matches_the_manifest_source_urls() -> None:
    ecfr = ECFR(Fetcher(FAST))
    assert ecfr.full_url(date(2025, 3, 24), 4) == (
        "https://www.ecfr.gov/api/versioner/v1/full/2025-03-24/title-15.xml"
        "?part=744&appendix=Supplement%20No.%204%20to%20Part%20744"
    )


def test_injected_session_gets_the_retry_policy(server: ReplayServer) -> None:
    session = requests.Session()
    fetcher = Fetcher(FAST, session=session)
    server.add_fault("/documents/2025-05427.json", "status", status=503, times=1)
    assert fetcher.get(server.fr_api + "/documents/2025-05427.json", expect="json").status == 200
    assert fetcher.session is session
    assert [r.status for r in server.requests("2025-05427")] == [503, 200]
