"""Shared pieces of the fetch tests: the replay server's data, fast fetch settings, proxies off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from frdiff.fetch import FetchConfig
from replay_server import ReplayData, ReplayServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULES = ("2023-03929", "2025-00480", "2025-00704", "2025-05427")
SNAPSHOT_DATES = ("2025-01-13", "2025-01-17", "2025-03-24", "2025-03-31")

PROXY_VARS = (
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)

#: Quick settings for tests: generous rates, tiny waits, short timeouts.
FAST = FetchConfig(
    user_agent="frdiff-tests/1 (test@example.invalid)",
    api_rate=500.0,
    xml_rate=500.0,
    connect_timeout=2.0,
    read_timeout=2.0,
    retries=2,
    backoff_factor=0.01,
    backoff_max=0.05,
    retry_after_max=1.0,
    body_retries=1,
)


def fixture_data() -> ReplayData:
    """The project's fixtures (4 rules, 4 snapshots) as the replay server's content."""
    docs = {}
    for number in RULES:
        meta = json.loads((FIXTURES / "fr" / f"{number}.meta.json").read_text(encoding="utf-8"))
        meta.pop("_provenance", None)
        docs[number] = (meta, (FIXTURES / "fr" / f"{number}.xml").read_bytes())
    snaps = {(4, d): (FIXTURES / "ecfr" / f"supp4-{d}.xml").read_bytes() for d in SNAPSHOT_DATES}
    return ReplayData(documents=docs, snapshots=snaps, latest_issue="2025-04-04")


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for var in ("FRDIFF_FR_API", "FRDIFF_ECFR_API", "FRDIFF_CACHE_DIR", "FRDIFF_USER_AGENT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def server(no_proxy: None) -> Iterator[ReplayServer]:
    with ReplayServer(fixture_data()) as s:
        yield s
