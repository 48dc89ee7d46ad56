"""frdiff's benchmark: speed and memory against baselines measured in the same run.

Run ``make bench`` (or ``python -m benchmarks.run``).  Every figure is the median
of several repetitions timed with ``time.perf_counter``; every ratio compares
two figures from this run on the same inputs, so the ratios hold on any machine
even where the absolute times do not.

1. parse one full snapshot vs the floor (lxml parse + visit every text node), by
   frdiff as `pip install .` installs it (the development environment's figure,
   an editable install, is shown too); and the real eCFR response for Part 744
   the same way, where the real documents are (FRDIFF_REALDOCS);
2. in-process diff vs ``DeepDiff(ignore_order=True)``, and whether each pairs
   records correctly (on the real pair, and on a generated pair whose truth is
   known);
3. the whole ``frdiff diff OLD NEW --format json`` command vs ``csv-diff`` on
   CSV exports of the same snapshots (runs interleaved, frdiff's parse cache
   warm; the cold figure is shown too), plus interpreter import times;
4. replaying a generated history of successive versions, diffing each pair;
5. peak memory of 2 and 4, each in a fresh process;
6. ``frdiff screen`` of 100,000 generated parties against the whole list (the real
   eCFR copy of 2026-07-23 where the real documents are, else the largest
   fixture) vs rapidfuzz's ``process.cdist`` over every name and alias.

``--strict`` exits 1 when a target is missed; by default the run only reports.
``--quick`` runs every code path on a few hundred rows (for the smoke test).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frdiff.diff import diff_entries
from frdiff.model import Entry
from frdiff.parse.snapshot import parse_snapshot

from . import baselines as B
from . import child
from .history import check, edit, history, scale_for

ROOT = Path(__file__).resolve().parent.parent
OLD = ROOT / "fixtures" / "ecfr" / "supp4-2025-03-24.xml"
NEW = ROOT / "fixtures" / "ecfr" / "supp4-2025-03-31.xml"
#: The real documents (never in the project): beside the checkout, as the tests read
#: them, or where FRDIFF_REALDOCS points.  The real eCFR copy of Part 744 is parsed
#: when it is there.
REALDOCS = Path(os.environ.get("FRDIFF_REALDOCS") or ROOT.parent / "shared" / "realdocs")
REAL_ECFR = REALDOCS / "ecfr" / "part744-fetched-2026-07-23.xml"

PARSE_TARGET = 3.0  # at most this many times the lxml floor
DIFF_TARGET = 20.0  # at least this many times faster than DeepDiff
CLI_TARGET = 1.0  # at most this many times csv-diff's time
LINEAR_TARGET = 1.5  # per-version cost at the end vs at the start of the history
MEMORY_TARGET_MB = 200.0
SCREEN_TARGET_S = 10.0  # 100,000 parties screened by the whole command
SCREEN_PARTIES = 100_000
#: The generated pair of section 2: one large rule, with every kind of edit.
LARGE_RULE = {
    "add": 40,
    "remove": 5,
    "rename": 5,
    "move": 3,
    "alias": 10,
    "address": 10,
    "policy": 5,
    "citation_only": 10,
}


# ---------------------------------------------------------------------------
# Report


@dataclass
class Check:
    name: str
    measured: str
    target: str
    ok: bool


@dataclass
class Section:
    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, value: str) -> None:
        self.lines.append((label, value))


@dataclass
class Report:
    sections: list[Section] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def section(self, title: str) -> Section:
        s = Section(title)
        self.sections.append(s)
        print(f"  ... {title}", file=sys.stderr, flush=True)
        return s

    def check(self, name: str, measured: str, target: str, ok: bool) -> None:
        self.checks.append(Check(name, measured, target, ok))

    def render(self) -> str:
        out: list[str] = []
        for s in self.sections:
            out.append(f"== {s.title} ==")
            width = max((len(label) for label, _ in s.lines), default=0)
            out.extend(f"  {label.ljust(width)}  {value}" for label, value in s.lines)
            out.append("")
        out.append("== Targets ==")
        rows = [("target", "measured", "wanted", "status")] + [
            (c.name, c.measured, c.target, "met" if c.ok else "MISSED") for c in self.checks
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            out.append("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
        return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------
# Timing helpers


def timed_side_by_side(fns: Sequence[Callable[[], Any]], reps: int) -> list[float]:
    """Median wall time of each function, runs interleaved (A B A B ...) after one
    warm-up round, so that each gets the same share of whatever else the machine
    is doing and their ratio is fair."""
    times: list[list[float]] = [[] for _ in fns]
    for rep in range(reps + int(reps > 1)):
        for fn, out in zip(fns, times, strict=True):
            t = time.perf_counter()
            fn()
            if rep or reps == 1:
                out.append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def timed(fn: Callable[[], Any], reps: int, warmup: int | None = None) -> float:
    """Median wall time of ``fn`` in seconds over ``reps`` runs.

    One warm-up run comes first (caches, page cache, lazy imports) unless ``reps``
    is 1, a smoke run, where it would only double the cost.
    """
    for _ in range(warmup if warmup is not None else int(reps > 1)):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


@dataclass
class CmdTime:
    wall: float  # median seconds, time.perf_counter
    cpu: float  # median seconds of user + system CPU of the process
    result: subprocess.CompletedProcess[bytes]

    def text(self) -> str:
        return f"{ms(self.wall)} (CPU {ms(self.cpu)})"


def run_cmd(
    cmd: Sequence[str], reps: int, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> CmdTime:
    """Median wall and CPU time of a command (output captured), and its last result."""
    return run_side_by_side([cmd], reps, env, cwd)[0]


def run_side_by_side(
    cmds: Sequence[Sequence[str]],
    reps: int,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> list[CmdTime]:
    """Median wall and CPU time of each command, runs interleaved (A B A B ...).

    Interleaving gives each command the same share of whatever else the machine
    is doing, so a ratio is fair even on a busy machine.  The first round only
    warms caches (page cache, the parse cache) unless ``reps`` is 1.  CPU time
    (from ``getrusage(RUSAGE_CHILDREN)``) is shown beside wall time because it is
    steadier on a busy machine; the targets use wall time.
    """
    walls: list[list[float]] = [[] for _ in cmds]
    cpus: list[list[float]] = [[] for _ in cmds]
    results: list[subprocess.CompletedProcess[bytes] | None] = [None for _ in cmds]
    for rep in range(reps + int(reps > 1)):
        for i, cmd in enumerate(cmds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            results[i] = subprocess.run(
                list(cmd), capture_output=True, cwd=cwd, check=False, env=env
            )
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if rep or reps == 1:
                walls[i].append(wall)
                cpus[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    out = []
    for w, c, r in zip(walls, cpus, results, strict=True):
        assert r is not None
        out.append(CmdTime(statistics.median(w), statistics.median(c), r))
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def ratio(x: float) -> str:
    """A ratio with two decimals below 10 (a target of 1x or 3x needs them), one above."""
    return f"{x:,.2f}x" if x < 10 else f"{x:,.1f}x"


def _tool(name: str, python: str = sys.executable) -> list[str] | None:
    """A console script installed next to ``python`` (or on PATH)."""
    local = Path(python).parent / name
    if local.exists():
        return [str(local)]
    found = shutil.which(name)
    return [found] if found else None


#: What a cached ``frdiff diff`` imports (tests/test_cli_imports.py keeps the rest out).
DIFF_MODULES = "frdiff.cli, frdiff.commands.snapshot, frdiff.cache, frdiff.diff"

#: Where the benchmark installs frdiff and csv-diff as users get them.
BENCH_VENV = ROOT / ".bench" / "venv"


def installed_python() -> tuple[str, str]:
    """A Python with this checkout of frdiff installed as `pip install` does it, and
    csv-diff beside it: (interpreter, how it was made).

    The development environment is not what users run: its editable install adds
    an import hook, its sources are not compiled to bytecode (and with
    PYTHONDONTWRITEBYTECODE never will be), and the test tools bring extra
    modules that the libraries then import.  Both commands are timed in the same
    clean environment, ``.bench/venv``, refreshed with the current sources on
    every run, from a wheel built as `pip install .` builds it.  Falls back to this
    interpreter when the install fails (offline).
    """
    python = BENCH_VENV / "bin" / "python"
    wheels = BENCH_VENV.parent / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    steps = []
    if not python.exists():
        steps.append([sys.executable, "-m", "venv", str(BENCH_VENV)])
    pip = [str(python), "-m", "pip", "--quiet", "--disable-pip-version-check"]
    steps.append([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)])
    for step in steps:
        if subprocess.run(step, capture_output=True, cwd=ROOT, check=False).returncode:
            return sys.executable, "this environment (installing into .bench/venv failed)"
    wheel = str(next(wheels.glob("frdiff-*.whl")))
    for step in (
        [*pip, "install", wheel, "csv-diff>=1.1,<2"],
        [*pip, "install", "--no-deps", "--force-reinstall", wheel],
    ):
        if subprocess.run(step, capture_output=True, cwd=ROOT, check=False).returncode:
            return sys.executable, "this environment (installing into .bench/venv failed)"
    return str(python), "a clean venv (.bench/venv), frdiff installed from this checkout"


# ---------------------------------------------------------------------------
# Sections


@dataclass
class Inputs:
    old_path: Path
    new_path: Path
    old_bytes: bytes
    new_bytes: bytes
    rows: int | None
    old: tuple[Entry, ...] = ()
    new: tuple[Entry, ...] = ()


def first_parses(path: Path, reps: int, python: str) -> tuple[float, float, str]:
    """Median seconds of frdiff's and the floor's first parse of ``path``, each in a
    fresh process of ``python`` (runs interleaved), and the build of frdiff measured."""
    first: list[list[float]] = [[], []]
    build = "?"
    for _ in range(reps):
        for mode, out in zip(("parse", "floor"), first, strict=True):
            result = _child([mode, str(path)], python)
            out.append(result["seconds"])
            build = result.get("build", build)
    return statistics.median(first[0]), statistics.median(first[1]), build


def parse_section(report: Report, inp: Inputs, reps: int, python: str) -> None:
    s = report.section("1. Parse one full snapshot")
    data = inp.old_bytes
    path = inp.old_path if inp.rows is None else None
    snap = parse_snapshot(data)
    s.add("input", f"{inp.old_path.name}: {len(data) / 1e6:.2f} MB, {len(snap.entries):,} entries")
    if path is not None:
        # The target figure: each parse the first of its process (see benchmarks.child),
        # as a command parses, and as no cache that outlives a parse can flatter; by
        # frdiff as `pip install .` installs it.
        t_parse, t_floor, build = first_parses(path, reps, python)
        s.add(f"first parse in a fresh process (median of {reps})", f"frdiff {build}")
        s.add("  frdiff parse_snapshot", ms(t_parse))
        s.add("  floor: lxml parse + every text node", ms(t_floor))
        s.add("  ratio frdiff / floor", ratio(t_parse / t_floor))
        if python != sys.executable:
            p_parse, p_floor, p_build = first_parses(path, reps, sys.executable)
            s.add(f"the same, this environment (frdiff {p_build}; information)", "")
            s.add("  frdiff parse_snapshot", ms(p_parse))
            s.add("  floor: lxml parse + every text node", ms(p_floor))
            s.add("  ratio frdiff / floor", ratio(p_parse / p_floor))
    r_parse, r_floor, r_tree = timed_side_by_side(
        [
            lambda: parse_snapshot(data),
            lambda: B.lxml_floor(data),
            lambda: B.lxml_floor_tree_only(data),
        ],
        reps,
    )
    s.add(f"repeated in this process (frdiff {child.build_of(parse_snapshot)}; information)", "")
    s.add("  frdiff parse_snapshot", ms(r_parse))
    s.add("  floor: lxml parse + every text node", ms(r_floor))
    s.add("  (lxml parse alone)", ms(r_tree))
    s.add("  ratio frdiff / floor", ratio(r_parse / r_floor))
    if path is None:  # --quick: no files to hand to fresh processes
        t_parse, t_floor = r_parse, r_floor
    s.add("per entry", f"{t_parse / max(1, len(snap.entries)) * 1e6:,.1f} us")
    report.check(
        "parse vs lxml floor",
        ratio(t_parse / t_floor),
        f"<= {PARSE_TARGET:g}x",
        t_parse / t_floor <= PARSE_TARGET,
    )
    if path is not None:
        real_parse_section(report, reps, python)


def real_parse_section(report: Report, reps: int, python: str) -> None:
    """The real eCFR response for all of Part 744 (2.5 MB, 3,415 rows of Supplement
    No. 4 among the part's other sections and supplements), first parses in fresh
    processes against the floor on the same file."""
    s = report.section("1b. Parse the real eCFR document")
    if not REAL_ECFR.is_file():
        s.add("input", f"not found: {REAL_ECFR} (set FRDIFF_REALDOCS); not measured")
        return
    data = REAL_ECFR.read_bytes()
    snap = parse_snapshot(data, source=REAL_ECFR.name)
    s.add("input", f"{REAL_ECFR.name}: {len(data) / 1e6:.2f} MB, {len(snap.entries):,} entries")
    t_parse, t_floor, build = first_parses(REAL_ECFR, reps, python)
    s.add(f"first parse in a fresh process (median of {reps})", f"frdiff {build}")
    s.add("  frdiff parse_snapshot", ms(t_parse))
    s.add("  floor: lxml parse + every text node of the document", ms(t_floor))
    s.add("  ratio frdiff / floor", ratio(t_parse / t_floor))
    report.check(
        "real document parse vs lxml floor",
        ratio(t_parse / t_floor),
        f"<= {PARSE_TARGET:g}x",
        t_parse / t_floor <= PARSE_TARGET,
    )


def diff_section(report: Report, inp: Inputs, reps: int, dd_reps: int) -> None:
    from deepdiff import DeepDiff

    s = report.section("2. Diff two full snapshots in process")
    old, new = inp.old, inp.new
    s.add(
        "input", f"{inp.old_path.name} ({len(old):,}) -> {inp.new_path.name} ({len(new):,} entries)"
    )
    t_ours = timed(lambda: diff_entries(old, new), reps)
    diff = diff_entries(old, new)
    old_d, new_d = [B.plain(e) for e in old], [B.plain(e) for e in new]
    result: Any = None

    def deep() -> None:
        nonlocal result
        result = DeepDiff(old_d, new_d, ignore_order=True, view="tree")

    t_deep = timed(deep, dd_reps, warmup=0)
    ours, theirs = B.frdiff_records(diff, old, new), B.deepdiff_records(result)
    s.add("frdiff diff_entries", ms(t_ours))
    s.add("baseline: DeepDiff(ignore_order=True)", ms(t_deep) + f" (median of {dd_reps})")
    s.add("speed-up", ratio(t_deep / t_ours))
    summary = diff.summary()
    s.add(
        "frdiff reports",
        ", ".join(
            f"{summary[k]} {k}" for k in ("added", "removed", "modified", "renamed", "moved")
        ),
    )
    s.add("DeepDiff reports (records)", theirs.counts())
    s.add("DeepDiff, scored against frdiff", B.score(theirs, ours).text())

    # A generated pair whose truth is known: one large rule's worth of edits.
    rng = random.Random(2025)
    big = {k: max(1, round(n * scale_for(len(new)))) for k, n in LARGE_RULE.items()}
    v = edit(new, rng, 1, counts=big)
    want = B.truth_records(v.truth, new, v.entries)
    t_ours_gen = timed(lambda: diff_entries(new, v.entries), reps)
    ours_gen = B.score(B.frdiff_records(diff_entries(new, v.entries), new, v.entries), want)
    t = time.perf_counter()
    deep_gen = DeepDiff(
        [B.plain(e) for e in new], [B.plain(e) for e in v.entries], ignore_order=True, view="tree"
    )
    t_deep_gen = time.perf_counter() - t
    theirs_gen = B.score(B.deepdiff_records(deep_gen), want)
    counts = v.truth.counts()
    s.add("generated pair (truth known)", ", ".join(f"{n} {k}" for k, n in counts.items()))
    s.add("  frdiff", f"{ms(t_ours_gen)}; pairing {ours_gen.text()}")
    s.add("  DeepDiff", f"{ms(t_deep_gen)}; pairing {theirs_gen.text()}")
    report.check(
        "diff speed-up vs DeepDiff",
        ratio(t_deep / t_ours),
        f">= {DIFF_TARGET:g}x",
        t_deep / t_ours >= DIFF_TARGET,
    )
    report.check(
        "diff pairs records correctly",
        f"frdiff {'yes' if ours_gen.correct else 'no'}, DeepDiff {'yes' if theirs_gen.correct else 'no'}",
        "frdiff yes",
        ours_gen.correct,
    )


def _importtime(module: str, python: str, cwd: Path) -> list[tuple[str, float]]:
    """The heaviest imports (cumulative ms) under ``python -X importtime -c 'import module'``."""
    proc = subprocess.run(
        [python, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    rows: list[tuple[str, float, int]] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((m.group(4), int(m.group(2)) / 1000, len(m.group(3))))
    # Top-level packages (shallowest nesting under the module) and the module itself.
    shallow = [
        (name, cum) for name, cum, depth in rows if depth <= 3 and "." not in name.lstrip("_")
    ]
    shallow += [(name, cum) for name, cum, _ in rows if name.startswith("frdiff.")]
    return sorted(shallow, key=lambda x: -x[1])[:10]


def cli_section(
    report: Report, inp: Inputs, reps: int, tmp: Path, installed: tuple[str, str] | None
) -> None:
    s = report.section("3. The whole command, as a process")
    old_xml, new_xml = tmp / "old.xml", tmp / "new.xml"  # written by main(), long settled
    old_csv, new_csv = tmp / "old.csv", tmp / "new.csv"
    text, shadow_old = B.csv_export(inp.old)
    old_csv.write_text(text, encoding="utf-8")
    text, shadow_new = B.csv_export(inp.new)
    new_csv.write_text(text, encoding="utf-8")

    python, how = installed or (sys.executable, "this environment (--quick)")
    clean = installed is not None
    s.add("both tools run from", how)
    # A parse cache of this run's own, filled by the first (warm-up) round.
    env = {**os.environ, "FRDIFF_CACHE_DIR": str(tmp / "frdiff-cache")}
    env.pop("FRDIFF_NO_CACHE", None)
    # Outside the checkout, so that `python -c "import frdiff"` finds the installed copy.
    cwd = tmp if clean else ROOT
    frdiff = _tool("frdiff", python) or [python, "-m", "frdiff"]
    ours_cmd = [*frdiff, "diff", str(old_xml), str(new_xml), "--format", "json"]
    csvdiff = _tool("csv-diff", python)
    theirs_cmd = [
        *(csvdiff or ["csv-diff"]),
        str(old_csv),
        str(new_csv),
        "--key=id",
        # csv-diff otherwise sniffs the dialect from the first 1 MB, which takes
        # tens of seconds on these files; the baseline gets its fastest setting.
        "--format",
        "csv",
        "--json",
    ]
    if csvdiff is None:
        ours = run_cmd(ours_cmd, reps, env, cwd)
        theirs = None
    else:
        ours, theirs = run_side_by_side([ours_cmd, theirs_cmd], reps, env, cwd)
    res = ours.result
    label = "frdiff diff OLD NEW --format json (parse cache warm)"
    s.add(label, ours.text() + ("" if res.returncode == 0 else f" (exit {res.returncode}!)"))
    if res.returncode == 0:
        summ = json.loads(res.stdout)["summary"]
        s.add(
            "  reports",
            ", ".join(
                f"{summ[k]} {k}" for k in ("added", "removed", "modified", "renamed", "moved")
            ),
        )
    if theirs is None:
        s.add("csv-diff", "not installed (pip install 'csv-diff>=1.1,<2'); no comparison")
        report.check("command vs csv-diff", "n/a", f"<= {CLI_TARGET:g}x", False)
    else:
        s.add("baseline: csv-diff OLD.csv NEW.csv --key=id --format csv --json", theirs.text())
        if theirs.result.returncode == 0:
            out = json.loads(theirs.result.stdout)
            s.add(
                "  reports",
                f"{len(out['added'])} added, {len(out['removed'])} removed, "
                f"{len(out['changed'])} changed",
            )
        s.add(
            "  key",
            f"country | name; rows hidden by duplicate keys: {shadow_old} old, {shadow_new} new",
        )
        s.add(
            "  input",
            f"CSV exports prepared beforehand: {old_csv.stat().st_size / 1e6:.2f} MB + "
            f"{new_csv.stat().st_size / 1e6:.2f} MB (frdiff reads the XML)",
        )
        wall, cpu = ours.wall / theirs.wall, ours.cpu / theirs.cpu
        s.add("ratio frdiff / csv-diff", f"{ratio(wall)} wall, {ratio(cpu)} CPU (runs interleaved)")
        report.check("command vs csv-diff", ratio(wall), f"<= {CLI_TARGET:g}x", wall <= CLI_TARGET)

        # Like for like: both tools given their own exports of the snapshots.
        saved = []
        for xml in (old_xml, new_xml):
            out_json = xml.with_suffix(".json")
            subprocess.run(
                [*frdiff, "snapshot", str(xml), "--format", "json", "-o", str(out_json)],
                capture_output=True,
                cwd=cwd,
                check=False,
                env=env,
            )
            saved.append(str(out_json))
        from_json, theirs_again = run_side_by_side(
            [[*frdiff, "diff", *saved, "--format", "json"], theirs_cmd], reps, env, cwd
        )
        ok = "" if from_json.result.returncode == 0 else f" (exit {from_json.result.returncode}!)"
        s.add("frdiff diff OLD.json NEW.json (frdiff snapshot exports)", from_json.text() + ok)
        s.add("ratio on exports, frdiff / csv-diff", ratio(from_json.wall / theirs_again.wall))

    cold = run_cmd(ours_cmd, reps, {**env, "FRDIFF_NO_CACHE": "1"}, cwd)
    s.add("frdiff diff, parse cache off (FRDIFF_NO_CACHE=1)", cold.text())
    if theirs is not None:
        s.add("  ratio to csv-diff (information, no target)", ratio(cold.wall / theirs.wall))

    for label, code in (
        ("python start-up (python -c pass)", "pass"),
        ("python -c 'import frdiff.cli'", "import frdiff.cli"),
        ("... and the modules a cached `frdiff diff` loads", f"import {DIFF_MODULES}"),
        ("python -c 'import csv_diff.cli'", "import csv_diff.cli"),
    ):
        s.add(label, run_cmd([python, "-c", code], reps, cwd=cwd).text())
    heavy = ", ".join(f"{name} {cum:.0f}" for name, cum in _importtime(DIFF_MODULES, python, cwd))
    s.add("-X importtime of those (cum. ms)", heavy)


def history_section(report: Report, inp: Inputs, versions: int, reps: int) -> None:
    s = report.section(f"4. Replay a history of {versions} versions")
    base = inp.new
    t = time.perf_counter()
    hist = history(base, versions, scale=scale_for(len(base)))
    t_gen = time.perf_counter() - t
    chain = [base, *(v.entries for v in hist)]
    per_pair: list[list[float]] = [[] for _ in hist]
    wrong = 0
    for rep in range(reps):
        for i, v in enumerate(hist):
            t = time.perf_counter()
            d = diff_entries(chain[i], chain[i + 1])
            per_pair[i].append(time.perf_counter() - t)
            if rep == 0 and check(d, v.truth):
                wrong += 1
    med = [statistics.median(ts) for ts in per_pair]
    totals = {k: sum(v.truth.counts().values()) for k, v in enumerate(hist)}
    s.add(
        "base", f"{inp.new_path.name}, {len(base):,} entries; ends with {len(chain[-1]):,} entries"
    )
    s.add(
        "edits",
        f"{sum(totals.values()):,} over {versions} versions (add/remove/rename/move/alias/address/policy/citation)",
    )
    s.add("generation (not counted)", ms(t_gen))
    marks = sorted({max(1, round(versions * f)) for f in (0.2, 0.5, 1.0)})
    per_version = {}
    for k in marks:
        total = sum(med[:k])
        entries = sum(len(chain[i + 1]) for i in range(k))
        per_version[k] = total / k
        s.add(
            f"first {k} versions",
            f"{ms(total)} total, {ms(total / k)} per version, {total / entries * 1e6:.1f} us per entry",
        )
    s.add("pairing vs truth", f"{versions - wrong} of {versions} diffs exactly right")
    growth = per_version[marks[-1]] / per_version[marks[0]]
    s.add(f"per-version cost, {marks[-1]} vs {marks[0]} versions", ratio(growth))
    report.check(
        "history cost linear",
        ratio(growth) + " per-version growth",
        f"<= {LINEAR_TARGET:g}x",
        growth <= LINEAR_TARGET,
    )
    report.check("history diffs match truth", f"{versions - wrong}/{versions}", "all", wrong == 0)


#: Runs benchmarks.child with frdiff imported from the interpreter's own install:
#: the checkout is appended to sys.path (for benchmarks/ alone), and the child runs
#: outside it, so that the working directory puts no frdiff first.
_CHILD = (
    "import sys; sys.path.append(sys.argv.pop(1)); "
    "from benchmarks.child import main; sys.exit(main())"
)


def _child(args: list[str], python: str = sys.executable) -> dict[str, Any]:
    proc = subprocess.run(
        [python, "-c", _CHILD, str(ROOT), *args],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def memory_section(report: Report, inp: Inputs, versions: int) -> None:
    s = report.section("5. Peak memory (each in a fresh process)")
    rows = ["--rows", str(inp.rows)] if inp.rows else []
    old, new = str(inp.old_path), str(inp.new_path)
    diff = _child(["diff", old, new, *rows])
    hist = _child(["history", new, "--versions", str(versions), *rows])
    deep = _child(["deepdiff", old, new, *rows])
    peaks = []
    for label, r in (("diff (2)", diff), (f"history of {versions} (4)", hist)):
        if "error" in r:
            s.add(label, f"failed: {r['error']}")
            continue
        peaks.append(r["maxrss_mb"])
        s.add(
            label,
            f"{r['peak_traced_mb']:.1f} MB traced during the step; process max RSS {r['maxrss_mb']:.1f} MB",
        )
    if "error" not in deep:
        s.add("baseline: DeepDiff (2)", f"process max RSS {deep['maxrss_mb']:.1f} MB")
    worst = max(peaks) if len(peaks) == 2 else float("inf")
    report.check(
        "peak memory (max RSS)",
        f"{worst:.0f} MB",
        f"< {MEMORY_TARGET_MB:g} MB",
        worst < MEMORY_TARGET_MB,
    )


# ---------------------------------------------------------------------------


def screen_section(report: Report, inp: Inputs, tmp: Path, *, quick: bool) -> None:
    """Section 6: the whole ``frdiff screen`` command on a large generated party file."""
    from frdiff.cache import load_snapshot

    from . import screen as S

    if quick:
        listed, entries, n = tmp / "list.xml", inp.new, 300
        listed.write_bytes(inp.new_bytes)
    else:
        largest = max(
            (ROOT / "fixtures" / "ecfr").glob("supp4-*.xml"), key=lambda p: p.stat().st_size
        )
        listed = REAL_ECFR if REAL_ECFR.is_file() else largest
        entries, n = load_snapshot(listed).entries, SCREEN_PARTIES
    s = report.section(f"6. Screen {n:,} parties against the list")
    rows = S.parties(entries, n)
    parties = tmp / "parties.csv"
    S.write_csv(rows, parties)
    out = tmp / "screened.json"
    cmd = [sys.executable, "-m", "frdiff", "screen", str(parties), "--snapshot", str(listed)]
    ours = run_cmd([*cmd, "-o", str(out)], 1 if quick else 3)
    ok = ours.result.returncode == 0
    found = json.loads(out.read_text(encoding="utf-8"))["summary"] if ok else {}
    s.add("list", f"{listed.name}: {len(entries):,} entries")
    s.add(
        f"`frdiff screen` of {n:,} parties (CSV to JSON)",
        ours.text() + ("" if ok else f" (exit {ours.result.returncode}!)"),
    )
    s.add("matches", f"{found.get('matches', 0):,} ({found.get('parties_matched', 0):,} parties)")
    names = [r["name"] for r in rows]
    listed_names = [x for e in entries for x in (e.name, *e.aliases)]
    base = timed(lambda: S.baseline_cdist(names, listed_names, 87), 1)
    s.add(
        f"baseline: rapidfuzz process.cdist, {len(names):,} x {len(listed_names):,} names",
        f"{ms(base)} (token_sort_ratio, all cores)",
    )
    s.add("frdiff / baseline", ratio(ours.wall / base))
    report.check(
        f"screen {n:,} parties",
        f"{ours.wall:.1f} s",
        f"<= {SCREEN_TARGET_S:g} s" + (" (full run)" if quick else ""),
        ok and (quick or ours.wall <= SCREEN_TARGET_S),
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--old", type=Path, default=OLD, help="older snapshot (eCFR XML)")
    ap.add_argument("--new", type=Path, default=NEW, help="newer snapshot (eCFR XML)")
    ap.add_argument("--reps", type=int, default=7, help="repetitions of fast steps (median)")
    ap.add_argument("--deepdiff-reps", type=int, default=3, help="repetitions of DeepDiff")
    ap.add_argument("--versions", type=int, default=50, help="versions in the replayed history")
    ap.add_argument("--quick", action="store_true", help="tiny inputs, one repetition (smoke test)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--record", type=Path, help="also write the output as Markdown to this file")
    given = list(sys.argv[1:] if argv is None else argv)
    args = ap.parse_args(given)

    rows = None
    reps, dd_reps, versions = args.reps, args.deepdiff_reps, args.versions
    if args.quick:
        rows, reps, dd_reps, versions = 150, 1, 1, 3
    old_bytes, new_bytes = args.old.read_bytes(), args.new.read_bytes()
    if rows:
        # A few more rows on the new side, so the small diff is not empty.
        old_bytes, new_bytes = B.trim(old_bytes, rows), B.trim(new_bytes, rows + 10)
    inp = Inputs(args.old.resolve(), args.new.resolve(), old_bytes, new_bytes, rows)
    inp.old = parse_snapshot(old_bytes).entries
    inp.new = parse_snapshot(new_bytes).entries

    report = Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="frdiff-bench-") as tmp:
        # The command's inputs are written first, as a user's downloads are: files
        # changed in the last seconds are re-hashed on every run (see the parse
        # cache), and sections 1 and 2 take longer than that.
        (Path(tmp) / "old.xml").write_bytes(old_bytes)
        (Path(tmp) / "new.xml").write_bytes(new_bytes)
        installed = None if args.quick else installed_python()
        parse_section(report, inp, reps, installed[0] if installed else sys.executable)
        diff_section(report, inp, reps, dd_reps)
        cli_section(report, inp, reps, Path(tmp), installed)
        history_section(report, inp, versions, max(1, min(reps, 3)))
        memory_section(report, inp, versions)
        screen_section(report, inp, Path(tmp), quick=args.quick)
    text = report.render()
    env = f"Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs; run took {time.perf_counter() - started:.0f} s"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text += f"\n{env}; load average at the end {load:.1f}\n"
    sys.stdout.write(text)
    if args.record:
        command = " ".join(["python -m benchmarks.run", *given])
        args.record.write_text(
            f"# frdiff benchmark results\n\nReproduce with `make bench` (`{command}`).\n\n```\n{text}```\n",
            encoding="utf-8",
        )
    missed = [c for c in report.checks if not c.ok]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
