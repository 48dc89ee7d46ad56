"""``frdiff watch``: one run that finds what is new on the Entity List and tells the channels.

A run:

1. builds the weekly report of its window (:func:`frdiff.weekly.build_weekly`, the
   only door into the weekly job), which fetches what is new (rules, eCFR copies)
   through the :class:`~frdiff.archive.Archive`;
2. finds *changes*, each one stage of one document, under a stable key:

   - ``{doc}/coming``: a BIS document concerning Part 744 on public inspection
     (title, filing time, scheduled publication, PDF link, and the entries its raw
     text names);
   - ``{doc}/published``: a rule published in the window, with every entry it
     adds, revises or removes;
   - ``{doc}/in-ecfr``: an eCFR copy dated on or after the rule's publication shows
     all of its changes (added and revised entries present, citing the rule where
     the copy's citations can be read; removed ones gone).  Published rules are
     tracked in the state until then (at most :data:`TRACK_DAYS` days; a rule that
     changes no entry has no such stage);
   - ``quiet/{week}`` with ``--quiet-weeks``: nothing at all was found;

3. records them in the :class:`~frdiff.ledger.Ledger` and enqueues each for every
   channel whose ``stages`` include it, then claims, sends and marks each channel's
   deliveries (see :mod:`frdiff.ledger` for why nothing is sent twice or dropped).

A failed channel does not stop the others; its deliveries are retried by the next
run.  The result is data (:class:`WatchRun`, ``to_dict()``), printed by the command
as one JSON line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frdiff import __version__, lists
from frdiff.errors import FetchError, FrdiffError, OfflineMissingError, ParseError
from frdiff.model import FORMAT_VERSION

if TYPE_CHECKING:
    from frdiff.archive import Archive
    from frdiff.ledger import Ledger
    from frdiff.model import ChangeSet, Snapshot
    from frdiff.watchconfig import Channel, WatchConfig
    from frdiff.weekly import WeeklyReport

#: How long a published rule is watched for its arrival in the eCFR.
TRACK_DAYS = 60
#: The default window reaches this many days back (and back to the previous run's
#: end, less the eCFR's lag, when that is earlier).
LOOKBACK_DAYS = 7
#: At most this many eCFR copies are read per tracked rule and run.
MAX_COPIES = 5
LAG_DAYS = 4
#: Test hook: "POINT:CHANNEL" kills this process with SIGKILL at POINT
#: (before-send, after-send, after-mark) of that channel's first batch.
CRASH_ENV = "FRDIFF_WATCH_CRASH_AT"
ECFR_LINK = (
    "https://www.ecfr.gov/current/title-15/part-744/appendix-Supplement%20No.%204%20to%20Part%20744"
)

Progress = Callable[[str, int, int | None], None]


def _crash_hook(point: str, channel: str) -> None:
    wanted = os.environ.get(CRASH_ENV)
    if wanted and wanted == f"{point}:{channel}":
        os.kill(os.getpid(), signal.SIGKILL)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ---------------------------------------------------------------------------------------
# Results


@dataclass
class ChannelResult:
    name: str
    kind: str
    sent: int = 0
    batches: int = 0
    resent: int = 0
    failed: int = 0
    error: str | None = None

    @property
    def status(self) -> str:
        if self.error:
            return "failed"
        return "sent" if self.sent else "nothing-new"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "sent": self.sent,
            "batches": self.batches,
            "resent_batches": self.resent,
            "failed": self.failed,
            "error": self.error,
        }


@dataclass
class WatchRun:
    """What one run found and sent (the JSON line a scheduler logs)."""

    run: str
    since: str
    until: str
    week: str | None
    searched_through: str
    found: list[dict[str, Any]] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    channels: list[ChannelResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    public_inspection: str = "not-checked"
    tracked: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(c.error for c in self.channels)

    def to_dict(self) -> dict[str, Any]:
        stages: dict[str, int] = {}
        for item in self.found:
            stages[item["stage"]] = stages.get(item["stage"], 0) + 1
        return {
            "format_version": FORMAT_VERSION,
            "kind": "watch-run",
            "generator": f"frdiff {__version__}",
            "run": self.run,
            "status": "ok" if self.ok else "failed",
            "window": {"since": self.since, "until": self.until, "week": self.week},
            "searched_through": self.searched_through,
            "public_inspection": self.public_inspection,
            "found": {"total": len(self.found), "new": len(self.new), "by_stage": stages},
            "changes": [i["id"] for i in self.found],
            "new_changes": list(self.new),
            "awaiting_ecfr": list(self.tracked),
            "channels": [c.to_dict() for c in self.channels],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------
# Windows and state


def default_window(last_until: str | None, today: date | None = None) -> tuple[date, date]:
    """``LOOKBACK_DAYS`` back from today, or back to the last run's end less the eCFR's lag."""
    today = today or date.today()
    since = today - timedelta(days=LOOKBACK_DAYS)
    if last_until:
        with contextlib.suppress(ValueError):
            since = min(since, date.fromisoformat(last_until) - timedelta(days=LAG_DAYS))
    return since, today


def state_path(config: WatchConfig, cache_dir: Path | None) -> Path:
    """Where the watch state lives: the config's ``state``, else beside the store's index."""
    if config.state is not None:
        return config.state
    from frdiff.files import cache_root
    from frdiff.ledger import FILE_NAME

    root = Path(cache_dir) if cache_dir is not None else Path(cache_root())
    return root / FILE_NAME


# ---------------------------------------------------------------------------------------
# Items


def _doc_fields(cs: ChangeSet) -> dict[str, Any]:
    r = cs.rule
    return {
        "document_number": r.document_number,
        "title": r.title,
        "type": "Rule",
        "publication_date": r.publication_date,
        "effective_date": r.effective_date,
        "filed_at": None,
        "citation": r.citation,
        "html_url": r.html_url or f"https://www.federalregister.gov/d/{r.document_number}",
        "pdf_url": None,
    }


def _entities(cs: ChangeSet) -> list[dict[str, Any]]:
    out = []
    for c in cs.changes:
        out.append(
            {
                "action": c.action,
                "country": c.country,
                "name": c.name,
                "aliases": list(c.entry.aliases) if c.entry is not None else [],
            }
        )
    return out


def _counts(entities: Iterable[dict[str, Any]]) -> str:
    n = {"add": 0, "revise": 0, "remove": 0}
    total = 0
    for e in entities:
        total += 1
        n[str(e.get("action"))] = n.get(str(e.get("action")), 0) + 1
    return f"{total} entries: {n['add']} added, {n['revise']} revised, {n['remove']} removed"


def published_item(
    cs: ChangeSet, match: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
) -> dict[str, Any]:
    doc = _doc_fields(cs)
    entities = _entities(cs)
    number = cs.rule.document_number
    details = []
    if cs.rule.effective_date and cs.rule.publication_date:
        if cs.rule.effective_date < cs.rule.publication_date:
            details.append(f"effective {cs.rule.effective_date}, before its publication")
        else:
            details.append(f"effective {cs.rule.effective_date}")
    return {
        "id": f"{number}/published",
        "stage": "published",
        "title": f"Published: {cs.rule.title or 'BIS rule'} (FR Doc. {number}"
        + (f", {cs.rule.citation}" if cs.rule.citation else "")
        + (f", {cs.rule.publication_date})" if cs.rule.publication_date else ")"),
        "summary": _counts(entities),
        "found_at": _now(),
        "document": doc,
        "entities": entities,
        "entities_named": bool(entities),
        "parties": match(entities),
        "details": details,
        "link": doc["html_url"],
    }


def coming_item(
    p: Any, match: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
) -> dict[str, Any]:
    entities = [dict(e, aliases=[]) for e in p.entities]
    details = [
        f"filed for public inspection: {p.filed_at or 'unknown'}",
        f"scheduled publication: {p.publication_date or 'unknown'}",
    ]
    if p.pdf_url:
        details.append(f"PDF: {p.pdf_url}")
    if p.note:
        details.append(p.note)
    return {
        "id": f"{p.document_number}/coming",
        "stage": "coming",
        "title": f"Coming: {p.title or 'BIS document'} (FR Doc. {p.document_number}, "
        f"on public inspection, to be published {p.publication_date or 'soon'})",
        "summary": (
            _counts(entities) + " named in the public-inspection text"
            if entities
            else "the entries are not named in what could be read"
        ),
        "found_at": _now(),
        "document": {**p.to_dict(), "effective_date": None, "citation": None},
        "entities": entities,
        "entities_named": bool(entities),
        "parties": match(entities),
        "details": details,
        "link": p.pdf_url or p.html_url,
    }


def in_ecfr_item(number: str, tracked: dict[str, Any], on: date) -> dict[str, Any]:
    doc = tracked.get("document", {})
    entities = tracked.get("entities", [])
    return {
        "id": f"{number}/in-ecfr",
        "stage": "in-ecfr",
        "title": f"In the eCFR: {doc.get('title') or 'BIS rule'} (FR Doc. {number}) is shown "
        f"in the eCFR copy of {on}",
        "summary": _counts(entities) + f", all shown in the eCFR copy of {on}",
        "found_at": _now(),
        "document": doc,
        "entities": entities,
        "entities_named": bool(entities),
        "parties": tracked.get("parties", []),
        "details": [f"eCFR copy of {on} (Supplement No. 4 to 15 CFR Part 744)"],
        "link": ECFR_LINK,
        "ecfr_date": str(on),
    }


def quiet_item(
    week: str, since: date, until: date, latest_ecfr: str | None, pi: bool
) -> dict[str, Any]:
    searched = [f"Federal Register rules published {since} to {until}"]
    if pi:
        searched.append("public inspection")
    if latest_ecfr:
        searched.append(f"eCFR copies through {latest_ecfr}")
    return {
        "id": f"quiet/{week}",
        "stage": "quiet",
        "title": f"No changes found in what was searched through {until}",
        "summary": "Searched: " + "; ".join(searched) + ".",
        "found_at": _now(),
        "document": {},
        "entities": [],
        "entities_named": False,
        "parties": [],
        "details": [],
        "link": None,
    }


# ---------------------------------------------------------------------------------------
# The eCFR stage


def _cite_matches(entry: Any, rule: dict[str, Any]) -> bool:
    volume, start, end = rule.get("volume"), rule.get("start_page"), rule.get("end_page")
    cites = [c for c in entry.citations if c.volume is not None]
    if volume is None or start is None or not cites:
        return True  # nothing to check against: presence is the evidence
    end = end or start
    return any(c.volume == volume and c.page is not None and start <= c.page <= end for c in cites)


def shows_rule(snapshot: Snapshot, rule: dict[str, Any]) -> tuple[int, int]:
    """(changes of ``rule`` that ``snapshot`` shows, changes) for a tracked rule."""
    from frdiff.normalize import country_key, name_key

    index: dict[tuple[str, str], list[Any]] = {}
    for e in snapshot.entries:
        index.setdefault((country_key(e.country), name_key(e.name)), []).append(e)
    shown = 0
    entities = rule.get("entities", [])
    for e in entities:
        hits = index.get((country_key(str(e["country"])), name_key(str(e["name"]))), [])
        if e["action"] == "remove":
            shown += not hits
        else:
            shown += any(_cite_matches(h, rule) for h in hits)
    return shown, len(entities)


# ---------------------------------------------------------------------------------------
# The run


class _Counting:
    """An archive that reports each document it reads (for a progress bar)."""

    def __init__(self, archive: Archive, progress: Progress | None) -> None:
        self._archive = archive
        self._progress = progress
        self.read = 0
        self.total: int | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)

    def _tick(self, what: str) -> None:
        self.read += 1
        if self._progress:
            self._progress(what, self.read, self.total)

    def find_rules(self, since: date, until: date) -> list[dict[str, Any]]:
        found = self._archive.find_rules(since, until)
        self.total = self.read + len(found) + 2
        self._tick(f"searched the Federal Register {since}..{until}")
        return found

    def rule_xml(self, number: str) -> bytes:
        data = self._archive.rule_xml(number)
        self._tick(f"rule {number}")
        return data

    def snapshot_xml(self, on: date, supplement: int = lists.DEFAULT) -> bytes:
        data = self._archive.snapshot_xml(on, supplement)
        self._tick(f"eCFR copy of {on}")
        return data


def _report_html(weekly: WeeklyReport) -> str:
    """The weekly report as HTML.

    Seam: ``frdiff.report`` is becoming a package with a format registry
    (``render(fmt, kind, result)``); the module function ``render_html`` is used
    where that is not there yet.
    """
    from frdiff import report

    registry_render = getattr(report, "render", None)
    if hasattr(report, "FORMATS") and callable(registry_render):
        out = registry_render("html", "weekly", weekly)
    else:
        out = report.render_html(weekly)
    return out.decode("utf-8") if isinstance(out, bytes) else str(out)


@dataclass
class _Found:
    items: list[dict[str, Any]] = field(default_factory=list)
    track: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    untrack: list[str] = field(default_factory=list)


def _pending(
    archive: Archive, ledger: Ledger, until: date, published: set[str], run: WatchRun, match: Any
) -> list[dict[str, Any]]:
    from frdiff import inspection
    from frdiff.ids import document_number

    if archive.fixtures is not None:
        records = inspection.fixture_pending(archive, until)
        online = False
        run.public_inspection = "fixtures"
    elif archive.online:
        try:
            records = [(r, None) for r in archive.pending()]
        except FrdiffError as exc:
            run.public_inspection = "failed"
            run.notes.append(
                f"public inspection could not be read ({exc}); it is checked again next run"
            )
            return []
        online = True
        run.public_inspection = "checked"
    else:
        run.public_inspection = "not-checked"
        run.notes.append(
            "public inspection is not checked offline (the store keeps no current copy)"
        )
        return []
    out = []
    for record, raw in records:
        try:
            number = document_number(str(record.get("document_number", "")))
        except ValueError as exc:
            run.notes.append(f"a public-inspection record was set aside: {exc}")
            continue
        if number in published or ledger.has_item(f"{number}/published"):
            continue
        key = f"{number}/coming"
        known = ledger.item(key)
        if known is not None:
            out.append(known)
            continue
        note = ""
        if online and raw is None and record.get("raw_text_url"):
            try:
                raw = inspection.fetch_raw_text(archive, str(record["raw_text_url"]))
            except (FetchError, ParseError) as exc:
                note = f"its raw text could not be read ({exc})"
                if not inspection.headline_concerns_part744(record):
                    run.notes.append(
                        f"public-inspection document {number}: {note}; its title does not name Part 744"
                    )
                    continue
        if not inspection.concerns_part744(record, raw):
            continue
        out.append(coming_item(inspection.read_record(record, raw, note=note), match))
    return out


def _ecfr_stage(
    archive: Archive,
    tracked: dict[str, dict[str, Any]],
    until: date,
    found: _Found,
    run: WatchRun,
) -> str | None:
    """Check tracked rules against the eCFR; returns the latest copy's date looked at."""
    from frdiff.cache import SnapshotLoader

    if not tracked:
        return None
    try:
        dates = [archive.latest_date()] if archive.online else sorted(archive.snapshot_dates())
    except FrdiffError as exc:
        run.notes.append(f"the eCFR's copies could not be listed ({exc}); checked again next run")
        return None
    snapshots: dict[date, Snapshot] = {}
    latest = str(dates[-1]) if dates else None
    for number, rule in sorted(tracked.items()):
        published = date.fromisoformat(str(rule.get("document", {}).get("publication_date")))
        shown_on = None
        best = (0, 0)
        later = [d for d in dates if d >= published]
        # the first few copies after publication, and the latest: bounded however
        # many versions the store holds
        for on in sorted(set(later[: MAX_COPIES - 1] + later[-1:])):
            if on not in snapshots:
                try:
                    data = archive.snapshot_xml(on)
                except (OfflineMissingError, FetchError) as exc:
                    run.notes.append(f"the eCFR copy of {on} could not be read ({exc})")
                    snapshots[on] = None  # type: ignore[assignment]
                    continue
                snapshots[on] = SnapshotLoader().load_bytes(
                    data, source=f"eCFR Supplement No. 4 to Part 744 as of {on}", date=str(on)
                )
            snap = snapshots[on]
            if snap is None:
                continue
            shown, total = shows_rule(snap, rule)
            best = max(best, (shown, total))
            if total and shown == total:
                shown_on = on
                break
        if shown_on is not None:
            found.items.append(in_ecfr_item(number, rule, shown_on))
            found.untrack.append(number)
        elif until - published > timedelta(days=TRACK_DAYS):
            found.untrack.append(number)
            run.notes.append(
                f"{number}: no eCFR copy showed all its changes within {TRACK_DAYS} days "
                f"(best: {best[0]} of {best[1]}); no longer watched"
            )
        else:
            run.tracked.append(number)
            if best[1]:
                run.notes.append(
                    f"{number}: the eCFR shows {best[0]} of its {best[1]} changes so far"
                )
    return latest


