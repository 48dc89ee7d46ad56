"""E-mail over SMTP: a plain-text body and the HTML report, to the configured addresses.

Security: ``starttls`` (default, port 587: upgrade with STARTTLS, refusing a server
that does not offer it), ``tls`` (implicit TLS, port 465) or ``none`` (a local
relay).  Certificates are verified against the system's CAs, or ``ca_file``.  The
user name and password come from the environment variables the config names
(``user_env`` or ``user``, ``password_env``), never from the command line.

The ``Message-ID`` is derived from the delivery's batch id, so a message sent again
after an interrupted run carries the same id as the first attempt.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING

from frdiff.errors import FetchError
from frdiff.notify import Message, message_text, subject

if TYPE_CHECKING:
    from frdiff.watchconfig import Channel


def build(channel: Channel, message: Message) -> EmailMessage:
    """The e-mail for ``message`` (multipart: text/plain, plus text/html report)."""
    mail = EmailMessage()
    sender = str(channel.get("from"))
    prefix = str(channel.get("subject_prefix") or "")
    # one line, bounded: the subject carries a document's title
    title = " ".join(f"{prefix} {subject(message.items)}".split())
    mail["Subject"] = title if len(title) <= 200 else title[:199] + "…"
    mail["From"] = sender
    mail["To"] = ", ".join(channel.get("to"))
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.split("<")[-1].rstrip(">").rsplit("@", 1)[-1] or "frdiff"
    mail["Message-ID"] = f"<frdiff-{message.batch}@{domain}>"
    mail["X-Frdiff-Delivery"] = message.batch
    mail.set_content(message_text(message))
    if message.report_html is not None:
        mail.add_attachment(
            message.report_html.encode("utf-8"),
            maintype="text",
            subtype="html",
            filename=message.report_name,
        )
    return mail


def _context(channel: Channel) -> ssl.SSLContext:
    ca = channel.get("ca_file")
    return ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()


def send(channel: Channel, message: Message) -> None:
    host = str(channel.get("host"))
    port = int(channel.get("port"))
    security = channel.get("security")
    timeout = float(channel.get("timeout"))
    user = channel.get("user") or channel.secret("user_env")
    password = channel.secret("password_env")
    mail = build(channel, message)
    where = f"smtp://{host}:{port}"
    try:
        smtp: smtplib.SMTP
        if security == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=_context(channel))
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise FetchError("the server does not offer STARTTLS", where=where)
                smtp.starttls(context=_context(channel))
                smtp.ehlo()
            if user:
                smtp.login(str(user), password or "")
            refused = smtp.send_message(mail)
            if refused:
                raise FetchError(f"recipients refused: {', '.join(sorted(refused))}", where=where)
    except smtplib.SMTPAuthenticationError as exc:
        raise FetchError(f"login refused ({exc.smtp_code})", where=where) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise FetchError(
            f"recipients refused: {', '.join(sorted(exc.recipients))}", where=where
        ) from None
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise FetchError(f"SMTP {exc.smtp_code}: {text[:200]}", where=where) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}"[:300], where=where) from None
