"""Federal Register and eCFR clients: bytes and JSON in, nothing parsed beyond that.

Use :class:`Fetcher` for one polite HTTP GET, and :class:`FederalRegister` /
:class:`ECFR` for the services' URLs and paging.  Neither knows about the local
store: conditional requests take validators from the caller and report a 304,
so :mod:`frdiff.archive` decides what to keep.

Politeness and robustness live in :class:`Fetcher`:

- a descriptive, configurable User-Agent;
- a minimum interval between requests per host class ("api" JSON calls, "xml"
  document downloads), also applied before every retry;
- urllib3's own :class:`~urllib3.util.Retry` with exponential backoff on
  time-outs, read errors and 429/503, honouring ``Retry-After`` (capped); a
  name that does not resolve or a refused connection fails at once, with one
  line naming the host, and no other status is retried;
- no log line or message carries more than :data:`URL_LOG_LIMIT` characters
  of a URL;
- connect and read timeouts;
- a maximum response size, checked against Content-Length and again while
  streaming the (decoded) body;
- content-type checks, so an HTML "unblock" page or error page is never taken
  for a document;
- a small number of re-reads when a body arrives truncated or the connection
  drops mid-body (urllib3's retries end once the headers are in).

The session and every base URL are injected, so tests and mirrors point the
clients at a local server.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.util.retry import Retry

from frdiff import __version__
from frdiff.errors import FetchError, HTTPStatusError, ParseError, ResponseError, UsageError
from frdiff.ids import iso_date
from frdiff.log import get_logger
from frdiff.validators import Validators

log = get_logger(__name__)
# urllib3 logs each retry with the whole URL (1,000 characters for a search); frdiff
# logs its own short line instead (see _PoliteRetry.increment).
logging.getLogger("urllib3").setLevel(logging.WARNING)
logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)

DEFAULT_FR_API = "https://www.federalregister.gov/api/v1"
DEFAULT_ECFR_API = "https://www.ecfr.gov"
DEFAULT_USER_AGENT = (
    f"frdiff/{__version__} (Entity List change tracker; "
    "set --user-agent or FRDIFF_USER_AGENT to add a contact address)"
)

HostClass = Literal["api", "xml"]
Expect = Literal["json", "xml"]

#: The Federal Register search stops at this many results, "count" included.
FR_RESULT_CAP = 10_000
#: Follow at most this many ``next_page_url`` links for one query.
MAX_PAGES = 500

#: Fields requested from the search, so a result is a full metadata record.
FR_FIELDS = (
    "abstract",
    "action",
    "agencies",
    "agency_names",
    "body_html_url",
    "cfr_references",
    "citation",
    "correction_of",
    "corrections",
    "dates",
    "docket_ids",
    "document_number",
    "effective_on",
    "end_page",
    "full_text_xml_url",
    "html_url",
    "json_url",
    "pdf_url",
    "publication_date",
    "raw_text_url",
    "regulation_id_numbers",
    "signing_date",
    "start_page",
    "title",
    "type",
    "volume",
)

_ACCEPT = {
    "json": "application/json",
    "xml": "application/xml, text/xml;q=0.9",
}
#: Only these statuses are retried (with back-off, honouring Retry-After); any other
#: error status, a refused connection or an unknown host name fails at once.
_RETRY_STATUSES = frozenset({429, 503})
#: No log line or error message carries more of a URL than this.
URL_LOG_LIMIT = 200


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """How politely and how patiently to fetch.  Defaults follow the services' stated limits."""

    user_agent: str = DEFAULT_USER_AGENT
    api_rate: float = 5.0  # requests per second to the JSON APIs
    xml_rate: float = 1.0  # document downloads per second
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5
    backoff_factor: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 120.0
    body_retries: int = 2
    max_json_bytes: int = 32 * 1024 * 1024
    max_xml_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 5

    def with_rates(self, api: float | None = None, xml: float | None = None) -> FetchConfig:
        """A copy with other rate limits (None keeps the current one)."""
        for value in (api, xml):
            if value is not None and not value > 0:
                raise UsageError(f"a rate must be a positive number of requests/s, not {value}")
        return replace(
            self,
            api_rate=self.api_rate if api is None else api,
            xml_rate=self.xml_rate if xml is None else xml,
        )


