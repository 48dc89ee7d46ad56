"""The local store: raw documents on disk at deterministic paths, and an SQLite index.

Layout under the store's root (the same names as the project's ``fixtures/``)::

    index.sqlite                     what was fetched, when, from where, sha256, validators
    fr/{document_number}.xml         a rule's full-text XML
    fr/{document_number}.meta.json   its Federal Register API metadata
    ecfr/supp{N}-{YYYY-MM-DD}.xml    Supplement No. N to Part 744 on a date
    api/{sha256(url)[:40]}.json      other API responses (search pages, versions), by URL
    tmp/{pid}-{token}.part           downloads being written (never read)

Every path is built from a validated identifier (document number, ISO date,
supplement number, or a hash), never from text in a response, and is checked to
stay under the root.  Files are written to ``tmp/`` first, fsynced and renamed
into place while holding SQLite's write lock, and the index row is committed in
the same transaction, so an interrupted run leaves either the old document or
the new one, never half of one; leftovers in ``tmp/`` from dead processes are
removed when a store is opened.  SQLite runs in WAL mode with a busy timeout, so
several frdiff processes can share one store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from frdiff import lists
from frdiff.errors import StoreError
from frdiff.files import cache_root, replace, write_temp
from frdiff.ids import document_number, iso_date, relative_path, supplement_number
from frdiff.sqlitedb import Database, open_db, pid_alive, write
from frdiff.validators import Validators

SCHEMA_VERSION = 1
KINDS = ("rule", "rule-metadata", "snapshot", "api")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind          TEXT NOT NULL,
    ident         TEXT NOT NULL,
    path          TEXT NOT NULL,
    url           TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    TEXT NOT NULL,
    meta          TEXT,
    PRIMARY KEY (kind, ident)
);
CREATE TABLE IF NOT EXISTS rules (
    document_number  TEXT PRIMARY KEY,
    publication_date TEXT NOT NULL,
    meta             TEXT NOT NULL,
    seen_at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rules_by_date ON rules (publication_date);
CREATE TABLE IF NOT EXISTS searches (
    query       TEXT NOT NULL,
    since       TEXT NOT NULL,
    until       TEXT NOT NULL,
    results     INTEGER NOT NULL,
    searched_at TEXT NOT NULL,
    PRIMARY KEY (query, since, until)
);
"""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def default_cache_dir() -> Path:
    """The store's default root: :func:`frdiff.files.cache_root`."""
    return Path(cache_root())


@dataclass(frozen=True, slots=True)
class Record:
    """One stored document as the index knows it."""

    kind: str
    ident: str
    path: str
    url: str
    sha256: str
    size: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str
    meta: dict[str, Any] | None = None

    def validators(self) -> Validators:
        return Validators(etag=self.etag, last_modified=self.last_modified)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.ident,
            "path": self.path,
            "url": self.url,
            "sha256": self.sha256,
            "size": self.size,
            "content_type": self.content_type,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "fetched_at": self.fetched_at,
        }


