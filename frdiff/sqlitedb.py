"""SQLite as frdiff's state files use it: WAL, a busy timeout, a versioned schema.

The store's index (:mod:`frdiff.store`) and the watch state (:mod:`frdiff.ledger`)
are shared by concurrent frdiff processes.  :func:`open_db` opens one in
autocommit mode (transactions are explicit), in WAL mode with a 60-second busy
timeout, and creates its schema when the file is new; a file written by a newer
frdiff (a higher ``user_version``) is refused.  :func:`write` is one ``BEGIN
IMMEDIATE`` transaction: holding it serialises writers across processes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

from frdiff.errors import StoreError


def open_db(
    path: Path,
    schema: str,
    version: int,
    *,
    what: str,
    synchronous: str = "NORMAL",
) -> sqlite3.Connection:
    """The database at ``path`` with ``schema`` (statements separated by ";") at ``version``.

    ``what`` names it in errors ("index", "watch state").
    """
    deadline = time.monotonic() + _TIMEOUT_S
    try:
        db = sqlite3.connect(path, timeout=_TIMEOUT_S, isolation_level=None)
        while True:
            try:
                _set_up(db, schema, version, what=what, where=str(path), synchronous=synchronous)
                return db
            except sqlite3.OperationalError as exc:
                # The switch to WAL takes an exclusive lock, and SQLite answers
                # "database is locked" at once, without its busy handler, where waiting
                # could deadlock (processes opening a new file together, one creating
                # the schema): waited for here, as the busy timeout would.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open the {what}: {exc}", where=str(path)) from None


#: How long opening a database waits for another process's lock.
_TIMEOUT_S = 60


def _set_up(
    db: sqlite3.Connection, schema: str, version: int, *, what: str, where: str, synchronous: str
) -> None:
    """The pragmas, and the schema where the file has an older one (each step may be
    run again: the schema is written in one transaction)."""
    db.execute(f"PRAGMA busy_timeout = {_TIMEOUT_S * 1000}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {synchronous}")
    db.execute("PRAGMA foreign_keys = ON")
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found > version:
        raise StoreError(
            f"{what} schema {found} is newer than this frdiff ({version})", where=where
        )
    if found < version:
        with write(db, what=what, where=where):
            for statement in schema.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")


@contextlib.contextmanager
def write(db: sqlite3.Connection, *, what: str, where: str) -> Iterator[sqlite3.Connection]:
    """A write transaction (``BEGIN IMMEDIATE``), committed at the end, rolled back on error."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise StoreError(f"{what} is busy or unusable: {exc}", where=where) from None
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class Database:
    """A holder of one open database (``_db``): closed by :meth:`close` or at the end
    of a ``with`` block."""

    _db: sqlite3.Connection

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs on this machine (a lock or claim it holds
    is then no leftover of a crash)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
