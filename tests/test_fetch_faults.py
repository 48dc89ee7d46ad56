"""Network faults against the loopback server, interrupted runs and concurrent runs.

Each fault ends in the right data or a clear frdiff error; the store stays
consistent whatever happens to the process that writes it.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import fetch_helpers
from fetch_helpers import FAST, PROXY_VARS, ROOT, fixture_data
from frdiff.archive import Archive
from frdiff.errors import FetchError, HTTPStatusError, ResponseError
from frdiff.fetch import Fetcher
from frdiff.store import Store
from replay_server import ReplayServer

DOC = "/documents/2025-05427.json"
XML = "/full_text/xml/2025/03/28/2025-05427.xml"

server = fetch_helpers.server
no_proxy = fetch_helpers.no_proxy


def _get_doc(s: ReplayServer, config=FAST) -> dict:  # type: ignore[no-untyped-def]
    import json

    return json.loads(Fetcher(config).get(s.fr_api + DOC, expect="json").body)


def _get_xml(s: ReplayServer, config=FAST) -> bytes:  # type: ignore[no-untyped-def]
    return Fetcher(config).get(s.base + "/documents" + XML, expect="xml").body


def test_429_with_retry_after_is_honoured(server: ReplayServer) -> None:
    server.add_fault(DOC, "status", status=429, retry_after="1", times=1)
    assert _get_doc(server)["document_number"] == "2025-05427"
    first, second = server.requests(DOC)
    assert (first.status, second.status) == (429, 200)
    assert second.t - first.t >= 0.95


def test_a_429_storm_ends_in_a_clear_error_and_retry_after_is_capped(server: ReplayServer) -> None:
    server.add_fault(DOC, "status", status=429, retry_after="3600", times=-1)
    config = replace(FAST, retries=3, retry_after_max=0.2)
    started = time.monotonic()
    with pytest.raises(HTTPStatusError) as info:
        _get_doc(server, config)
    assert time.monotonic() - started < 5
    assert info.value.status == 429
    assert "3600" in str(info.value) and "2025-05427" in str(info.value)
    times = [r.t for r in server.requests(DOC)]
    assert len(times) == 4
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.18


def test_503_is_retried(server: ReplayServer) -> None:
    server.add_fault(DOC, "status", status=503, times=2)
    assert _get_doc(server)["document_number"] == "2025-05427"
    assert [r.status for r in server.requests(DOC)] == [503, 503, 200]


def test_persistent_503_fails_after_the_retries(server: ReplayServer) -> None:
    server.add_fault(DOC, "status", status=503, times=-1)
    with pytest.raises(HTTPStatusError) as info:
        _get_doc(server)
    assert info.value.status == 503
    assert len(server.requests(DOC)) == FAST.retries + 1


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_other_4xx_are_never_retried(server: ReplayServer, status: int) -> None:
    server.add_fault(DOC, "status", status=status, times=-1)
    with pytest.raises(HTTPStatusError) as info:
        _get_doc(server)
    assert info.value.status == status
    assert len(server.requests(DOC)) == 1


def test_real_404_names_the_url(server: ReplayServer) -> None:
    with pytest.raises(HTTPStatusError, match="404") as info:
        Fetcher(FAST).get(server.fr_api + "/documents/2099-99999.json", expect="json")
    assert "2099-99999" in str(info.value)


def test_slow_response_beyond_the_timeout(server: ReplayServer) -> None:
    server.add_fault(DOC, "slow", delay=1.0, times=-1)
    config = replace(FAST, read_timeout=0.3, retries=1)
    with pytest.raises(FetchError, match="timed out"):
        _get_doc(server, config)
    assert len(server.requests(DOC)) == 0  # the server never got to answer
    server.release.set()


def test_one_slow_response_is_retried(server: ReplayServer) -> None:
    server.add_fault(DOC, "slow", delay=0.6, times=1)
    config = replace(FAST, read_timeout=0.3, retries=2)
    assert _get_doc(server, config)["document_number"] == "2025-05427"


def test_truncated_body_is_read_again(server: ReplayServer) -> None:
    server.add_fault(XML, "truncate", times=1)
    assert _get_xml(server) == fixture_data().documents["2025-05427"][1]
    assert len(server.requests(XML)) == 2


def test_always_truncated_body_is_a_clear_error(server: ReplayServer) -> None:
    server.add_fault(XML, "truncate", times=-1)
    with pytest.raises(ResponseError, match="incomplete") as info:
        _get_xml(server)
    assert "2025-05427.xml" in str(info.value)


def test_wrong_content_type_is_refused(server: ReplayServer) -> None:
    server.add_fault(XML, "content_type", content_type="text/html; charset=utf-8", times=-1)
    with pytest.raises(ResponseError, match="text/html"):
        _get_xml(server)
    assert len(server.requests(XML)) == 1


@pytest.mark.parametrize("declared", [True, False])
def test_oversized_body_is_refused(server: ReplayServer, declared: bool) -> None:
    server.add_fault(XML, "oversize", size=2_000_000, declared=declared, times=-1)
    with pytest.raises(ResponseError, match="exceeds the limit"):
        _get_xml(server, replace(FAST, max_xml_bytes=200_000))


def test_redirect_is_followed(server: ReplayServer) -> None:
    server.add_fault(DOC, "redirect", status=301, times=1)
    assert _get_doc(server)["document_number"] == "2025-05427"
    assert [r.status for r in server.requests()] == [301, 200]
    assert server.requests()[-1].path.startswith("/mirror/")


def test_redirect_loop_is_a_clear_error(server: ReplayServer) -> None:
    server.add_fault(DOC, "redirect", status=302, location="/api/v1" + DOC, times=-1)
    with pytest.raises(FetchError, match="redirects"):
        _get_doc(server)


def test_connection_reset_is_retried(server: ReplayServer) -> None:
    server.add_fault(DOC, "reset", times=1)
    assert _get_doc(server)["document_number"] == "2025-05427"


def test_persistent_resets_fail_clearly(server: ReplayServer) -> None:
    server.add_fault(DOC, "reset", times=-1)
    with pytest.raises(FetchError, match="connection") as info:
        _get_doc(server)
    assert "2025-05427" in str(info.value)


def test_server_dying_mid_run_then_a_later_run_resumes(
    server: ReplayServer, tmp_path: Path
) -> None:
    server.die_after = 4  # search, meta, xml, meta ... then gone
    with (
        Archive.open(
            cache_dir=tmp_path, fr_api=server.fr_api, ecfr_api=server.ecfr_api, config=FAST
        ) as a,
        pytest.raises(FetchError),
    ):
        a.fetch_rules(date(2025, 1, 1), date(2025, 12, 31))
    with Store.open(tmp_path) as store:
        assert store.check() == []
        stored = {(r.kind, r.ident) for r in store.records() if r.kind != "api"}
    assert stored == {
        ("rule-metadata", "2025-00480"),
        ("rule", "2025-00480"),
        ("rule-metadata", "2025-00704"),
    }
    with ReplayServer(fixture_data()) as again:
        with Archive.open(
            cache_dir=tmp_path, fr_api=again.fr_api, ecfr_api=again.ecfr_api, config=FAST
        ) as a:
            summary = a.fetch_rules(date(2025, 1, 1), date(2025, 12, 31))
        statuses = {(o.kind, o.ident): o.status for o in summary.outcomes}
        assert statuses[("rule", "2025-00480")] == "not-modified"
        assert statuses[("rule", "2025-05427")] == "new"
        assert [r.status for r in again.requests("2025-00480.xml")] == [304]
    with Store.open(tmp_path) as store:
        assert store.check() == []
        assert len(store.records("rule")) == 3


def _env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in PROXY_VARS and not k.startswith("FRDIFF_")
    }
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def _frdiff(*args: str) -> list[str]:
    return [sys.executable, "-m", "frdiff", *args]


def test_sigkill_during_a_download_leaves_no_partial_file(
    server: ReplayServer, tmp_path: Path
) -> None:
    server.add_fault("/full/2025-03-24/", "stall_body", times=1)
    args = [
        "fetch",
        "snapshot",
        "2025-03-24",
        "--cache-dir",
        str(tmp_path),
        "--ecfr-api",
        server.ecfr_api,
    ]
    proc = subprocess.Popen(_frdiff(*args), env=_env(), cwd=ROOT, stderr=subprocess.PIPE)
    try:
        assert server.body_started.wait(20), "the download never started"
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.release.set()
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "ecfr" / "supp4-2025-03-24.xml").exists()
    with Store.open(tmp_path) as store:
        assert store.lookup("snapshot", "4/2025-03-24") is None
        assert store.check() == []
        assert list((tmp_path / "tmp").iterdir()) == []
    done = subprocess.run(_frdiff(*args), env=_env(), cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    with Store.open(tmp_path) as store:
        _, body = store.get("snapshot", "4/2025-03-24") or (None, b"")
        assert body == fixture_data().snapshots[(4, "2025-03-24")]
        assert store.check() == []


def test_two_processes_share_one_store(server: ReplayServer, tmp_path: Path) -> None:
    args = [
        "fetch", "rules", "--since", "2023-01-01", "--until", "2025-12-31", "--cache-dir", str(tmp_path),
        "--fr-api", server.fr_api, "--ecfr-api", server.ecfr_api, "--rate", "40,20", "--format", "json",
    ]  # fmt: skip
    procs = [
        subprocess.Popen(
            _frdiff(*args), env=_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()
    with Store.open(tmp_path) as store:
        assert store.check() == []
        assert {r.ident for r in store.records("rule")} == {
            "2023-03929",
            "2025-00480",
            "2025-00704",
            "2025-05427",
        }
        for record in store.records("rule"):
            assert store.read(record) == fixture_data().documents[record.ident][1]
    assert len(server.requests("/full_text/xml/")) >= 4
