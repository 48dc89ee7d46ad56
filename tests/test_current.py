"""latest_list: the latest eCFR copy on or before a day, with the rules published since."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES
from frdiff.archive import Archive
from frdiff.current import latest_list, list_from_file
from frdiff.errors import OfflineMissingError
from frdiff.normalize import name_key


@pytest.fixture(scope="module")
def archive() -> Archive:
    return Archive.open(fixtures_dir=FIXTURES)


def test_latest_copy_without_rules(archive: Archive) -> None:
    cur = latest_list(archive, as_of=date(2026, 8, 15))
    assert cur.copy_date == date(2026, 7, 31)
    assert cur.rules == ()
    assert cur.snapshot.date == "2026-07-31"
    d = cur.to_dict()
    assert d["date"] == "2026-08-15" and d["copy_date"] == "2026-07-31" and d["rules"] == []
    assert d["entries"] == len(cur.snapshot.entries) > 0


def test_rules_after_the_copy_are_applied(archive: Archive) -> None:
    # 2025-05427 (published 2025-03-28) follows the copy of 2025-03-24
    cur = latest_list(archive, as_of=date(2025, 3, 30))
    assert cur.copy_date == date(2025, 3, 24)
    assert cur.rules == ("2025-05427",)
    base = latest_list(archive, as_of=date(2025, 3, 24))
    assert base.rules == () and base.copy_date == date(2025, 3, 24)
    added = {
        (c.country, name_key(c.name))
        for cs in cur.changesets
        for c in cs.changes
        if c.action == "add"
    }
    assert added
    now = {(e.country, name_key(e.name)) for e in cur.snapshot.entries}
    before = {(e.country, name_key(e.name)) for e in base.snapshot.entries}
    assert added <= now
    assert not added <= before
    assert cur.to_dict()["source"] == "eCFR copy of 2025-03-24 + 1 rule(s)"


def test_two_rules_of_one_day(archive: Archive) -> None:
    cur = latest_list(archive, as_of=date(2025, 1, 16))
    assert cur.copy_date == date(2025, 1, 13)
    assert set(cur.rules) == {"2025-00480", "2025-00704"}


def test_before_the_first_copy_is_an_error(archive: Archive) -> None:
    with pytest.raises(OfflineMissingError, match="earliest available is 2025-01-13"):
        latest_list(archive, as_of=date(2024, 12, 31))


def test_offline_store_without_a_search_warns(tmp_path: Path) -> None:
    from frdiff.store import Store

    data = (FIXTURES / "ecfr" / "supp4-2025-03-24.xml").read_bytes()
    with Store.open(tmp_path / "store") as store:
        store.put("snapshot", "4/2025-03-24", url="http://127.0.0.1/x", body=data)
    with Archive.open(cache_dir=tmp_path / "store", offline=True) as archive:
        cur = latest_list(archive, as_of=date(2025, 3, 30))
    assert cur.copy_date == date(2025, 3, 24) and cur.rules == ()
    assert [f.code for f in cur.findings] == ["list-rules-unsearched"]


def test_list_from_file() -> None:
    cur = list_from_file(FIXTURES / "ecfr" / "supp4-2025-03-31.xml")
    assert cur.copy_date == date(2025, 3, 31) and cur.rules == ()
    assert cur.to_dict()["source"] == "supp4-2025-03-31.xml"
