"""The package as `pip install` builds it: pure Python, every module, template and
schema in the wheel, and the installed command working on its own.

A checkout (or an editable install) finds everything next to the sources, so a
file left out of the wheel shows up only for users: this test builds the wheel,
checks its contents against the source tree, installs it into a clean virtual
environment and runs the weekly report from there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
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


def test_the_wheel_is_pure_python(wheel: Path) -> None:
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    binary = [n for n in zipfile.ZipFile(wheel).namelist() if n.endswith((".so", ".pyd"))]
    assert binary == []


def test_the_wheel_holds_every_module_template_and_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    want = {p.relative_to(ROOT).as_posix() for p in (ROOT / "frdiff").rglob("*.py")}
    want |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "frdiff" / "schema").glob("*.json")}
    want |= {f"frdiff/templates/{p.name}" for p in (ROOT / "templates").iterdir() if p.is_file()}
    assert want - names == set()


def _clean_venv(where: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed; frdiff's dependencies are
    borrowed from this interpreter's site-packages (a path line, so that its editable
    install of frdiff is not activated), as no test may reach the package index."""
    venv.create(where, with_pip=False)
    python = where / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "frdiff-test-deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return where / "bin"


def test_the_installed_command_writes_the_weekly_report(wheel: Path, tmp_path: Path) -> None:
    bin_dir = _clean_venv(tmp_path / "venv", wheel)
    env = {k: v for k, v in os.environ.items() if k not in ("FRDIFF_TEMPLATES", "PYTHONPATH")}
    env["FRDIFF_CACHE_DIR"] = str(tmp_path / "cache")
    probe = "import frdiff, frdiff.report; print(frdiff.__file__, frdiff.report.templates_dir())"
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    module, templates = where.stdout.split()
    venv_dir = tmp_path / "venv"
    assert Path(module).is_relative_to(venv_dir) and Path(templates).is_relative_to(venv_dir)
    out = tmp_path / "out"
    args = ["weekly", "--week", "2025-W13", "--offline", "--fixtures", str(FIXTURES)]
    done = subprocess.run(
        [str(bin_dir / "frdiff"), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "<style" in html and "Entity List" in html
