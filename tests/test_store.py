"""The local store: validated paths, atomic writes, the index, coverage, consistency checks."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest

from frdiff.errors import InputError, StoreError
from frdiff.ids import document_number, iso_date, relative_path
from frdiff.store import Store, default_cache_dir, sha256_hex


@pytest.mark.parametrize(
    "number", ["2025-05427", "E9-12940", "e9-12940", "C1-2023-01234", "R1-2019-12345"]
)
def test_document_numbers_accepted(number: str) -> None:
    assert document_number(number) == number.upper()


@pytest.mark.parametrize(
    "number",
    [
        "",
        "../etc/passwd",
        "2025-05427/../../x",
        "2025_05427",
        "2025-05427.xml",
        "a b",
        "2025-",
        "-1",
    ],
)
def test_document_numbers_rejected(number: str) -> None:
    with pytest.raises(InputError):
        document_number(number)


@pytest.mark.parametrize(
    "text", ["2025-02-30", "2025-2-3", "20250203", "2025-02-03T00:00", "../2025-01-01"]
)
def test_dates_rejected(text: str) -> None:
    with pytest.raises(InputError):
        iso_date(text)


def test_paths_are_deterministic_and_inside_the_store() -> None:
    assert relative_path("rule", "2025-05427") == "fr/2025-05427.xml"
    assert relative_path("rule-metadata", "E9-12940") == "fr/E9-12940.meta.json"
    assert relative_path("snapshot", "4/2025-03-24") == "ecfr/supp4-2025-03-24.xml"
    api = relative_path("api", "https://x.example/api/v1/documents.json?a=../../b")
    assert api.startswith("api/") and ".." not in api
    for kind, ident in [
        ("snapshot", "4/../../x"),
        ("snapshot", "100/2025-01-01"),
        ("api", "file:///etc"),
        ("x", "1"),
    ]:
        with pytest.raises(InputError):
            relative_path(kind, ident)


def test_default_cache_dir_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("FRDIFF_CACHE_DIR")
    assert default_cache_dir().name == "frdiff"


def test_put_get_and_the_index(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        _, status = store.put(
            "rule",
            "2025-05427",
            url="http://x/2025-05427.xml",
            body=b"<RULE/>",
            etag='"e1"',
            last_modified="lm",
        )
        assert status == "new"
        assert (tmp_path / "fr" / "2025-05427.xml").read_bytes() == b"<RULE/>"
        got = store.get("rule", "2025-05427")
        assert got is not None and got[1] == b"<RULE/>"
        assert (
            got[0].sha256 == sha256_hex(b"<RULE/>") and got[0].etag == '"e1"' and got[0].fetched_at
        )
        assert got[0].validators().headers() == {"If-None-Match": '"e1"', "If-Modified-Since": "lm"}
        _, status = store.put(
            "rule", "2025-05427", url="http://x/2025-05427.xml", body=b"<RULE/>", etag='"e1"'
        )
        assert status == "unchanged"
        _, status = store.put(
            "rule", "2025-05427", url="http://x/2025-05427.xml", body=b"<RULE>2</RULE>"
        )
        assert status == "updated"
        assert store.read(store.lookup("rule", "2025-05427")) == b"<RULE>2</RULE>"  # type: ignore[arg-type]
        assert store.check() == []


def test_unchanged_put_writes_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.put("rule", "2025-05427", url="u", body=b"<RULE/>", etag='"e"')
        path = tmp_path / "fr" / "2025-05427.xml"
        before = path.stat().st_mtime_ns, path.stat().st_ino
        total = store._db.total_changes
        store.put("rule", "2025-05427", url="u", body=b"<RULE/>", etag='"e"')
        assert (path.stat().st_mtime_ns, path.stat().st_ino) == before
        assert store._db.total_changes == total


def test_tampered_or_missing_files_are_detected(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.put("rule", "2025-05427", url="u", body=b"<RULE/>")
        store.put("snapshot", "4/2025-03-24", url="u2", body=b"<DIV9/>")
        (tmp_path / "fr" / "2025-05427.xml").write_bytes(b"<RULE>evil</RULE>")
        (tmp_path / "ecfr" / "supp4-2025-03-24.xml").unlink()
        (tmp_path / "fr" / "stray.xml").write_bytes(b"x")
        problems = store.check()
        assert any("2025-05427.xml: does not match" in p for p in problems)
        assert any("supp4-2025-03-24.xml: indexed but missing" in p for p in problems)
        assert any("fr/stray.xml: not in the index" in p for p in problems)
        with pytest.raises(StoreError, match="sha256"):
            store.read(store.lookup("rule", "2025-05427"))  # type: ignore[arg-type]


def test_leftover_temporary_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    dead = tmp_path / "tmp" / "999999999-abc.part"
    dead.write_bytes(b"half a document")
    with Store.open(tmp_path) as store:
        assert not dead.exists()
        assert store.check() == []


def test_search_coverage(tmp_path: Path) -> None:
    rule = {"document_number": "2025-05427", "publication_date": "2025-03-28", "title": "t"}
    with Store.open(tmp_path) as store:
        assert not store.covered(date(2025, 3, 1), date(2025, 3, 31))
        store.record_search(date(2025, 3, 1), date(2025, 3, 15), [])
        store.record_search(date(2025, 3, 16), date(2025, 3, 31), [rule])
        assert store.covered(date(2025, 3, 1), date(2025, 3, 31))
        assert store.covered(date(2025, 3, 10), date(2025, 3, 20))
        assert not store.covered(date(2025, 2, 28), date(2025, 3, 31))
        assert not store.covered(date(2025, 3, 1), date(2025, 4, 1))
        store.record_search(date(2025, 4, 3), date(2025, 4, 30), [])
        assert not store.covered(date(2025, 3, 1), date(2025, 4, 30))  # gap on 04-01..04-02
        assert store.found_rules(date(2025, 3, 1), date(2025, 3, 31)) == [rule]
        assert store.found_rules(date(2025, 4, 1), date(2025, 4, 30)) == []
        with pytest.raises(InputError):
            store.record_search(
                date(2025, 5, 1),
                date(2025, 5, 2),
                [{"document_number": "../x", "publication_date": "2025-05-01"}],
            )


def test_index_is_wal_and_versioned(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / "index.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store.open(tmp_path)


def test_concurrent_writers_leave_file_and_index_agreeing(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with Store.open(tmp_path) as store:
                for i in range(15):
                    store.put(
                        "rule",
                        "2025-05427",
                        url="u",
                        body=f"<RULE n='{n}' i='{i}'/>".encode() * 200,
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store.open(tmp_path) as store:
        assert store.check() == []
        record = store.lookup("rule", "2025-05427")
        assert record is not None and store.read(record)


def test_path_escape_is_refused_even_with_a_symlinked_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "store"
    root.mkdir()
    (root / "fr").symlink_to(outside)
    with Store.open(root) as store, pytest.raises(StoreError, match="escapes"):
        store.put("rule", "2025-05427", url="u", body=b"<RULE/>")
    assert list(outside.iterdir()) == []
