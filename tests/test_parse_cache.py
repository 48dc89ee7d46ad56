"""The parse cache: hits and misses, invalidation, damaged files, and the commands."""

from __future__ import annotations

import itertools
import json
import marshal
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from msgspec import msgpack

import frdiff.parse.snapshot as snapshot_module
from conftest import SNAPSHOTS
from frdiff import cache
from frdiff.cli import main
from frdiff.parse.snapshot import parse_snapshot

OLD, NEW = SNAPSHOTS[2], SNAPSHOTS[3]

#: A small document with findings of every place (rows, fields, the document date).
SMALL = (
    '<DIV9 N="Supplement No. 4 to Part 744" TYPE="APPENDIX">'
    "<HEAD>Supplement No. 4 to Part 744—Entity List</HEAD><TABLE>"
    "<TR><TH>Country</TH><TH>Entity</TH><TH>License requirement</TH>"
    "<TH>License review policy</TH><TH>Federal Register citation</TH></TR>"
    "<TR><TD>CANADA</TD><TD>Maple Co., a.k.a., the following two aliases:<br/>—Mapl.</TD>"
    "<TD>For all items.</TD><TD>Presumption of denial.</TD><TD>84 FR 1, 2/30/2019.</TD></TR>"
    "<TR><TD></TD><TD>*</TD><TD>*</TD><TD>*</TD><TD>*</TD></TR>"
    "<TR><TD></TD><TD>Maple Co.</TD><TD>x</TD><TD>y</TD><TD>See the rule.</TD></TR>"
    "</TABLE><CITA>[Current as of February 30, 2025]</CITA></DIV9>"
).encode()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(directory))
    monkeypatch.delenv("FRDIFF_NO_CACHE", raising=False)
    return directory / "parsed"


class ParseCounter:
    """Counts the real parses behind the cache."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = snapshot_module.parse_snapshot

        def counted(*args: object, **kwargs: object) -> object:
            self.calls += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(snapshot_module, "parse_snapshot", counted)


def test_miss_then_hit_gives_the_uncached_result(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parses = ParseCounter(monkeypatch)
    data = OLD.read_bytes()
    want = parse_snapshot(data, source=OLD.name).to_dict()
    first = cache.parse_cached(data, source=OLD.name)
    assert parses.calls == 1 and len(list(cache_dir.glob("*.snap"))) == 1
    second = cache.parse_cached(data, source=OLD.name)
    assert parses.calls == 1, "the second read came from the cache"
    assert first.to_dict() == want == second.to_dict()
    assert second.entries == first.entries


def test_names_are_the_callers_and_every_finding_survives(cache_dir: Path) -> None:
    want = parse_snapshot(SMALL, source="other.xml")
    assert {f.code for f in want.findings} >= {
        "unreadable-date",
        "alias-count",
        "citation-unparsed",
        "placeholder-row",
    }
    cache.parse_cached(SMALL, source="first.xml")
    hit = cache.get(SMALL, source="other.xml")
    assert hit is not None and hit.to_dict() == want.to_dict()
    assert hit.source == "other.xml" and all(f.where.startswith("other.xml") for f in hit.findings)
    # No source: the parser's own name for the document.
    assert cache.parse_cached(SMALL).to_dict() == parse_snapshot(SMALL).to_dict()


def test_options_and_the_parser_fingerprint_are_part_of_the_key(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.parse_cached(SMALL, source="s.xml")
    assert cache.get(SMALL, source="s.xml") is not None
    assert cache.get(SMALL, source="s.xml", date="2025-03-01") is None
    assert cache.get(SMALL + b" ", source="s.xml") is None
    monkeypatch.setattr(cache, "_fingerprint", cache.parser_fingerprint() + "-changed")
    assert cache.get(SMALL, source="s.xml") is None
    parses = ParseCounter(monkeypatch)
    cache.parse_cached(SMALL, source="s.xml")
    assert parses.calls == 1 and len(list(cache_dir.glob("*.snap"))) == 2


def _only_file(cache_dir: Path) -> Path:
    (path,) = cache_dir.glob("*.snap")
    return path


def _sealed(body: bytes) -> bytes:
    """A cache file around ``body`` with a valid checksum."""
    return cache._MAGIC + cache._checksum(body) + body


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),
        lambda raw: b"not a cache file at all",
        lambda raw: os.urandom(len(raw)),
        lambda raw: _sealed(b"\x00\x01garbage"),
        lambda raw: _sealed(msgpack.encode(("not", "a", "snapshot"))),
        lambda raw: _sealed(marshal.dumps(compile("open('/tmp/pwned', 'w')", "x", "exec"))),
        lambda raw: _sealed(msgpack.encode(_stored(raw)) + b"trailing"),
    ],
    ids=[
        "empty",
        "truncated",
        "bit-flip",
        "text",
        "random",
        "sealed-garbage",
        "wrong-shape",
        "code",
        "trailing-bytes",
    ],
)
def test_a_damaged_file_is_ignored_and_rebuilt(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch, damage: object
) -> None:
    want = cache.parse_cached(SMALL, source="s.xml").to_dict()
    path = _only_file(cache_dir)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert cache.get(SMALL, source="s.xml") is None
    parses = ParseCounter(monkeypatch)
    assert cache.parse_cached(SMALL, source="s.xml").to_dict() == want
    assert parses.calls == 1
    assert cache.get(SMALL, source="s.xml") is not None, "the file was rewritten"


def _stored(raw: bytes) -> list:
    """A cache file's body as plain MessagePack values."""
    return msgpack.decode(raw[len(cache._MAGIC) + cache._DIGEST :])


