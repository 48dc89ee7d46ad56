"""A cache of parsed snapshots, so that a repeated command or a history replay reads
each eCFR document once.

A parsed :class:`~frdiff.model.Snapshot` is stored under the sha256 of the input
bytes together with :data:`PARSER_VERSION` and the parse options, in
``$FRDIFF_CACHE_DIR/parsed/`` (default: the platform's user cache directory for
frdiff, the same root as the document store).  Files are MessagePack written and
read by msgspec, never pickle: loading one cannot run code, and msgspec decodes
straight into the model's structs, checking every field's type on the way (in C:
a cached snapshot loads in a few milliseconds).  Each file carries a CRC-32 of
its body, checked before anything is decoded; a file that is missing, truncated,
corrupt, of another version or of the wrong shape is ignored (and rewritten),
never an error.  Files are written to a temporary name and renamed into place,
so a reader never sees half of one.

The file records the document name the parse put in the result (in
``Entry.source`` and ``Finding.where``); a caller reading the same bytes under
another name gets its own name there, so a renamed file still hits.

A command reading a file records the file's identity (device, inode, size,
modification and change times) beside the key of its content, as git's index
does: the next command finds an unchanged file's parse without reading or
hashing it (:func:`file_key`).  Files changed in the last :data:`SETTLED`
seconds are not recorded, so a change within one tick of a coarse clock is never
missed.

Each file also holds every entry's :func:`content_digest`, so that two cached
snapshots can be diffed by digest, decoding only the entries that changed
(:func:`get_digested`, :func:`frdiff.diff.diff_digested`).  The cache is not a
security boundary: whoever can write it can write anything else the user can,
so the CRC guards against damage, not against forgery.

This module imports neither lxml nor the network stack (nor OpenSSL, until a
document has to be hashed): a command whose inputs are all known never loads the
XML parser.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import zlib
from typing import TYPE_CHECKING, Any

import msgspec

from frdiff.model import Entry, Finding, ListNote, Snapshot, content_key

if TYPE_CHECKING:
    from pathlib import Path

# os.path here, not pathlib: this module is on the path of a cached `frdiff diff`,
# which importing pathlib would cost a twentieth of its time.
Directory = str | os.PathLike[str]

#: Bump whenever parsing changes what a document gives: old cache files are then
#: never used again (the version is part of every key and of every file).
PARSER_VERSION = 6
#: The layout of a cache file (:class:`_File`).
_FORMAT = 3
_MAGIC = b"frdiff-parsed-snapshot\n"
_DIGEST = 4  # bytes of CRC-32 after the magic
#: Cache files kept; the oldest beyond this are removed when one is written.
MAX_FILES = 64


def default_dir() -> Path:
    """``$FRDIFF_CACHE_DIR/parsed``, else ``parsed`` under the user cache directory.

    The same root as :func:`frdiff.store.default_cache_dir` (which this does not
    import: it would bring in the network stack).
    """
    from pathlib import Path

    return Path(_default_dir())


def _default_dir() -> str:
    """:func:`default_dir` as a string.  On Linux the XDG rule is applied here,
    sparing the import of platformdirs."""
    env = os.environ.get("FRDIFF_CACHE_DIR")
    if env:
        return os.path.join(os.path.expanduser(env), "parsed")
    if sys.platform.startswith("linux") and "ANDROID_DATA" not in os.environ:
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return os.path.join(base, "frdiff", "parsed")
    import platformdirs

    return os.path.join(platformdirs.user_cache_dir("frdiff", appauthor=False), "parsed")


def _dir(directory: Directory | None) -> str:
    return os.fspath(directory) if directory is not None else _default_dir()


def enabled() -> bool:
    """False when ``FRDIFF_NO_CACHE`` is set to anything but "", "0" or "false"."""
    return os.environ.get("FRDIFF_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def cache_key(data: bytes, *, date: str | None = None, supplement: int = 4) -> str:
    """The cache key of a document and the parse options (hex)."""
    import hashlib  # loads OpenSSL: only when a document is read, not for a known file

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
    directory: Directory | None = None,
) -> Snapshot | None:
    """The cached parse of ``data`` with these options, or None."""
    key = cache_key(data, date=date, supplement=supplement)
    return get_by_key(key, source=source, directory=directory)


def get_by_key(
    key: str, *, source: str = "", directory: Directory | None = None
) -> Snapshot | None:
    """The cached parse under ``key`` (from :func:`cache_key` or :func:`file_key`), or None."""
    path = os.path.join(_dir(directory), f"{key}.snap")
    return load(path, key, source=source, where=source or "snapshot")


def put(
    data: bytes,
    snap: Snapshot,
    *,
    date: str | None = None,
    supplement: int = 4,
    directory: Directory | None = None,
) -> bool:
    """Cache ``snap``, the parse of ``data`` with these options; False if not written.

    ``snap.source`` must be the ``source`` it was parsed with.
    """
    return put_by_key(cache_key(data, date=date, supplement=supplement), snap, directory=directory)


def put_by_key(key: str, snap: Snapshot, *, directory: Directory | None = None) -> bool:
    """Cache ``snap`` under ``key`` (see :func:`put`)."""
    path = os.path.join(_dir(directory), f"{key}.snap")
    return store(path, key, snap, where=snap.source or "snapshot")


def parse_cached(
    data: bytes,
    *,
    source: str = "",
    date: str | None = None,
    supplement: int = 4,
    directory: Directory | None = None,
    memo: Any = None,
) -> Snapshot:
    """:func:`frdiff.parse.snapshot.parse_snapshot` through the cache.

    Same arguments and result (``memo`` goes to the parser on a miss).  A cache
    that cannot be read or written (read-only directory, full disk) only costs the
    parse.
    """
    key = cache_key(data, date=date, supplement=supplement)  # hashed once, hit or miss
    found = get_by_key(key, source=source, directory=directory)
    if found is not None:
        return found
    from frdiff.parse.snapshot import parse_snapshot

    snap = parse_snapshot(data, source=source, date=date, supplement=supplement, memo=memo)
    put_by_key(key, snap, directory=directory)
    return snap


# ---------------------------------------------------------------------------
# Known files: a file unchanged since it was read need not be read again


#: A file's last change must be at least this old (seconds) when its identity is
#: recorded: a change within the same tick of a coarse clock (FAT keeps two
#: seconds) could leave size and times as they were.  Younger files are hashed
#: every time, as git treats "racily clean" files.
SETTLED = 2.0
#: Files remembered; the oldest are forgotten beyond this.
MAX_KNOWN = 256
_INDEX = "files.idx"
_HEX = frozenset("0123456789abcdef")
_INDEX_MAGIC = b"frdiff-known-files 1\n"


def file_identity(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """What changes whenever a file's content can have: device, inode, size, and the
    modification and status-change times (ctime cannot be set back by a user)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _file_slot(path: str, date: str | None, supplement: int) -> str:
    return f"supp{supplement} {date or ''} {os.path.realpath(path)}"


