"""Hostile and broken documents (tests/bad_inputs/, see its MANIFEST.md).

Every document goes through the rule parser, the snapshot parser and the
``frdiff rule`` / ``snapshot`` / ``diff`` commands.  Each gives a clean frdiff
error (naming the file and what is wrong) or a result whose findings name the
document and place.  Never a traceback, never a hang (each case runs under a
time bound), and never a file read or network request caused by the document:
entity, DTD, XInclude and stylesheet references point at a temporary file
holding a unique marker and at a 127.0.0.1 server that records every request,
and the marker must appear in no output and the server must see no request.
Inputs that must be large or deep are generated here, not committed.
"""

from __future__ import annotations

import http.server
import json
import re
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from frdiff.cli import main
from frdiff.errors import FrdiffError, ParseError, TooLargeError
from frdiff.ids import DOCUMENT_NUMBER, iso_date
from frdiff.model import ChangeSet, Snapshot
from frdiff.parse.rule import parse_rule
from frdiff.parse.snapshot import parse_snapshot
from frdiff.parse.xml import MAX_DEPTH, MAX_DOCUMENT_BYTES
from rulexml import as_ecfr
from rulexml import row as rule_row
from rulexml import rule as rule_xml

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
DOCS = sorted(p.name for p in CORPUS.iterdir() if p.name != "MANIFEST.md")
XML_DOCS = [n for n in DOCS if not n.startswith(("meta-", "snapjson-"))]
META_DOCS = [n for n in DOCS if n.startswith("meta-")]
#: Seconds one parse may take; a quadratic or exponential path blows far past it.
TIME_LIMIT = 10.0


# ---------------------------------------------------------------------------
# What each document must give


@dataclass(frozen=True)
class Error:
    """A clean frdiff error whose message contains ``text``."""

    text: str


@dataclass(frozen=True)
class Finds:
    """A result with a finding of ``code`` naming the document and a place."""

    code: str


#: Any result (findings, if any, still name the document) or any clean error.
ANY = "any"
#: A clean error, or a result with at least one finding: never a silent result.
NOT_SILENT = "not-silent"

NOT_XML = Error("not well-formed")
FR_DOCUMENT = Error("is a Federal Register document")
ENTITIES = Error("declares XML entities")
HTML = Error("HTML page")
NOT_FR = Error("not a Federal Register document")