#: Where a cache file's entries are in its MessagePack array: after the header.
_ENTRIES = len(cache._Header.__struct_fields__)


def _tampered(value: list, entry_field: str, new: object) -> list:
    entries = [dict(e) for e in value[_ENTRIES]]
    entries[0][entry_field] = new
    return [*value[:_ENTRIES], entries, *value[_ENTRIES + 1 :]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", 42),
        ("aliases", ["a", 1]),
        ("citations", [{"raw": "raw", "volume": "1"}]),
        ("footnotes", ["1"]),
        ("source", None),
        ("country", None),
    ],
    ids=["name-int", "alias-int", "volume-str", "footnote-str", "source-none", "country-none"],
)
def test_a_sealed_file_with_a_wrong_field_type_is_ignored(
    cache_dir: Path, field: str, value: object
) -> None:
    cache.parse_cached(SMALL, source="s.xml")
    path = _only_file(cache_dir)
    stored = _stored(path.read_bytes())
    path.write_bytes(_sealed(msgpack.encode(_tampered(stored, field, value))))
    assert cache.get(SMALL, source="s.xml") is None
    path.write_bytes(_sealed(msgpack.encode(stored)))
    assert cache.get(SMALL, source="s.xml") is not None


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    snap = cache.parse_cached(SMALL, source="s.xml", directory=blocker / "parsed")
    assert snap.to_dict() == parse_snapshot(SMALL, source="s.xml").to_dict()
    assert not cache.put(SMALL, snap, directory=blocker / "parsed")


def test_old_files_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_FILES", 3)
    directory = tmp_path / "parsed"
    for i in range(5):
        cache.parse_cached(SMALL + b" " * i, source="s.xml", directory=directory)
    assert len(list(directory.glob("*.snap"))) == 3
    assert not list(directory.glob(".*.tmp")), "no temporary file is left behind"


def test_default_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(tmp_path))
    assert cache.default_dir() == tmp_path / "parsed"
    monkeypatch.delenv("FRDIFF_CACHE_DIR")
    import platformdirs

    want = Path(platformdirs.user_cache_dir("frdiff", appauthor=False)) / "parsed"
    assert cache.default_dir() == want
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    want = Path(platformdirs.user_cache_dir("frdiff", appauthor=False)) / "parsed"
    assert cache.default_dir() == want


# ---------------------------------------------------------------------------
# Commands


