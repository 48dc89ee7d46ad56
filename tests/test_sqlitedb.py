"""SQLite state files opened by several frdiff processes at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from frdiff.sqlitedb import open_db


def test_opening_waits_for_another_process_writing_instead_of_failing(tmp_path: Path) -> None:
    # A process writing in rollback mode (as a first opener creating the schema does)
    # holds the lock the switch to WAL needs; SQLite refuses that switch at once
    # ("database is locked"), without its busy handler: the open must wait instead.
    path = tmp_path / "index.sqlite"
    seed = sqlite3.connect(path)
    seed.execute("CREATE TABLE t (x)")
    seed.commit()
    seed.close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"db = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE'); db.execute('INSERT INTO t VALUES (1)')\n"
            "print('held', flush=True); time.sleep(0.5); db.execute('COMMIT')\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        db = open_db(path, "CREATE TABLE IF NOT EXISTS u (y)", 1, what="index")
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 1  # the writer's row
        db.close()
    finally:
        holder.wait(10)
    assert holder.returncode == 0