def parse_rate(text: str) -> tuple[float, float | None]:
    """Read ``--rate``: "API" or "API,XML" in requests per second, e.g. "5" or "5,1"."""
    parts = [p.strip() for p in text.split(",")]
    if not 1 <= len(parts) <= 2:
        raise UsageError(f"--rate takes API[,XML] requests per second, not {text!r}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise UsageError(f"--rate takes numbers, not {text!r}") from None
    if any(not v > 0 for v in values):
        raise UsageError(f"--rate must be positive, not {text!r}")
    return values[0], values[1] if len(values) == 2 else None


class RateLimiter:
    """A minimum interval between calls, shared by the threads of one process.

    ``wait()`` reserves the next slot and sleeps until it; slots never bunch up,
    so a burst after an idle spell is still spaced.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not per_second > 0:
            raise UsageError(f"rate must be positive, not {per_second}")
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


def host_class(url: str) -> HostClass:
    """Which rate limit a URL falls under: document XML downloads, or the JSON API."""
    return "xml" if urlsplit(url).path.endswith(".xml") else "api"


class _PoliteRetry(Retry):
    """urllib3's Retry that also waits for the rate limiter and caps Retry-After.

    urllib3 copies a Retry with ``new()`` on every attempt, so the extra state is
    carried over there.
    """

    limiters: dict[str, RateLimiter] | None = None
    retry_after_cap: float = 120.0
    last_url: str = ""

    def new(self, **kw: Any) -> _PoliteRetry:
        retry = super().new(**kw)
        retry.limiters = self.limiters
        retry.retry_after_cap = self.retry_after_cap
        retry.last_url = self.last_url
        return retry

    def increment(
        self, method: str | None = None, url: str | None = None, *args: Any, **kw: Any
    ) -> _PoliteRetry:
        error = kw.get("error")
        if isinstance(error, NewConnectionError) or _unreachable(error) is not None:
            # Not a time-out: the name does not resolve or the host refuses. Retrying
            # cannot help, so give up at once (urllib3 counts these as connect errors).
            raise MaxRetryError(kw.get("_pool"), url or "", error)  # type: ignore[arg-type]
        retry = super().increment(method, url, *args, **kw)
        if url:
            retry.last_url = url
        response = kw.get("response")
        why = f"HTTP {response.status}" if response is not None else type(error).__name__
        log.info("retrying %s after %s", short_url(url or ""), why)
        return retry

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.retry_after_cap)

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        if self.limiters:
            self.limiters[host_class(self.last_url)].wait()


def build_session(
    config: FetchConfig, limiters: dict[str, RateLimiter] | None = None
) -> requests.Session:
    """A requests Session with frdiff's retry policy mounted for http and https."""
    session = requests.Session()
    session.headers["User-Agent"] = config.user_agent
    session.max_redirects = config.max_redirects
    mount_retries(session, config, limiters)
    return session


def mount_retries(
    session: requests.Session, config: FetchConfig, limiters: dict[str, RateLimiter] | None = None
) -> None:
    """Mount frdiff's retry policy on an existing (for instance injected) session."""
    retry = _PoliteRetry(
        total=config.retries,
        connect=config.retries,
        read=config.retries,
        status=config.retries,
        other=0,
        redirect=False,  # requests follows redirects itself, bounded by max_redirects
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=_RETRY_STATUSES,
        backoff_factor=config.backoff_factor,
        backoff_max=config.backoff_max,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.limiters = limiters
    retry.retry_after_cap = config.retry_after_max
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)


@dataclass(frozen=True, slots=True)
class Fetched:
    """One response: the body on 200; ``not_modified`` and no body on 304."""

    url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    retrieved: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _BodyError(Exception):
    pass


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _type_ok(content_type: str, expect: Expect) -> bool:
    mime = _mime(content_type)
    if not mime:
        return True  # some mirrors send none; the parsers still check the bytes
    if expect == "json":
        return mime in ("application/json", "text/json") or mime.endswith("+json")
    return mime in ("application/xml", "text/xml") or mime.endswith("+xml")


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Fetcher:
    """Polite GETs with retries, timeouts, size and type checks.  One per run.

    Pass ``session`` to inject one (frdiff's retry policy is mounted on it unless
    ``mount=False``); pass ``config`` to change limits.
    """

    config: FetchConfig = field(default_factory=FetchConfig)
    session: requests.Session | None = None
    mount: bool = True
    limiters: dict[str, RateLimiter] = field(init=False)
    requests_made: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.limiters = {
            "api": RateLimiter(self.config.api_rate),
            "xml": RateLimiter(self.config.xml_rate),
        }
        if self.session is None:
            self.session = build_session(self.config, self.limiters)
        elif self.mount:
            self.session.headers["User-Agent"] = self.config.user_agent
            self.session.max_redirects = self.config.max_redirects
            mount_retries(self.session, self.config, self.limiters)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def get(self, url: str, *, expect: Expect, validators: Validators | None = None) -> Fetched:
        """GET ``url`` expecting JSON or XML; 200 gives the body, 304 ``not_modified``.

        Raises HTTPStatusError for any other status (after retries), ResponseError
        for a wrong content type, an oversized or truncated body, FetchError for
        timeouts and connection failures.
        """
        if urlsplit(url).scheme not in ("http", "https"):
            raise UsageError("only http and https URLs are fetched", where=short_url(url))
        kind = host_class(url)
        limit = self.config.max_json_bytes if expect == "json" else self.config.max_xml_bytes
        headers = {"Accept": _ACCEPT[expect], **(validators.headers() if validators else {})}
        attempt = 0
        while True:
            attempt += 1
            self.limiters[kind].wait()
            response = self._send(url, headers)
            with response:
                try:
                    return self._finish(url, response, expect, limit)
                except _BodyError as exc:
                    if attempt > self.config.body_retries:
                        raise ResponseError(
                            f"body incomplete after {attempt} attempts: {exc}", where=short_url(url)
                        ) from None
                    log.info("%s: %s; reading again", short_url(url), exc)

    def _send(self, url: str, headers: dict[str, str]) -> requests.Response:
        assert self.session is not None
        self.requests_made += 1
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        try:
            return self.session.get(url, headers=headers, timeout=timeout, stream=True)
        except requests.exceptions.TooManyRedirects:
            raise FetchError(
                f"more than {self.config.max_redirects} redirects", where=short_url(url)
            ) from None
        except requests.exceptions.RetryError as exc:
            raise FetchError(
                f"gave up after {self.config.retries} retries: {exc}", where=short_url(url)
            ) from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            unreachable = _unreachable(exc)
            if unreachable is not None:
                host = urlsplit(url).hostname or "the server"
                raise FetchError(
                    f"cannot reach {host}: {unreachable}; use --offline or --fixtures"
                ) from None
            if _is_timeout(exc):
                # urllib3's text repeats the whole URL; the host and the count say enough.
                message = f"timed out (after {self.config.retries} retries)"
            else:
                message = f"connection failed (after {self.config.retries} retries): " + _short(
                    exc
                ).replace(url, short_url(url, 80))
            raise FetchError(message, where=short_url(url)) from None
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"request failed: {_short(exc)}", where=short_url(url)) from None

    def _finish(self, url: str, response: requests.Response, expect: Expect, limit: int) -> Fetched:
        final_url = response.url or url
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if response.status_code == 304:
            return Fetched(
                url=final_url,
                status=304,
                etag=etag,
                last_modified=last_modified,
                retrieved=_utc_now(),
            )
        if response.status_code != 200:
            raise HTTPStatusError(
                _status_message(response), status=response.status_code, where=short_url(url)
            )
        content_type = response.headers.get("Content-Type", "")
        if not _type_ok(content_type, expect):
            raise ResponseError(
                f"expected {expect.upper()}, got content type {_mime(content_type)!r}",
                where=short_url(url),
            )
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ResponseError(
                f"response of {int(declared):,} bytes exceeds the limit of {limit:,}",
                where=short_url(url),
            )
        body = _read_limited(response, limit, url)
        return Fetched(
            url=final_url,
            status=200,
            body=body,
            content_type=content_type,
            etag=etag,
            last_modified=last_modified,
            retrieved=_utc_now(),
        )


