"""frdiff screen: the matcher on a labelled set, the command, its formats and its errors."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from frdiff.cache import load_snapshot
from frdiff.cli import main
from frdiff.model import Entry
from frdiff.parties import Party
from frdiff.screening import DEFAULT_THRESHOLD, Screener
from screening_labelled import KINDS, labelled_set

LATEST = FIXTURES / "ecfr" / "supp4-2026-07-31.xml"


@pytest.fixture(scope="module")
def entries() -> tuple[Entry, ...]:
    return load_snapshot(LATEST).entries


@pytest.fixture(scope="module")
def exported(entries: tuple[Entry, ...], tmp_path_factory: pytest.TempPathFactory) -> str:
    """Part of the list as `frdiff snapshot` JSON (the Huawei entries and 200 others):
    the commands' tests need no XML parse and no index of the whole list."""
    from frdiff.model import Snapshot

    path = tmp_path_factory.mktemp("list") / "supp4-2026-07-31.json"
    part = tuple(e for i, e in enumerate(entries) if i < 200 or "Huawei" in e.name)
    snap = Snapshot(entries=part, date="2026-07-31", source=LATEST.name)
    path.write_text(json.dumps(snap.to_dict()), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def screener(entries: tuple[Entry, ...]) -> Screener:
    return Screener(entries)


def test_default_threshold_on_the_labelled_set(
    entries: tuple[Entry, ...], screener: Screener
) -> None:
    samples = labelled_set(entries, per_kind=150)
    found: dict[str, list[bool]] = defaultdict(list)
    for i, s in enumerate(samples):
        matches = screener.screen_one(Party(str(i), s.name, i + 2, s.country))
        if s.entry is None:
            found[s.kind].append(bool(matches))
        else:
            found[s.kind].append(any(m.entry is entries[s.entry] for m in matches))
    listed = [hit for kind in KINDS for hit in found[kind]]
    recall = sum(listed) / len(listed)
    fpr = sum(found["unlisted"]) / len(found["unlisted"])
    print(f"\nthreshold {DEFAULT_THRESHOLD:g}: recall by kind")
    for kind in KINDS:
        print(f"  {kind:18} {sum(found[kind]) / len(found[kind]):7.1%}  of {len(found[kind])}")
    print(f"  {'all listed':18} {recall:7.1%}  of {len(listed)}")
    print(f"false-positive rate {fpr:.1%} of {len(found['unlisted'])} unlisted")
    assert recall >= 0.98
    assert fpr <= 0.02
    assert all(sum(found[k]) / len(found[k]) >= 0.95 for k in KINDS)


def _party(name: str, country: str = "", address: str = "") -> Party:
    return Party("p", name, 2, country, address)


def test_exact_first_and_legal_forms(screener: Screener) -> None:
    top = screener.screen_one(_party("HUAWEI TECHNOLOGIES COMPANY LIMITED"))[0]
    assert top.exact and top.score == 100 and top.entry.name == "Huawei Technologies Co., Ltd."
    assert screener.screen_one(_party("OOO Totally Unlisted Widgets")) == []


def test_country_is_evidence_not_a_filter(screener: Screener) -> None:
    same = screener.screen_one(_party("Huawai Technologies", "CN"))[0]
    other = screener.screen_one(_party("Huawai Technologies", "DE"))[0]
    assert same.entry is other.entry
    assert same.parts["country"] > 0 > other.parts["country"]
    assert same.score > other.score


def test_address_only_entry_matches_on_the_address() -> None:
    place = "Room 1204, 12/F, Golden Plaza, 88 Nathan Road, Kowloon, Hong Kong"
    listed = (
        Entry(country="HONG KONG", name=place),
        Entry(country="HONG KONG", name="Some Trading Limited", addresses=(place,)),
    )
    found = Screener(listed).screen_one(
        _party("Unrelated Name Co", address="12/F Golden Plaza, Room 1204, 88 Nathan Road, Kowloon")
    )
    assert {m.entry.name for m in found} == {place, "Some Trading Limited"}
    assert all(m.matched == "address" for m in found)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _csv(tmp_path: Path, text: str, name: str = "parties.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_screen_json(tmp_path: Path, exported: str) -> None:
    parties = _csv(
        tmp_path, "id,name,country\nC1,Huawei Technologies Co Ltd,China\nC2,Acme Widgets,DE\n"
    )
    code, out = _run("screen", parties, "--snapshot", exported, "--exit-code")
    assert code == 3
    data = json.loads(out)
    assert list(data) == ["format_version", "list", "parties", "matches", "summary"]
    assert data["parties"] == 2 and data["list"]["date"] == "2026-07-31"
    first = data["matches"][0]
    assert first["party"] == {"id": "C1", "name": "Huawei Technologies Co Ltd", "row": 2}
    assert first["entry"]["name"] == "Huawei Technologies Co., Ltd." and first["exact"]
    assert set(first["entry"]) >= {"country", "name", "aliases", "addresses", "citations"}
    assert first["matched"] == "name" and "text" in first["explanation"]
    assert data["summary"]["parties_matched"] == 1


def test_screen_from_fixtures_as_of(tmp_path: Path) -> None:
    parties = _csv(tmp_path, "name\nNobody Such Limited\n")
    code, out = _run("screen", parties, "--fixtures", str(FIXTURES), "--as-of", "2025-03-30")
    assert code == 0
    listed = json.loads(out)["list"]
    assert listed["copy_date"] == "2025-03-24" and listed["rules"] == ["2025-05427"]


@pytest.mark.parametrize("fmt", ["csv", "md", "html"])
def test_screen_text_formats(tmp_path: Path, fmt: str, exported: str) -> None:
    parties = _csv(tmp_path, 'name\n"=Huawei Technologies Co., Ltd."\n')
    code, out = _run("screen", parties, "--snapshot", exported, "--format", fmt)
    assert code == 0 and "Huawei Technologies" in out
    if fmt == "csv":
        assert "'=Huawei" in out  # a formula-looking cell is made text
    if fmt == "html":
        assert "<script" not in out and "Content-Security-Policy" in out


def test_screen_xlsx_in_and_out(tmp_path: Path, exported: str) -> None:
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Customer", "ID"])
    sheet.append(["Huawei Technologies Co., Ltd.", 7])
    book.save(tmp_path / "p.xlsx")
    out = tmp_path / "out.xlsx"
    code, _ = _run(
        "screen", str(tmp_path / "p.xlsx"), "--name-column", "customer",
        "--snapshot", exported, "--format", "xlsx", "-o", str(out),
    )  # fmt: skip
    assert code == 0
    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "party_id" and rows[1][0] == "7"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no header row"),
        (b"company,country\nX,CN\n", "row 1: no 'name' column in the header (columns: 'company'"),
        (b"name,id\nGood,1\n\xff\xfebad,2\n", "row 3: not UTF-8"),
        (b"name\n,\n", None),
        (b"id,name\n1,\n", "row 2, column 'name': the name is empty"),
        (b"%PDF-1.4\x00\x00", "binary content"),
    ],
)
def test_bad_party_files(
    tmp_path: Path, content: bytes, message: str | None, exported: str
) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    code, out = _run("screen", str(path), "--snapshot", exported)
    if message is None:  # a blank row is skipped
        assert code == 0
        return
    assert code == 1, out
    assert str(path) in out and message in out and "Traceback" not in out


def test_wrong_kind_of_file(tmp_path: Path, exported: str) -> None:
    path = tmp_path / "p.xlsx"
    path.write_text("name\nX\n")
    code, out = _run("screen", str(path), "--snapshot", exported)
    assert code == 1 and "not an .xlsx workbook" in out
