"""``frdiff watch``: real messages to real servers on 127.0.0.1, exactly once per channel.

SMTP is aiosmtpd (plain, STARTTLS and implicit TLS with trustme certificates); the
webhook receiver is http.server; the Atom feed is checked with feedparser plus the
structural rules of RFC 4287 (no RELAX NG schema of RFC 4287 ships in a PyPI
package we could find, so it is not validated against one).  Crashes are real
subprocesses killed with SIGKILL at a point chosen by ``FRDIFF_WATCH_CRASH_AT``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import FIXTURES, ROOT
from frdiff.cli import main
from frdiff.notify.feed import ATOM
from replay_server import ReplayData
from watch_servers import PIReplayServer, SMTPServer, WebhookServer, write

SECRET = "s3cret-for-tests"
A = f"{{{ATOM}}}"
W13 = ["--week", "2025-W13", "--fixtures", str(FIXTURES)]
QUIET_W20 = [
    "--week",
    "2025-W20",
    "--fixtures",
    str(FIXTURES),
    "--quiet-weeks",
]  # no rule that week
W13_CHANGES = {"2025-05427/published", "2025-05427/in-ecfr"}


@pytest.fixture(scope="module", autouse=True)
def _shared_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One FRDIFF_CACHE_DIR (parsed snapshots) for the module: each test's watch state
    is its own (``state`` in its config), so the tests stay independent and fast."""
    global SHARED_CACHE
    SHARED_CACHE = tmp_path_factory.mktemp("watch-cache")


SHARED_CACHE = Path()


def _config(
    tmp: Path,
    *,
    state: bool = True,
    security: str = "none",
    smtp: SMTPServer | None = None,
    hook: WebhookServer | None = None,
    feed: bool = True,
    order: tuple[str, ...] = ("email", "webhook", "feed"),
    smtp_extra: str = "",
    hook_extra: str = "",
    top: str = "",
) -> Path:
    tables = {
        "email": (
            f'[[notify]]\nkind = "email"\nname = "mail"\nhost = "127.0.0.1"\nport = {smtp.port}\n'
            f'security = "{security}"\nfrom = "frdiff <frdiff@example.org>"\n'
            f'to = ["compliance@example.org"]\n{smtp_extra}\n'
            if smtp
            else ""
        ),
        "webhook": (
            f'[[notify]]\nkind = "webhook"\nname = "hook"\nurl = "{hook.url}"\n'
            f'secret_env = "FRDIFF_TEST_HOOK_SECRET"\nbackoff = 0.05\ntimeout = 5\n{hook_extra}\n'
            if hook
            else ""
        ),
        "feed": '[[notify]]\nkind = "feed"\nname = "feed"\npath = "out/changes.atom"\n'
        if feed
        else "",
    }
    if state:
        top = 'state = "state/watch.sqlite"\n' + top
    return write(tmp / "watch.toml", top + "\n" + "".join(tables[k] for k in order))


def _env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FRDIFF_") and "proxy" not in k.lower()
    }
    env.update(
        NO_PROXY="127.0.0.1,localhost",
        FRDIFF_CACHE_DIR=str(SHARED_CACHE),
        FRDIFF_TEST_HOOK_SECRET=SECRET,
    )
    return env


def _watch(
    tmp: Path, *args: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, Any], str]:
    monkeypatch.setenv("FRDIFF_CACHE_DIR", str(SHARED_CACHE))
    monkeypatch.setenv("FRDIFF_TEST_HOOK_SECRET", SECRET)
    result = CliRunner().invoke(main, ["watch", "--config", str(tmp / "watch.toml"), *args])
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, (result.stdout, result.stderr, result.exception)
    return result.exit_code, json.loads(lines[0]), result.stderr


def _subprocess(tmp: Path, *args: str, crash: str | None = None) -> subprocess.Popen[bytes]:
    env = _env(tmp)
    if crash:
        env["FRDIFF_WATCH_CRASH_AT"] = crash
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "frdiff", "watch", "--config", str(tmp / "watch.toml"), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _online(server: PIReplayServer, store: Path) -> list[str]:
    """Options for a run against the replay server, with its own store."""
    return [
        "--fr-api",
        server.fr_api,
        "--ecfr-api",
        server.ecfr_api,
        "--cache-dir",
        str(store),
        "--rate",
        "200,200",
    ]


