"""Safe XML loading and the cell-text helpers both parsers share.

Documents come from the network and are untrusted: ``load`` refuses entity
declarations outright (XXE, billion laughs), never touches the network or the
file system, bounds the input size and the tree depth (libxml2's limit), and
turns every lxml failure into a :class:`~frdiff.errors.ParseError` that names the
document, line and column.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from frdiff.errors import MAX_DOCUMENT_BYTES, ParseError, TooLargeError
from frdiff.normalize import clean

if TYPE_CHECKING:
    from lxml import etree

# lxml is imported where a document is parsed, not with this module: commands that
# only need the constants or the cell helpers (a cached snapshot) start faster.

#: Deeper trees than this are not FR or eCFR documents (real ones nest < 15 levels).
#: It is libxml2's own limit when ``huge_tree`` is off, enforced while parsing.
MAX_DEPTH = 256

#: What ``not data.lstrip(b"\xef\xbb\xbf").strip()`` tests, without copying a document
#: of megabytes: byte-order-mark bytes, then ASCII whitespace, and nothing else.
_BLANK = re.compile(rb"[\xef\xbb\xbf]*[ \t\n\r\x0b\x0c]*")
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?\bencoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']"
)
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!DOCTYPE\s+html|<html\b|<head\b|<body\b)", re.I
)


def _parser() -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Automatic garbage collection off for the duration, then as it was.

    A parse allocates tens of thousands of small objects that form no reference
    cycles (strings, tuples, entries; lxml's tree lives in C), and the collector,
    run every 700 allocations, would scan them over and over for nothing: about a
    tenth of a snapshot's parse time.  Memory is bounded by the document size limit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load(data: bytes, *, where: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into an element tree, or raise a clear ParseError.

    ``where`` names the document in every error ("2025-05427.xml").  Data that is
    not bytes is a TypeError (a caller's mistake, not a bad document).
    """
    if not isinstance(data, bytes):  # a caller's mistake, not a bad document
        raise TypeError(f"{where}: expected the document as bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise TooLargeError(
            f"document is {len(data):,} bytes, over the {max_bytes:,}-byte limit", where=where
        )
    if _BLANK.fullmatch(data):
        raise ParseError("document is empty", where=where)
    if data.startswith(b"\x1f\x8b"):
        raise ParseError("document is gzip-compressed, not XML", where=where)
    if data.startswith(b"%PDF"):
        raise ParseError("document is a PDF, not XML", where=where)
    wide = data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00"))
    if not wide:
        nul = data.find(b"\x00")
        if 0 <= nul < 4096:
            raise ParseError("document is binary (NUL bytes), not XML", where=where)
        if nul >= 0:
            raise ParseError(f"document holds a NUL byte at offset {nul:,}", where=where)
        declared = _DECLARED_ENCODING.match(data)
        if declared and declared.group(1).upper().replace(b"-", b"").startswith(
            (b"UTF16", b"UTF32", b"UCS")
        ):
            raise ParseError(
                f"document declares encoding {declared.group(1).decode('ascii')} but its "
                "bytes are not in it (no byte-order mark, one byte per character)",
                where=where,
            )
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        raise ParseError("document is an HTML page (an error page?), not XML", where=where)
    prolog = data[:65536]
    if _DOCTYPE.search(prolog) and _ENTITY_DECL.search(prolog):
        raise ParseError(
            "document declares XML entities in a DOCTYPE; refused (no entity expansion)",
            where=where,
        )
    from lxml import etree

    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (0, 0)
        msg = exc.msg or str(exc)
        if "excessive depth" in msg.casefold():
            raise ParseError(
                f"XML nested deeper than {MAX_DEPTH} levels (line {line})", where=where
            ) from None
        raise ParseError(
            f"not well-formed XML at line {line}, column {col}: {msg}", where=where
        ) from None
    except (ValueError, MemoryError) as exc:
        raise ParseError(f"cannot parse XML: {exc}", where=where) from None
    if root is None:
        raise ParseError("document has no root element", where=where)
    # The byte scan above sees only the prolog's first 64 KiB; a DOCTYPE pushed
    # past it (behind a long comment) is caught here.  Nothing was expanded or
    # fetched either way (resolve_entities=False, no_network, load_dtd=False).
    dtd = root.getroottree().docinfo.internalDTD  # None unless there is a DOCTYPE
    if dtd is not None:
        if any(True for _ in dtd.iterentities()):  # type: ignore[union-attr]
            raise ParseError(
                "document declares XML entities in a DOCTYPE; refused (no entity expansion)",
                where=where,
            )
        # Only under a DOCTYPE can a reference to an undeclared entity stand.
        _inline_entity_references(root)
    return root


