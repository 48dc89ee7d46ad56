"""Property-based fuzzing: mutated real documents give a result or a frdiff error.

Hypothesis takes the fixture rules and a slice of a fixture snapshot (its header
and first rows, so an example parses in milliseconds) and mutates their trees:
deletes, duplicates and moves elements, corrupts text, drops attributes, renames
tags, and cuts or splices the serialized bytes.  Every example must give either a
result or a :class:`~frdiff.errors.FrdiffError`; a result must still account for
every row and instruction (the invariants of tests/test_nothing_lost.py).  The
number of examples comes from the hypothesis profile in tests/conftest.py
(FRDIFF_FUZZ_EXAMPLES; ``make fuzz`` runs 2000).
"""

from __future__ import annotations

import copy
from functools import cache

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from conftest import RULES, SNAPSHOTS
from frdiff.errors import FrdiffError
from frdiff.model import ChangeSet, Snapshot
from frdiff.parse.rule import parse_rule
from frdiff.parse.snapshot import parse_snapshot
from test_nothing_lost import check_rule, check_snapshot

SNAPSHOT_ROWS = 40
OPS = ("delete", "duplicate", "move", "text", "tail", "attributes", "rename", "empty")


@cache
def rule_docs() -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in RULES)


@cache
def snapshot_docs() -> tuple[bytes, ...]:
    """Each fixture snapshot cut to its header row and first rows, from an offset."""
    out = []
    for k, path in enumerate(SNAPSHOTS):
        root = etree.fromstring(path.read_bytes())
        for table in root.iter("TABLE"):
            rows = list(table.iter("TR"))
            start = 1 + (k * 397) % max(1, len(rows) - SNAPSHOT_ROWS)
            keep = {id(rows[0]), *(id(r) for r in rows[start : start + SNAPSHOT_ROWS])}
            for r in rows:
                if id(r) not in keep:
                    r.getparent().remove(r)
        out.append(etree.tostring(root, encoding="utf-8"))
    return tuple(out)


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40).map(
    lambda s: "".join(c for c in s if c in "\t\n\r" or ord(c) >= 0x20)
)


@st.composite
def mutated(draw: st.DrawFn, docs: tuple[bytes, ...]) -> bytes:
    """A fixture document with one to six mutations of its tree, then maybe of its bytes."""
    root = etree.fromstring(draw(st.sampled_from(docs)))
    tags = sorted({el.tag for el in root.iter() if isinstance(el.tag, str)})
    for _ in range(draw(st.integers(1, 6))):
        elements = [el for el in root.iter() if isinstance(el.tag, str)]
        el = draw(st.sampled_from(elements))
        op = draw(st.sampled_from(OPS))
        parent = el.getparent()
        if op == "delete" and parent is not None:
            parent.remove(el)
        elif op == "duplicate" and parent is not None:
            parent.insert(parent.index(el), copy.deepcopy(el))
        elif op == "move" and parent is not None:
            target = draw(st.sampled_from(elements))
            if el is not target and el not in target.iterancestors():
                parent.remove(el)
                target.insert(draw(st.integers(0, len(target))), el)
        elif op == "text":
            el.text = draw(TEXT)
        elif op == "tail" and parent is not None:
            el.tail = draw(TEXT)
        elif op == "attributes":
            el.attrib.clear()
        elif op == "rename":
            el.tag = draw(st.sampled_from(tags))
        elif op == "empty":
            el.clear()
    data = etree.tostring(root, encoding="utf-8")
    cut = draw(st.sampled_from(("none", "none", "none", "truncate", "splice")))
    if cut == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif cut == "splice":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
    return data


def _run(parser, data: bytes) -> ChangeSet | Snapshot | None:
    try:
        return parser(data, source="fuzz.xml")
    except FrdiffError as exc:
        assert exc.where == "fuzz.xml" and exc.message
        return None


@given(mutated(rule_docs()))
def test_fuzz_rule(data: bytes) -> None:
    cs = _run(parse_rule, data)
    if isinstance(cs, ChangeSet):
        doc = cs.rule.document_number or "fuzz.xml"
        assert all(f.where.startswith((doc, "fuzz.xml")) for f in cs.findings)
        check_rule(data, cs)


@given(mutated(snapshot_docs()))
def test_fuzz_snapshot(data: bytes) -> None:
    snap = _run(parse_snapshot, data)
    if isinstance(snap, Snapshot):
        assert all(f.where.startswith("fuzz.xml") for f in snap.findings)
        check_snapshot(snap, complete=False)


@given(mutated(rule_docs() + snapshot_docs()))
def test_fuzz_either_parser_on_either_document(data: bytes) -> None:
    for parser in (parse_rule, parse_snapshot):
        _run(parser, data)
