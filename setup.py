"""Build hook: the snapshot parser's hot modules compiled to C with mypyc.

Everything else about the package is in pyproject.toml.  The modules listed in
COMPILED are plain, fully typed Python; mypyc (part of mypy) turns each into a C
extension that runs the same code about a fifth faster, and the wheel ships both,
the extension taking precedence.  The test suite runs against both builds
(``make test``), so they must never behave differently.

``FRDIFF_COMPILE`` decides:

- unset: compile when a C compiler and Python's headers work, else build pure
  Python (and say so on stderr, which pip shows with ``-v``);
- ``1``: compile or fail the build (``make test-compiled``, the benchmark, releases);
- ``0``: pure Python.

An editable install (``pip install -e .``, ``make venv``) is never compiled: an
extension module beside its source would shadow every later edit of it.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile

from setuptools import setup
from setuptools.command.build import build
from setuptools.command.build_ext import build_ext

#: The modules a snapshot parse spends its time in (see benchmarks/RESULTS.md).
COMPILED = ["frdiff/normalize.py", "frdiff/parse/cells.py", "frdiff/parse/snapshot.py"]

MODE = os.environ.get("FRDIFF_COMPILE", "")
#: The setup.py commands that build extension modules (an editable install runs
#: editable_wheel, metadata queries run egg_info or dist_info: neither needs them).
_BUILDING = {"bdist_wheel", "build", "build_ext", "install"}


def _say(message: str) -> None:
    print(f"frdiff: {message}", file=sys.stderr)


def _skip(reason: str) -> list[object]:
    """No extension modules: pure Python, unless compiling was required."""
    if MODE == "1":
        raise SystemExit(f"frdiff: FRDIFF_COMPILE=1 but cannot compile: {reason}")
    _say(f"building pure Python ({reason})")
    return []


def _can_compile() -> str:
    """Why a C extension cannot be built here ("" when it can): a one-line C file
    that includes Python.h is compiled with the compiler setuptools would use."""
    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.sysconfig import customize_compiler, get_python_inc

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "probe.c")
        with open(source, "w", encoding="ascii") as f:
            f.write("#include <Python.h>\nint frdiff_probe(void) { return 0; }\n")
        try:
            compiler = new_compiler()
            customize_compiler(compiler)
            compiler.compile([source], output_dir=tmp, include_dirs=[get_python_inc()])
        except Exception as exc:
            return f"no working C compiler or Python headers: {exc}"
    return ""


def _ext_modules() -> list[object]:
    if MODE == "0":
        return []
    if not _BUILDING & set(sys.argv[1:]) or "editable_wheel" in sys.argv:
        return []  # metadata only, or an editable install
    problem = _can_compile()
    if problem:
        return _skip(problem)
    try:
        from mypyc.build import mypycify
    except ImportError:
        return _skip("mypyc (from mypy) is not installed")
    try:
        # mypyc type-checks first, with the project's mypy settings (pyproject.toml)
        # and the stubs the build requires; it exits on a type error.
        return list(mypycify(COMPILED, opt_level="3", group_name="frdiff"))
    except (SystemExit, Exception) as exc:
        return _skip(f"mypyc failed: {exc!r}")


class _CleanBuild(build):
    """Build into empty directories: pip builds in the source tree, and nothing from
    an earlier or interrupted build (an extension since dropped from COMPILED) may
    ship."""

    def run(self) -> None:
        base = os.path.abspath(self.build_base)
        for path in [self.build_lib, *glob.glob(os.path.join(base, "bdist.*"))]:
            if os.path.abspath(path).startswith(base + os.sep):  # never outside build/
                shutil.rmtree(path, ignore_errors=True)
        super().run()


class _OptionalBuildExt(build_ext):
    """Compile, or leave the pure-Python modules to do the work when compiling fails
    after all (the compiled modules share one library: whatever was built is
    removed, so a wheel is all compiled or all pure)."""

    def run(self) -> None:
        if self.inplace or getattr(self, "editable_mode", False):
            return  # an editable install: the sources must stay what runs
        try:
            super().run()
        except Exception as exc:
            if MODE == "1":
                raise
            for ext in self.extensions:
                path = self.get_ext_fullpath(ext.name)
                if os.path.exists(path):
                    os.remove(path)
            _say(f"building pure Python (compiling failed: {exc})")


setup(
    ext_modules=_ext_modules(),
    cmdclass={"build": _CleanBuild, "build_ext": _OptionalBuildExt},
)