def file_key(
    path: str, *, date: str | None = None, supplement: int = 4, directory: Directory | None = None
) -> str | None:
    """The cache key recorded for the file at ``path`` (with these parse options), if
    the file is the one recorded: same identity (:func:`file_identity`).  None
    otherwise, or when the file cannot be examined."""
    known = _read_index(_dir(directory))
    found = known.get(_file_slot(path, date, supplement))
    if found is None or len(found[1]) != 64 or not set(found[1]) <= _HEX:
        return None  # (a key names a file: nothing but a sha256 in hex will do)
    try:
        identity = file_identity(os.stat(path))
    except OSError:
        return None
    return found[1] if tuple(found[0]) == identity else None


def remember_file(
    path: str,
    st: os.stat_result,
    key: str,
    *,
    date: str | None = None,
    supplement: int = 4,
    directory: Directory | None = None,
) -> bool:
    """Record that the file at ``path``, as ``st`` (taken before it was read), holds the
    document cached under ``key``.  Not done (False) for a file changed in the last
    :data:`SETTLED` seconds, or when the index cannot be written (never raises)."""
    if time.time() - max(st.st_mtime, st.st_ctime) < SETTLED:
        return False
    folder = _dir(directory)
    known = _read_index(folder)
    slot = _file_slot(path, date, supplement)
    known.pop(slot, None)
    known[slot] = (file_identity(st), key)
    while len(known) > MAX_KNOWN:
        del known[next(iter(known))]
    return _write_atomically(os.path.join(folder, _INDEX), _INDEX_MAGIC + _ENCODER.encode(known))


_KnownFiles = dict[str, tuple[tuple[int, int, int, int, int], str]]


def _read_index(folder: str) -> _KnownFiles:
    try:
        with open(os.path.join(folder, _INDEX), "rb") as f:
            raw = f.read()
    except OSError:
        return {}
    if not raw.startswith(_INDEX_MAGIC):
        return {}
    try:
        return _INDEX_DECODER.decode(memoryview(raw)[len(_INDEX_MAGIC) :])
    except msgspec.DecodeError:
        return {}


# ---------------------------------------------------------------------------
# Files


class _Header(msgspec.Struct, array_like=True, frozen=True):
    """The start of a cache file (after the magic and the checksum)."""

    format: int
    parser_version: int
    key: str
    #: The document name the sources and findings below were written with.
    where: str
    date: str | None
    rows: int
    accounting: tuple[tuple[str, int], ...]
    notes: tuple[ListNote, ...]


class _File(_Header, frozen=True):
    """What a cache file holds."""

    entries: tuple[Entry, ...]
    findings: tuple[Finding, ...]
    #: Each entry's :func:`content_digest`, in order.
    digests: tuple[bytes, ...]


class _UndecodedFile(_Header, frozen=True):
    """A cache file with its entries left encoded (see :class:`Digested`)."""

    entries: tuple[msgspec.Raw, ...]
    findings: tuple[msgspec.Raw, ...]
    digests: tuple[bytes, ...]


