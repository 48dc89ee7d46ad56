"""Real servers on 127.0.0.1 for the ``frdiff watch`` tests: SMTP (aiosmtpd) and a webhook receiver.

with SMTPServer() as smtp:            # plain, or tls="starttls" / "implicit" with certs
    ... smtp.messages                 # email.message.EmailMessage objects received
with WebhookServer(fail=2) as hook:   # answers 500 to the first 2 POSTs
    ... hook.posts                    # (headers, body) of every accepted POST
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from replay_server import ReplayServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SMTPServer:
    """aiosmtpd on 127.0.0.1: plain, STARTTLS (``tls="starttls"``) or implicit TLS."""

    def __init__(
        self,
        *,
        tls: str | None = None,
        cert: Any = None,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        self.handler = _Collect()
        self.tls = tls
        self.cert = cert
        self.user = user
        self.password = password
        self.port = free_port()
        self.logins: list[str] = []
        self.controller: Any = None

    def _authenticator(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult

        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        secret = (
            auth_data.password.decode()
            if isinstance(auth_data.password, bytes)
            else auth_data.password
        )
        ok = login == self.user and secret == self.password
        if ok:
            self.logins.append(login)
        return AuthResult(success=ok)

    def start(self) -> SMTPServer:
        from aiosmtpd.controller import Controller

        kwargs: dict[str, Any] = {}
        context = None
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.cert.configure_cert(context)
        if self.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif self.tls == "implicit":
            kwargs.update(ssl_context=context)
        if self.user:
            kwargs.update(authenticator=self._authenticator, auth_require_tls=self.tls is not None)
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            **kwargs,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)


@dataclass
class Post:
    headers: dict[str, str]
    body: bytes


@dataclass
class _HookState:
    fail: int = 0
    fail_status: int = 500
    delay: float = 0.0
    posts: list[Post] = field(default_factory=list)
    attempts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _HookHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        state: _HookState = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        post = Post({k.lower(): v for k, v in self.headers.items()}, body)
        if state.delay:
            time.sleep(state.delay)
        with state.lock:
            state.attempts.append(post)
            failing = state.fail > 0
            if failing:
                state.fail -= 1
            else:
                state.posts.append(post)
        status = state.fail_status if failing else 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class WebhookServer:
    """An HTTP receiver on 127.0.0.1; the first ``fail`` POSTs get ``fail_status``."""

    def __init__(self, *, fail: int = 0, fail_status: int = 500, delay: float = 0.0) -> None:
        self.state = _HookState(fail=fail, fail_status=fail_status, delay=delay)
        self._httpd: Any = None

    def start(self) -> WebhookServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _HookHandler)
        httpd.daemon_threads = True
        httpd.state = self.state  # type: ignore[attr-defined]
        self._httpd = httpd
        threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> WebhookServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/hook"

    @property
    def posts(self) -> list[Post]:
        with self.state.lock:
            return list(self.state.posts)

    @property
    def attempts(self) -> list[Post]:
        with self.state.lock:
            return list(self.state.attempts)


class PIReplayServer(ReplayServer):
    """The replay server plus public-inspection raw texts (``raw_texts``: path -> bytes)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.raw_texts: dict[str, bytes] = {}

    def route(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        if path in self.raw_texts:
            return 200, "text/plain; charset=utf-8", self.raw_texts[path]
        return super().route(path, query)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