def _read_limited(response: requests.Response, limit: int, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > limit:
                raise ResponseError(
                    f"response exceeds the limit of {limit:,} bytes", where=short_url(url)
                )
            chunks.append(chunk)
    except (
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ConnectionError,
        requests.exceptions.ContentDecodingError,
    ) as exc:
        raise _BodyError(f"{_short(exc)} after {size:,} bytes") from None
    return b"".join(chunks)


def _is_timeout(exc: BaseException) -> bool:
    return any(
        "timeout" in type(e).__name__.lower() or "timed out" in str(e).lower() for e in _causes(exc)
    )


def short_url(url: str, limit: int = URL_LOG_LIMIT) -> str:
    """``url`` cut to ``limit`` characters (with an ellipsis) for a log line or message."""
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _causes(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack.extend(
            [e.__cause__, e.__context__, *[a for a in e.args if isinstance(a, BaseException)]]
        )
        reason = getattr(e, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)


def _unreachable(exc: BaseException | None) -> str | None:
    """Why a connection could not even start ("name not resolved", "connection refused"),
    or None for anything else (a time-out, a dropped connection)."""
    for e in _causes(exc):
        if isinstance(e, (NameResolutionError, socket.gaierror)):
            return "name not resolved"
        if isinstance(e, ConnectionRefusedError):
            return "connection refused"
    return None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= URL_LOG_LIMIT else text[: URL_LOG_LIMIT - 3] + "..."


def _status_message(response: requests.Response) -> str:
    reason = response.reason or "error"
    message = f"HTTP {response.status_code} {reason}"
    if response.status_code in _RETRY_STATUSES:
        message += " (gave up after retries"
        retry_after = response.headers.get("Retry-After")
        message += f"; server asked to retry after {retry_after})" if retry_after else ")"
    return message


def parse_json(data: bytes, *, where: str) -> Any:
    """JSON from a response body, or a ParseError naming where it came from."""
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"not valid JSON: {exc}", where=where) from None


def _query(params: list[tuple[str, str]]) -> str:
    # Brackets stay literal as in the API's own documentation and links; URLs must be
    # deterministic because the store finds earlier responses by URL.
    return urlencode(params, quote_via=quote, safe="[]")


def rebase(url: str, base: str) -> str:
    """``url``'s path and query on ``base``'s scheme and host.

    Links inside responses (``next_page_url``, ``full_text_xml_url``) are followed
    only on the configured service, so a mirror or replay server stays in charge
    and a response cannot send frdiff elsewhere.
    """
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise ParseError(
            f"unexpected URL scheme {parts.scheme!r} in a response", where=short_url(url)
        )
    b = urlsplit(base)
    return urlunsplit((b.scheme, b.netloc, parts.path, parts.query, ""))


LoadJSON = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class SearchPage:
    url: str
    count: int
    results: tuple[dict[str, Any], ...]
    next_url: str | None


class FederalRegister:
    """The Federal Register API: BIS rules amending 15 CFR 744, documents, public inspection.

    Every method that reads JSON takes an optional ``load(url) -> object``; the
    archive passes one that makes conditional requests against its store.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        base: str = DEFAULT_FR_API,
        *,
        per_page: int = 1000,
        result_cap: int = FR_RESULT_CAP,
        agency: str = "industry-and-security-bureau",
        cfr_title: int = 15,
        cfr_part: int = 744,
    ) -> None:
        self.fetcher = fetcher
        self.base = base.rstrip("/")
        self.per_page = per_page
        self.result_cap = result_cap
        self.agency = agency
        self.cfr_title = cfr_title
        self.cfr_part = cfr_part

    def load_json(self, url: str) -> Any:
        """Plain (unconditional) GET of a JSON document."""
        return parse_json(self.fetcher.get(url, expect="json").body, where=short_url(url))

    # URLs -------------------------------------------------------------------
    def search_url(self, since: date, until: date) -> str:
        params = [
            ("conditions[agencies][]", self.agency),
            ("conditions[cfr][title]", str(self.cfr_title)),
            ("conditions[cfr][part]", str(self.cfr_part)),
            ("conditions[type][]", "RULE"),
            ("conditions[publication_date][gte]", since.isoformat()),
            ("conditions[publication_date][lte]", until.isoformat()),
            ("order", "oldest"),
            ("per_page", str(self.per_page)),
        ]
        params += [("fields[]", f) for f in FR_FIELDS]
        return f"{self.base}/documents.json?{_query(params)}"

    def document_url(self, document_number: str) -> str:
        return f"{self.base}/documents/{quote(document_number, safe='')}.json"

    def issue_url(self, day: date) -> str:
        """The agency's documents of any type published on ``day`` (to find a citation)."""
        params = [
            ("conditions[agencies][]", self.agency),
            ("conditions[publication_date][is]", day.isoformat()),
            ("per_page", str(self.per_page)),
        ]
        params += [("fields[]", f) for f in FR_FIELDS]
        return f"{self.base}/documents.json?{_query(params)}"

    def find_citation(
        self, volume: int, page: int, day: date, load: LoadJSON | None = None
    ) -> dict[str, Any] | None:
        """The agency's document printed on ``volume`` FR ``page`` of the issue of ``day``."""
        data = (load or self.load_json)(self.issue_url(day))
        results = data.get("results") if isinstance(data, dict) else None
        for r in results or ():
            if not isinstance(r, dict):
                continue
            start, end = r.get("start_page"), r.get("end_page") or r.get("start_page")
            if (
                r.get("volume") == volume
                and isinstance(start, int)
                and isinstance(end, int)
                and start <= page <= end
            ):
                return r
        return None

    def xml_url(self, meta: dict[str, Any]) -> str:
        """Where the rule's full-text XML is, on the configured service."""
        url = meta.get("full_text_xml_url")
        number = str(meta.get("document_number", ""))
        if not url:
            published = meta.get("publication_date")
            if not published:
                raise ParseError(
                    "metadata has neither full_text_xml_url nor publication_date", where=number
                )
            y, m, d = str(published).split("-")
            url = f"/documents/full_text/xml/{y}/{m}/{d}/{quote(number, safe='')}.xml"
        return rebase(str(url), self.base)

    def public_inspection_url(self, available_on: date | None = None) -> str:
        if available_on is None:
            return f"{self.base}/public-inspection-documents/current.json"
        params = [("conditions[available_on]", available_on.isoformat())]
        return f"{self.base}/public-inspection-documents.json?{_query(params)}"

    # Operations -------------------------------------------------------------
    def pages(self, since: date, until: date, load: LoadJSON | None = None) -> Iterator[SearchPage]:
        """The pages of one search, following ``next_page_url`` (page numbers or cursors)."""
        load = load or self.load_json
        url: str | None = self.search_url(since, until)
        seen: set[str] = set()
        while url is not None:
            if url in seen or len(seen) >= MAX_PAGES:
                raise FetchError(
                    "search paging does not end (repeated or too many pages)", where=short_url(url)
                )
            seen.add(url)
            data = load(url)
            if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
                raise ParseError("search response is not a result page", where=short_url(url))
            results = tuple(r for r in data.get("results") or [] if isinstance(r, dict))
            next_url = data.get("next_page_url")
            next_url = rebase(next_url, self.base) if next_url else None
            page = SearchPage(url, int(data.get("count") or 0), results, next_url)
            yield page
            url = next_url

    def search(
        self, since: date, until: date, load: LoadJSON | None = None
    ) -> list[dict[str, Any]]:
        """Every BIS rule amending 15 CFR 744 published in [since, until], oldest first.

        A query that reaches the service's result cap is split in two date ranges,
        and so is one whose pages end before ``count`` results, down to single days.
        """
        if until < since:
            raise UsageError(f"--until {until} is before --since {since}")
        found: dict[str, dict[str, Any]] = {}
        self._search_into(since, until, load, found)
        return sorted(
            found.values(),
            key=lambda r: (str(r.get("publication_date")), str(r.get("document_number"))),
        )

    def _search_into(
        self, since: date, until: date, load: LoadJSON | None, found: dict[str, dict[str, Any]]
    ) -> None:
        collected: dict[str, dict[str, Any]] = {}
        count = 0
        capped = False
        for page in self.pages(since, until, load):
            count = max(count, page.count)
            if page.count >= self.result_cap:
                capped = True
                break
            for r in page.results:
                number = r.get("document_number")
                if not isinstance(number, str) or not number:
                    raise ParseError("search result without a document_number", where=page.url)
                collected[number] = r
        complete = not capped and len(collected) >= count
        if complete:
            found.update(collected)
            return
        if since == until:
            raise FetchError(
                f"search for {since} returned {len(collected)} of {count} results and cannot be split further",
                where=self.search_url(since, until),
            )
        middle = since + (until - since) // 2
        log.info("search %s..%s reached %s results; splitting", since, until, count)
        self._search_into(since, middle, load, found)
        self._search_into(middle + timedelta(days=1), until, load, found)

    def public_inspection(
        self, available_on: date | None = None, load: LoadJSON | None = None
    ) -> list[dict[str, Any]]:
        """BIS documents on public inspection (filed, not yet published), all types."""
        load = load or self.load_json
        url = self.public_inspection_url(available_on)
        data = load(url)
        if not isinstance(data, dict):
            raise ParseError("public inspection response is not an object", where=short_url(url))
        out = []
        for r in data.get("results") or []:
            if not isinstance(r, dict):
                continue
            agencies = r.get("agencies") or []
            slugs = {a.get("slug") for a in agencies if isinstance(a, dict)}
            names = {str(n).lower() for n in r.get("agency_names") or []}
            if self.agency in slugs or "industry and security bureau" in names:
                out.append(r)
        return out


class ECFR:
    """The eCFR versioner API: latest date, versions of a part, a supplement's full XML."""

    def __init__(
        self, fetcher: Fetcher, base: str = DEFAULT_ECFR_API, *, title: int = 15, part: int = 744
    ) -> None:
        self.fetcher = fetcher
        self.base = base.rstrip("/")
        self.title = title
        self.part = part

    def load_json(self, url: str) -> Any:
        return parse_json(self.fetcher.get(url, expect="json").body, where=short_url(url))

    def supplement_name(self, supplement: int) -> str:
        return f"Supplement No. {supplement} to Part {self.part}"

    def titles_url(self) -> str:
        return f"{self.base}/api/versioner/v1/titles.json"

    def versions_url(self, supplement: int | None = None) -> str:
        params = [("part", str(self.part))]
        if supplement is not None:
            params.append(("appendix", self.supplement_name(supplement)))
        return f"{self.base}/api/versioner/v1/versions/title-{self.title}.json?{_query(params)}"

    def full_url(self, on: date, supplement: int) -> str:
        params = [("part", str(self.part)), ("appendix", self.supplement_name(supplement))]
        return f"{self.base}/api/versioner/v1/full/{on.isoformat()}/title-{self.title}.xml?{_query(params)}"

    def latest_date(self, load: LoadJSON | None = None) -> date:
        """The latest date the eCFR can serve for the title (its latest issue)."""
        load = load or self.load_json
        url = self.titles_url()
        data = load(url)
        titles = data.get("titles") if isinstance(data, dict) else None
        for t in titles or []:
            if isinstance(t, dict) and str(t.get("number")) == str(self.title):
                value = t.get("latest_issue_date") or t.get("up_to_date_as_of")
                try:
                    return iso_date(str(value))
                except ValueError:
                    raise ParseError(
                        f"bad latest_issue_date {value!r}", where=short_url(url)
                    ) from None
        raise ParseError(f"title {self.title} not listed", where=short_url(url))

    def versions(
        self, supplement: int | None = None, load: LoadJSON | None = None
    ) -> list[dict[str, Any]]:
        """``content_versions`` of the part, or of one supplement."""
        load = load or self.load_json
        url = self.versions_url(supplement)
        data = load(url)
        versions = data.get("content_versions") if isinstance(data, dict) else None
        if not isinstance(versions, list):
            raise ParseError("no content_versions in the response", where=short_url(url))
        return [v for v in versions if isinstance(v, dict)]

    def version_dates(self, supplement: int, load: LoadJSON | None = None) -> list[date]:
        """Dates on which the supplement changed, oldest first."""
        dates: set[date] = set()
        for v in self.versions(supplement, load):
            if v.get("removed"):
                continue
            try:
                dates.add(iso_date(str(v.get("date") or v.get("amendment_date"))))
            except ValueError:
                continue
        return sorted(dates)

    def supplement_xml(
        self, on: date, supplement: int, validators: Validators | None = None
    ) -> Fetched:
        """The supplement's XML as it stood on ``on``."""
        return self.fetcher.get(self.full_url(on, supplement), expect="xml", validators=validators)
