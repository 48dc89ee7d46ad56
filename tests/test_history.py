"""Entity history: fuzzy matching and timelines over hand-built and fixture data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from frdiff.cli import main
from frdiff.errors import UsageError
from frdiff.history import history_from, score
from frdiff.model import ADD, REVISE, Change, ChangeSet, Entry, Rule, Snapshot

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CN = "CHINA, PEOPLE'S REPUBLIC OF"


def _e(name: str, country: str = CN, **kw: object) -> Entry:
    return Entry(country=country, name=name, **kw)  # type: ignore[arg-type]


def test_score() -> None:
    assert score("Inspur", "Inspur Group Co., Ltd.") == 100
    assert score("Nettrix Informaton", "Nettrix Information Industry Co., Ltd.") >= 90
    assert score("suma", "Sumatra Trading") < 85
    assert score("", "x") == 0


def _data() -> tuple[list[ChangeSet], list[Snapshot]]:
    acme_v1 = _e("Acme Robotics Co., Ltd.", aliases=("ARC",), license_review_policy="Case-by-case")
    acme_v2 = _e("Acme Robotics Co., Ltd.", aliases=("ARC",), license_review_policy="Denial")
    other = _e("Zenith Optics", country="RUSSIA")
    rules = [
        ChangeSet(
            rule=Rule("2024-00001", publication_date="2024-02-01", citation="89 FR 1"),
            changes=(Change(ADD, CN, acme_v1.name, entry=acme_v1),),
        ),
        ChangeSet(
            rule=Rule("2024-00002", publication_date="2024-06-01"),
            changes=(Change(REVISE, CN, acme_v2.name, entry=acme_v2),),
        ),
    ]
    snaps = [
        Snapshot(entries=(other,), date="2024-01-01"),
        Snapshot(entries=(other, acme_v1), date="2024-03-01"),
        Snapshot(entries=(other, acme_v2), date="2024-07-01"),
        Snapshot(entries=(other,), date="2025-01-01"),
    ]
    return rules, snaps


def test_timeline_of_one_entity() -> None:
    rules, snaps = _data()
    h = history_from("acme robotic", rules, snaps)
    assert [m.name for m in h.matches] == ["Acme Robotics Co., Ltd."]
    events = [(e.date, e.kind, e.document_number) for e in h.matches[0].events]
    assert events == [
        ("2024-02-01", "added", "2024-00001"),
        ("2024-03-01", "listed", None),
        ("2024-06-01", "revised", "2024-00002"),
        ("2024-07-01", "changed", None),
        ("2025-01-01", "delisted", None),
    ]
    changed = h.matches[0].events[3]
    assert [c.field for c in changed.changes] == ["license_review_policy"]
    assert h.snapshots == ("2024-01-01", "2024-03-01", "2024-07-01", "2025-01-01")


def test_match_on_alias_and_country_filter() -> None:
    rules, snaps = _data()
    h = history_from("ARC", rules, snaps)
    assert h.matches and h.matches[0].matched_on == "ARC"
    assert history_from("ARC", rules, snaps, country="RU").matches == ()
    zen = history_from("Zenith Optics", rules, snaps, country="Russia")
    assert [e.kind for e in zen.matches[0].events] == ["present"]
    assert history_from("Nothing Like It", rules, snaps).matches == ()
    with pytest.raises(UsageError):
        history_from("  ", rules, snaps)


def test_cli_history_on_fixtures() -> None:
    runner = CliRunner()
    args = ["history", "Nettrix Informaton", "--offline", "--fixtures", str(FIXTURES)]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Nettrix Information Industry Co., Ltd. (CHINA, PEOPLE'S REPUBLIC OF)" in result.output
    assert "2025-03-28  added     rule 2025-05427" in result.output
    assert "2025-03-31  listed    eCFR 2025-03-31" in result.output
    result = runner.invoke(main, [*args, "--format", "json", "--country", "TW"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["kind"] == "history" and data["matches"] == []
    assert len(data["searched"]["snapshots"]) == len(list((FIXTURES / "ecfr").glob("*.xml")))


def _store_with(tmp_path: Path, day: str, data: bytes) -> Path:
    from frdiff.store import Store

    root = tmp_path / "store"
    with Store.open(root) as store:
        store.put("snapshot", f"4/{day}", url="http://127.0.0.1/ecfr", body=data)
    return root


def test_history_on_the_real_copy(tmp_path: Path, realdocs: Path) -> None:
    from conftest import real_ecfr

    store = _store_with(tmp_path, "2026-07-23", real_ecfr("2026-07-23").read_bytes())
    runner = CliRunner()
    base = ["--offline", "--cache-dir", str(store)]
    result = runner.invoke(
        main, ["history", "Huawei Technologies Co., Ltd.", *base], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    block = result.output.split("\n\n")[1]  # the first match: the exact one
    assert block.startswith("Huawei Technologies Co., Ltd. (CHINA, PEOPLE'S REPUBLIC OF)")
    assert "(exact)" in block
    assert re.search(r"listed since 2019-\d\d-\d\d: 84 FR 2296[13]", block), block
    assert "still listed as of 2026-07-23" in block
    typo = runner.invoke(main, ["history", "Huawai", *base, "--format", "json"])
    assert typo.exit_code == 0
    names = [(m["country"], m["name"]) for m in json.loads(typo.output)["matches"]]
    assert ("CHINA, PEOPLE'S REPUBLIC OF", "Huawei Technologies Co., Ltd.") in names


def test_history_removed_and_as_of() -> None:
    rules, snaps = _data()
    h = history_from("Acme Robotics", rules, snaps)
    st = h.matches[0].status
    assert st is not None and st["listed"] is False and st["gone_from"] == "2025-01-01"
    h = history_from("Acme Robotics", rules, snaps[:3])
    assert h.matches[0].status == {
        "listed": True,
        "as_of": "2024-07-01",
        "removed_by": None,
        "removed_on": None,
        "gone_from": None,
    }
    assert h.matches[0].listed_since is None or h.matches[0].listed_since["date"] == "2024-02-01"


def test_long_query_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["history", "x" * 501, "--fixtures", str(FIXTURES)])
    assert result.exit_code == 2 and "500" in result.output
