"""frdiff fetch history: every substantive eCFR version, from a local server, resumably."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

import fetch_helpers
from fetch_helpers import FIXTURES
from frdiff.cli import main
from replay_server import ReplayData, ReplayServer

no_proxy = fetch_helpers.no_proxy
BASE = (FIXTURES / "ecfr" / "supp4-2025-01-13.xml").read_bytes()
FIRST = date(2019, 5, 20)


def _versions(n: int) -> dict[tuple[int, str], bytes]:
    """``n`` generated versions: the fixture copy with the k-th version's marker entry."""
    out = {}
    for k in range(n):
        marker = f"Zorvex Photonics Number{k} Co., Ltd.".encode()
        body = BASE.replace(b"</DIV9>", b"<!-- version %d --></DIV9>" % k)
        body = body.replace(b"Assadullah Majed", marker) if k else body
        out[(4, (FIRST + timedelta(days=90 * k)).isoformat())] = body
    return out


def _run(server: ReplayServer, store: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        [*args, "--cache-dir", str(store), "--ecfr-api", server.ecfr_api, "--rate", "500,500"],
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def test_fetch_history_stores_every_substantive_version(no_proxy: None, tmp_path: Path) -> None:
    versions = _versions(6)
    days = sorted(d for _, d in versions)
    data = ReplayData(snapshots=versions, latest_issue="2021-01-01", editorial={(4, days[2])})
    store = tmp_path / "store"
    with ReplayServer(data) as server:
        server.add_fault("/full/" + days[4], "status", status=404, times=-1)
        code, _, err = _run(server, store, "fetch", "history", "--since", "2017-01-03")
        assert code == 1 and days[4] in err  # interrupted by a failure at the fifth
        assert "version 3/5" in err  # progress, one line a version off a terminal
        server.faults.clear()
        server.clear_log()
        code, out, err = _run(server, store, "fetch", "history", "--format", "json")
        assert code == 0, err
        summary = json.loads(out)
        statuses = {d["id"]: d["status"] for d in summary["documents"]}
        wanted = [d for d in days if d != days[2]]  # the editorial version is left out
        assert sorted(statuses) == [f"4/{d}" for d in wanted]
        assert [statuses[f"4/{d}"] for d in wanted] == ["stored"] * 3 + ["new"] * 2
        assert len(server.requests("/full/")) == 2  # resumed: only what was missing
        server.clear_log()
        code, _, _ = _run(server, store, "fetch", "history")
        assert code == 0 and server.requests("/full/") == []
    # history and screen --as-of read what it stored, offline
    offline = ["--offline", "--cache-dir", str(store)]
    result = CliRunner().invoke(
        main, ["history", "Zorvex Photonics Number3", *offline, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    h = json.loads(result.output)
    assert len(h["searched"]["snapshots"]) == 5
    top = h["matches"][0]
    assert top["name"] == "Zorvex Photonics Number3 Co., Ltd." and top["exact"]
    assert [e["kind"] for e in top["events"]] == ["listed", "delisted"]
    parties = tmp_path / "p.csv"
    parties.write_text("name\nZorvex Photonics Number1 Co Ltd\n")
    result = CliRunner().invoke(main, ["screen", str(parties), *offline, "--as-of", days[1]])
    assert result.exit_code == 0, result.output
    screened = json.loads(result.output)
    assert screened["list"]["copy_date"] == days[1]
    assert [m["entry"]["name"] for m in screened["matches"]][:1] == [
        "Zorvex Photonics Number1 Co., Ltd."
    ]
