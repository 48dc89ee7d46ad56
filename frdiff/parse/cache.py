"""A cache of parsed snapshots, so that a repeated command or a history replay reads
each eCFR document once.

A parsed :class:`~frdiff.model.Snapshot` is stored under the sha256 of the input
bytes together with :data:`PARSER_VERSION` and the parse options, in
``$FRDIFF_CACHE_DIR/parsed/`` (default: the platform's user cache directory for
frdiff, the same root as the document store).  Files are plain tuples written
with :mod:`marshal`, never pickle: loading one cannot run code.  Each file
carries a checksum of its body, checked before anything is unmarshalled, and its
contents are checked field by field; a file that is missing, truncated, corrupt,
of another version or of the wrong shape is ignored (and rewritten), never an
error.  Files are written to a temporary name and renamed into place, so a reader
never sees half of one.

Names the parse put in the result (the document's name in ``Entry.source`` and
``Finding.where``) are stored without the document's name and given the caller's
on the way out, so the same bytes under another file name still hit.

This module imports neither lxml nor the network stack: a command whose inputs
are all cached never loads the XML parser.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from itertools import chain
from pathlib import Path
from typing import Any

from frdiff.model import Citation, Entry, Finding, Snapshot

#: Bump whenever parsing changes what a document gives: old cache files are then
#: never used again (the version is part of every key and of every file).
PARSER_VERSION = 1
#: The layout of a cache file (the tuple shapes below).
_FORMAT = 1
_MAGIC = b"frdiff-parsed-snapshot\n"
_DIGEST = 32  # bytes of blake2b checksum after the magic
#: Cache files kept; the oldest beyond this are removed when one is written.
MAX_FILES = 64


def default_dir() -> Path:
    """``$FRDIFF_CACHE_DIR/parsed``, else ``parsed`` under the user cache directory.

    The same root as :func:`frdiff.store.default_cache_dir` (which this does not
    import: it would bring in the network stack).  On Linux the XDG rule is applied
    here, sparing the import of platformdirs.
    """
    env = os.environ.get("FRDIFF_CACHE_DIR")
    if env:
        return Path(env).expanduser() / "parsed"
    if sys.platform.startswith("linux") and "ANDROID_DATA" not in os.environ:
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return Path(base) / "frdiff" / "parsed"
    import platformdirs

    return Path(platformdirs.user_cache_dir("frdiff", appauthor=False)) / "parsed"


def enabled() -> bool:
    """False when ``FRDIFF_NO_CACHE`` is set to anything but "", "0" or "false"."""
    return os.environ.get("FRDIFF_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def cache_key(data: bytes, *, date: str | None = None, supplement: int = 4) -> str:
    """The cache key of a document and the parse options (hex)."""
    h = hashlib.sha256()
    h.update(f"frdiff-parse {PARSER_VERSION} {_FORMAT} supp{supplement} {date or ''}\n".encode())
    h.update(data)
    return h.hexdigest()


def get(
    data: bytes,
    *,
    source: str = "",
    date: str | None = None,
    supplement: int = 4,
    directory: Path | None = None,
) -> Snapshot | None:
    """The cached parse of ``data`` with these options, or None."""
    directory = directory if directory is not None else default_dir()
    key = cache_key(data, date=date, supplement=supplement)
    return load(directory / f"{key}.snap", key, source=source, where=source or "snapshot")


def put(
    data: bytes,
    snap: Snapshot,
    *,
    date: str | None = None,
    supplement: int = 4,
    directory: Path | None = None,
) -> bool:
    """Cache ``snap``, the parse of ``data`` with these options; False if not written.

    ``snap.source`` must be the ``source`` it was parsed with.
    """
    directory = directory if directory is not None else default_dir()
    key = cache_key(data, date=date, supplement=supplement)
    return store(directory / f"{key}.snap", key, snap, where=snap.source or "snapshot")


def parse_cached(
    data: bytes,
    *,
    source: str = "",
    date: str | None = None,
    supplement: int = 4,
    directory: Path | None = None,
    memo: Any = None,
) -> Snapshot:
    """:func:`frdiff.parse.snapshot.parse_snapshot` through the cache.

    Same arguments and result (``memo`` goes to the parser on a miss).  A cache
    that cannot be read or written (read-only directory, full disk) only costs the
    parse.
    """
    found = get(data, source=source, date=date, supplement=supplement, directory=directory)
    if found is not None:
        return found
    from frdiff.parse.snapshot import parse_snapshot

    snap = parse_snapshot(data, source=source, date=date, supplement=supplement, memo=memo)
    put(data, snap, date=date, supplement=supplement, directory=directory)
    return snap


# ---------------------------------------------------------------------------
# Files


def store(path: Path, key: str, snap: Snapshot, *, where: str) -> bool:
    """Write ``snap`` to ``path`` atomically; False when it cannot be (never raises)."""
    body = _encode(snap, key, where)
    if body is None:
        return False
    digest = hashlib.blake2b(body, digest_size=_DIGEST).digest()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(_MAGIC + digest + body)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    _prune(path.parent)
    return True


def load(path: Path, key: str, *, source: str, where: str) -> Snapshot | None:
    """The snapshot cached at ``path`` for ``key``, or None (missing or not usable)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST
    if len(raw) <= head or not raw.startswith(_MAGIC):
        return None
    body = raw[head:]
    if hashlib.blake2b(body, digest_size=_DIGEST).digest() != raw[len(_MAGIC) : head]:
        return None
    try:
        value = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    try:
        return _decode(value, key, source, where)
    except (ValueError, TypeError, IndexError):
        return None