class Store(Database):
    """Raw documents plus their index.  Open with :meth:`Store.open`; close when done."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "tmp").mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store: {exc.strerror}", where=str(self.root)
            ) from None
        self._real_root = self.root.resolve()
        self._db = self._connect()
        self._clean_tmp()

    @classmethod
    def open(cls, root: Path | None = None) -> Store:
        """The store at ``root`` (default: :func:`default_cache_dir`), created if needed."""
        return cls(root if root is not None else default_cache_dir())

    # Set-up -------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        return open_db(self.root / "index.sqlite", _SCHEMA, SCHEMA_VERSION, what="index")

    def _clean_tmp(self) -> None:
        for leftover in (self.root / "tmp").glob("*.part"):
            pid_text = leftover.name.split("-", 1)[0]
            if pid_text.isdigit() and pid_alive(int(pid_text)):
                continue
            with contextlib.suppress(OSError):
                leftover.unlink()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; holding it serialises renames with other processes."""
        with write(self._db, what="index", where=str(self.root)) as db:
            yield db

    def _abs(self, rel: str) -> Path:
        path = self.root / rel
        resolved = path.resolve()
        if not resolved.is_relative_to(self._real_root):
            raise StoreError("path escapes the store", where=rel)
        return path

    # Documents ----------------------------------------------------------------
    def path_of(self, kind: str, ident: str) -> Path:
        """The absolute path a document has (or would have) in the store."""
        return self._abs(relative_path(kind, ident))

    def lookup(self, kind: str, ident: str) -> Record | None:
        """The index record of a document, or None."""
        row = self._db.execute(
            "SELECT kind, ident, path, url, sha256, size, content_type, etag, last_modified,"
            " fetched_at, meta FROM documents WHERE kind = ? AND ident = ?",
            (kind, ident),
        ).fetchone()
        return _record(row) if row else None

    def records(self, kind: str | None = None) -> list[Record]:
        sql = (
            "SELECT kind, ident, path, url, sha256, size, content_type, etag, last_modified,"
            " fetched_at, meta FROM documents"
        )
        rows = (
            self._db.execute(sql + " WHERE kind = ? ORDER BY ident", (kind,))
            if kind
            else self._db.execute(sql + " ORDER BY kind, ident")
        )
        return [_record(r) for r in rows]

    def read(self, record: Record) -> bytes:
        """The stored bytes of ``record``; StoreError if missing or not matching its sha256."""
        path = self.path_of(record.kind, record.ident)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StoreError("indexed but the file is missing", where=str(path)) from None
        if sha256_hex(data) != record.sha256:
            raise StoreError("file does not match its sha256 in the index", where=str(path))
        return data

    def get(self, kind: str, ident: str) -> tuple[Record, bytes] | None:
        """Record and bytes of a document, or None if not stored."""
        record = self.lookup(kind, ident)
        return (record, self.read(record)) if record else None

    def put(
        self,
        kind: str,
        ident: str,
        *,
        url: str,
        body: bytes,
        content_type: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        fetched_at: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> tuple[Record, str]:
        """Store a document atomically; returns its record and "new", "updated" or "unchanged".

        Unchanged bytes are not rewritten, and the index row is only touched when the
        URL or validators changed.
        """
        rel = relative_path(kind, ident)
        target = self._abs(rel)
        digest = sha256_hex(body)
        record = Record(
            kind=kind,
            ident=ident,
            path=rel,
            url=url,
            sha256=digest,
            size=len(body),
            content_type=content_type,
            etag=etag,
            last_modified=last_modified,
            fetched_at=fetched_at or utc_now(),
            meta=meta,
        )
        old = self.lookup(kind, ident)
        if old and old.sha256 == digest and self._intact(target, old):
            if (old.url, old.etag, old.last_modified) != (url, etag, last_modified):
                with self._write() as db:
                    db.execute(
                        "UPDATE documents SET url = ?, etag = ?, last_modified = ?"
                        " WHERE kind = ? AND ident = ?",
                        (url, etag, last_modified, kind, ident),
                    )
            return old, "unchanged"
        tmp = self._write_tmp(body)
        try:
            with self._write() as db:
                replace(tmp, target)
                db.execute(
                    "INSERT OR REPLACE INTO documents (kind, ident, path, url, sha256, size,"
                    " content_type, etag, last_modified, fetched_at, meta)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        kind,
                        ident,
                        rel,
                        url,
                        digest,
                        len(body),
                        content_type,
                        etag,
                        last_modified,
                        record.fetched_at,
                        json.dumps(meta, ensure_ascii=False) if meta is not None else None,
                    ),
                )
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return record, ("updated" if old else "new")

    def _intact(self, target: Path, record: Record) -> bool:
        try:
            return (
                target.stat().st_size == record.size
                and sha256_hex(target.read_bytes()) == record.sha256
            )
        except OSError:
            return False

    def _write_tmp(self, body: bytes) -> str:
        """``body`` in ``tmp/``, fsynced: leftovers of dead processes are removed by pid."""
        name = f"{os.getpid()}-{secrets.token_hex(8)}.part"
        return write_temp(self.root / "tmp", body, name=name)

    # Rules found by searches --------------------------------------------------
    def record_search(
        self,
        since: date,
        until: date,
        results: Sequence[dict[str, Any]],
        *,
        query: str = "bis/15/744/RULE",
    ) -> None:
        """Remember a complete search of [since, until] and the rules it found."""
        now = utc_now()
        with self._write() as db:
            for r in results:
                number = document_number(str(r.get("document_number", "")))
                published = iso_date(str(r.get("publication_date", ""))).isoformat()
                text = json.dumps(r, ensure_ascii=False, sort_keys=True)
                row = db.execute(
                    "SELECT meta FROM rules WHERE document_number = ?", (number,)
                ).fetchone()
                if row is None or row[0] != text:
                    db.execute(
                        "INSERT OR REPLACE INTO rules (document_number, publication_date, meta, seen_at)"
                        " VALUES (?, ?, ?, ?)",
                        (number, published, text, now),
                    )
            row = db.execute(
                "SELECT results FROM searches WHERE query = ? AND since = ? AND until = ?",
                (query, since.isoformat(), until.isoformat()),
            ).fetchone()
            if row is None or row[0] != len(results):
                db.execute(
                    "INSERT OR REPLACE INTO searches (query, since, until, results, searched_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (query, since.isoformat(), until.isoformat(), len(results), now),
                )

    def covered(self, since: date, until: date, *, query: str = "bis/15/744/RULE") -> bool:
        """Whether complete searches stored so far cover every day of [since, until]."""
        spans = sorted(
            (date.fromisoformat(a), date.fromisoformat(b))
            for a, b in self._db.execute(
                "SELECT since, until FROM searches WHERE query = ?", (query,)
            )
        )
        reach = since - timedelta(days=1)  # the last day covered without a gap from since
        for a, b in spans:
            if a > reach + timedelta(days=1):
                break
            reach = max(reach, b)
        return reach >= until

    def searched_spans(self, *, query: str = "bis/15/744/RULE") -> list[tuple[date, date]]:
        return [
            (date.fromisoformat(a), date.fromisoformat(b))
            for a, b in self._db.execute(
                "SELECT since, until FROM searches WHERE query = ? ORDER BY since", (query,)
            )
        ]

    def found_rules(self, since: date, until: date) -> list[dict[str, Any]]:
        """Search results stored for rules published in [since, until], oldest first."""
        rows = self._db.execute(
            "SELECT meta FROM rules WHERE publication_date BETWEEN ? AND ?"
            " ORDER BY publication_date, document_number",
            (since.isoformat(), until.isoformat()),
        )
        return [json.loads(r[0]) for r in rows]

    def found_rule(self, number: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT meta FROM rules WHERE document_number = ?", (document_number(number),)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def snapshot_dates(self, supplement: int = lists.DEFAULT) -> list[date]:
        prefix = f"{supplement_number(supplement)}/"
        return sorted(
            date.fromisoformat(r.ident[len(prefix) :])
            for r in self.records("snapshot")
            if r.ident.startswith(prefix)
        )

    # Consistency ----------------------------------------------------------------
    def check(self) -> list[str]:
        """Problems found: missing or altered files, files the index does not know, leftovers."""
        problems: list[str] = []
        row = self._db.execute("PRAGMA integrity_check").fetchone()
        if row[0] != "ok":
            problems.append(f"index: {row[0]}")
        known: set[str] = set()
        for record in self.records():
            rel = relative_path(record.kind, record.ident)
            known.add(rel)
            path = self.root / rel
            if not path.exists():
                problems.append(f"{rel}: indexed but missing")
            elif sha256_hex(path.read_bytes()) != record.sha256:
                problems.append(f"{rel}: does not match its sha256")
        for folder in ("fr", "ecfr", "api"):
            for path in sorted((self.root / folder).glob("*")):
                rel = path.relative_to(self.root).as_posix()
                if rel not in known:
                    problems.append(f"{rel}: not in the index")
        for path in sorted((self.root / "tmp").glob("*")):
            pid_text = path.name.split("-", 1)[0]
            if not (pid_text.isdigit() and pid_alive(int(pid_text))):
                problems.append(f"tmp/{path.name}: leftover from an interrupted run")
        return problems


def _record(row: Sequence[Any]) -> Record:
    meta = json.loads(row[10]) if row[10] else None
    return Record(
        kind=row[0],
        ident=row[1],
        path=row[2],
        url=row[3],
        sha256=row[4],
        size=row[5],
        content_type=row[6],
        etag=row[7],
        last_modified=row[8],
        fetched_at=row[9],
        meta=meta,
    )