def _inline_entity_references(root: etree._Element) -> None:
    """Replace each entity reference left in the tree by text, in place.

    A document with a DOCTYPE naming an external DTD (never loaded) may refer to
    entities it does not declare ("&mdash;", "&co;").  Unresolved, each stays in
    the tree as a node of its own, which the readers of element text would skip,
    losing the text.  An HTML entity becomes its character; any other keeps its
    literal text ("&co;"), so nothing is lost either way.
    """
    import html.entities

    from lxml import etree

    for node in list(root.iter(etree.Entity)):  # in document order
        name = node.text[1:-1] if node.text else ""  # the reference, "&name;"
        text = html.entities.html5.get(f"{name};", f"&{name};") + (node.tail or "")
        parent = node.getparent()
        if parent is None:
            continue
        before = node.getprevious()  # an element: earlier references are gone
        if before is not None:
            before.tail = (before.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(node)


def local(tag: object) -> str:
    """An element's tag without namespace, upper-cased ('' for comments and PIs)."""
    if not isinstance(tag, str):
        return ""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1].upper()
        if len(_LOCAL) < 4096:  # documents use a few dozen tags; stay bounded anyway
            _LOCAL[tag] = name
    return name


_LOCAL: dict[str, str] = {}


def text_of(el: etree._Element) -> str:
    """All text inside ``el``, whitespace collapsed."""
    return clean("".join(str(t) for t in el.itertext()))


# ---------------------------------------------------------------------------
# Cell text: lines and footnote markers

_BREAK_BLOCKS = frozenset({"LI", "P", "DIV", "FP", "LINE"})
_BREAKS = frozenset({"BR"})
_SKIP = frozenset({"PRTPAGE", "FTREF", "GID"})
#: A footnote marker: one or more numbers, perhaps with the punctuation the cell's
#: text needs around them ("734.9(g)<sup>,3</sup> 746.8": the comma is the text's).
_FOOTNOTE = re.compile(r"^([\s,;.]*)(\d{1,2}(?:\s*,\s*\d{1,2})*)([\s,;.]*)$")
#: The GPO FR markup's superscript (SU) and the eCFR's HTML one (SUP).
_SUPERSCRIPTS = frozenset({"SU", "SUP"})
#: U+2044: "<sup>9</sup>&#x2044;<sub>6</sub>" is the fraction 9/6 of a street number.
_FRACTION_SLASH = "\u2044"


@dataclass
class CellText:
    """A table cell read as lines (LI / P / br breaks) plus its footnote markers."""

    lines: list[str] = field(default_factory=list)
    footnotes: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.lines)


class _LineBuilder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.footnotes: list[int] = []

    def add(self, s: str | None) -> None:
        if s:
            self.buf.append(s)

    def glue(self, s: str) -> None:
        """Append without a space: an ordinal superscript joins its number ("3rd")."""
        if self.buf:
            self.buf[-1] = self.buf[-1].rstrip()
        self.buf.append(s.strip())

    def flush(self) -> None:
        line = clean("".join(self.buf))
        if line:
            self.lines.append(line)
        self.buf = []


def _is_italic_and(el: etree._Element) -> bool:
    """An ``<E>`` holding "and" alone: the italic "and" between addresses, a word of its
    own also where the markup has no space either side ("Athens, Greece;<E
    T="03">and</E>Blg Mtb"), read as " and "."""
    return not len(el) and (el.text or "").strip().casefold() == "and"