#: name -> (rule parser, snapshot parser)
EXPECTED: dict[str, tuple[Any, Any]] = {
    "empty.xml": (Error("empty"), Error("empty")),
    "whitespace.xml": (Error("empty"), Error("empty")),
    "bom-only.xml": (Error("empty"), Error("empty")),
    "binary.bin": (Error("binary"), Error("binary")),
    "gzipped.xml.gz": (Error("gzip"), Error("gzip")),
    "pdf.pdf": (Error("PDF"), Error("PDF")),
    "nul-bytes.xml": (Error("NUL"), Error("NUL")),
    "nul-late.xml": (Error("NUL byte at offset"), Error("NUL byte at offset")),
    "declared-utf16-utf8-bytes.xml": (Error("declares encoding UTF-16"),) * 2,
    "latin1-declared-utf8.xml": (Error("encoding"), Error("encoding")),
    "utf16-bom-valid.xml": (Finds("inferred-publication-date"), ANY),
    "unknown-encoding.xml": (Error("Unsupported encoding"), Error("Unsupported encoding")),
    "not-xml.txt": (NOT_XML, NOT_XML),
    "json-error.json": (NOT_XML, NOT_XML),
    "html-error-page.html": (HTML, HTML),
    "xhtml-error-page.xml": (HTML, HTML),
    "html-uppercase-no-doctype.html": (HTML, HTML),
    "wrong-root.xml": (NOT_FR, Error("no Entity List table")),
    "unclosed-tags.xml": (NOT_XML, NOT_XML),
    "mismatched-tags.xml": (NOT_XML, NOT_XML),
    "two-roots.xml": (NOT_XML, NOT_XML),
    "bad-character-reference.xml": (NOT_XML, NOT_XML),
    "undefined-entity.xml": (NOT_XML, NOT_XML),
    "doctype-internal-entity.xml": (ENTITIES, ENTITIES),
    "billion-laughs.xml": (ENTITIES, ENTITIES),
    "xxe-file-entity.xml": (ENTITIES, ENTITIES),
    "xxe-http-entity.xml": (ENTITIES, ENTITIES),
    "xxe-parameter-entity.xml": (ENTITIES, ENTITIES),
    "external-dtd-file.xml": (ANY, ANY),
    "external-dtd-http.xml": (ANY, ANY),
    "xinclude-file.xml": (ANY, ANY),
    "xinclude-http.xml": (ANY, ANY),
    "xml-stylesheet-http.xml": (ANY, ANY),
    "schema-location-http.xml": (ANY, ANY),
    "rule-missing-cells.xml": (Finds("row-shape"), Finds("row-shape")),
    "rule-extra-cells.xml": (Finds("row-shape"), Finds("row-shape")),
    "rule-unknown-verb.xml": (Finds("missing-verb"), ANY),
    "rule-unbalanced-quotes.xml": (Finds("instruction-quotes"), ANY),
    "rule-straight-quote-unbalanced.xml": (Finds("instruction-quotes"), ANY),
    "rule-duplicate-entries.xml": (Finds("duplicate-entry"), ANY),
    "rule-nonexistent-date.xml": (Finds("unreadable-date"), ANY),
    "rule-gpotable-no-rows.xml": (Finds("instruction-without-entry"), NOT_SILENT),
    "rule-rows-before-country.xml": (Finds("no-country"), Finds("no-country")),
    "rule-no-table.xml": (Finds("instruction-without-entry"), Error("no Entity List table")),
    "rule-empty-entity-cell.xml": (Finds("no-entity"), Finds("no-entity")),
    "rule-orphan-continuation.xml": (Finds("orphan-continuation"), Finds("orphan-continuation")),
    "rule-cells-without-ent.xml": (Finds("text-outside-cells"), Finds("text-outside-cells")),
    "rule-amdpar-no-names.xml": (Finds("instruction-unnamed"), ANY),
    "rule-empty-amdpar.xml": (ANY, ANY),
    "rule-remove-unknown.xml": (ANY, NOT_SILENT),
    "rule-prtpage-odd.xml": (ANY, ANY),
    "rule-huge-numbers.xml": (ANY, ANY),
    "rule-namespaced.xml": (Finds("namespace"), ANY),
    "rule-notice-no-amdpar.xml": (Finds("no-entity-list-changes"), Error("no Entity List")),
    "snap-no-table.xml": (NOT_FR, Error("holds no Entity List table")),
    "snap-header-only.xml": (NOT_FR, NOT_SILENT),
    "snap-gpotable-no-rows.xml": (NOT_FR, NOT_SILENT),
    "snap-other-supplement.xml": (NOT_FR, Error("no Supplement No. 4")),
    "snap-td-4-cells.xml": (NOT_FR, Finds("row-4-cells")),
    "snap-td-6-cells.xml": (NOT_FR, Finds("row-6-cells")),
    "snap-td-2-and-9-cells.xml": (NOT_FR, Finds("row-shape")),
    "snap-all-stars.xml": (NOT_FR, Finds("placeholder-row")),
    "snap-rows-before-country.xml": (NOT_FR, Finds("no-country")),
    "snap-duplicate-entries.xml": (NOT_FR, Finds("duplicate-entry")),
    "snap-colspan-garbage.xml": (NOT_FR, ANY),
    "snap-nested-tables.xml": (NOT_FR, ANY),
    "snap-empty-entity.xml": (NOT_FR, Finds("no-entity")),
    "snap-impossible-date.xml": (NOT_FR, Finds("unreadable-date")),
    "snap-unknown-country.xml": (NOT_FR, ANY),
}

