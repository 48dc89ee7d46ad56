"""Snapshots loaded the one way (:class:`SnapshotLoader`: eCFR XML or frdiff JSON, from
a path or bytes), through a cache of parsed snapshots, so that a repeated command
or a history replay reads each eCFR document once.

A parsed :class:`~frdiff.model.Snapshot` is stored under the sha256 of the input
bytes together with the parser's :func:`parser_fingerprint` (derived from the
parser's own source, so that no change to it can be forgotten) and the parse
options, in
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
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from frdiff import files
from frdiff.errors import ParseError
from frdiff.ids import date_in_name, is_iso_date
from frdiff.model import Entry, Finding, ListNote, Snapshot, content_key

if TYPE_CHECKING:
    from pathlib import Path

    from frdiff.model import Diff

# os.path here, not pathlib: this module is on the path of a cached `frdiff diff`,
# which importing pathlib would cost a twentieth of its time.
Directory = str | os.PathLike[str]

#: What decides what a parse gives, relative to the package: every module of
#: ``parse/`` and these.  Their bytes make up :func:`parser_fingerprint`, part of
#: every key and of every file, so a changed parser never reuses an old result
#: (tests/test_parse_cache.py checks that every module the parsers import is here).
PARSER_SOURCES = ("parse", "normalize.py", "model.py", "ids.py", "errors.py")
#: The layout of a cache file (:class:`_File`).
_FORMAT = 4
_MAGIC = b"frdiff-parsed-snapshot\n"
_DIGEST = 4  # bytes of CRC-32 after the magic
#: Cache files kept; the oldest beyond this are removed when one is written.
MAX_FILES = 64


_fingerprint: str | None = None


def parser_fingerprint() -> str:
    """A digest of the source of every module in :data:`PARSER_SOURCES`, and of the
    Python and lxml versions, read once per process (a dozen files; CRC-32 and
    Adler-32 from zlib, so that a cached command needs no OpenSSL).  Without the sources (an installation that ships
    byte code only) it is random per process: nothing cached is ever reused."""
    global _fingerprint
    if _fingerprint is None:
        package = os.path.dirname(os.path.abspath(__file__))
        _fingerprint = f"{source_fingerprint(package)}-{_libraries()}"
    return _fingerprint


def _libraries() -> str:
    """What else decides a parse: Python's version (its Unicode tables normalize
    names) and lxml's (libxml2 comes inside its wheel), read without importing lxml."""
    import importlib.machinery

    version = sys.version.split()[0]
    spec = importlib.machinery.PathFinder.find_spec("lxml")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        with contextlib.suppress(OSError), open(os.path.join(folder, "__init__.py"), "rb") as f:
            return f"py{version}-lxml{zlib.crc32(f.read()):08x}"
    return f"py{version}-lxml?"


def source_fingerprint(package: str) -> str:
    """:func:`parser_fingerprint` of the frdiff package at ``package`` (a directory)."""
    names: list[str] = []
    for rel in PARSER_SOURCES:
        if rel.endswith(".py"):
            names.append(rel)
            continue
        with contextlib.suppress(OSError):
            names += [
                f"{rel}/{n}" for n in os.listdir(os.path.join(package, rel)) if n.endswith(".py")
            ]
    crc, adler, total, read = 0, 1, 0, 0
    for rel in sorted(names):
        try:
            with open(os.path.join(package, rel), "rb") as f:
                data = f.read()
        except OSError:
            continue
        chunk = b"%s\0%d\0%s" % (rel.encode(), len(data), data)
        crc, adler = zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
        total, read = total + len(data), read + 1
    if read == 0:
        return "no-source-" + os.urandom(8).hex()
    return f"{crc:08x}{adler:08x}-{read}-{total:x}"


def default_dir() -> Path:
    """``$FRDIFF_CACHE_DIR/parsed``, else ``parsed`` under the user cache directory.

    Under the store's root, :func:`frdiff.files.cache_root`.
    """
    from pathlib import Path

    return Path(_default_dir())


def _default_dir() -> str:
    """:func:`default_dir` as a string."""
    return os.path.join(files.cache_root(), "parsed")


def _dir(directory: Directory | None) -> str:
    return os.fspath(directory) if directory is not None else _default_dir()


