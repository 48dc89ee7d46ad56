"""Build hook: the snapshot parser's hot modules compiled to C with mypyc.

Everything else about the package is in pyproject.toml.  The modules listed in
COMPILED are plain, fully typed Python; mypyc (part of mypy) turns each into a C
extension that runs the same code about a fifth faster, and the wheel ships both,
the extension taking precedence.  The test suite runs against both builds
(``make test``), so they must never behave differently.

- ``FRDIFF_COMPILE=0`` builds pure Python.
- An editable install (``pip install -e .``, ``make venv``) is never compiled: an
  extension module beside its source would shadow every later edit of it.
- Without a working C compiler the build says so and falls back to pure Python.
"""

from __future__ import annotations

import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build import build
from setuptools.command.build_ext import build_ext

#: The modules a snapshot parse spends its time in (see benchmarks/RESULTS.md).
COMPILED = ["frdiff/normalize.py", "frdiff/parse/cells.py", "frdiff/parse/snapshot.py"]


class _CleanBuild(build):
    """Build into an empty build/lib: pip builds in the source tree, and a module
    compiled by an earlier build (since dropped from COMPILED) must not ship."""

    def run(self) -> None:
        shutil.rmtree(self.build_lib, ignore_errors=True)
        super().run()


class _OptionalBuildExt(build_ext):
    """Compile when possible; otherwise leave the pure-Python modules to do the work.

    The compiled modules share one library: a build that fails part way removes
    whatever it did build, so a wheel is all compiled or all pure.
    """

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers: the package still works
            for ext in self.extensions:
                path = self.get_ext_fullpath(ext.name)
                if os.path.exists(path):
                    os.remove(path)
            self.warn(f"frdiff: not compiling the parser ({exc}); installing pure Python")


def _ext_modules() -> list[object]:
    building = {"bdist_wheel", "build", "build_ext", "install"} & set(sys.argv)
    if not building or "editable_wheel" in sys.argv or os.environ.get("FRDIFF_COMPILE") == "0":
        return []  # metadata only, an editable install, or pure Python asked for
    try:
        from mypyc.build import mypycify

        # mypyc type-checks first, with the project's mypy settings (pyproject.toml)
        # and the stubs the build requires; it exits on a type error.
        return list(mypycify(COMPILED, opt_level="3", group_name="frdiff"))
    except (SystemExit, Exception) as exc:  # no mypy, or a type error: pure Python
        print(f"frdiff: not compiling the parser ({exc!r}); pure Python", file=sys.stderr)
        return []


setup(
    ext_modules=_ext_modules(),
    cmdclass={"build": _CleanBuild, "build_ext": _OptionalBuildExt},
)
