"""Webhook: one JSON POST per run that has news.

Two body formats (``format`` in the channel):

- ``frdiff`` (default): the versioned payload (``format_version`` 1, schema in
  ``frdiff/schema/watch-webhook.schema.json``)::

      {"format_version": 1, "kind": "frdiff-watch", "delivery": BATCH_ID,
       "channel": NAME, "run": RUN_ID, "sent_at": ISO-8601, "resent": false,
       "window": {"since", "until", "week"}, "searched_through": DATE,
       "quiet": false, "changes": [ITEM, ...]}

  each change as :mod:`frdiff.notify` describes (id, stage, document, entities,
  parties, ...);
- ``slack``: ``{"text": ...}``, what a Slack-compatible incoming webhook reads
  (``&``, ``<`` and ``>`` escaped, so no text from a document becomes a link or mention).

Headers: ``Content-Type: application/json``, ``X-Frdiff-Delivery`` (the batch id,
the same when a batch is sent again after an interrupted run: receivers can
de-duplicate on it), ``X-Frdiff-Event`` (``changes`` or ``quiet``) and, when the
channel names a secret (``secret_env``), ``X-Frdiff-Signature: sha256=HEX``: the
HMAC-SHA256 of the raw body under the secret (verify with
``hmac.compare_digest``).

Sending retries connection errors, timeouts, 408, 429 and 5xx up to ``retries``
times with exponential back-off (``backoff`` seconds, doubled each time;
``Retry-After`` honoured up to 60 s); any other status fails at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any

from frdiff import __version__
from frdiff.errors import FetchError
from frdiff.notify import PAYLOAD_VERSION, Message, message_text

if TYPE_CHECKING:
    from frdiff.watchconfig import Channel

_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 60.0


def payload(message: Message) -> dict[str, Any]:
    return {
        "format_version": PAYLOAD_VERSION,
        "kind": "frdiff-watch",
        "generator": f"frdiff {__version__}",
        "delivery": message.batch,
        "channel": message.channel,
        "run": message.run,
        "sent_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "resent": message.resent,
        "window": message.window,
        "searched_through": message.searched_through,
        "quiet": message.quiet,
        "changes": list(message.items),
    }


def slack_escape(text: str) -> str:
    """Text as Slack's ``text`` field reads it literally (``&``, ``<``, ``>`` are markup there)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def body(channel: Channel, message: Message) -> bytes:
    if channel.get("format") == "slack":
        data: dict[str, Any] = {"text": slack_escape(message_text(message))}
    else:
        data = payload(message)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, data: bytes) -> str:
    """The ``X-Frdiff-Signature`` value for ``data``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return None


def send(channel: Channel, message: Message) -> None:
    import requests

    url = str(channel.get("url"))
    data = body(channel, message)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"frdiff/{__version__} (watch)",
        "X-Frdiff-Delivery": message.batch,
        "X-Frdiff-Event": "quiet" if message.quiet else "changes",
        **channel.get("headers", {}),
    }
    secret = channel.secret("secret_env")
    if secret:
        headers["X-Frdiff-Signature"] = signature(secret, data)
    retries = int(channel.get("retries"))
    delay = float(channel.get("backoff"))
    timeout = float(channel.get("timeout"))
    last = ""
    with requests.Session() as session:
        session.trust_env = True  # proxies from the environment, as for every request
        for attempt in range(retries + 1):
            wait = delay * (2**attempt)
            try:
                response = session.post(
                    url, data=data, headers=headers, timeout=timeout, allow_redirects=False
                )
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}"
            else:
                status = response.status_code
                response.close()
                if 200 <= status < 300:
                    return
                last = f"HTTP {status}"
                if status not in _RETRY_STATUS:
                    raise FetchError(f"the webhook answered {last}", where=url)
                hinted = _retry_after(response.headers.get("Retry-After"))
                if hinted is not None:
                    wait = max(wait, hinted)
            if attempt < retries:
                time.sleep(wait)
    raise FetchError(f"the webhook failed after {retries + 1} attempt(s): {last}", where=url)