def enabled() -> bool:
    """False when ``FRDIFF_NO_CACHE`` is set to anything but "", "0" or "false"."""
    return os.environ.get("FRDIFF_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def cache_key(data: bytes, *, date: str | None = None, supplement: int = 4) -> str:
    """The cache key of a document and the parse options (hex)."""
    import hashlib  # loads OpenSSL: only when a document is read, not for a known file

    h = hashlib.sha256()
    h.update(
        f"frdiff-parse {parser_fingerprint()} {_FORMAT} supp{supplement} {date or ''}\n".encode()
    )
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
    """:func:`frdiff.parse.snapshot.parse_snapshot` through the cache (XML only; for
    XML or frdiff JSON, use :meth:`SnapshotLoader.load_bytes`).

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
    parser: str
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
            parser_fingerprint(),
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
    """Write ``content`` over ``path`` atomically (not fsynced: the cache is always safe
    to lose); False when the file system refuses."""
    try:
        files.write_atomic(path, content, durable=False)
    except OSError:
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
    """Whether a decoded cache file is this format and parser's file for ``key``,
    with a 16-byte digest for each entry."""
    return (
        (f.format, f.parser, f.key) == (_FORMAT, parser_fingerprint(), key)
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
        snaps = [e for e in os.scandir(directory) if e.name.endswith(".snap")]
        if len(snaps) <= MAX_FILES:
            return
        snaps.sort(key=lambda e: e.stat().st_mtime)
        for e in snaps[: len(snaps) - MAX_FILES]:
            os.unlink(e.path)
    except OSError:
        pass


# ---------------------------------------------------------------------------
# The one snapshot loader


#: Where a snapshot comes from: a file name ("-" for standard input), or a path object.
FileName = str | os.PathLike[str]


class SnapshotLoader:
    """Loads the snapshots one task reads (eCFR XML or ``frdiff snapshot --format
    json`` output, from a path or from bytes), through the parse cache.

    A cache hit needs neither the XML parser nor its import; the documents that are
    parsed share one :class:`~frdiff.parse.snapshot.ParseMemo`, so the second
    version of the list costs only its changed rows.  Standard input and JSON are
    never cached.  Use one loader for all the snapshots of one command or job.
    """

    def __init__(self, *, cache: bool = True, directory: Directory | None = None) -> None:
        self.cache = cache and enabled()
        self.directory = directory
        self.memo: Any = None  # a ParseMemo once something is parsed

    def load(self, path: FileName, date: str | None = None) -> Snapshot:
        """The snapshot in the file at ``path``.

        The date is ``date`` if given, else what the document says, else a date in
        the file name ("supp4-2025-03-24.xml").  A file the cache knows, unchanged
        since it was read, is not read again.
        """
        path = os.fspath(path)
        name = os.path.basename(path)
        key = self._known_key(path, date)
        snap = get_by_key(key, source=name, directory=self.directory) if key else None
        if snap is None:
            st = os.stat(path) if self.cache and path != "-" else None
            data = files.read_document(path)
            snap, key = self._read(data, name, date, cached=st is not None)
            if st is not None and key is not None:
                remember_file(path, st, key, date=date, directory=self.directory)
        if date:
            snap = msgspec.structs.replace(snap, date=date)
        if snap.date is None and date_in_name(name):
            snap = msgspec.structs.replace(snap, date=date_in_name(name))
        return snap

    def load_bytes(self, data: bytes, *, source: str = "", date: str | None = None) -> Snapshot:
        """The snapshot in ``data`` (eCFR XML or frdiff JSON), named ``source`` in its
        entries and findings; ``date`` as in :meth:`load`."""
        snap = self._read(data, source, date, cached=self.cache)[0]
        return msgspec.structs.replace(snap, date=date) if date else snap

    def digested(self, path: FileName) -> tuple[Digested, str] | None:
        """A known, cached file's snapshot with its entries still encoded, and its
        label (its date, from the document or the file name, else its name); None
        when the file is not known unchanged."""
        path = os.fspath(path)
        key = self._known_key(path, None)
        name = os.path.basename(path)
        found = get_digested(key, source=name, directory=self.directory) if key else None
        if found is None:
            return None
        return found, found.date or date_in_name(name) or name

    def _known_key(self, path: str, date: str | None) -> str | None:
        """The cache key of the file at ``path``, when the cache knows it unchanged."""
        if not self.cache or path == "-":
            return None
        return file_key(path, date=date, directory=self.directory)

    def _read(
        self, data: bytes, name: str, date: str | None, *, cached: bool
    ) -> tuple[Snapshot, str | None]:
        """The snapshot in ``data``, and its cache key when ``cached`` and it is XML."""
        if _is_json(data):
            return snapshot_from_json(data, where=name or "snapshot"), None
        key = cache_key(data, date=date) if cached else None
        snap = get_by_key(key, source=name, directory=self.directory) if key else None
        if snap is None:
            from frdiff.parse.snapshot import ParseMemo, parse_snapshot

            if self.memo is None:
                self.memo = ParseMemo()
            snap = parse_snapshot(data, source=name, date=date, memo=self.memo)
            if key:
                put_by_key(key, snap, directory=self.directory)
        return snap, key


def load_snapshot(path: FileName, date: str | None = None, *, cache: bool = True) -> Snapshot:
    """One snapshot, as :meth:`SnapshotLoader.load` reads it."""
    return SnapshotLoader(cache=cache).load(path, date)


def diff_files(old: FileName, new: FileName, *, cache: bool = True) -> Diff:
    """The diff of the snapshots in two files (XML or frdiff JSON).

    When the cache knows both files unchanged, only entry digests are compared and
    only the entries that changed are decoded (the same result as the full diff).
    """
    from frdiff.diff import diff_digested, diff_snapshots

    loader = SnapshotLoader(cache=cache)
    a, b = loader.digested(old), loader.digested(new)
    if a and b:
        d = diff_digested(
            a[0].digests,
            b[0].digests,
            decode_old=a[0].entries_at,
            decode_new=b[0].entries_at,
            old_label=a[1],
            new_label=b[1],
        )
        if d is not None:
            return d
    return diff_snapshots(loader.load(old), loader.load(new))


def _is_json(data: bytes) -> bool:
    return data.lstrip()[:1] == b"{"


class _SnapshotJSON(msgspec.Struct):
    """``frdiff snapshot --format json`` output, as read back (unknown keys ignored)."""

    kind: str
    entries: tuple[Entry, ...]
    date: str | None = None
    source: str = ""
    rows: Annotated[int, msgspec.Meta(ge=0)] = 0
    accounting: dict[str, Annotated[int, msgspec.Meta(ge=0)]] = msgspec.field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    notes: tuple[ListNote, ...] = ()


def snapshot_from_json(data: bytes, *, where: str) -> Snapshot:
    """A snapshot from ``frdiff snapshot --format json`` output, every field checked;
    a ParseError naming ``where`` and the field otherwise."""
    try:
        d = msgspec.json.decode(data, type=_SnapshotJSON)
    except RecursionError:
        raise ParseError("JSON nested too deeply to be a snapshot", where=where) from None
    except msgspec.DecodeError as exc:
        if _kind(data) not in (None, "snapshot"):
            raise ParseError("JSON is not a snapshot (kind != 'snapshot')", where=where) from None
        # msgspec names the place: "Expected `int`, got `str` - at `$.rows`"
        raise ParseError(f"not a snapshot JSON: {exc}", where=where) from None
    if d.kind != "snapshot":
        raise ParseError("JSON is not a snapshot (kind != 'snapshot')", where=where)
    if d.date is not None and not is_iso_date(d.date):
        raise ParseError(f"snapshot 'date' is not an ISO date or null: {d.date!r:.60}", where=where)
    return Snapshot(
        entries=d.entries,
        date=d.date,
        source=d.source or where,
        findings=d.findings,
        rows=d.rows,
        accounting=tuple(d.accounting.items()),
        notes=d.notes,
    )


class _Kind(msgspec.Struct):
    kind: object = None


def _kind(data: bytes) -> object:
    """The "kind" of a JSON object, or None when there is no such key (or no object)."""
    try:
        return msgspec.json.decode(data, type=_Kind).kind
    except (msgspec.DecodeError, RecursionError):
        return None
