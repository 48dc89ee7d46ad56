"""Shared test set-up: fixture paths, golden-file refresh, no proxies, bounded fuzzing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULES = sorted((FIXTURES / "fr").glob("*.xml"))
SNAPSHOTS = sorted((FIXTURES / "ecfr").glob("supp4-*.xml"))
CSL_2026_07_31 = FIXTURES / "csl" / "derived-screening-list-2026-07-31.json"

#: The real documents (eCFR responses, Federal Register API responses, a CSL sample).
#: They are never copied into the project: tests read them where every developer and
#: CI has them, beside the checkout, or where FRDIFF_REALDOCS points.
REALDOCS = Path(os.environ.get("FRDIFF_REALDOCS") or ROOT.parent / "shared" / "realdocs")
#: The three real eCFR responses for the whole of 15 CFR Part 744, by fetch date.
REAL_ECFR_DATES = ("2026-03-25", "2026-07-18", "2026-07-23")

settings.register_profile(
    "frdiff",
    max_examples=int(os.environ.get("FRDIFF_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("frdiff")


def real_ecfr(day: str) -> Path:
    """The real eCFR response for Part 744 fetched on ``day`` (see REAL_ECFR_DATES)."""
    return REALDOCS / "ecfr" / f"part744-fetched-{day}.xml"


@pytest.fixture(scope="session")
def realdocs() -> Path:
    """The real-documents folder; the test skips where it is absent (a user's clone),
    and fails instead when FRDIFF_REQUIRE_REALDOCS=1 (CI)."""
    if not (REALDOCS / "ecfr").is_dir():
        why = f"real documents not found at {REALDOCS} (set FRDIFF_REALDOCS)"
        if os.environ.get("FRDIFF_REQUIRE_REALDOCS") == "1":
            pytest.fail(f"{why}, and FRDIFF_REQUIRE_REALDOCS=1")
        pytest.skip(why)
    return REALDOCS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/*.json from the current output instead of comparing.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the user's real cache (parsed snapshots, the store)."""
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1 only; a proxy from the environment must never intervene."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")