#: Known defects in modules this suite does not own: (document, parser) -> reason.
#: Strict: when a fix lands the test fails until the entry is removed.
KNOWN: dict[tuple[str, str], str] = {}


# ---------------------------------------------------------------------------
# Sentinels: a marker file and a loopback server that must never be touched


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []
    marker = ""

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = f"<!ENTITY leak '{self.marker}'>{self.marker}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Sentinel:
    marker: str
    marker_file: Path
    url: str

    @property
    def hits(self) -> list[str]:
        return _Recorder.hits

    def fill(self, data: bytes) -> bytes:
        """The document with its placeholders pointing at the sentinels."""
        return data.replace(b"@MARKER_FILE@", str(self.marker_file).encode()).replace(
            b"@HTTP_URL@", self.url.encode()
        )

    def assert_untouched(self, *outputs: object) -> None:
        assert self.hits == [], f"the document made frdiff request {self.hits}"
        for out in outputs:
            assert self.marker not in str(out), "text of the marker file reached the output"


@pytest.fixture(scope="module")
def _server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sentinel(_server: str, tmp_path: Path) -> Sentinel:
    marker = f"LEAKED-{uuid.uuid4().hex}"
    marker_file = tmp_path / "secret.txt"
    marker_file.write_text(f"{marker}\n")
    _Recorder.hits = []
    _Recorder.marker = marker
    return Sentinel(marker, marker_file, _server)


# ---------------------------------------------------------------------------
# Helpers


class Hang(Exception):
    """A parse ran past its time bound."""


@contextmanager
def bounded(seconds: float = TIME_LIMIT) -> Iterator[None]:
    """Fail (raise Hang) if the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise Hang(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


PARSERS: dict[str, Callable[..., ChangeSet | Snapshot]] = {
    "rule": parse_rule,
    "snapshot": parse_snapshot,
}


def parse(kind: str, data: bytes, source: str) -> ChangeSet | Snapshot | FrdiffError:
    """The parser's result or its frdiff error; anything else propagates and fails."""
    with bounded():
        try:
            return PARSERS[kind](data, source=source)
        except FrdiffError as exc:
            return exc


def assert_safe_identifiers(result: ChangeSet | Snapshot) -> None:
    """Values that can become file names or links are validated or absent."""
    if isinstance(result, ChangeSet):
        number = result.rule.document_number
        assert number == "" or DOCUMENT_NUMBER.match(number), number
        for value in (result.rule.publication_date, result.rule.effective_date):
            assert value is None or iso_date(value)
        url = result.rule.html_url
        assert url is None or url.startswith("https://www.federalregister.gov/"), url
    else:
        assert result.date is None or iso_date(result.date)


def assert_located(result: ChangeSet | Snapshot, source: str) -> None:
    """Every finding names the document (its file or document number) and says what."""
    names = [source]
    if isinstance(result, ChangeSet) and result.rule.document_number:
        names.append(result.rule.document_number)
    for f in result.findings:
        assert f.where.startswith(tuple(names)), f
        assert f.code and f.message and f.severity in ("error", "warning", "info")


def check_outcome(outcome: ChangeSet | Snapshot | FrdiffError, want: Any, source: str) -> None:
    if isinstance(outcome, FrdiffError):
        assert outcome.where == source, outcome
        assert str(outcome).startswith(f"{source}: ")
        if isinstance(want, Error):
            assert want.text in outcome.message
        else:
            assert want in (ANY, NOT_SILENT), f"expected {want}, got the error {outcome}"
        return
    assert not isinstance(want, Error), f"expected an error with {want.text!r}"
    assert_located(outcome, source)
    assert_safe_identifiers(outcome)
    if want == NOT_SILENT:
        assert outcome.findings, "a result that should carry a finding has none"
    if isinstance(want, Finds):
        codes = [f.code for f in outcome.findings]
        assert want.code in codes, codes
        located = [f for f in outcome.findings if f.code == want.code]
        assert any(
            re.search(r"row \d+|instruction \S+|SUMMARY|DATES", f.where) for f in located
        ) or (want.code in ("inferred-publication-date", "no-entity-list-changes", "namespace")), (
            located
        )