THURSDAY = ["--since", "2025-03-24", "--until", "2025-03-27"]


def _changes_by_delivery(hook: WebhookServer) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for post in hook.posts:
        out[post.headers["x-frdiff-delivery"]] = [c["id"] for c in json.loads(post.body)["changes"]]
    return out


def _mail_changes(msg: EmailMessage) -> list[str]:
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    return re.findall(r"^(?:Published|Coming|In the eCFR|No changes)[^\n]*", text, re.M)


def _feed_ids(tmp: Path) -> list[str]:
    root = etree.parse(str(tmp / "out" / "changes.atom")).getroot()
    return [e.findtext(A + "id") for e in root.iter(A + "entry")]


def _exactly_once(counts: list[str]) -> None:
    assert len(counts) == len(set(counts)), counts


# -------------------------------------------------------------------------------------------
# The channels, one by one


def test_email_over_starttls_with_login_has_text_and_html_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("FRDIFF_TEST_SMTP_USER", "watcher")
    monkeypatch.setenv("FRDIFF_TEST_SMTP_PASSWORD", "pw-from-env")
    with SMTPServer(tls="starttls", cert=cert, user="watcher", password="pw-from-env") as smtp:
        _config(
            tmp_path,
            smtp=smtp,
            feed=False,
            security="starttls",
            smtp_extra='user_env = "FRDIFF_TEST_SMTP_USER"\npassword_env = "FRDIFF_TEST_SMTP_PASSWORD"\n'
            'ca_file = "ca.pem"\n',
        )
        code, line, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        assert code == 0, line
        messages = smtp.messages
    assert smtp.logins == ["watcher"]
    assert len(messages) == 1
    msg = messages[0]
    assert msg["To"] == "compliance@example.org"
    assert "frdiff@example.org" in msg["From"]
    assert msg["Subject"].startswith("[frdiff] 2 Entity List changes")
    assert msg["Message-ID"].startswith("<frdiff-")
    parts = [p.get_content_type() for p in msg.walk() if not p.is_multipart()]
    assert parts == ["text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Published: Additions to the Entity List (FR Doc. 2025-05427" in text
    assert "added: Inspur Taiwan (TAIWAN)" in text
    assert "In the eCFR:" in text and "2025-03-31" in text
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_content()
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Inspur Taiwan" in html and "Content-Security-Policy" in html
    assert line["channels"][0] == {
        "name": "mail",
        "kind": "email",
        "status": "sent",
        "sent": 2,
        "batches": 1,
        "resent_batches": 0,
        "failed": 0,
        "error": None,
    }


def test_email_over_implicit_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with SMTPServer(tls="implicit", cert=ca.issue_cert("localhost", "127.0.0.1")) as smtp:
        _config(tmp_path, smtp=smtp, feed=False, security="tls", smtp_extra='ca_file = "ca.pem"\n')
        code, _, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        assert code == 0
        assert len(smtp.messages) == 1


def test_email_refuses_an_untrusted_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    with SMTPServer(tls="starttls", cert=ca.issue_cert("localhost", "127.0.0.1")) as smtp:
        _config(tmp_path, smtp=smtp, feed=False, security="starttls")
        code, line, stderr = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        assert smtp.messages == []
    assert code == 1
    assert line["status"] == "failed"
    assert "CERTIFICATE_VERIFY_FAILED" in line["channels"][0]["error"]
    assert "Traceback" not in stderr


def test_webhook_is_signed_and_follows_its_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jsonschema

    schema = json.loads((ROOT / "frdiff" / "schema" / "watch-webhook.schema.json").read_text())
    with WebhookServer() as hook:
        _config(tmp_path, hook=hook, feed=False)
        code, line, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        assert code == 0
        posts = hook.posts
    assert len(posts) == 1
    post = posts[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), post.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(post.headers["x-frdiff-signature"], expected)
    forged = "sha256=" + hmac.new(b"other", post.body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(post.headers["x-frdiff-signature"], forged)
    data = json.loads(post.body)
    jsonschema.validate(data, schema)
    assert data["format_version"] == 1 and data["delivery"] == post.headers["x-frdiff-delivery"]
    assert {c["id"] for c in data["changes"]} == W13_CHANGES
    published = next(c for c in data["changes"] if c["stage"] == "published")
    names = {e["name"] for e in published["entities"]}
    assert "Inspur Taiwan" in names and len(published["entities"]) == 12
    assert published["document"]["effective_date"] == "2025-03-25"
    assert line["channels"][0]["status"] == "sent"


def test_webhook_slack_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookServer() as hook:
        _config(tmp_path, hook=hook, feed=False, hook_extra='format = "slack"\n')
        _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        data = json.loads(hook.posts[0].body)
    assert set(data) == {"text"}
    assert "Published: Additions to the Entity List" in data["text"]


def test_webhook_retries_within_a_run_and_gives_up_on_a_4xx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WebhookServer(fail=1, fail_status=503) as hook:
        _config(tmp_path, hook=hook, feed=False)
        code, _, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        assert code == 0
        assert len(hook.attempts) == 2 and len(hook.posts) == 1
        ids = {a.headers["x-frdiff-delivery"] for a in hook.attempts}
        assert len(ids) == 1  # the retry is the same delivery
    with WebhookServer(fail=5, fail_status=400) as hook:
        _config(tmp_path / "b", hook=hook, feed=False)
        monkeypatch.setenv("FRDIFF_CACHE_DIR", str(SHARED_CACHE))
        result = CliRunner().invoke(
            main, ["watch", "--config", str(tmp_path / "b" / "watch.toml"), *W13]
        )
        assert result.exit_code == 1
        assert len(hook.attempts) == 1
        assert "answered HTTP 400" in result.stdout


def _check_atom(path: Path) -> etree._Element:
    """RFC 4287's structural rules for what frdiff writes, then feedparser's reading."""
    import feedparser

    root = etree.parse(str(path)).getroot()
    assert root.tag == A + "feed"
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
    for tag in ("id", "title", "updated"):
        assert len(root.findall(A + tag)) == 1, tag
    assert stamp.match(root.findtext(A + "updated") or "")
    assert root.find(A + "author/" + A + "name") is not None
    ids = []
    for entry in root.iter(A + "entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(A + tag)) == 1, tag
        assert stamp.match(entry.findtext(A + "updated") or "")
        assert re.match(r"^urn:uuid:[0-9a-f-]{36}$", entry.findtext(A + "id") or "")
        assert entry.find(A + "content") is not None or entry.find(A + "summary") is not None
        for link in entry.findall(A + "link"):
            assert link.get("href", "").startswith("https://")
        ids.append(entry.findtext(A + "id"))
    assert len(ids) == len(set(ids))
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.id for e in parsed.entries] == ids
    return root


def test_feed_is_atom_with_stable_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path)
    code, _, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
    assert code == 0
    feed = tmp_path / "out" / "changes.atom"
    root = _check_atom(feed)
    titles = [e.findtext(A + "title") for e in root.iter(A + "entry")]
    assert (
        len(titles) == 2
        and titles[0].startswith("In the eCFR")
        and titles[1].startswith("Published")
    )
    before = feed.read_bytes()
    # a later week adds a quiet entry; the first two keep their ids and text
    code, line, _ = _watch(tmp_path, *QUIET_W20, monkeypatch=monkeypatch)
    assert code == 0 and line["found"]["by_stage"] == {"quiet": 1}
    after = _check_atom(feed)
    assert [e.findtext(A + "id") for e in after.iter(A + "entry")][1:] == [
        e.findtext(A + "id") for e in etree.fromstring(before).iter(A + "entry")
    ]
    assert not list((tmp_path / "out").glob(".*tmp"))


# -------------------------------------------------------------------------------------------
# Exactly once: re-runs, crashes, concurrency, failures


def test_rerun_sends_nothing_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SMTPServer() as smtp, WebhookServer() as hook:
        _config(tmp_path, smtp=smtp, hook=hook)
        for _ in range(3):
            code, line, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
            assert code == 0
        assert line["new_changes"] == [] and all(c["sent"] == 0 for c in line["channels"])
        assert len(smtp.messages) == 1 and len(hook.posts) == 1
    assert sorted(_feed_ids(tmp_path)) == sorted(set(_feed_ids(tmp_path)))
    assert len(_feed_ids(tmp_path)) == 2


def test_killed_between_two_sends_every_change_once(tmp_path: Path) -> None:
    with SMTPServer() as smtp, WebhookServer() as hook:
        _config(tmp_path, smtp=smtp, hook=hook)
        proc = _subprocess(tmp_path, *W13, crash="after-mark:mail")
        proc.communicate(timeout=120)
        assert proc.returncode == -9
        assert len(smtp.messages) == 1 and hook.posts == []
        assert not (tmp_path / "out" / "changes.atom").exists()
        proc = _subprocess(tmp_path, *W13)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        line = json.loads(out)
        assert {c["name"]: c["sent"] for c in line["channels"]} == {"mail": 0, "hook": 2, "feed": 2}
        assert len(smtp.messages) == 1
        deliveries = _changes_by_delivery(hook)
    assert len(deliveries) == 1 and set(next(iter(deliveries.values()))) == W13_CHANGES
    assert len(_feed_ids(tmp_path)) == 2


def test_killed_after_a_send_before_it_was_recorded_resends_under_the_same_id(
    tmp_path: Path,
) -> None:
    """The one gap no sender can close: the receiver got it, the ledger does not know.
    The batch goes again under the same delivery id, so the receiver can tell."""
    with SMTPServer() as smtp, WebhookServer() as hook:
        _config(tmp_path, smtp=smtp, hook=hook, order=("webhook", "email", "feed"))
        proc = _subprocess(tmp_path, *W13, crash="after-send:hook")
        proc.communicate(timeout=120)
        assert proc.returncode == -9
        assert len(hook.posts) == 1 and smtp.messages == []
        proc = _subprocess(tmp_path, *W13)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        line = json.loads(out)
        hook_result = next(c for c in line["channels"] if c["name"] == "hook")
        assert hook_result["resent_batches"] == 1
        posts = hook.posts
        assert len(posts) == 2
        assert len({p.headers["x-frdiff-delivery"] for p in posts}) == 1
        assert json.loads(posts[1].body)["resent"] is True
        assert len(smtp.messages) == 1
        # and never a third time
        proc = _subprocess(tmp_path, *W13)
        proc.communicate(timeout=120)
        assert len(hook.posts) == 2 and len(smtp.messages) == 1


def test_two_runs_at_once_deliver_each_change_once(tmp_path: Path) -> None:
    with SMTPServer() as smtp, WebhookServer(delay=0.4) as hook:
        _config(tmp_path, smtp=smtp, hook=hook)
        procs = [_subprocess(tmp_path, *W13) for _ in range(2)]
        outs = [p.communicate(timeout=180) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
        lines = [json.loads(o[0]) for o in outs]
        sent = {
            name: sum(next(c["sent"] for c in ln["channels"] if c["name"] == name) for ln in lines)
            for name in ("mail", "hook", "feed")
        }
        assert sent == {"mail": 2, "hook": 2, "feed": 2}
        assert len(smtp.messages) == 1
        changes = [c for ids in _changes_by_delivery(hook).values() for c in ids]
        assert sorted(changes) == sorted(W13_CHANGES)
    assert len(_feed_ids(tmp_path)) == 2


def test_a_channel_that_fails_once_is_retried_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SMTPServer() as smtp, WebhookServer(fail=2) as hook:
        _config(tmp_path, smtp=smtp, hook=hook, hook_extra="retries = 1\n")
        code, line, stderr = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        assert code == 1
        assert line["status"] == "failed"
        by = {c["name"]: c for c in line["channels"]}
        assert by["hook"]["status"] == "failed" and "HTTP 500" in by["hook"]["error"]
        assert by["mail"]["sent"] == 2 and by["feed"]["sent"] == 2
        assert "retried on the next run" in stderr
        assert hook.posts == [] and len(hook.attempts) == 2
        code, line, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        assert code == 0
        assert {c["name"]: c["sent"] for c in line["channels"]} == {"mail": 0, "hook": 2, "feed": 0}
        assert len(smtp.messages) == 1
        changes = [c for ids in _changes_by_delivery(hook).values() for c in ids]
        assert sorted(changes) == sorted(W13_CHANGES)
    assert len(_feed_ids(tmp_path)) == 2


def test_ledger_claims_are_exclusive(tmp_path: Path) -> None:
    from frdiff.ledger import Ledger

    path = tmp_path / "w.sqlite"
    with Ledger.open(path) as a, Ledger.open(path) as b:
        item = {"id": "X/published", "stage": "published", "document": {"document_number": "X"}}
        assert a.record("r1", [item], {"c": ["X/published"]}) == ["X/published"]
        assert b.record("r2", [item], {"c": ["X/published"]}) == []
        claimed = a.claim("c")
        assert [bt.keys for bt in claimed] == [["X/published"]]
        assert b.claim("c") == []  # held by a live claimer
        assert a.mark_sent(claimed[0]) == 1
        assert a.claim("c") == [] and b.claim("c") == []
        assert a.status("c") == {"c": {"sent": 1}}


# -------------------------------------------------------------------------------------------
# A replayed week: public inspection, publication, the eCFR copy


def _replay_data() -> tuple[ReplayData, dict[str, Any], bytes]:
    meta = json.loads((FIXTURES / "fr" / "2025-05427.meta.json").read_text())
    xml = (FIXTURES / "fr" / "2025-05427.xml").read_bytes()
    data = ReplayData(latest_issue="2025-03-27")
    data.snapshots[(4, "2025-03-24")] = (FIXTURES / "ecfr" / "supp4-2025-03-24.xml").read_bytes()
    record = json.loads((FIXTURES / "pi" / "2025-05427.json").read_text())
    other = dict(
        record,
        document_number="2025-05999",
        title="Request for Public Comments on Section 232 Investigations",
        subject_1="Section 232",
        toc_doc="Section 232 Investigations",
        toc_subject="National Security",
        raw_text_url="https://www.federalregister.gov/public-inspection/raw_text/202/505/999.txt",
    )
    data.pending = [record, other]
    return data, meta, xml


def test_replayed_week_three_stages_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, meta, xml = _replay_data()
    with PIReplayServer(data) as server, SMTPServer() as smtp, WebhookServer() as hook:
        server.raw_texts["/public-inspection/raw_text/202/505/427.txt"] = (
            FIXTURES / "pi" / "2025-05427.txt"
        ).read_bytes()
        server.raw_texts["/public-inspection/raw_text/202/505/999.txt"] = (
            b"Section 232 of the Trade Expansion Act; 15 CFR part 705.\n"
        )
        _config(tmp_path, smtp=smtp, hook=hook, state=False)  # state beside the store
        online = _online(server, tmp_path / "cache")

        # Thursday: on public inspection
        code, line, _ = _watch(tmp_path, *THURSDAY, *online, monkeypatch=monkeypatch)
        assert code == 0, line
        assert line["changes"] == ["2025-05427/coming"] and line["public_inspection"] == "checked"
        # Friday: published (the eCFR's latest issue does not show it yet)
        data.pending = []
        data.documents["2025-05427"] = (meta, xml)
        data.latest_issue = "2025-03-28"
        code, line, _ = _watch(tmp_path, "--week", "2025-W13", *online, monkeypatch=monkeypatch)
        assert code == 0, line
        assert line["new_changes"] == ["2025-05427/published"]
        assert line["awaiting_ecfr"] == ["2025-05427"]
        # Monday: the eCFR copy shows it
        data.snapshots[(4, "2025-03-31")] = (
            FIXTURES / "ecfr" / "supp4-2025-03-31.xml"
        ).read_bytes()
        data.latest_issue = "2025-03-31"
        code, line, _ = _watch(tmp_path, "--week", "2025-W14", *online, monkeypatch=monkeypatch)
        assert code == 0, line
        assert line["new_changes"] == ["2025-05427/in-ecfr"] and line["awaiting_ecfr"] == []
        # and again: nothing new anywhere
        for args in (["--week", "2025-W14"], ["--week", "2025-W13"]):
            code, line, _ = _watch(tmp_path, *args, *online, monkeypatch=monkeypatch)
            assert code == 0 and line["new_changes"] == []
            assert all(c["sent"] == 0 for c in line["channels"])

        stages = [json.loads(p.body)["changes"] for p in hook.posts]
        mails = smtp.messages
    assert [[c["id"] for c in s] for s in stages] == [
        ["2025-05427/coming"],
        ["2025-05427/published"],
        ["2025-05427/in-ecfr"],
    ]
    coming = stages[0][0]
    assert coming["document"]["publication_date"] == "2025-03-28"
    assert coming["document"]["filed_at"].startswith("2025-03-27")
    assert (
        coming["document"]["pdf_url"]
        == "https://public-inspection.federalregister.gov/2025-05427.pdf"
    )
    assert coming["title"].startswith("Coming: Additions to the Entity List")
    raw = (FIXTURES / "pi" / "2025-05427.txt").read_text()
    assert len(coming["entities"]) == 12 and coming["entities_named"]
    assert all(e["name"].split()[0] in raw for e in coming["entities"])
    assert {e["country"] for e in coming["entities"]} == {"CHINA, PEOPLE'S REPUBLIC OF", "TAIWAN"}
    assert len(stages[1][0]["entities"]) == 12
    assert stages[2][0]["ecfr_date"] == "2025-03-31"
    assert [_mail_changes(m) for m in mails] == [
        [mails[0]["Subject"].removeprefix("[frdiff] ")],
        [mails[1]["Subject"].removeprefix("[frdiff] ")],
        [mails[2]["Subject"].removeprefix("[frdiff] ")],
    ]
    assert [m["Subject"].split(":")[0] for m in mails] == [
        "[frdiff] Coming",
        "[frdiff] Published",
        "[frdiff] In the eCFR",
    ]
    root = _check_atom(tmp_path / "out" / "changes.atom")
    assert [e.find(A + "category").get("term") for e in root.iter(A + "entry")] == [
        "in-ecfr",
        "published",
        "coming",
    ]
    assert (tmp_path / "cache" / "watch.sqlite").is_file()
    # the unrelated BIS document (Section 232, no Part 744) was never reported
    assert not any("2025-05999" in json.dumps(s) for s in stages)


# -------------------------------------------------------------------------------------------
# Quiet weeks, parties, configs, progress


def test_quiet_week_sends_one_short_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = ["--week", "2025-W20", "--fixtures", str(FIXTURES)]
    with WebhookServer() as hook:
        _config(tmp_path, hook=hook, feed=False)
        code, line, _ = _watch(tmp_path, *quiet, monkeypatch=monkeypatch)
        assert code == 0 and line["found"]["total"] == 0 and hook.posts == []
        for _ in range(2):
            code, line, _ = _watch(tmp_path, *quiet, "--quiet-weeks", monkeypatch=monkeypatch)
            assert code == 0
        posts = hook.posts
    assert len(posts) == 1
    data = json.loads(posts[0].body)
    assert data["quiet"] is True and posts[0].headers["x-frdiff-event"] == "quiet"
    (change,) = data["changes"]
    assert change["id"] == "quiet/2025-W20"
    assert change["title"] == "No changes found in what was searched through 2025-05-18"


def test_parties_touched_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path / "parties.csv",
        "id,name,country\nC-1,INSPUR SOFTWARE CO LTD,CN\nC-2,Acme Widgets Ltd,US\n",
    )
    with WebhookServer() as hook:
        _config(tmp_path, hook=hook, feed=False, top='parties = "parties.csv"\n')
        _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        data = json.loads(hook.posts[0].body)
    published = next(c for c in data["changes"] if c["stage"] == "published")
    assert [(p["id"], p["entity"]) for p in published["parties"]] == [
        ("C-1", "Inspur Software Co., Ltd.")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[notify]]\nkind = 'pager'\n", "notify[1].kind: must be one of email, webhook, feed"),
        (
            "[[notify]]\nkind = 'feed'\npath = 'a.atom'\ncolour = 1\n",
            "notify[1].colour: unknown key",
        ),
        (
            "[[notify]]\nkind = 'webhook'\nurl = 'ftp://x'\n",
            "notify[1].url: must be an http(s) URL",
        ),
        (
            "[[notify]]\nkind = 'email'\nhost = 'h'\nfrom = 'a@b.c'\nto = 'x@y.z'\nport = 'x'\n",
            "notify[1].port: must be an integer",
        ),
        (
            "[[notify]]\nkind = 'email'\nhost = 'h'\nfrom = 'a@b.c'\nto = 'x@y.z'\npassword = 'p'\n",
            "notify[1].password: unknown key",
        ),
        (
            "[[notify]]\nkind = 'feed'\npath = 'a'\n[[notify]]\nkind = 'feed'\npath = 'a'\n",
            "is used twice",
        ),
        ("notify = 3\n", "notify: must be [[notify]] tables"),
        ("x = [\n", "not valid TOML"),
        ("", "no [[notify]] channel is configured"),
    ],
)
def test_bad_config_is_a_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path / "watch.toml", text)
    result = CliRunner().invoke(main, ["watch", "--config", str(tmp_path / "watch.toml"), *W13])
    assert result.exit_code == 1
    assert message in result.stderr
    assert str(tmp_path / "watch.toml") in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert json.loads(result.stdout)["status"] == "error"


