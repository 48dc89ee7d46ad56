"""Atom feed (RFC 4287): one entry per change, written atomically to ``path``.

The file is rebuilt on every send from the changes already delivered to this
channel plus the new batch (the newest ``max_entries`` are kept), so writing it
twice gives the same entries.  Entry ids are ``urn:uuid:`` names derived from the
change's key (uuid5), and an entry's ``updated`` is when the change was first
found: a feed reader sees each change once, however often the file is rewritten.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frdiff import __version__
from frdiff.errors import FetchError
from frdiff.notify import item_lines

if TYPE_CHECKING:
    from frdiff.notify import Message
    from frdiff.watchconfig import Channel

ATOM = "http://www.w3.org/2005/Atom"
_NS = uuid.UUID("5b2c6f0e-8f0a-4a53-9a55-6d6a1f7f3c21")  # frdiff's namespace for entry ids
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def entry_id(key: str) -> str:
    """The stable Atom id of a change."""
    return f"urn:uuid:{uuid.uuid5(_NS, 'frdiff-change:' + key)}"


def feed_id(channel: Channel) -> str:
    return str(channel.get("id") or f"urn:uuid:{uuid.uuid5(_NS, 'frdiff-feed:' + channel.name)}")


def _text(value: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def render(channel: Channel, items: list[dict[str, Any]]) -> bytes:
    """The feed document for ``items`` (oldest first in, newest first out)."""
    from lxml import etree

    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _text(v) for k, v in attrs.items()})
        if text is not None:
            el.text = _text(text)
        return el

    keep = items[-int(channel.get("max_entries")) :]
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})  # type: ignore[dict-item]
    sub(root, "id", feed_id(channel))
    sub(root, "title", str(channel.get("title")))
    updated = max((str(i.get("found_at")) for i in keep), default="1970-01-01T00:00:00Z")
    sub(root, "updated", updated)
    author = sub(root, "author")
    sub(author, "name", "frdiff")
    sub(root, "generator", "frdiff", version=__version__)
    if channel.get("link"):
        sub(root, "link", rel="self", href=str(channel.get("link")))
    for item in reversed(keep):
        entry = sub(root, "entry")
        sub(entry, "id", entry_id(str(item["id"])))
        sub(entry, "title", str(item.get("title") or item["id"]))
        sub(entry, "updated", str(item.get("found_at")))
        sub(entry, "published", str(item.get("found_at")))
        if item.get("link"):
            sub(entry, "link", rel="alternate", href=str(item["link"]), type="text/html")
        sub(entry, "category", term=str(item.get("stage")), label=str(item.get("stage")))
        if item.get("summary"):
            sub(entry, "summary", str(item["summary"]), type="text")
        sub(entry, "content", "\n".join(item_lines(item)), type="text")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def send(channel: Channel, message: Message) -> None:
    from frdiff.files import write_atomic

    history = list(message.context.get("history", []))
    known = {i["id"] for i in history}
    items = history + [i for i in message.items if i["id"] not in known]
    path = Path(str(channel.get("path")))
    try:
        write_atomic(path, render(channel, items))
    except OSError as exc:
        raise FetchError(f"cannot write the feed: {exc.strerror or exc}", where=str(path)) from None