def known(name: str, kind: str) -> list[Any]:
    reason = KNOWN.get((name, kind))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


CASES = [
    pytest.param(name, kind, id=f"{kind}:{name}", marks=known(name, kind))
    for name in XML_DOCS
    for kind in ("rule", "snapshot")
]


# ---------------------------------------------------------------------------
# The corpus


def test_corpus_is_complete_and_described() -> None:
    manifest = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    assert len(DOCS) >= 30
    assert sorted(EXPECTED) == XML_DOCS, "every XML document has an expectation, and only those"
    for name in DOCS:
        assert f"`{name}`" in manifest, f"{name} is not described in MANIFEST.md"
    assert all(p.stat().st_size < 64 * 1024 for p in CORPUS.iterdir()), "keep the corpus small"


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_parser(name: str, kind: str, sentinel: Sentinel) -> None:
    data = sentinel.fill((CORPUS / name).read_bytes())
    want = EXPECTED[name][0 if kind == "rule" else 1]
    outcome = parse(kind, data, name)
    if (
        kind == "snapshot"
        and isinstance(outcome, ParseError)
        and FR_DOCUMENT.text in outcome.message
    ):
        # A rule is no snapshot: refused as such; its rows, under an eCFR root, are
        # still read by the snapshot parser's table reader, irregularities and all.
        outcome = parse(kind, as_ecfr(data), name)
    sentinel.assert_untouched(outcome if isinstance(outcome, FrdiffError) else outcome.to_dict())
    check_outcome(outcome, want, name)


# ---------------------------------------------------------------------------
# The commands


def run_cli(*args: str) -> Any:
    with bounded():
        return CliRunner().invoke(main, list(args), catch_exceptions=True)


def assert_clean_exit(result: Any, name: str) -> None:
    """Exit 0 with JSON, or exit 1 with one 'Error: <file>: ...' line; never a traceback."""
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
        return
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert f"Error: {name}: " in result.output or f"/{name}: " in result.output, result.output