def test_secret_from_an_unset_environment_variable_fails_the_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WebhookServer() as hook:
        _config(tmp_path, hook=hook)
        monkeypatch.delenv("FRDIFF_TEST_HOOK_SECRET", raising=False)
        monkeypatch.setenv("FRDIFF_CACHE_DIR", str(SHARED_CACHE))
        result = CliRunner().invoke(main, ["watch", "--config", str(tmp_path / "watch.toml"), *W13])
        assert hook.attempts == []
    assert result.exit_code == 1
    assert "secret_env: environment variable FRDIFF_TEST_HOOK_SECRET is not set" in result.stdout
    assert len(_feed_ids(tmp_path)) == 2  # the other channel still got its changes


def test_progress_bar_only_on_a_terminal() -> None:
    from frdiff.commands.watch import TerminalProgress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = TerminalProgress(stream)
        bar("rule 2025-05427", 2, 4)
        bar.done()
    assert "[##############--------------] 2/4 rule 2025-05427" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_watch_json_line_and_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path)
    code, line, stderr = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
    assert code == 0
    assert set(line) >= {
        "format_version",
        "kind",
        "run",
        "status",
        "window",
        "searched_through",
        "found",
        "channels",
    }
    assert line["window"] == {"since": "2025-03-24", "until": "2025-03-30", "week": "2025-W13"}
    assert line["found"] == {"total": 2, "new": 2, "by_stage": {"published": 1, "in-ecfr": 1}}
    assert "[#" not in stderr  # not a terminal: no progress bar
    assert "channel feed (feed): sent 2" in stderr


