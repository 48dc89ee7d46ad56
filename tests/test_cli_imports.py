"""The command loads only what it uses: a diff of cached snapshots starts fast.

Import time counts in every command a user runs (see ``make bench``), so the
heavy modules (lxml, the network stack, the report templates, rapidfuzz,
logging) must stay out of ``frdiff diff`` when the parse cache holds both inputs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import SNAPSHOTS
from frdiff import cache

_PROBE = """
import sys
before = set(sys.modules)  # what start-up loaded (an editable install loads pathlib)
import json
from frdiff.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
sys.stderr.write(json.dumps({"code": code, "modules": sorted(set(sys.modules) - before)}))
"""

HEAVY = (
    "lxml",
    "requests",
    "urllib3",
    "jinja2",
    "rapidfuzz",
    "logging",
    "sqlite3",
    "platformdirs",
    "_hashlib",  # OpenSSL: a known, unchanged input is not hashed again
    "pathlib",  # with urllib.parse and ipaddress, a twentieth of the command
)


def _run(args: list[str], cache_dir: Path) -> tuple[str, dict[str, object]]:
    env = {**os.environ, "FRDIFF_CACHE_DIR": str(cache_dir)}
    env.pop("FRDIFF_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout, json.loads(done.stderr.splitlines()[-1])


def test_a_cached_diff_imports_no_heavy_module(tmp_path: Path) -> None:
    old, new = (shutil.copy(p, tmp_path / p.name) for p in SNAPSHOTS[2:4])
    # Copies made just now are hashed every time until they settle (see the cache).
    time.sleep(max(0.0, cache.SETTLED + 0.1 - (time.time() - Path(new).stat().st_ctime)))
    args = ["diff", str(old), str(new), "--format", "json"]
    first, probe = _run(args, tmp_path / "cache")
    assert probe["code"] == 0
    assert "lxml.etree" in probe["modules"], "the first run parses the XML"
    assert "_hashlib" in probe["modules"], "... and hashes it"
    again, probe = _run(args, tmp_path / "cache")
    assert probe["code"] == 0
    assert again == first
    loaded = {m.split(".")[0] for m in probe["modules"]}  # type: ignore[union-attr]
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


_LOGS = """
import sys
import time
from frdiff import log
if sys.argv[1] == "cli-late":  # the command line first, the logging module later
    log.set_verbosity(1)
    log.get_logger("frdiff.x").info("late")
elif sys.argv[1] == "cli-early":  # logging already loaded when the command line runs
    import logging
    quiet = log.get_logger("frdiff.x")
    log.set_verbosity(0)
    quiet.info("hidden")
    quiet.warning("shown")
else:  # a library user: frdiff never configures logging itself
    import logging
    log.get_logger("frdiff.x")
    print(len(logging.getLogger().handlers))
"""


def _logs(case: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LOGS, case], capture_output=True, text=True, check=True
    )


def test_verbosity_applies_whenever_logging_is_loaded() -> None:
    assert _logs("cli-late").stderr == "frdiff: late\n"
    assert _logs("cli-early").stderr == "frdiff: shown\n"


def test_as_a_library_frdiff_leaves_logging_alone() -> None:
    assert _logs("library").stdout.strip() == "0"
