"""Work the benchmark runs in a fresh process, so its memory and start-up are its own.

``python -m benchmarks.child MODE ...`` prints one JSON object on stdout:

- ``diff OLD NEW``: parse both, then diff them under tracemalloc;
- ``deepdiff OLD NEW``: parse both, then DeepDiff them (maxrss only);
- ``history BASE N``: parse BASE, then generate N versions and diff each
  consecutive pair under tracemalloc;
- ``parse FILE`` / ``floor FILE``: the wall time of one first parse of FILE (by
  frdiff, or by lxml visiting every text node), in a process that has imported
  everything and parsed an unrelated document, but never this one: caches that
  outlive a parse cannot make a repeated parse look faster than a first one.

``--rows N`` trims each snapshot to its first N table rows first (quick runs).
Peak traced memory covers the measured step; ``maxrss`` the whole process.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tracemalloc
from pathlib import Path
from typing import Any


def _read(path: str, rows: int | None) -> bytes:
    data = Path(path).read_bytes()
    if rows:
        from .baselines import trim

        data = trim(data, rows)
    return data


def _maxrss_mb() -> float:
    """This process's peak resident set size in MB.

    On Linux ``ru_maxrss`` survives ``exec`` and so reports the forking parent's
    peak; ``VmHWM`` belongs to this process's own address space.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # macOS: bytes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.child")
    ap.add_argument("mode", choices=("diff", "deepdiff", "history", "parse", "floor"))
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--versions", type=int, default=50)
    args = ap.parse_args(argv)

    from frdiff.parse.snapshot import parse_snapshot

    if args.mode in ("parse", "floor"):
        return _first_parse(args.mode, Path(args.paths[0]).read_bytes(), parse_snapshot)

    snaps = [parse_snapshot(_read(p, args.rows), source=p) for p in args.paths]
    gc.collect()
    out: dict[str, Any] = {"mode": args.mode}
    if args.mode == "diff":
        from frdiff.diff import diff_entries

        tracemalloc.start()
        diff = diff_entries(snaps[0].entries, snaps[1].entries)
        out["peak_traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        out["changes"] = diff.summary()["total"]
    elif args.mode == "deepdiff":
        from deepdiff import DeepDiff

        from .baselines import plain

        result = DeepDiff(
            [plain(e) for e in snaps[0].entries],
            [plain(e) for e in snaps[1].entries],
            ignore_order=True,
        )
        out["reports"] = sum(len(v) for v in result.values())
    else:
        from frdiff.diff import diff_entries

        from .history import history, scale_for

        tracemalloc.start()
        base = snaps[0].entries
        versions = history(base, args.versions, scale=scale_for(len(base)))
        previous = snaps[0].entries
        changes = 0
        for v in versions:
            changes += diff_entries(previous, v.entries).summary()["total"]
            previous = v.entries
        out["peak_traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        out["changes"] = changes
    out["maxrss_mb"] = _maxrss_mb()
    print(json.dumps(out))
    return 0


#: A document sharing no text with the real list: it warms imports and compiled
#: regular expressions, not the caches keyed by cell text.
_WARM_UP = (
    b"<DIV9 N='Supplement No. 4 to Part 744'><TABLE><TR><TH>Country</TH><TH>Entity</TH>"
    b"<TH>License requirement</TH><TH>License review policy</TH><TH>Federal Register "
    b"citation</TH></TR><TR><TD>ATLANTIS</TD><TD>Warmup Works, a.k.a., the following "
    b"alias:<br/>\xe2\x80\x94Warm.<br/>1 Test Road, Town.</TD><TD>For all items.</TD><TD>Presumption "
    b"of denial.</TD><TD>1 FR 1, 1/2/03.</TD></TR></TABLE></DIV9>"
)


def _first_parse(mode: str, data: bytes, parse_snapshot: Any) -> int:
    import time

    from .baselines import lxml_floor

    work = (lambda: parse_snapshot(data)) if mode == "parse" else (lambda: lxml_floor(data))
    parse_snapshot(_WARM_UP)
    lxml_floor(_WARM_UP)
    gc.collect()
    t = time.perf_counter()
    work()
    seconds = time.perf_counter() - t
    print(json.dumps({"mode": mode, "seconds": seconds, "build": build_of(parse_snapshot)}))
    return 0


def build_of(function: Any) -> str:
    """Which frdiff ``function`` comes from: an installed copy (as `pip install .`
    gives it) or the checkout's own sources (an editable install)."""
    module = sys.modules[function.__module__]
    path = Path(getattr(module, "__file__", None) or "").resolve()
    checkout = Path(__file__).resolve().parent.parent
    return "from the checkout" if path.is_relative_to(checkout) else "installed"


if __name__ == "__main__":
    sys.exit(main())
