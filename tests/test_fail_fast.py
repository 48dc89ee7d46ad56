"""Network failures end fast, in one plain line: a refused connection, a host that never
answers, a name that cannot resolve; retries only on 429/503 and time-outs; short URLs."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from frdiff.cli import main
from frdiff.errors import FetchError
from frdiff.fetch import URL_LOG_LIMIT, Fetcher

try:
    from fetch_helpers import FAST, no_proxy
except ImportError:  # pragma: no cover - run from the repository root
    from tests.fetch_helpers import FAST, no_proxy  # noqa: F401

#: A DNS failure or a refused connection ends within this many seconds.
UNREACHABLE_BOUND = 5.0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield int(sock.getsockname()[1])
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    sock.close()


def _timed_get(url: str, config=FAST) -> tuple[FetchError, float]:  # type: ignore[no-untyped-def]
    fetcher = Fetcher(config=config)
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetcher.get(url, expect="json")
    return info.value, time.monotonic() - start


@pytest.mark.usefixtures("no_proxy")
def test_refused_connection_fails_at_once_in_one_line() -> None:
    error, took = _timed_get(f"http://127.0.0.1:{_closed_port()}/api/v1/documents.json")
    assert took < UNREACHABLE_BOUND
    text = str(error)
    assert text == "cannot reach 127.0.0.1: connection refused; use --offline or --fixtures"


@pytest.mark.usefixtures("no_proxy")
def test_name_that_cannot_resolve_fails_at_once_in_one_line() -> None:
    error, took = _timed_get("http://frdiff-nowhere.invalid/api/v1/documents.json")
    assert took < UNREACHABLE_BOUND
    assert str(error) == (
        "cannot reach frdiff-nowhere.invalid: name not resolved; use --offline or --fixtures"
    )


@pytest.mark.usefixtures("no_proxy")
def test_server_that_never_answers_times_out_within_its_bound(silent_server: int) -> None:
    config = replace(FAST, read_timeout=0.3, retries=1)
    # Each attempt waits one read time-out; back-off is capped at backoff_max.
    bound = (config.retries + 1) * (config.read_timeout + config.backoff_max) + 2.0
    error, took = _timed_get(f"http://127.0.0.1:{silent_server}/x.json", config)
    assert took < bound
    assert "timed out" in str(error) and "\n" not in str(error)


@pytest.mark.usefixtures("no_proxy")
def test_no_log_line_or_message_carries_a_long_url(
    silent_server: int, caplog: pytest.LogCaptureFixture
) -> None:
    long_query = "conditions[term]=" + "x" * 1500
    url = f"http://127.0.0.1:{silent_server}/api/v1/documents.json?{long_query}"
    config = replace(FAST, read_timeout=0.2, retries=2)
    with caplog.at_level(logging.DEBUG):
        error, _ = _timed_get(url, config)
    lines = [r.getMessage() for r in caplog.records] + [str(error)]
    assert any("retrying" in line for line in lines), "time-outs are retried"
    for line in lines:
        assert "x" * (URL_LOG_LIMIT + 1) not in line, line[:300]
        assert len(line) < URL_LOG_LIMIT + 200, line[:300]


@pytest.mark.usefixtures("no_proxy")
@pytest.mark.parametrize(
    "args",
    [
        ["weekly", "--week", "2025-W13"],
        ["fetch", "rules", "--since", "2025-03-01", "--until", "2025-03-31"],
        ["fetch", "pending"],
        ["fetch", "snapshot", "2025-03-31"],
        ["fixtures", "record", "--rule", "2025-05427"],
    ],
)
def test_commands_fail_fast_without_a_network(tmp_path: Path, args: list[str]) -> None:
    port = _closed_port()
    if args[0] == "fixtures":
        args = [*args, "--out", str(tmp_path / "fixtures")]
    runner = CliRunner()
    start = time.monotonic()
    result = runner.invoke(
        main,
        [
            *args,
            "--cache-dir",
            str(tmp_path),
            "--fr-api",
            f"http://127.0.0.1:{port}/api/v1",
            "--ecfr-api",
            f"http://127.0.0.1:{port}",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert time.monotonic() - start < UNREACHABLE_BOUND
    lines = [line for line in result.output.splitlines() if line.strip()]
    # One line says it (a progress line such as "recording rule ..." may come first).
    assert lines[-1] == (
        "Error: cannot reach 127.0.0.1: connection refused; use --offline or --fixtures"
    ), result.output
    assert len(lines) <= 2 and sum("127.0.0.1" in line for line in lines) == 1, result.output