def detect(
    archive: Archive,
    ledger: Ledger,
    run: WatchRun,
    since: date,
    until: date,
    *,
    week: str | None,
    quiet_weeks: bool,
    match: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    progress: Progress | None = None,
) -> tuple[_Found, WeeklyReport]:
    """Everything the run finds, as items, plus the weekly report of the window."""
    from frdiff.weekly import build_weekly, week_label

    counting = _Counting(archive, progress)
    weekly = build_weekly(counting, since, until, week=week)  # type: ignore[arg-type]
    found = _Found()
    published = set()
    tracked = {
        doc: payload for doc, (stage, payload) in ledger.tracked().items() if stage == "published"
    }
    for cs in weekly.rules:
        number = cs.rule.document_number
        published.add(number)
        key = f"{number}/published"
        item = ledger.item(key) or published_item(cs, match)
        found.items.append(item)
        if (
            not ledger.has_item(f"{number}/in-ecfr")
            and number not in tracked
            and cs.rule.publication_date
            and item["entities"]  # a rule that changes no entry has no eCFR stage
        ):
            payload = {
                "document": item["document"],
                "entities": item["entities"],
                "parties": item["parties"],
                "volume": cs.rule.volume,
                "start_page": cs.rule.start_page,
                "end_page": cs.rule.end_page,
            }
            found.track[number] = ("published", payload)
            tracked[number] = payload
    found.items[:0] = _pending(archive, ledger, until, published, run, match)
    latest = _ecfr_stage(counting, tracked, until, found, run)  # type: ignore[arg-type]
    if latest is None and weekly.after is not None:
        latest = weekly.after.date
    if quiet_weeks and not found.items and run.public_inspection != "failed":
        label = week_label(until)
        found.items.append(
            quiet_item(label, since, until, latest, run.public_inspection != "not-checked")
        )
    return found, weekly