def _run(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout


def test_commands_use_the_cache_and_give_the_same_output(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, uncached = _run("diff", str(OLD), str(NEW), "--format", "json", "--no-cache")
    assert code == 0 and not cache_dir.exists(), "--no-cache writes nothing"
    parses = ParseCounter(monkeypatch)
    assert _run("diff", str(OLD), str(NEW), "--format", "json") == (0, uncached)
    assert parses.calls == 2 and len(list(cache_dir.glob("*.snap"))) == 2
    assert _run("diff", str(OLD), str(NEW), "--format", "json") == (0, uncached)
    assert parses.calls == 2, "both versions came from the cache"
    code, snap_json = _run("snapshot", str(OLD), "--format", "json")
    assert code == 0 and parses.calls == 2
    assert json.loads(snap_json)["rows"] == len(json.loads(snap_json)["entries"])
    code, _ = _run("apply", str(OLD), str(SNAPSHOTS[0].parent.parent / "fr" / "2025-05427.xml"))
    assert code == 0 and parses.calls == 2
    code, _ = _run("snapshot", str(OLD), "--format", "json", "--no-cache")
    assert code == 0 and parses.calls == 3


def test_no_cache_from_the_environment_and_never_for_stdin(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRDIFF_NO_CACHE", "1")
    assert _run("snapshot", str(SNAPSHOTS[0]), "--format", "json")[0] == 0
    assert not cache_dir.exists()
    monkeypatch.setenv("FRDIFF_NO_CACHE", "0")
    code, output = _run("snapshot", "-", "--format", "json", stdin=SMALL)
    assert code == 0 and json.loads(output)["rows"] == 3
    assert not cache_dir.exists(), "standard input is never cached"
    assert _run("snapshot", str(SNAPSHOTS[0]), "--format", "json")[0] == 0
    assert len(list(cache_dir.glob("*.snap"))) == 1


# ---------------------------------------------------------------------------
# Known files: an unchanged input is not read again


class Reads:
    """Counts the documents the commands read from disk."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from frdiff import files

        self.calls = 0
        real = files.read_document

        def counted(path: Path) -> bytes:
            self.calls += 1
            return real(path)

        monkeypatch.setattr(files, "read_document", counted)


def _settled_copy(source: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``source`` that counts as settled (its change time is brand new)."""
    target.write_bytes(source.read_bytes())
    monkeypatch.setattr(cache, "SETTLED", -1.0)
    return target


def test_an_unchanged_file_is_not_read_again(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frdiff.cache import load_snapshot

    path = _settled_copy(OLD, tmp_path / "old.xml", monkeypatch)
    first = load_snapshot(path).to_dict()
    reads = Reads(monkeypatch)
    assert load_snapshot(path).to_dict() == first
    assert reads.calls == 0
    renamed = path.with_name("renamed.xml")
    path.rename(renamed)
    again = load_snapshot(renamed)
    assert reads.calls == 1, "another path is another file"
    assert again.entries == load_snapshot(path.parent / "renamed.xml").entries
    assert reads.calls == 1
    assert load_snapshot(renamed, date="2025-01-01").date == "2025-01-01"
    assert reads.calls == 2, "other parse options are another slot"


def test_a_changed_file_is_read_again_even_with_its_old_size_and_times(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frdiff.cache import load_snapshot

    path = _settled_copy(OLD, tmp_path / "old.xml", monkeypatch)
    before = load_snapshot(path)
    st = path.stat()
    data = path.read_bytes()
    name = before.entries[0].name.encode()
    changed = data.replace(name, name.swapcase(), 1)
    assert len(changed) == len(data) and changed != data
    with path.open("r+b") as f:  # in place: same inode, same size
        f.write(changed)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the old modification time
    reads = Reads(monkeypatch)
    after = load_snapshot(path)
    assert reads.calls == 1
    assert after.entries[0].name == before.entries[0].name.swapcase()


def test_a_file_changed_just_now_is_hashed_every_time(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frdiff.cache import load_snapshot

    path = tmp_path / "old.xml"
    path.write_bytes(OLD.read_bytes())
    # "Just now" however slow the machine: a change within the last hour.
    monkeypatch.setattr(cache, "SETTLED", 3600.0)
    load_snapshot(path)
    reads, parses = Reads(monkeypatch), ParseCounter(monkeypatch)
    load_snapshot(path)
    assert (reads.calls, parses.calls) == (1, 0), "read and hashed, then found in the cache"
    assert not cache.remember_file(str(path), path.stat(), "k")


def test_a_damaged_index_is_ignored(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frdiff.cache import load_snapshot

    path = _settled_copy(OLD, tmp_path / "old.xml", monkeypatch)
    want = load_snapshot(path).to_dict()
    index = cache_dir / "files.idx"
    for damage in (b"", b"junk", index.read_bytes()[:-3], cache._INDEX_MAGIC + b"\xc1"):
        index.write_bytes(damage)
        reads = Reads(monkeypatch)
        assert load_snapshot(path).to_dict() == want
        assert reads.calls == 1


# ---------------------------------------------------------------------------
# Diffing known files by entry digest


PAIRS = [*itertools.pairwise(SNAPSHOTS), (SNAPSHOTS[4], SNAPSHOTS[2])]


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a.stem}-{b.stem}" for a, b in PAIRS])
def test_a_diff_of_known_files_by_digest_is_the_full_diff(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: Path, new: Path
) -> None:
    import frdiff.diff

    a = _settled_copy(old, tmp_path / old.name, monkeypatch)
    b = _settled_copy(new, tmp_path / new.name, monkeypatch)
    code, want = _run("diff", str(a), str(b), "--format", "json", "--no-cache")
    assert code == 0
    assert _run("diff", str(a), str(b), "--format", "json") == (0, want), "fills the cache"

    def full_diff(*args: object, **kwargs: object) -> None:
        raise AssertionError("the files are known: the diff goes by digest")

    monkeypatch.setattr(frdiff.diff, "diff_snapshots", full_diff)
    assert _run("diff", str(a), str(b), "--format", "json") == (0, want)


def test_a_damaged_entry_sends_the_diff_back_to_the_full_path(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _settled_copy(SNAPSHOTS[2], tmp_path / "old.xml", monkeypatch)
    b = _settled_copy(SNAPSHOTS[3], tmp_path / "new.xml", monkeypatch)
    import frdiff.diff

    want = _run("diff", str(a), str(b), "--format", "json", "--no-cache")[1]
    assert _run("diff", str(a), str(b), "--format", "json") == (0, want)
    added = json.loads(want)["added"][0]["name"]
    for path in cache_dir.glob("*.snap"):
        stored = _stored(path.read_bytes())
        for entry in stored[_ENTRIES]:
            if entry["name"] == added:
                entry["name"] = 42  # an entry the diff must decode
                path.write_bytes(_sealed(msgpack.encode(stored)))
    full = frdiff.diff.diff_snapshots
    calls = []
    monkeypatch.setattr(frdiff.diff, "diff_snapshots", lambda *a: calls.append(1) or full(*a))
    assert _run("diff", str(a), str(b), "--format", "json") == (0, want)
    assert calls == [1], "the damaged entry sent the diff back to the full path"


def test_a_key_in_the_index_never_names_a_file_outside_the_cache(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _settled_copy(OLD, tmp_path / "old.xml", monkeypatch)
    key = cache.cache_key(path.read_bytes())
    assert cache.remember_file(str(path), path.stat(), key)
    assert cache.file_key(str(path)) == key
    for bad in ("../../etc/passwd", "/abs", key.upper(), key[:-1], key + "0"):
        assert cache.remember_file(str(path), path.stat(), bad)
        assert cache.file_key(str(path)) is None, bad


# ---------------------------------------------------------------------------
# The parser's fingerprint: derived from its source, so it cannot be forgotten


def _package_copy(tmp_path: Path) -> Path:
    import shutil

    import frdiff

    package = tmp_path / "frdiff"
    shutil.copytree(Path(frdiff.__file__).parent, package, ignore=shutil.ignore_patterns("*.pyc"))
    return package


def test_changing_a_parser_source_changes_the_fingerprint(tmp_path: Path) -> None:
    package = _package_copy(tmp_path)
    first = cache.source_fingerprint(str(package))
    assert cache.parser_fingerprint().startswith(first + "-py")  # the same sources
    for changed in ("parse/cells.py", "normalize.py", "model.py", "ids.py"):
        path = package / changed
        original = path.read_bytes()
        path.write_bytes(original.replace(b"\n", b"\n# edited\n", 1))
        assert cache.source_fingerprint(str(package)) != first, changed
        path.write_bytes(original)
    (package / "parse" / "added.py").write_text("X = 1\n", encoding="utf-8")  # a new module
    assert cache.source_fingerprint(str(package)) != first
    (package / "parse" / "added.py").unlink()
    (package / "report.py").write_text("# not the parser\n", encoding="utf-8")
    assert cache.source_fingerprint(str(package)) == first


def test_a_changed_parser_never_reuses_a_cached_parse(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.parse_cached(SMALL, source="s.xml")
    assert cache.get(SMALL, source="s.xml") is not None
    monkeypatch.setattr(cache, "_fingerprint", None)
    monkeypatch.setattr(cache, "source_fingerprint", lambda package: "another parser")
    assert cache.get(SMALL, source="s.xml") is None


def test_the_fingerprint_covers_every_module_the_parsers_import() -> None:
    """A module the parsers use but the fingerprint leaves out could change what a
    parse gives unnoticed: every frdiff module they load must be in PARSER_SOURCES."""
    import subprocess
    import sys

    probe = (
        "import sys, frdiff.parse.snapshot, frdiff.parse.rule; "
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
        "if n.startswith('frdiff.') and getattr(m, '__file__', None)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import frdiff

    root = Path(frdiff.__file__).parent
    loaded = {Path(f).relative_to(root).as_posix() for f in done.stdout.split()}
    covered = {
        rel
        for rel in loaded
        if rel in cache.PARSER_SOURCES or rel.split("/")[0] in cache.PARSER_SOURCES
    }
    assert loaded - covered <= {"__init__.py"}, sorted(loaded - covered)