# -------------------------------------------------------------------------------------------
# Untrusted text, unreadable raw text, windows


def _message(items: list[dict[str, Any]]) -> Any:
    from frdiff.notify import Message

    return Message(
        batch="b1",
        channel="c",
        items=tuple(items),
        run="r1",
        window={"since": "2025-03-24", "until": "2025-03-30", "week": "2025-W13"},
        searched_through="2025-03-30",
    )


HOSTILE = {
    "id": "2025-99999/coming",
    "stage": "coming",
    "title": "Coming: <script>alert(1)</script> & <@channel> \x07bell",
    "summary": "x",
    "found_at": "2025-03-27T12:00:00Z",
    "document": {},
    "entities": [{"action": "add", "country": "CHINA", "name": "<b>Evil</b> & Co. <!here>"}],
    "entities_named": True,
    "parties": [],
    "details": [],
    "link": "https://public-inspection.federalregister.gov/2025-99999.pdf",
}


def test_document_text_cannot_become_markup() -> None:
    from frdiff.notify import feed, webhook
    from frdiff.watchconfig import Channel

    slack = Channel("webhook", "s", {"format": "slack"}, "test")
    text = json.loads(webhook.body(slack, _message([HOSTILE])))["text"]
    assert "<" not in text and ">" not in text
    assert "&lt;script&gt;" in text and "&lt;@channel&gt;" in text and "&amp; Co." in text
    atom = Channel("feed", "f", {"title": "t", "max_entries": 10}, "test")
    root = etree.fromstring(feed.render(atom, [HOSTILE]))
    entry = root.find(A + "entry")
    assert entry is not None and entry.find(A + "title").text.startswith("Coming: <script>")  # type: ignore[union-attr]
    assert entry.find(A + "script") is None and "\x07" not in etree.tostring(root).decode()


