"""What ``frdiff watch`` has found and what it has told whom: an outbox per channel.

One SQLite file (``watch.sqlite`` beside the store's index, or where the watch
config's ``state`` points), in WAL mode with a busy timeout, holds:

    items       every change a watch found, by a stable key ("2025-05427/published");
                its payload is frozen when first found, so every channel is told the same
    deliveries  one row per (channel, item): pending, claimed, sent or failed
    tracked     documents still expected to reach a later stage (public inspection ->
                published -> in the eCFR), with what to look for
    runs        one row per run, with its JSON summary

The delivery protocol makes "exactly once per channel" hold across re-runs, crashes
and concurrent runs:

1. a run records the items it found and enqueues a ``pending`` delivery for each
   channel (``INSERT OR IGNORE``: a row that exists, sent or not, is left alone);
2. before sending, it *claims* a channel's pending and failed rows in one
   ``BEGIN IMMEDIATE`` transaction, stamping them with its claim (host, pid, token)
   and a batch id; rows claimed by another live run are not touched, so two runs at
   once never send the same row;
3. after the channel accepted the batch it marks the rows ``sent`` (only rows that
   still carry its own claim); a failure marks them ``failed``, to be claimed again
   by the next run.

A run that dies between claiming and marking leaves ``claimed`` rows.  They are
taken over when their claimer is known dead (same host, process gone) or its
lease has expired, and sent again *under the same batch id*, which a channel
passes on (the webhook's ``X-Frdiff-Delivery``, the e-mail's ``Message-ID``, the
feed's entry ids), so a receiver can recognise the one case no sender can rule
out: a crash after the receiver accepted a message and before the ledger recorded
it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frdiff.errors import StoreError
from frdiff.sqlitedb import Database, open_db, pid_alive, write

SCHEMA_VERSION = 1
FILE_NAME = "watch.sqlite"
#: A claim older than this (seconds) is taken over even if its process may live
#: (another host, or a hung run).  A run's sends take far less.
LEASE_SECONDS = 15 * 60

PENDING, CLAIMED, SENT, FAILED = "pending", "claimed", "sent", "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    key        TEXT PRIMARY KEY,
    stage      TEXT NOT NULL,
    document   TEXT NOT NULL,
    found_at   TEXT NOT NULL,
    run        TEXT NOT NULL,
    payload    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    channel    TEXT NOT NULL,
    key        TEXT NOT NULL REFERENCES items (key),
    status     TEXT NOT NULL,
    batch      TEXT,
    claimed_by TEXT,
    claimed_at REAL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    sent_at    TEXT,
    error      TEXT,
    enqueued_at TEXT NOT NULL,
    PRIMARY KEY (channel, key)
);
CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (channel, status);
CREATE TABLE IF NOT EXISTS tracked (
    document   TEXT PRIMARY KEY,
    stage      TEXT NOT NULL,
    since      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id          TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    since       TEXT,
    until       TEXT,
    summary     TEXT
);
"""


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True, slots=True)
class Delivery:
    """One item claimed for one channel."""

    channel: str
    key: str
    batch: str
    attempts: int
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Batch:
    """Items that go to one channel in one message, under one id."""

    channel: str
    id: str
    deliveries: tuple[Delivery, ...]
    resent: bool = False  # taken over from a run that died while sending it

    @property
    def keys(self) -> list[str]:
        return [d.key for d in self.deliveries]

    @property
    def items(self) -> list[dict[str, Any]]:
        return [d.payload for d in self.deliveries]