@pytest.fixture(scope="module")
def small_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid small snapshot for the other side of ``frdiff diff``."""
    path = tmp_path_factory.mktemp("good") / "supp4-2025-03-24.xml"
    data = (CORPUS / "snap-rows-before-country.xml").read_bytes()
    path.write_bytes(data.replace(b"<TD></TD><TD>Nameless", b"<TD>IRAN</TD><TD>Nameless"))
    return path


CLI_KNOWN: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize(
    ("command", "name"),
    [
        pytest.param(
            c,
            n,
            id=f"{c}:{n}",
            marks=[pytest.mark.xfail(strict=True, reason=CLI_KNOWN[(c, n)])]
            if (c, n) in CLI_KNOWN
            else [],
        )
        for n in [d for d in DOCS if not d.startswith("meta-")]
        for c in ("rule", "snapshot", "diff")
    ],
)
def test_cli(
    command: str, name: str, sentinel: Sentinel, small_snapshot: Path, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(sentinel.fill((CORPUS / name).read_bytes()))
    if command == "diff":
        result = run_cli("diff", str(small_snapshot), str(path), "--format", "json")
    else:
        result = run_cli(command, str(path), "--format", "json")
    sentinel.assert_untouched(result.output)
    assert_clean_exit(result, name)
    want = EXPECTED.get(name, (ANY, ANY))[0 if command == "rule" else 1]
    read_as_list = not isinstance(want, Error) or want.text.startswith("no Entity List")
    if command != "rule" and read_as_list and as_ecfr(path.read_bytes()) != path.read_bytes():
        want = FR_DOCUMENT  # a well-formed rule given where a snapshot is expected
    if isinstance(want, Error) and not name.endswith(".json"):
        assert result.exit_code == 1 and want.text in result.output
    if result.exit_code == 0 and command == "snapshot":
        assert_safe_identifiers(Snapshot(entries=(), date=json.loads(result.stdout)["date"]))


META_KNOWN: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason=META_KNOWN[n])])
        if n in META_KNOWN
        else n
        for n in META_DOCS
    ],
)
def test_rule_metadata(name: str, tmp_path: Path) -> None:
    doc = FIXTURES / "fr" / "2025-00480.xml"
    result = run_cli("rule", str(doc), "--meta", str(CORPUS / name), "--format", "json")
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), (result.exit_code, result.exception)
    if result.exit_code == 1:
        assert name in result.output and isinstance(result.exception, SystemExit)
        return
    data = json.loads(result.stdout)
    document = data["document"]
    assert DOCUMENT_NUMBER.match(document["document_number"])
    for key in ("publication_date", "effective_date"):
        assert document[key] is None or iso_date(document[key])
    assert document["html_url"] is None or document["html_url"].startswith(
        "https://www.federalregister.gov/"
    )


def test_document_number_from_metadata_only_is_validated() -> None:
    """With no FRDOC in the XML the number comes from metadata, and must be a number."""
    data = re.sub(rb"<FRDOC>.*?</FRDOC>", b"", (CORPUS / "rule-extra-cells.xml").read_bytes())
    meta = {"document_number": "../../../../tmp/evil", "volume": 90, "start_page": 11000}
    try:
        cs = parse_rule(data, source="x.xml", meta=meta)
    except FrdiffError as exc:
        assert exc.where == "x.xml"
        return
    assert_located(cs, "x.xml")
    assert cs.rule.document_number == "" or DOCUMENT_NUMBER.match(cs.rule.document_number)


# ---------------------------------------------------------------------------
# Generated inputs: large, deep, truncated, slow


def test_fifty_megabytes_is_refused_by_size(tmp_path: Path) -> None:
    base = (FIXTURES / "fr" / "2025-00480.xml").read_bytes()
    pad = b"<!-- " + b"x" * (50 * 1024 * 1024) + b" -->"
    data = base.replace(b"<RULE>", b"<RULE>" + pad, 1)
    assert len(data) > MAX_DOCUMENT_BYTES
    for kind in PARSERS:
        outcome = parse(kind, data, "big.xml")
        assert isinstance(outcome, TooLargeError) and "limit" in str(outcome)
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    for command in ("rule", "snapshot"):
        result = run_cli(command, str(path))
        assert result.exit_code == 1 and "big.xml" in result.output and "limit" in result.output


@pytest.mark.parametrize("depth", [150, 240, 300, 100_000])
def test_deep_nesting(depth: int) -> None:
    """Trees deeper than MAX_DEPTH are refused, shallower ones read; never a
    RecursionError from a cell walk."""
    inner = "<E>" * depth + "Maple Tech Inc." + "</E>" * depth
    data = rule_xml(
        [
            "2. Supplement No. 4 to part 744 is amended by adding, under CANADA, "
            "an entry for “Maple Tech Inc.”."
        ],
        [rule_row(inner, "CANADA")],
    )
    for kind in PARSERS:
        outcome = parse(kind, data if kind == "rule" else as_ecfr(data), "deep.xml")
        if depth > MAX_DEPTH:
            assert isinstance(outcome, ParseError)
            assert f"nested deeper than {MAX_DEPTH} levels" in str(outcome)
        else:
            assert not isinstance(outcome, FrdiffError)
            check_outcome(outcome, ANY, "deep.xml")


def test_deep_json_snapshot_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"kind": "snapshot", "entries": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = run_cli("snapshot", str(path), "--format", "json")
    assert_clean_exit(result, "deep.json")


def test_doctype_hidden_behind_a_long_comment(sentinel: Sentinel) -> None:
    """The byte scan for entity declarations sees 64 KiB; the parsed DTD is checked too."""
    for name in ("xxe-file-entity.xml", "billion-laughs.xml", "doctype-internal-entity.xml"):
        data = sentinel.fill((CORPUS / name).read_bytes())
        data = data.replace(b"<!DOCTYPE", b"<!--" + b"x" * 70_000 + b"-->\n<!DOCTYPE", 1)
        for kind in PARSERS:
            outcome = parse(kind, data, name)
            assert isinstance(outcome, ParseError), outcome
            sentinel.assert_untouched(outcome)


def test_quadratic_blowup_entity() -> None:
    """One large entity referenced many times (no nesting) is refused, not expanded."""
    big = "A" * 50_000
    data = (
        f'<?xml version="1.0"?><!DOCTYPE RULE [<!ENTITY a "{big}">]><RULE><SUM><P>'
        + "&a;" * 20_000
        + "</P></SUM></RULE>"
    ).encode()
    for kind in PARSERS:
        assert isinstance(parse(kind, data, "blowup.xml"), ParseError)


def _offsets(size: int, count: int = 20) -> list[int]:
    return [size * k // (count + 1) for k in range(1, count + 1)]


@pytest.mark.parametrize("kind", ["rule", "snapshot"])
def test_truncated_at_twenty_offsets(kind: str) -> None:
    if kind == "rule":
        data = (FIXTURES / "fr" / "2025-05427.xml").read_bytes()
    else:
        data = (FIXTURES / "ecfr" / "supp4-2025-01-13.xml").read_bytes()[:200_000]
    for cut in _offsets(len(data)):
        outcome = parse(kind, data[:cut], "cut.xml")
        assert isinstance(outcome, ParseError), (cut, outcome)
        assert "not well-formed" in str(outcome) or "empty" in str(outcome)


ADD_MAPLE = (
    "2. Supplement No. 4 to part 744 is amended by adding, under CANADA, in alphabetical "
    "order, an entry for “Maple Tech Inc.”."
)
_N = 30_000

#: Inputs that once took minutes (quadratic paths); each must stay near-linear.
SLOW = {
    "entity-cell-of-commas": lambda: rule_xml(
        [ADD_MAPLE], [rule_row("Maple" + ", x" * _N, "CANADA")]
    ),
    "instruction-of-verbs": lambda: rule_xml(
        [
            "2. Supplement No. 4 to part 744 is amended by adding, under CANADA, "
            + "adding “a” " * _N
        ],
        [],
    ),
    "unclosed-quotes": lambda: rule_xml(
        ["2. Supplement No. 4 to part 744 is amended by adding, under CANADA, " + "“a " * _N],
        [],
    ),
    "alias-lines": lambda: rule_xml(
        [ADD_MAPLE],
        [rule_row("Maple, a.k.a., the following two aliases:" + "<LI>—x</LI>" * _N, "CANADA")],
    ),
    "summary-destinations": lambda: rule_xml(
        [ADD_MAPLE], [], summary="under the destinations of " + "China (1), " * _N + "."
    ),
}


AMPLIFIES = (
    "rule.py: every change and every instruction-without-entry finding quotes the whole "
    "instruction, so an instruction naming n entries is copied n times into the output "
    "(quadratic: 360 KB in, gigabytes of JSON out)"
)


def quoted_size(result: ChangeSet | Snapshot) -> int:
    """Characters of document text the result repeats (lengths only: nothing is copied)."""
    size = sum(len(f.text) + len(f.message) for f in result.findings)
    if isinstance(result, ChangeSet):
        size += sum(len(c.instruction) for c in result.changes)
    return size


@pytest.mark.parametrize(
    ("case", "kind"),
    [
        pytest.param(
            c,
            k,
            id=f"{k}:{c}",
            marks=[],
        )
        for c in sorted(SLOW)
        for k in PARSERS
    ],
)
def test_pathological_text_is_parsed_in_bounded_time_and_space(case: str, kind: str) -> None:
    data = SLOW[case]()
    outcome = parse(kind, data, f"{case}.xml")
    if isinstance(outcome, FrdiffError):
        return
    assert_located(outcome, f"{case}.xml")
    size, limit = quoted_size(outcome), 20 * len(data)
    assert size <= limit, f"the result repeats {size:,} characters of a {len(data):,}-byte input"


def test_many_unmatched_names_are_reconciled_in_bounded_time() -> None:
    n = 1500
    data = rule_xml(
        [
            "2. Supplement No. 4 to part 744 is amended by adding, under CANADA, entries for "
            + " ".join(f"“Name{i} Quartz”" for i in range(n))
        ],
        [rule_row(f"Other{i} Zircon Ltd.", "CANADA") for i in range(n)],
    )
    with bounded(5.0):
        cs = parse_rule(data, source="many.xml")
    assert len(cs.changes) == n


#: A snapshot under a DOCTYPE that names an external DTD (never loaded), referring to
#: entities it does not declare: an HTML one and one of its own.
_UNDECLARED_ENTITIES = """<?xml version="1.0"?>
<!DOCTYPE DIV9 SYSTEM "eCFR.dtd">
<DIV9 N="Supplement No. 4 to Part 744" TYPE="APPENDIX"><TABLE>
<TR><TH>Country</TH><TH>Entity</TH><TH>License requirement</TH>
<TH>License review policy</TH><TH>Federal Register citation</TH></TR>
<TR><TD>CHINA, PEOPLE&rsquo;S REPUBLIC OF</TD><TD>Foo &co; Ltd., a.k.a., the following
alias:<br/>&mdash;Bar &amp; Baz.<br/>1 Road, Beijing.</TD><TD>For all items.</TD>
<TD>Presumption of denial.</TD><TD>84 FR 1, 1/2/19.</TD></TR></TABLE></DIV9>"""


def test_undeclared_entity_references_keep_their_text() -> None:
    """Unresolved references stay in lxml's tree as nodes of their own, which text
    readers skip.  An HTML entity reads as its character, any other as written."""
    snap = parse_snapshot(_UNDECLARED_ENTITIES.encode(), source="entities.xml")
    (entry,) = snap.entries
    assert (entry.country_code, entry.name) == ("CN", "Foo &co; Ltd.")
    assert entry.aliases == ("Bar & Baz",)  # "&mdash;" is the alias line's dash
    assert entry.addresses == ("1 Road, Beijing",)
    rule = rule_xml(
        [
            "2. Supplement No. 4 to part 744 is amended by adding, under CANADA, "
            "an entry for “Maple &co; Tech Inc.”."
        ],
        [rule_row("Maple &co; Tech Inc., 1 Road, Ottawa&mdash;Ontario.", "CANADA")],
    )
    changes = parse_rule(b'<!DOCTYPE RULE SYSTEM "fr.dtd">' + rule, source="r.xml").changes
    (change,) = changes
    assert change.entry is not None
    assert (change.name, change.entry.addresses) == (
        "Maple &co; Tech Inc.",
        ("1 Road, Ottawa\u2014Ontario",),
    )


@pytest.mark.parametrize("kind", sorted(PARSERS))
@pytest.mark.parametrize("data", ["<DIV9/>", bytearray(b"<DIV9/>"), None])
def test_a_document_that_is_not_bytes_is_a_type_error(kind: str, data: object) -> None:
    """A caller's mistake, not a bad document (the library API, frdiff.parse_rule and
    frdiff.parse_snapshot, is what reads a path)."""
    with pytest.raises(TypeError):
        PARSERS[kind](data, source="x.xml")