_DECODER = msgspec.msgpack.Decoder(_File)
_UNDECODED = msgspec.msgpack.Decoder(_UndecodedFile)
_ENTRY_DECODER = msgspec.msgpack.Decoder(Entry)
_ENCODER = msgspec.msgpack.Encoder()
_INDEX_DECODER = msgspec.msgpack.Decoder(_KnownFiles)


def content_digest(entry: Entry) -> bytes:
    """128 bits of BLAKE2b over an entry's content (every field but ``source``):
    equal digests mean identical entries, as git takes equal hashes for equal files."""
    import hashlib

    encoded = _ENCODER.encode(content_key(entry))
    return hashlib.blake2b(encoded, digest_size=16).digest()


def store(path: Directory, key: str, snap: Snapshot, *, where: str) -> bool:
    """Write ``snap`` to ``path`` atomically; False when it cannot be (never raises)."""
    body = _ENCODER.encode(
        _File(
            _FORMAT,
            PARSER_VERSION,
            key,
            where,
            snap.date,
            snap.rows,
            snap.accounting,
            snap.notes,
            snap.entries,
            snap.findings,
            tuple(map(content_digest, snap.entries)),
        )
    )
    if not _write_atomically(path, _MAGIC + _checksum(body) + body):
        return False
    _prune(os.path.dirname(os.fspath(path)))
    return True


def _write_atomically(path: Directory, content: bytes) -> bool:
    """Write ``content`` to a temporary name, then rename it over ``path``."""
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(content)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    return True


def load(path: Directory, key: str, *, source: str, where: str) -> Snapshot | None:
    """The snapshot cached at ``path`` for ``key``, or None (missing or not usable)."""
    body = _sealed_body(path)
    if body is None:
        return None
    try:
        f = _DECODER.decode(body)
    except msgspec.DecodeError:  # malformed or of the wrong shape or type
        return None
    if not _current(f, key):
        return None
    entries, findings = f.entries, f.findings
    if f.where != where:
        entries, findings = _renamed(entries, findings, f.where, where)
    return Snapshot(
        entries=entries,
        date=f.date,
        source=source,
        findings=findings,
        rows=f.rows,
        accounting=f.accounting,
        notes=f.notes,
    )


def _sealed_body(path: Directory) -> memoryview | None:
    """A cache file's body, when the file is there, whole and undamaged."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST
    if len(raw) <= head or not raw.startswith(_MAGIC):
        return None
    body = memoryview(raw)[head:]
    if _checksum(body) != raw[len(_MAGIC) : head]:
        return None
    return body


class Digested:
    """A cached snapshot whose entries stay encoded until asked for, with each
    entry's :func:`content_digest`: the differ compares digests and decodes only
    the entries that changed (:func:`frdiff.diff.diff_digested`)."""

    __slots__ = ("_raws", "_stored_where", "date", "digests", "where")

    def __init__(self, f: _UndecodedFile, where: str) -> None:
        self.date = f.date
        self.where = where
        self.digests = f.digests
        self._raws = f.entries
        self._stored_where = f.where

    def entries_at(self, indices: list[int]) -> list[Entry] | None:
        """The entries at ``indices``, decoded and checked (None if one is damaged)."""
        try:
            entries = tuple(_ENTRY_DECODER.decode(self._raws[i]) for i in indices)
        except msgspec.DecodeError:
            return None
        if self._stored_where != self.where:
            entries = _renamed(entries, (), self._stored_where, self.where)[0]
        return list(entries)


def get_digested(
    key: str, *, source: str = "", directory: Directory | None = None
) -> Digested | None:
    """The cached snapshot under ``key`` with its entries still encoded, or None."""
    body = _sealed_body(os.path.join(_dir(directory), f"{key}.snap"))
    if body is None:
        return None
    try:
        f = _UNDECODED.decode(body)
    except msgspec.DecodeError:
        return None
    return Digested(f, source or "snapshot") if _current(f, key) else None


def _current(f: _File | _UndecodedFile, key: str) -> bool:
    """Whether a decoded cache file is this format and parser version's file for
    ``key``, with a 16-byte digest for each entry."""
    return (
        (f.format, f.parser_version, f.key) == (_FORMAT, PARSER_VERSION, key)
        and len(f.digests) == len(f.entries)
        and all(len(d) == 16 for d in f.digests)
    )


def _checksum(body: bytes | memoryview) -> bytes:
    """CRC-32 of a file body: catches a torn or damaged file (a cache is not a
    security boundary: whoever can write it can write anything the user can)."""
    return zlib.crc32(body).to_bytes(_DIGEST, "big")


def _renamed(
    entries: tuple[Entry, ...], findings: tuple[Finding, ...], old: str, new: str
) -> tuple[tuple[Entry, ...], tuple[Finding, ...]]:
    """Sources and places that name document ``old`` given name ``new`` instead."""

    def swap(text: str) -> str:
        if text == old:
            return new
        if text.startswith(old + ", "):
            return new + text[len(old) :]
        return text

    replace = msgspec.structs.replace
    return (
        tuple(replace(e, source=swap(e.source)) for e in entries),
        tuple(replace(f, where=swap(f.where)) for f in findings),
    )


def _prune(directory: str) -> None:
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
