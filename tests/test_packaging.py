"""The package as `pip install` builds it: every module, template and schema ships,
and the parser's hot modules are compiled (setup.py) yet read every document as
the sources do.

A checkout (or an editable install) finds everything next to the sources, so a
file left out of the wheel shows up only for users: this test builds the wheel,
checks its contents against the source tree, and runs the weekly report from the
unpacked wheel alone.
"""

from __future__ import annotations

import ast
import importlib
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
        env={**os.environ, "FRDIFF_COMPILE": "1"},  # compiled, or the build fails
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


#: The modules setup.py compiles, read from it (running it would build the package).
COMPILED = next(
    ast.literal_eval(node.value)
    for node in ast.parse((ROOT / "setup.py").read_text(encoding="utf-8")).body
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED"
)
MODULES = [path.removesuffix(".py").replace("/", ".") for path in COMPILED]


def _is_extension(path: str) -> bool:
    return path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_the_wheel_holds_the_compiled_parser(wheel: Path) -> None:
    """The build compiles COMPILED with mypyc; it falls back to pure Python without a C
    compiler, which this machine and CI have, so here the wheel must be compiled."""
    names = zipfile.ZipFile(wheel).namelist()
    for module in MODULES:
        stem = module.replace(".", "/") + "."
        compiled = [n for n in names if n.startswith(stem) and _is_extension(n)]
        assert compiled, f"{module} is not compiled in {wheel.name}"
        assert module.replace(".", "/") + ".py" in names  # the source ships too


def test_this_run_tests_the_build_it_expects() -> None:
    """`make test` runs the suite twice: on the editable install (pure Python; an
    editable install is never compiled) and with FRDIFF_EXPECT_COMPILED=1 on the
    installed wheel (compiled).  Each run checks that it tests what it says."""
    expected = os.environ.get("FRDIFF_EXPECT_COMPILED") == "1"
    for module in MODULES:
        path = importlib.import_module(module).__file__ or ""
        assert _is_extension(path) == expected, path


#: Parses every bundled document and prints a digest of everything read, plus
#: whether the parser ran compiled; frdiff is imported from sys.argv[1].
_DIGEST = """
import hashlib, pathlib, sys
sys.path.insert(0, sys.argv[1])
import msgspec
from frdiff.parse import snapshot
from frdiff.parse.rule import parse_rule
digest = hashlib.sha256()
fixtures = pathlib.Path(sys.argv[2])
for path in sorted(fixtures.glob("ecfr/*.xml")):
    s = snapshot.parse_snapshot(path.read_bytes(), source=path.name)
    digest.update(msgspec.json.encode([s.entries, s.findings, s.accounting, s.rows, s.date]))
for path in sorted(fixtures.glob("fr/*.xml")):
    digest.update(msgspec.json.encode(parse_rule(path.read_bytes(), source=path.name)))
print(snapshot.__file__, digest.hexdigest())
"""


def test_the_compiled_parser_reads_every_document_as_the_sources_do(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    runs = {}
    for build, path in (("compiled", site), ("source", ROOT)):
        done = subprocess.run(
            [sys.executable, "-P", "-c", _DIGEST, str(path), str(FIXTURES)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        module, digest = done.stdout.split()
        assert Path(module).is_relative_to(path)
        assert _is_extension(module) == (build == "compiled"), module
        runs[build] = digest
    assert runs["compiled"] == runs["source"]
