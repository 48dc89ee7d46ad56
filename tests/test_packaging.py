"""The package as `pip install` builds it: every module, template and schema ships.

A checkout (or an editable install) finds everything next to the sources, so a
file left out of the wheel shows up only for users: this test builds the wheel,
checks its contents against the source tree, and runs the weekly report from the
unpacked wheel alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("frdiff-*.whl")
    return found


def test_the_wheel_holds_every_module_template_and_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    want = {p.relative_to(ROOT).as_posix() for p in (ROOT / "frdiff").rglob("*.py")}
    want |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "frdiff" / "schema").glob("*.json")}
    want |= {f"frdiff/templates/{p.name}" for p in (ROOT / "templates").iterdir() if p.is_file()}
    assert want - names == set()


def test_the_installed_command_writes_the_weekly_report(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {k: v for k, v in os.environ.items() if k != "FRDIFF_TEMPLATES"}
    env["FRDIFF_CACHE_DIR"] = str(tmp_path / "cache")
    probe = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); import frdiff, frdiff.report; "
        "print(frdiff.__file__, frdiff.report.templates_dir()); from frdiff.cli import main; main()"
    )
    out = tmp_path / "out"
    args = ["weekly", "--week", "2025-W13", "--offline", "--fixtures", str(FIXTURES)]
    done = subprocess.run(
        [sys.executable, "-c", probe, str(site), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    module, templates = done.stdout.split()[:2]
    assert Path(module).is_relative_to(site) and Path(templates).is_relative_to(site)
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "<style" in html and "Entity List" in html