def test_coming_without_readable_raw_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, _, _ = _replay_data()
    data.pending = data.pending[:1]
    with PIReplayServer(data) as server, WebhookServer() as hook:  # no raw text served: 404
        _config(tmp_path, hook=hook, feed=False)
        online = _online(server, tmp_path / "store")
        code, line, _ = _watch(tmp_path, *THURSDAY, *online, monkeypatch=monkeypatch)
        assert code == 0, line
        (change,) = json.loads(hook.posts[0].body)["changes"]
    assert change["id"] == "2025-05427/coming"
    assert change["entities"] == [] and change["entities_named"] is False
    assert any("raw text could not be read" in d and "404" in d for d in change["details"])


def test_default_window_reaches_back_to_the_last_run() -> None:
    from datetime import date

    from frdiff.watch import default_window

    today = date(2025, 4, 10)
    assert default_window(None, today) == (date(2025, 4, 3), today)
    assert default_window("2025-04-09", today) == (date(2025, 4, 3), today)
    assert default_window("2025-03-20", today) == (date(2025, 3, 16), today)


def test_quiet_week_email_is_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SMTPServer() as smtp:
        _config(tmp_path, smtp=smtp, feed=False)
        code, _, _ = _watch(tmp_path, *QUIET_W20, monkeypatch=monkeypatch)
        assert code == 0
        (msg,) = smtp.messages
    assert msg["Subject"] == "[frdiff] No changes found in what was searched through 2025-05-18"
    assert [p.get_content_type() for p in msg.walk()] == ["text/plain"]
    assert (
        "Searched: Federal Register rules published 2025-05-12 to 2025-05-18" in msg.get_content()
    )


