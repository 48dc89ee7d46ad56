"""Notification channels for ``frdiff watch``: e-mail, webhook, Atom feed.

Each channel's ``send(channel, message)`` delivers one :class:`Message` (the
items of one batch, see :mod:`frdiff.ledger`) and raises
:class:`~frdiff.errors.FetchError` (or another :class:`~frdiff.errors.FrdiffError`)
when the channel did not accept it.  A channel never decides what is new: the
ledger does.

Items are plain dicts (the watch payload, format below); :func:`item_lines` and
:func:`message_text` render them as text for people.

An item::

    {"id": "2025-05427/published", "stage": "published",
     "title": "...", "summary": "...", "found_at": "...",
     "document": {document_number, title, type, publication_date, effective_date,
                  filed_at, citation, html_url, pdf_url},
     "entities": [{action, country, name, aliases?}], "entities_named": true,
     "parties": [{party, entity, country, score}], "details": [...], "link": "..."}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frdiff.watchconfig import Channel

#: Version of the webhook payload and of the items inside it.
PAYLOAD_VERSION = 1

STAGE_TEXT = {
    "coming": "coming (on public inspection)",
    "published": "published in the Federal Register",
    "in-ecfr": "now in the eCFR",
    "quiet": "no changes",
}


@dataclass(frozen=True, slots=True)
class Message:
    """What one send carries: a batch of items, and the run's context."""

    batch: str
    channel: str
    items: tuple[dict[str, Any], ...]
    run: str
    window: dict[str, Any]
    searched_through: str
    report_html: str | None = None
    report_name: str = "report.html"
    resent: bool = False
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def quiet(self) -> bool:
        return all(i.get("stage") == "quiet" for i in self.items)


_ACTION = {"add": "added", "revise": "revised", "remove": "removed"}


def entity_line(e: dict[str, Any]) -> str:
    action = _ACTION.get(str(e.get("action")), str(e.get("action") or ""))
    country = f" ({e['country']})" if e.get("country") else ""
    return f"{action}: {e.get('name')}{country}" if action else f"{e.get('name')}{country}"


def item_lines(item: dict[str, Any]) -> list[str]:
    """One item as lines of plain text."""
    lines = [item.get("title") or item["id"]]
    if item.get("summary"):
        lines.append(f"  {item['summary']}")
    for d in item.get("details") or []:
        lines.append(f"  {d}")
    entities = item.get("entities") or []
    if entities:
        lines.append(f"  entities ({len(entities)}):")
        lines += [f"    - {entity_line(e)}" for e in entities]
    elif item.get("stage") == "coming" and not item.get("entities_named"):
        lines.append("  entities: not named in what could be read yet")
    parties = item.get("parties") or []
    if parties:
        lines.append(f"  your counterparties touched ({len(parties)}):")
        lines += [
            f"    - {p.get('party')} ~ {p.get('entity')}"
            + (f" ({p['country']})" if p.get("country") else "")
            for p in parties
        ]
    if item.get("link"):
        lines.append(f"  {item['link']}")
    return lines


def subject(items: Sequence[dict[str, Any]]) -> str:
    if len(items) == 1:
        return str(items[0].get("title") or items[0]["id"])
    stages = sorted({str(i.get("stage")) for i in items})
    return f"{len(items)} Entity List changes ({', '.join(stages)})"


def message_text(message: Message) -> str:
    """The plain-text body of a message (e-mail body, Slack text)."""
    lines: list[str] = []
    for n, item in enumerate(message.items):
        if n:
            lines.append("")
        lines += item_lines(item)
    lines += [
        "",
        f"Searched: Federal Register {message.window.get('since')} to "
        f"{message.window.get('until')}, public inspection, eCFR; through "
        f"{message.searched_through}.",
        f"frdiff watch run {message.run}, delivery {message.batch}"
        + (" (sent again after an interrupted run)" if message.resent else ""),
    ]
    return "\n".join(lines) + "\n"


Sender = Callable[["Channel", Message], None]


def sender_for(kind: str) -> Sender:
    """The send function of a channel kind (imported only when used)."""
    if kind == "email":
        from frdiff.notify.email import send
    elif kind == "webhook":
        from frdiff.notify.webhook import send
    elif kind == "feed":
        from frdiff.notify.feed import send
    else:
        raise ValueError(f"unknown channel kind {kind!r}")
    return send