def run_watch(
    config: WatchConfig,
    archive: Archive,
    *,
    since: date | None = None,
    until: date | None = None,
    week: str | None = None,
    quiet_weeks: bool = False,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> WatchRun:
    """One watch run (see the module docstring).  Channel failures are in the result;
    errors finding the changes (a bad document, the network) raise."""
    from frdiff.ledger import Ledger

    with Ledger.open(state_path(config, cache_dir)) as ledger:
        if since is None or until is None:
            since, until = default_window(ledger.last_until())
        run_id = ledger.start_run(str(since), str(until))
        run = WatchRun(
            run=run_id, since=str(since), until=str(until), week=week, searched_through=str(until)
        )
        match = _matcher(config)
        found, weekly = detect(
            archive,
            ledger,
            run,
            since,
            until,
            week=week,
            quiet_weeks=quiet_weeks or config.quiet_weeks,
            match=match,
            progress=progress,
        )
        run.found = found.items
        enqueue = {
            ch.name: [i["id"] for i in found.items if i["stage"] in ch.stages]
            for ch in config.channels
        }
        run.new = ledger.record(
            run_id, found.items, enqueue, track=found.track, untrack=found.untrack
        )
        html_cache: dict[str, str] = {}
        window = {"since": str(since), "until": str(until), "week": week}
        for channel in config.channels:
            result = ChannelResult(channel.name, channel.kind)
            run.channels.append(result)
            with _channel_lock(channel):
                _deliver(
                    channel, ledger, result, run, weekly, window, week, since, until, html_cache
                )
            if result.error:
                run.notes.append(
                    f"channel {channel.name} failed ({result.error}); retried next run"
                )
        run.seconds = time.monotonic() - run.started
        ledger.finish_run(run_id, run.to_dict())
    return run


@contextlib.contextmanager
def _channel_lock(channel: Channel) -> Iterator[None]:
    """A feed is rewritten from what the ledger says was sent: two runs writing it at
    once could each leave out the other's entries, so its writes (read, write, mark)
    take an exclusive lock on ``PATH.lock``.  Other channels need none: their claims
    are exclusive and each send stands alone."""
    if channel.kind != "feed":
        yield
        return
    import fcntl

    lock_path = Path(str(channel.get("path")) + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _deliver(
    channel: Channel,
    ledger: Ledger,
    result: ChannelResult,
    run: WatchRun,
    weekly: WeeklyReport,
    window: dict[str, Any],
    week: str | None,
    since: date,
    until: date,
    html_cache: dict[str, str],
) -> None:
    """Claim, send and mark one channel's undelivered changes.

    After a failed send the channel's other batches of this run are released as
    failed too (not sent, not left claimed), for the next run to retry.
    """
    from frdiff.notify import Message, sender_for

    batches = ledger.claim(channel.name)
    for n, batch in enumerate(batches):
        quiet = all(item.get("stage") == "quiet" for item in batch.items)
        attach = channel.kind == "email" and not quiet  # a quiet notice stays short
        if attach and "html" not in html_cache:
            html_cache["html"] = _report_html(weekly)
        context: dict[str, Any] = {}
        if channel.kind == "feed":
            context["history"] = [item for _, item in ledger.sent_items(channel.name)]
        message = Message(
            batch=batch.id,
            channel=channel.name,
            items=tuple(batch.items),
            run=run.run,
            window=window,
            searched_through=run.searched_through,
            report_html=html_cache.get("html") if attach else None,
            report_name=f"frdiff-report-{week or f'{since}_{until}'}.html",
            resent=batch.resent,
            context=context,
        )
        _crash_hook("before-send", channel.name)
        try:
            sender_for(channel.kind)(channel, message)
        except FrdiffError as exc:
            result.error = str(exc)
            for left in batches[n:]:
                ledger.mark_failed(left, str(exc))
                result.failed += len(left.keys)
            return
        _crash_hook("after-send", channel.name)
        ledger.mark_sent(batch)
        result.sent += len(batch.keys)
        result.batches += 1
        result.resent += batch.resent
        _crash_hook("after-mark", channel.name)


def _matcher(config: WatchConfig) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    if config.parties is None:
        return lambda entities: []
    from frdiff.watchparties import load_parties, match_parties

    parties = load_parties(config.parties)
    return lambda entities: match_parties(parties, entities)


def channel_names(channels: Iterable[Channel]) -> list[str]:
    return [c.name for c in channels]
