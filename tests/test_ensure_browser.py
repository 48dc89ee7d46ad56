"""scripts/ensure-browser, which `make test` and .ci/run run before the browser tests:
it finds chromium, or installs Debian's (root with apt-get), or fails at once naming
the one command to run.  Only the finding and the failing are run here: the tests
never install anything."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "ensure-browser"


def _run(path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash
    return subprocess.run(
        [bash, str(SCRIPT)], capture_output=True, text=True, env={"PATH": str(path), **env}
    )


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 0\n", encoding="ascii")
    path.chmod(0o755)
    return path


def test_chromium_on_the_path_is_found(tmp_path: Path) -> None:
    browser = _executable(tmp_path / "chromium")
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(browser) in done.stdout


def test_frdiff_chromium_names_the_browser(tmp_path: Path) -> None:
    browser = _executable(tmp_path / "my-chrome")
    assert _run(tmp_path, FRDIFF_CHROMIUM=str(browser)).returncode == 0
    done = _run(tmp_path, FRDIFF_CHROMIUM=str(tmp_path / "absent"))
    assert done.returncode == 1
    assert "FRDIFF_CHROMIUM" in done.stderr


def test_without_chromium_or_apt_get_it_fails_with_the_command_to_run(tmp_path: Path) -> None:
    done = _run(tmp_path)  # a PATH holding neither chromium nor apt-get
    assert done.returncode == 1
    assert "sudo apt-get install chromium" in done.stderr