def _walk(el: etree._Element, b: _LineBuilder, entity: bool) -> None:
    b.add(el.text)
    for child in el:
        tag = local(child.tag)
        if tag in _SKIP or not tag:
            pass
        elif tag in _BREAKS:
            b.flush()
        elif tag in _SUPERSCRIPTS:
            t = "".join(str(t) for t in child.itertext())
            if (child.tail or "").startswith(_FRACTION_SLASH):
                b.add(t)  # a fraction's numerator: "Plaza <sup>7</sup>&#x2044;<sub>1</sub>"
                b.add(child.tail)
                continue
            m = None if entity and tag != "SU" else _FOOTNOTE.match(t)
            if m:
                b.footnotes.extend(int(x) for x in re.findall(r"\d+", m.group(2)))
                if m.group(1).strip() or m.group(3).strip():
                    b.glue(t.replace(m.group(2), "").strip())  # "(g)<sup>,3</sup>": the comma
            else:
                b.glue(t)  # an ordinal: "3<sup>rd</sup>"
        elif tag == "SUB":
            b.glue("".join(str(t) for t in child.itertext()))  # a fraction's denominator
        elif tag == "E" and _is_italic_and(child):
            b.add(" and ")
        elif tag in _BREAK_BLOCKS:
            b.flush()
            _walk(child, b, entity)
            b.flush()
        else:
            _walk(child, b, entity)
        b.add(child.tail)


def cell_lines(el: etree._Element, *, entity: bool = False) -> tuple[list[str], list[int]]:
    """A table cell's lines and footnote numbers: :func:`cell_text` without the wrapper.

    ``entity`` reads the cell as an Entity cell, where the eCFR's ``<sup>`` is an
    ordinal ("3<sup>rd</sup> Floor") or a fraction ("<sup>2</sup>&#x2044;<sub>4</sub>"),
    never a footnote marker; elsewhere (License requirement) a numeric ``<sup>`` is one.
    """
    if not len(el):
        # Most cells are plain text: the same result without the line builder.
        line = clean(el.text)
        return ([line] if line else []), []
    plain = break_and_lines(el)
    if plain is not None:
        return plain, []
    b = _LineBuilder()
    _walk(el, b, entity)
    b.flush()
    return b.lines, b.footnotes


def break_and_lines(el: etree._Element) -> list[str] | None:
    """:func:`_walk`'s lines for a cell whose children are only ``<br/>`` and the
    italic "and" (``<E T="03">and</E>``): nearly every cell with markup; None for any
    other.

    The same result, without the builder: a ``br`` ends the line (``flush``), the
    italic "and" adds " and " and every text and tail is added as it is.  The tags
    are compared as lxml gives them ("br", "E"): any other spelling, which
    :func:`local` would normalize, goes the general way.
    """
    lines: list[str] = []
    buf = [el.text or ""]
    for child in el:
        tag = child.tag
        if tag == "br":
            line = clean("".join(buf))
            if line:
                lines.append(line)
            buf = []
        elif tag == "E" and _is_italic_and(child):
            buf.append(" and ")
        else:
            return None
        buf.append(child.tail or "")
    line = clean("".join(buf))
    if line:
        lines.append(line)
    return lines


def cell_text(el: etree._Element, *, entity: bool = False) -> CellText:
    """Read a table cell (ENT, TD, TH) as lines and footnote numbers.

    Lines break at LI, P and br, whichever the document uses; inline markup (E,
    I, B) is plain text.  A numeric SU (or the eCFR's SUP, outside an Entity cell:
    see :func:`cell_lines`) is a footnote marker and is removed from the text; a
    non-numeric one ("rd" in "3<SU>rd</SU>") is an ordinal and joins the text
    before it.  Layout whitespace never matters.
    """
    lines, footnotes = cell_lines(el, entity=entity)
    return CellText(lines, footnotes)
