"""The ``frdiff`` command and ``python -m frdiff``: process settings, then :mod:`frdiff.cli`."""

from __future__ import annotations

import gc


def run() -> None:
    """Run the command line.

    The command builds tens of thousands of small objects (modules as they load,
    entries and their tuples) and frees them at exit; few form cycles.  Collecting
    every 700 allocations costs a cached diff several per cent of its time, so the
    process collects far less often (as mypy does); a long history replay still
    collects.  Set before anything is imported, since imports allocate most.
    """
    gc.set_threshold(100_000, 50, 100)
    from frdiff.cli import main

    main()


if __name__ == "__main__":
    run()
