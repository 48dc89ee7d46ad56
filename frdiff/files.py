"""Local files: the one atomic writer, the default cache directory, documents and rule
metadata read from paths.

os.path rather than pathlib, and nothing heavy imported: ``frdiff diff`` of cached
snapshots loads this module, and pathlib alone would cost it a twentieth of its time.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import Any

from frdiff.errors import MAX_DOCUMENT_BYTES, ParseError, TooLargeError

__all__ = [
    "cache_root",
    "read_document",
    "read_rule_meta",
    "replace",
    "rule_meta",
    "rule_meta_beside",
    "write_atomic",
    "write_temp",
]

PathLike = str | os.PathLike[str]


def cache_root() -> str:
    """``$FRDIFF_CACHE_DIR``, else the platform's user cache directory for frdiff.

    The store lives here and the parse cache in its ``parsed/``.  On Linux the XDG
    rule is applied here (what platformdirs gives), sparing its import.
    """
    env = os.environ.get("FRDIFF_CACHE_DIR")
    if env:
        return os.path.expanduser(env)
    if sys.platform.startswith("linux") and "ANDROID_DATA" not in os.environ:
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return os.path.join(base, "frdiff")
    import platformdirs

    return platformdirs.user_cache_dir("frdiff", appauthor=False)


# ---------------------------------------------------------------------------
# Writing


def write_temp(folder: PathLike, data: bytes, *, durable: bool = True, name: str = "") -> str:
    """Write ``data`` to a new temporary file in ``folder`` and return its path.

    The file is created exclusively (``name``, or a unique hidden one), flushed to
    disk when ``durable``, and removed again if writing fails.  Move it into place
    with :func:`replace`.
    """
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, name or f".{os.getpid()}.{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def replace(tmp: PathLike, target: PathLike, *, durable: bool = True) -> None:
    """Rename ``tmp`` over ``target`` (atomic), then, when ``durable``, flush the
    directory so that the rename itself survives a crash."""
    target = os.fspath(target)
    folder = os.path.dirname(target) or "."
    os.makedirs(folder, exist_ok=True)
    os.replace(tmp, target)
    if durable:
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def write_atomic(path: PathLike, data: bytes | str, *, durable: bool = True) -> None:
    """Write a file so that readers see the old content or the new, never part of it:
    a temporary file beside it (fsynced when ``durable``), renamed over it.  Text is
    written as UTF-8.  Raises OSError; the temporary file never stays behind."""
    path = os.fspath(path)
    body = data.encode("utf-8") if isinstance(data, str) else data
    tmp = write_temp(os.path.dirname(path) or ".", body, durable=durable)
    try:
        replace(tmp, path, durable=durable)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------
# Reading


def read_document(path: PathLike) -> bytes:
    """A document's bytes from a file ("-" is standard input).

    Reads at most one byte past the document size bound, so "/dev/zero" or a
    runaway pipe fails with a clear error instead of exhausting memory.
    """
    if os.fspath(path) == "-":
        data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    else:
        with open(path, "rb") as f:
            data = f.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TooLargeError(f"input is over the {MAX_DOCUMENT_BYTES:,}-byte limit", where=str(path))
    return data


def rule_meta(data: bytes, *, where: str) -> dict[str, Any]:
    """A rule's Federal Register API metadata (its documents/NUMBER.json) from JSON
    bytes: a ParseError naming ``where`` when it is not JSON or not an object."""
    try:
        meta = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"not valid JSON metadata: {exc}", where=where) from None
    if not isinstance(meta, dict):
        raise ParseError("metadata must be a JSON object (the API's document JSON)", where=where)
    return meta


def read_rule_meta(path: PathLike) -> dict[str, Any]:
    """:func:`rule_meta` of a file."""
    with open(path, "rb") as f:
        return rule_meta(f.read(MAX_DOCUMENT_BYTES + 1), where=os.fspath(path))


def rule_meta_beside(path: PathLike) -> dict[str, Any] | None:
    """The metadata of the rule at ``path`` from NAME.meta.json beside it, or None
    when there is no such file (or the rule is standard input)."""
    path = os.fspath(path)
    if path == "-":
        return None
    stem = os.path.splitext(path)[0]
    meta_path = stem + ".meta.json"
    return read_rule_meta(meta_path) if os.path.isfile(meta_path) else None