def _prune(directory: Path) -> None:
    """Remove the oldest cache files beyond :data:`MAX_FILES` (best effort)."""
    try:
        files = [e for e in os.scandir(directory) if e.name.endswith(".snap")]
        if len(files) <= MAX_FILES:
            return
        files.sort(key=lambda e: e.stat().st_mtime)
        for e in files[: len(files) - MAX_FILES]:
            os.unlink(e.path)
    except OSError:
        pass


# ---------------------------------------------------------------------------
# Plain tuples


def _suffix(text: str, where: str) -> str | None:
    """``text`` without the leading document name, or None when it does not start so."""
    if text == where:
        return ""
    if text.startswith(where + ", "):
        return text[len(where) :]
    return None


def _encode(snap: Snapshot, key: str, where: str) -> bytes | None:
    entries = []
    # The parse shares citation tuples between entries; so does the file (marshal
    # writes a repeated object once), and loading builds each Citation once.
    shared: dict[int, tuple[tuple[Any, ...], ...]] = {}
    for e in snap.entries:
        src = _suffix(e.source, where)
        if src is None:
            return None
        cites = shared.get(id(e.citations))
        if cites is None:
            cites = shared[id(e.citations)] = tuple(
                (c.raw, c.volume, c.page, c.date, c.placeholder) for c in e.citations
            )
        entries.append(
            (
                e.country,
                e.name,
                e.aliases,
                e.addresses,
                e.license_requirement,
                e.license_review_policy,
                cites,
                e.footnotes,
                e.listed_items,
                e.notes,
                e.country_code,
                src,
            )
        )
    findings = []
    for f in snap.findings:
        at = _suffix(f.where, where)
        if at is None:
            return None
        findings.append((f.severity, f.code, f.message, at, f.text))
    value = (
        _FORMAT,
        PARSER_VERSION,
        key,
        snap.date,
        snap.rows,
        snap.accounting,
        tuple(entries),
        tuple(findings),
    )
    try:
        return marshal.dumps(value)
    except ValueError:
        return None


_STR: frozenset[type] = frozenset({str})
_OPT_STR: frozenset[type] = frozenset({str, type(None)})
_OPT_INT: frozenset[type] = frozenset({int, type(None)})


def _only(values: Any, kinds: frozenset[type]) -> None:
    """TypeError unless every value is of one of ``kinds`` (checked in C, not per item)."""
    if not set(map(type, values)) <= kinds:
        raise TypeError("a value of the wrong type")


def _decode(value: object, key: str, source: str, where: str) -> Snapshot:
    """The snapshot a cache tuple holds; TypeError/ValueError when it is not one.

    Every field is checked, column by column, before any object is built.
    """
    if type(value) is not tuple or len(value) != 8:
        raise TypeError("not a cache tuple")
    fmt, version, stored_key, date, rows, accounting, entries, findings = value
    if (fmt, version, stored_key) != (_FORMAT, PARSER_VERSION, key):
        raise ValueError("another format, parser version or key")
    _only((date,), _OPT_STR)
    if type(rows) is not int or type(accounting) is not tuple or type(entries) is not tuple:
        raise TypeError("bad header")
    if type(findings) is not tuple:
        raise TypeError("bad findings")
    _only(accounting, frozenset({tuple}))
    if accounting:
        names, counts = _columns(accounting, 2)
        _only(names, _STR)
        _only(counts, frozenset({int}))
    _only(entries, frozenset({tuple}))
    built: list[Entry] = []
    if entries:
        cols = _columns(entries, 12)
        for i in (0, 1, 4, 5, 11):
            _only(cols[i], _STR)
        _only(cols[10], _OPT_STR)
        for i in (2, 3, 8, 9):  # tuples of strings
            _only(cols[i], frozenset({tuple}))
            _only(chain.from_iterable(cols[i]), _STR)
        _only(cols[7], frozenset({tuple}))
        _only(chain.from_iterable(cols[7]), frozenset({int}))
        citations = _citations(cols[6])
        built = [
            Entry(c0, c1, c2, c3, c4, c5, citations[id(c6)], c7, c8, c9, c10, where + c11)
            for c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 in entries
        ]
    found: list[Finding] = []
    if findings:
        _only(findings, frozenset({tuple}))
        fcols = _columns(findings, 5)
        for col in fcols:
            _only(col, _STR)
        found = [Finding(a, b, c, where + d, e) for a, b, c, d, e in findings]
    return Snapshot(
        entries=tuple(built),
        date=date,
        source=source,
        findings=tuple(found),
        rows=rows,
        accounting=accounting,
    )


def _columns(rows: tuple[Any, ...], width: int) -> list[tuple[Any, ...]]:
    """The columns of a tuple of ``width``-tuples; TypeError if one is of another length."""
    if set(map(len, rows)) != {width}:
        raise TypeError("a row of the wrong length")
    return list(zip(*rows, strict=True))


def _citations(column: tuple[Any, ...]) -> dict[int, tuple[Citation, ...]]:
    """Citation objects for each distinct citation tuple of the column, by its id."""
    distinct = list({id(c): c for c in column}.values())
    _only(distinct, frozenset({tuple}))
    items = list(chain.from_iterable(distinct))
    if items:
        _only(items, frozenset({tuple}))
        raw, volume, page, date, placeholder = _columns(tuple(items), 5)
        _only(raw, _STR)
        _only(volume, _OPT_INT)
        _only(page, _OPT_INT)
        _only(date, _OPT_STR)
        _only(placeholder, frozenset({bool}))
    return {id(c): tuple(Citation(*item) for item in c) for c in distinct}