def test_progress_bar_on_a_real_terminal(tmp_path: Path) -> None:
    import pty

    _config(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-P",
            "-m",
            "frdiff",
            "watch",
            "--config",
            str(tmp_path / "watch.toml"),
            *W13,
        ],
        env=_env(tmp_path),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    out, _ = proc.communicate(timeout=120)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0
    assert re.search(rb"\r\[#+-*\] \d+/\d+ rule 2025-05427", seen), seen[:500]
    assert json.loads(out)["status"] == "ok"  # stdout (not a terminal) holds only the JSON line


def test_a_real_public_inspection_record_reads(realdocs: Path) -> None:
    from frdiff.inspection import headline_concerns_part744, read_record

    record = json.loads(
        (realdocs / "api" / "fr-api-public-inspection-document-2026-19958.json").read_text()
    )
    p = read_record(record, None)
    assert p.document_number == record["document_number"]
    assert p.title == " ".join(record["title"].split())
    assert p.filed_at == record["filed_at"] and p.publication_date == record["publication_date"]
    assert p.pdf_url == record["pdf_url"] and p.raw_text_url == record["raw_text_url"]
    assert not headline_concerns_part744(record)  # not a BIS document about Part 744
    ours = json.loads((FIXTURES / "pi" / "2025-05427.json").read_text())
    assert set(ours) <= set(record) | {"agencies"}  # the constructed record has the real shape


