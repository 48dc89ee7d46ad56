"""What frdiff is measured against, and the inputs the benchmark prepares.

- the parse floor: lxml parsing the same bytes and visiting every text node;
- the naive in-process diff: ``DeepDiff(old, new, ignore_order=True)`` on the
  entries as plain dicts, read back record by record so its pairing can be
  scored against the truth;
- CSV exports of the snapshots for ``csv-diff``, keyed as well as it allows;
- a smaller copy of a snapshot (the first rows of its table) for quick runs.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from frdiff.model import Diff, Entry

from .history import Truth


def lxml_floor(data: bytes) -> int:
    """Parse ``data`` with lxml and visit every text node; the characters seen."""
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    n = 0
    for text in root.itertext():
        n += len(text)
    return n


def lxml_floor_tree_only(data: bytes) -> None:
    """Parse ``data`` with lxml and nothing else (for reference)."""
    etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))


def trim(data: bytes, rows: int) -> bytes:
    """The snapshot with only the first ``rows`` rows of each table (header rows kept)."""
    root = etree.fromstring(data)
    for table in root.iter("TABLE", "GPOTABLE"):
        body = [r for r in table.iter("TR", "ROW") if r.find("TH") is None]
        for r in body[rows:]:
            parent = r.getparent()
            if parent is not None:
                parent.remove(r)
    return etree.tostring(root, encoding="utf-8")


def plain(entry: Entry) -> dict[str, Any]:
    """An entry as the plain dict a user would hand to DeepDiff (``source`` stripped:
    it holds row numbers, which change whenever anything above the row changes)."""
    d = entry.to_dict()
    del d["source"]
    return d


# ---------------------------------------------------------------------------
# Record-level reading of a diff


@dataclass
class Records:
    """A diff read record by record: indices into the old and new lists."""

    added: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)
    pairs: set[tuple[int, int]] = field(default_factory=set)

    def counts(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.pairs)} changed"


def deepdiff_records(result: Any) -> Records:
    """Read a tree-view DeepDiff of two lists of records into :class:`Records`.

    A report at the top level (``root[i]``) adds or removes a whole record; any
    deeper report (``root[i]['name']``) says record i of the old list was paired
    with record j of the new one and changed.
    """
    out = Records()
    for report, levels in result.items():
        for level in levels:
            old_path = level.path(output_format="list")
            new_path = level.path(output_format="list", use_t2=True)
            if report == "iterable_item_added" and len(new_path) == 1:
                out.added.add(new_path[0])
            elif report == "iterable_item_removed" and len(old_path) == 1:
                out.removed.add(old_path[0])
            elif old_path and new_path:
                out.pairs.add((old_path[0], new_path[0]))
    return out


def frdiff_records(diff: Diff, old: Sequence[Entry], new: Sequence[Entry]) -> Records:
    """Read a frdiff :class:`Diff` into :class:`Records` (entries are found by identity)."""
    old_at = {id(e): i for i, e in enumerate(old)}
    new_at = {id(e): i for i, e in enumerate(new)}
    pairs = {
        (old_at[id(d.before)], new_at[id(d.after)])
        for d in (*diff.modified, *diff.renamed, *diff.moved)
    }
    return Records(
        added={new_at[id(e)] for e in diff.added},
        removed={old_at[id(e)] for e in diff.removed},
        pairs=pairs,
    )


def truth_records(truth: Truth, old: Sequence[Entry], new: Sequence[Entry]) -> Records:
    old_at = {id(e): i for i, e in enumerate(old)}
    new_at = {id(e): i for i, e in enumerate(new)}
    return Records(
        added={new_at[id(e)] for e in truth.added},
        removed={old_at[id(e)] for e in truth.removed},
        pairs={(old_at[id(o)], new_at[id(n)]) for o, n, _ in truth.pairs},
    )


@dataclass
class Score:
    """How a record-level diff compares with the truth."""

    right_pairs: int
    wrong_pairs: int
    missed_pairs: int
    added_ok: bool
    removed_ok: bool

    @property
    def correct(self) -> bool:
        return not self.wrong_pairs and not self.missed_pairs and self.added_ok and self.removed_ok

    def text(self) -> str:
        verdict = "correct" if self.correct else "WRONG"
        return (
            f"{verdict}: {self.right_pairs} pairs right, {self.wrong_pairs} wrong, "
            f"{self.missed_pairs} missed; added {'ok' if self.added_ok else 'wrong'}, "
            f"removed {'ok' if self.removed_ok else 'wrong'}"
        )


def score(got: Records, want: Records) -> Score:
    return Score(
        right_pairs=len(got.pairs & want.pairs),
        wrong_pairs=len(got.pairs - want.pairs),
        missed_pairs=len(want.pairs - got.pairs),
        added_ok=got.added == want.added,
        removed_ok=got.removed == want.removed,
    )


# ---------------------------------------------------------------------------
# CSV for csv-diff

CSV_COLUMNS = (
    "id",
    "country",
    "name",
    "aliases",
    "addresses",
    "license_requirement",
    "license_review_policy",
    "citations",
    "footnotes",
    "listed_items",
    "notes",
)


def csv_export(entries: Sequence[Entry]) -> tuple[str, int]:
    """The entries as CSV keyed by ``id`` = "country | name", and how many rows share a key.

    csv-diff needs one key column; country and name is the best key the data has,
    but the list holds the same name twice under one country, and csv-diff keeps
    only the last row of each key, so those rows are invisible to it.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    keys = Counter(f"{e.country} | {e.name}" for e in entries)
    for e in entries:
        w.writerow(
            (
                f"{e.country} | {e.name}",
                e.country,
                e.name,
                "; ".join(e.aliases),
                "; ".join(e.addresses),
                e.license_requirement,
                e.license_review_policy,
                "; ".join(c.label() for c in e.citations),
                " ".join(str(f) for f in e.footnotes),
                "; ".join(e.listed_items),
                "; ".join(e.notes),
            )
        )
    shadowed = sum(n - 1 for n in keys.values() if n > 1)
    return buf.getvalue(), shadowed
