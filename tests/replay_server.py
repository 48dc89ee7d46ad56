"""A real HTTP server on 127.0.0.1 that plays the Federal Register and eCFR APIs.

It serves documents given to it (recorded fixtures or small built ones) in the
shapes of both APIs, answers conditional requests, logs every request with a
monotonic timestamp (so tests can measure rate limits), and injects faults on
request: statuses (429 with Retry-After, 503, 404, ...), slow answers, truncated
or stalled bodies, wrong content types, oversized bodies, redirects, connection
resets, and dying mid-run.

    with ReplayServer(data) as server:
        archive = Archive.open(cache_dir=tmp, fr_api=server.fr_api, ecfr_api=server.ecfr_api)
        server.add_fault("/documents.json", "status", status=429, retry_after="1")
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

LAST_MODIFIED = "Mon, 31 Mar 2025 12:00:00 GMT"


@dataclass
class ReplayData:
    """What the server knows: FR documents, eCFR snapshots, public inspection."""

    #: document_number -> (API metadata, full-text XML)
    documents: dict[str, tuple[dict[str, Any], bytes]] = field(default_factory=dict)
    #: (supplement, ISO date of the version) -> XML
    snapshots: dict[tuple[int, str], bytes] = field(default_factory=dict)
    latest_issue: str = "2026-07-31"
    pending: list[dict[str, Any]] = field(default_factory=list)
    #: (supplement, ISO date) of versions the versions endpoint calls not substantive
    editorial: set[tuple[int, str]] = field(default_factory=set)


@dataclass
class Fault:
    match: str  # substring of path+query
    kind: str
    times: int = 1  # -1: forever
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    content_type: str = "text/html; charset=utf-8"
    location: str = ""
    size: int = 0
    declared: bool = True


@dataclass(frozen=True)
class Logged:
    t: float
    method: str
    path: str
    headers: dict[str, str]
    status: int


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    replay: ReplayServer


class ReplayServer:
    """Start with ``with ReplayServer(data) as s:`` or ``s.start()`` / ``s.stop()``."""

    def __init__(
        self,
        data: ReplayData | None = None,
        *,
        paging: str = "page",
        cap: int | None = None,
        per_page_max: int = 1000,
        conditional: bool = True,
    ) -> None:
        self.data = data or ReplayData()
        self.paging = paging
        self.cap = cap
        self.per_page_max = per_page_max
        self.conditional = conditional
        self.faults: list[Fault] = []
        self.log: list[Logged] = []
        self.lock = threading.Lock()
        self.body_started = threading.Event()
        self.release = threading.Event()
        self.die_after: int | None = None
        self.dead = False
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # Life cycle ----------------------------------------------------------------------------
    def start(self) -> ReplayServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.replay = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._httpd is not None:
            if not self.dead:
                self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def kill(self) -> None:
        """Die now: refuse new connections and drop open ones."""
        self.dead = True
        httpd = self._httpd
        if httpd is not None:
            threading.Thread(target=httpd.shutdown, daemon=True).start()
            httpd.socket.close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def fr_api(self) -> str:
        return self.base + "/api/v1"

    @property
    def ecfr_api(self) -> str:
        return self.base

    # Test controls ---------------------------------------------------------------------------
    def add_fault(self, match: str, kind: str, **kw: Any) -> Fault:
        fault = Fault(match, kind, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def requests(self, match: str = "") -> list[Logged]:
        with self.lock:
            return [r for r in self.log if match in r.path]

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()

    def _take_fault(self, target: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.match in target and fault.times != 0:
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def _record(self, handler: BaseHTTPRequestHandler, status: int) -> None:
        with self.lock:
            self.log.append(
                Logged(
                    time.monotonic(),
                    handler.command,
                    handler.path,
                    dict(handler.headers.items()),
                    status,
                )
            )
            if self.die_after is not None and len(self.log) >= self.die_after and not self.dead:
                self.kill()

    # API shapes --------------------------------------------------------------------------------
    def meta_for(self, number: str) -> dict[str, Any]:
        meta, _ = self.data.documents[number]
        y, m, d = str(meta["publication_date"]).split("-")
        out = dict(meta)
        out["json_url"] = f"{self.fr_api}/documents/{number}.json"
        out["full_text_xml_url"] = f"{self.base}/documents/full_text/xml/{y}/{m}/{d}/{number}.xml"
        out["html_url"] = f"{self.base}/documents/{y}/{m}/{d}/{number}/rule"
        return out

    def search(self, query: dict[str, list[str]], path: str) -> dict[str, Any]:
        def one(key: str, default: str = "") -> str:
            return query.get(key, [default])[0]

        gte, lte = (
            one("conditions[publication_date][gte]"),
            one("conditions[publication_date][lte]", "9999"),
        )
        agencies = set(query.get("conditions[agencies][]", []))
        types = {t.upper() for t in query.get("conditions[type][]", [])}
        part = one("conditions[cfr][part]")
        hits = []
        for number in sorted(self.data.documents):
            meta = self.meta_for(number)
            slugs = {a.get("slug") for a in meta.get("agencies", [])}
            parts = {str(r.get("part")) for r in meta.get("cfr_references", [])}
            if agencies and not agencies & slugs:
                continue
            if types and str(meta.get("type", "")).upper() not in types:
                continue
            if part and part not in parts:
                continue
            if not gte <= str(meta["publication_date"]) <= lte:
                continue
            hits.append(meta)
        hits.sort(key=lambda m: (m["publication_date"], m["document_number"]))
        if one("order") == "newest":
            hits.reverse()
        total = len(hits)
        if self.cap is not None and total > self.cap:
            hits, total = hits[: self.cap], self.cap
        per_page = min(int(one("per_page", "20")), self.per_page_max)
        if self.paging == "cursor" and "cursor" in query:
            start = int(base64.urlsafe_b64decode(one("cursor")).decode())
        else:
            start = (int(one("page", "1")) - 1) * per_page
        page = hits[start : start + per_page]
        next_url = None
        if start + per_page < len(hits):
            params = [(k, v) for k, vs in query.items() for v in vs if k not in ("page", "cursor")]
            if self.paging == "cursor":
                token = base64.urlsafe_b64encode(str(start + per_page).encode()).decode()
                params.append(("cursor", token))
            else:
                params.append(("page", str(start // per_page + 2)))
            next_url = f"{self.base}{path}?{urlencode(params)}"
        return {
            "count": total,
            "description": "Documents from the Industry and Security Bureau",
            "total_pages": max(1, -(-len(hits) // per_page)),
            "next_page_url": next_url,
            "results": page,
        }

    def route(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        """(status, content type, body) for a path, without faults."""
        js = "application/json; charset=utf-8"
        if path.startswith("/mirror/"):
            path = path[len("/mirror") :]
        if path == "/api/v1/documents.json":
            return 200, js, json.dumps(self.search(query, path)).encode()
        if path.startswith("/api/v1/documents/") and path.endswith(".json"):
            number = path[len("/api/v1/documents/") : -len(".json")]
            if number in self.data.documents:
                return 200, js, json.dumps(self.meta_for(number), indent=2).encode()
            return 404, js, b'{"status":404,"errors":["not found"]}'
        if path.startswith("/documents/full_text/xml/") and path.endswith(".xml"):
            number = path.rsplit("/", 1)[1][: -len(".xml")]
            if number in self.data.documents:
                return 200, "application/xml", self.data.documents[number][1]
            return 404, "text/html", b"<html>not found</html>"
        if path in (
            "/api/v1/public-inspection-documents/current.json",
            "/api/v1/public-inspection-documents.json",
        ):
            return (
                200,
                js,
                json.dumps(
                    {"count": len(self.data.pending), "results": self.data.pending}
                ).encode(),
            )
        if path == "/api/versioner/v1/titles.json":
            title = {
                "number": 15,
                "name": "Commerce and Foreign Trade",
                "latest_issue_date": self.data.latest_issue,
                "up_to_date_as_of": self.data.latest_issue,
                "latest_amended_on": self.data.latest_issue,
            }
            return 200, js, json.dumps({"titles": [title], "meta": {}}).encode()
        if path == "/api/versioner/v1/versions/title-15.json":
            appendix = query.get("appendix", [""])[0]
            versions = [
                {
                    "date": d,
                    "amendment_date": d,
                    "issue_date": d,
                    "identifier": f"Supplement No. {s} to Part 744",
                    "name": f"Supplement No. {s} to Part 744",
                    "part": "744",
                    "type": "appendix",
                    "substantive": (s, d) not in self.data.editorial,
                    "removed": False,
                }
                for (s, d) in sorted(self.data.snapshots, key=lambda k: k[1])
                if not appendix or appendix == f"Supplement No. {s} to Part 744"
            ]
            return (
                200,
                js,
                json.dumps(
                    {"content_versions": versions, "meta": {"total_count": len(versions)}}
                ).encode(),
            )
        if path.startswith("/api/versioner/v1/full/") and path.endswith("/title-15.xml"):
            day = path.split("/")[5]
            appendix = query.get("appendix", [""])[0]
            if not appendix.startswith("Supplement No. "):
                return 400, js, b'{"error":"appendix required here"}'
            supp = int(appendix.split()[2])
            if day > self.data.latest_issue:
                return 404, js, b'{"error":"date is after the latest issue"}'
            dates = [d for (s, d) in self.data.snapshots if s == supp and d <= day]
            if not dates:
                return 404, js, b'{"error":"no such version"}'
            return 200, "application/xml", self.data.snapshots[(supp, max(dates))]
        return 404, "text/html", b"<html>no route</html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle_one_request(self) -> None:
        if self.server.replay.dead:
            self.close_connection = True
            return
        super().handle_one_request()

    def do_GET(self) -> None:
        replay = self.server.replay
        if replay.dead:
            self._reset()
            return
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        fault = replay._take_fault(self.path)
        if fault is not None and self._fault(fault, parts.path, query):
            return
        status, ctype, body = replay.route(parts.path, query)
        self._answer(status, ctype, body)

    def _answer(
        self, status: int, ctype: str, body: bytes, extra: dict[str, str] | None = None
    ) -> None:
        replay = self.server.replay
        headers = dict(extra or {})
        if status == 200 and replay.conditional:
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers["ETag"] = etag
            headers["Last-Modified"] = LAST_MODIFIED
            if self.headers.get("If-None-Match") == etag:
                replay._record(self, 304)
                self.send_response(304)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        replay._record(self, status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _reset(self) -> None:
        """Close with a TCP reset, no response."""
        self.server.replay._record(self, 0)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _fault(self, fault: Fault, path: str, query: dict[str, list[str]]) -> bool:
        """Apply a fault; True when the request is fully handled."""
        replay = self.server.replay
        kind = fault.kind
        if kind == "status":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._answer(fault.status, "application/json", b'{"error":"injected"}', extra)
            return True
        if kind == "slow":
            time.sleep(fault.delay)
            return False
        if kind == "reset":
            self._reset()
            return True
        if kind == "redirect":
            replay._record(self, fault.status if fault.status in (301, 302, 307, 308) else 302)
            location = fault.location or ("/mirror" + self.path)
            self.send_response(fault.status if fault.status in (301, 302, 307, 308) else 302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        status, ctype, body = replay.route(path, query)
        if kind == "content_type":
            self._answer(status, fault.content_type, b"<html><body>Request access</body></html>")
            return True
        replay._record(self, status)
        if kind == "oversize":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            if fault.declared:
                self.send_header("Content-Length", str(fault.size))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            chunk = b" " * 65536
            sent = 0
            try:
                while sent < fault.size:
                    n = min(len(chunk), fault.size - sent)
                    self.wfile.write(chunk[:n])
                    sent += n
            except OSError:
                pass
            self.close_connection = True
            return True
        if kind in ("truncate", "stall_body"):
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) + (100 if kind == "truncate" else 0)))
            self.end_headers()
            if kind == "truncate":
                self.wfile.write(body)
            else:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                replay.body_started.set()
                replay.release.wait(30)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        raise AssertionError(f"unknown fault {kind!r}")


# Data builders ----------------------------------------------------------------------------------


def rule_meta(
    number: str,
    published: str,
    *,
    title: str = "Additions to the Entity List",
    part: int = 744,
    agency: str = "industry-and-security-bureau",
    doc_type: str = "Rule",
) -> dict[str, Any]:
    """Federal Register API metadata for a made-up rule, in the API's field shapes."""
    return {
        "document_number": number,
        "title": title,
        "type": doc_type,
        "action": "Final rule.",
        "abstract": "Test rule.",
        "agency_names": ["Commerce Department", "Industry and Security Bureau"],
        "agencies": [
            {
                "raw_name": "DEPARTMENT OF COMMERCE",
                "name": "Commerce Department",
                "slug": "commerce-department",
            },
            {
                "raw_name": "Bureau of Industry and Security",
                "name": "Industry and Security Bureau",
                "slug": agency,
            },
        ],
        "cfr_references": [{"title": 15, "part": part}],
        "citation": "90 FR 1000",
        "publication_date": published,
        "effective_on": published,
        "correction_of": None,
        "corrections": [],
    }


def rule_xml(number: str, padding: int = 0) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<RULE><PREAMB><FRDOC>[FR Doc. {number}]</FRDOC></PREAMB>'
        f"<SUPLINF><P>{'x' * padding}</P></SUPLINF></RULE>\n"
    ).encode()


def synthetic_rules(
    n: int, start: date, *, step_days: int = 1, year_prefix: str = "2030"
) -> dict[str, tuple[dict[str, Any], bytes]]:
    """``n`` made-up rules published ``step_days`` apart from ``start``."""
    from datetime import timedelta

    out = {}
    for i in range(n):
        number = f"{year_prefix}-{10000 + i:05d}"
        published = (start + timedelta(days=i * step_days)).isoformat()
        out[number] = (rule_meta(number, published), rule_xml(number))
    return out