class Ledger(Database):
    """The watch's state file.  Open with :meth:`Ledger.open`; close when done."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the watch state's folder: {exc.strerror}", where=str(self.path)
            ) from None
        self.claim_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._db = self._connect()

    @classmethod
    def open(cls, path: Path) -> Ledger:
        return cls(path)

    def _connect(self) -> sqlite3.Connection:
        return open_db(self.path, _SCHEMA, SCHEMA_VERSION, what="watch state", synchronous="FULL")

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return write(self._db, what="watch state", where=str(self.path))

    # Items and tracked documents ------------------------------------------------------
    def has_item(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM items WHERE key = ?", (key,)).fetchone() is not None

    def item(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT payload FROM items WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def tracked(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """document -> (stage reached, what to look for next)."""
        rows = self._db.execute("SELECT document, stage, payload FROM tracked").fetchall()
        return {doc: (stage, json.loads(payload)) for doc, stage, payload in rows}

    def record(
        self,
        run: str,
        items: Sequence[dict[str, Any]],
        enqueue: dict[str, list[str]],
        *,
        track: dict[str, tuple[str, dict[str, Any]]] | None = None,
        untrack: Iterable[str] = (),
    ) -> list[str]:
        """Store what a run found and enqueue it, in one transaction.

        ``enqueue`` maps each channel to the item keys it is to receive.  An item
        already known keeps its first payload; a delivery that exists (sent or not)
        is left alone.  Returns the keys that were new.
        """
        now = utc_now()
        new: list[str] = []
        with self._write() as db:
            for item in items:
                cur = db.execute(
                    "INSERT OR IGNORE INTO items (key, stage, document, found_at, run, payload) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        item["id"],
                        item["stage"],
                        item.get("document", {}).get("document_number") or "",
                        now,
                        run,
                        json.dumps(item, ensure_ascii=False, sort_keys=True),
                    ),
                )
                if cur.rowcount:
                    new.append(item["id"])
            for channel, keys in enqueue.items():
                for key in keys:
                    db.execute(
                        "INSERT OR IGNORE INTO deliveries (channel, key, status, enqueued_at) "
                        "VALUES (?, ?, ?, ?)",
                        (channel, key, PENDING, now),
                    )
            for doc, (stage, payload) in (track or {}).items():
                db.execute(
                    "INSERT INTO tracked (document, stage, since, payload, updated_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (document) DO UPDATE SET "
                    "stage = excluded.stage, payload = excluded.payload, "
                    "updated_at = excluded.updated_at",
                    (doc, stage, now, json.dumps(payload, ensure_ascii=False), now),
                )
            for doc in untrack:
                db.execute("DELETE FROM tracked WHERE document = ?", (doc,))
        return new

    # Deliveries ---------------------------------------------------------------------------
    def _stale(self, claimed_by: str | None, claimed_at: float | None) -> bool:
        if not claimed_by:
            return True
        if claimed_at is None or time.time() - claimed_at > LEASE_SECONDS:
            return True
        host, _, rest = claimed_by.partition(":")
        pid_text = rest.split(":", 1)[0]
        if host == socket.gethostname() and pid_text.isdigit():
            return not pid_alive(int(pid_text)) or claimed_by == self.claim_id
        return False

    def claim(self, channel: str) -> list[Batch]:
        """Take this channel's undelivered items for this run, in one transaction.

        Batches that a dead run claimed come first, each under its old id; then one
        new batch of everything pending or failed.  Rows another live run holds are
        left to it.
        """
        out: list[Batch] = []
        now = time.time()
        with self._write() as db:
            rows = db.execute(
                "SELECT d.key, d.status, d.batch, d.claimed_by, d.claimed_at, d.attempts, "
                "i.payload FROM deliveries d JOIN items i ON i.key = d.key "
                "WHERE d.channel = ? AND d.status IN (?, ?, ?) ORDER BY i.rowid",
                (channel, PENDING, FAILED, CLAIMED),
            ).fetchall()
            taken_over: dict[str, list[Delivery]] = {}
            fresh: list[tuple[str, int, str]] = []
            for key, status, batch, claimed_by, claimed_at, attempts, payload in rows:
                if status == CLAIMED:
                    if not self._stale(claimed_by, claimed_at):
                        continue
                    taken_over.setdefault(batch, []).append(
                        Delivery(channel, key, batch, attempts, json.loads(payload))
                    )
                else:
                    fresh.append((key, attempts, payload))
            for batch_id, deliveries in taken_over.items():
                db.executemany(
                    "UPDATE deliveries SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 "
                    "WHERE channel = ? AND key = ?",
                    [(self.claim_id, now, channel, d.key) for d in deliveries],
                )
                out.append(Batch(channel, batch_id, tuple(deliveries), resent=True))
            if fresh:
                batch_id = secrets.token_hex(8)
                db.executemany(
                    "UPDATE deliveries SET status = ?, batch = ?, claimed_by = ?, claimed_at = ?, "
                    "attempts = attempts + 1 WHERE channel = ? AND key = ?",
                    [(CLAIMED, batch_id, self.claim_id, now, channel, k) for k, _, _ in fresh],
                )
                out.append(
                    Batch(
                        channel,
                        batch_id,
                        tuple(
                            Delivery(channel, k, batch_id, a + 1, json.loads(p))
                            for k, a, p in fresh
                        ),
                    )
                )
        return out

    def mark_sent(self, batch: Batch) -> int:
        """The channel accepted ``batch``: its rows are done.  Returns how many were ours."""
        with self._write() as db:
            cur = db.executemany(
                "UPDATE deliveries SET status = ?, sent_at = ?, error = NULL "
                "WHERE channel = ? AND key = ? AND status = ? AND claimed_by = ?",
                [(SENT, utc_now(), batch.channel, k, CLAIMED, self.claim_id) for k in batch.keys],
            )
            return cur.rowcount

    def mark_failed(self, batch: Batch, error: str) -> None:
        """Sending ``batch`` failed: the next run claims its rows again (as a new batch)."""
        with self._write() as db:
            db.executemany(
                "UPDATE deliveries SET status = ?, error = ?, claimed_by = NULL "
                "WHERE channel = ? AND key = ? AND status = ? AND claimed_by = ?",
                [
                    (FAILED, error[:500], batch.channel, k, CLAIMED, self.claim_id)
                    for k in batch.keys
                ],
            )

    def sent_items(self, channel: str) -> list[tuple[str, dict[str, Any]]]:
        """(sent_at, item) for everything delivered to ``channel``, oldest first."""
        rows = self._db.execute(
            "SELECT d.sent_at, i.payload FROM deliveries d JOIN items i ON i.key = d.key "
            "WHERE d.channel = ? AND d.status = ? ORDER BY i.rowid",
            (channel, SENT),
        ).fetchall()
        return [(sent_at, json.loads(payload)) for sent_at, payload in rows]

    def status(self, channel: str | None = None) -> dict[str, dict[str, int]]:
        """channel -> status -> count."""
        query = "SELECT channel, status, COUNT(*) FROM deliveries"
        args: tuple[str, ...] = ()
        if channel is not None:
            query += " WHERE channel = ?"
            args = (channel,)
        out: dict[str, dict[str, int]] = {}
        for ch, status, n in self._db.execute(query + " GROUP BY channel, status", args):
            out.setdefault(ch, {})[status] = n
        return out

    # Runs -----------------------------------------------------------------------------------
    def start_run(self, since: str, until: str) -> str:
        run = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"
        with self._write() as db:
            db.execute(
                "INSERT INTO runs (id, started_at, since, until) VALUES (?, ?, ?, ?)",
                (run, utc_now(), since, until),
            )
        return run

    def finish_run(self, run: str, summary: dict[str, Any]) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
                (utc_now(), json.dumps(summary, ensure_ascii=False), run),
            )

    def last_until(self) -> str | None:
        """The window end of the last run that finished."""
        row = self._db.execute(
            "SELECT until FROM runs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None