def test_offline_without_a_search_is_an_error_with_a_json_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(tmp_path)
    code, line, stderr = _watch(
        tmp_path,
        "--week",
        "2025-W13",
        "--offline",
        "--cache-dir",
        str(tmp_path / "empty"),
        monkeypatch=monkeypatch,
    )
    assert code == 1
    assert line["status"] == "error" and "fetch rules --since 2025-03-24" in line["error"]
    assert "Traceback" not in stderr and "Error:" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2025-W13", "--since", "2025-03-24"], "either --week or --since/--until"),
        (["--since", "2025-03-24"], "--since and --until go together"),
        (["--since", "2025-03-24", "--until", "2025-03-01"], "before it starts"),
        (["--week", "2025-W99"], "has no ISO week 99"),
    ],
)
def test_bad_window_is_a_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    _config(tmp_path)
    result = CliRunner().invoke(
        main,
        ["watch", "--config", str(tmp_path / "watch.toml"), *args, "--fixtures", str(FIXTURES)],
    )
    assert result.exit_code == 1 and message in result.stderr


def test_public_inspection_from_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path)
    fixtures = ["--fixtures", str(FIXTURES)]
    code, line, _ = _watch(tmp_path, *THURSDAY, *fixtures, monkeypatch=monkeypatch)
    assert code == 0 and line["public_inspection"] == "fixtures"
    assert line["new_changes"] == ["2025-05427/coming"]
    code, line, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
    assert line["new_changes"] == ["2025-05427/published", "2025-05427/in-ecfr"]
    root = _check_atom(tmp_path / "out" / "changes.atom")
    stages = [e.find(A + "category").get("term") for e in root.iter(A + "entry")]  # type: ignore[union-attr]
    assert stages == ["in-ecfr", "published", "coming"]


def test_webhook_timeout_fails_the_channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookServer(delay=1.0) as hook:
        _config(tmp_path, hook=hook, feed=False, hook_extra="retries = 1\n")
        cfg = (tmp_path / "watch.toml").read_text().replace("timeout = 5", "timeout = 0.2")
        (tmp_path / "watch.toml").write_text(cfg)
        code, line, _ = _watch(tmp_path, *W13, monkeypatch=monkeypatch)
        assert code == 1
        assert "failed after 2 attempt(s): ReadTimeout" in line["channels"][0]["error"]
