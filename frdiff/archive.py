"""The one object the rest of frdiff uses to get documents, online or offline.

:meth:`Archive.open` picks the source:

- online (default): the Federal Register and eCFR APIs through
  :mod:`frdiff.fetch`, every response kept in the :class:`~frdiff.store.Store` and
  revalidated with conditional requests, so a repeated run downloads nothing
  that has not changed;
- ``offline=True``: the store alone, never the network; anything missing raises
  :class:`~frdiff.errors.OfflineMissingError` naming it;
- ``fixtures_dir=...``: a fixtures directory read through its MANIFEST.json
  (always offline).

Base URLs come from the arguments, else ``$FRDIFF_FR_API`` / ``$FRDIFF_ECFR_API``,
else the public services; the User-Agent from the argument or
``$FRDIFF_USER_AGENT``; the store from the argument, ``$FRDIFF_CACHE_DIR`` or the
platform's user cache directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import requests

from frdiff import lists
from frdiff.errors import FetchError, HTTPStatusError, OfflineMissingError, ParseError, StoreError
from frdiff.fetch import (
    DEFAULT_ECFR_API,
    DEFAULT_FR_API,
    ECFR,
    Expect,
    FederalRegister,
    FetchConfig,
    Fetcher,
    parse_json,
)
from frdiff.files import rule_meta
from frdiff.fixtures import FixtureSource
from frdiff.ids import document_number, iso_date, snapshot_ident, supplement_number
from frdiff.log import get_logger
from frdiff.store import Store

log = get_logger(__name__)

NEW, UPDATED, UNCHANGED, NOT_MODIFIED, STORED, FIXTURE = (
    "new",
    "updated",
    "unchanged",
    "not-modified",
    "stored",
    "fixture",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What getting one document did: fetched it new, found it unchanged, read it offline..."""

    kind: str
    ident: str
    status: str
    url: str = ""
    sha256: str = ""
    size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.ident,
            "status": self.status,
            "url": self.url,
            "sha256": self.sha256,
            "size": self.size,
        }


@dataclass(frozen=True, slots=True)
class FetchSummary:
    """The result of ``fetch rules`` / ``fetch snapshot``: each document and what happened."""

    what: str
    rules: tuple[dict[str, Any], ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    requests: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "rules": [
                {
                    "document_number": r.get("document_number"),
                    "publication_date": r.get("publication_date"),
                    "citation": r.get("citation"),
                    "title": r.get("title"),
                }
                for r in self.rules
            ],
            "documents": [o.to_dict() for o in self.outcomes],
            "counts": self.counts(),
            "requests": self.requests,
        }


Progress = Callable[[str, Outcome | None], None]


@dataclass
class Archive:
    """Rules and snapshots, from the network (kept in a store), the store alone, or fixtures."""

    store: Store | None = None
    fixtures: FixtureSource | None = None
    offline: bool = False
    fr: FederalRegister | None = None
    ecfr: ECFR | None = None
    fetcher: Fetcher | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        *,
        cache_dir: Path | None = None,
        offline: bool = False,
        fixtures_dir: Path | None = None,
        fr_api: str | None = None,
        ecfr_api: str | None = None,
        user_agent: str | None = None,
        rate: tuple[float | None, float | None] | None = None,
        config: FetchConfig | None = None,
        session: requests.Session | None = None,
    ) -> Archive:
        """An archive for the chosen source (see the module docstring)."""
        if fixtures_dir is not None:
            return cls(fixtures=FixtureSource.open(Path(fixtures_dir)), offline=True)
        store = Store.open(Path(cache_dir) if cache_dir is not None else None)
        config = config or FetchConfig()
        agent = user_agent or os.environ.get("FRDIFF_USER_AGENT")
        if agent:
            config = replace(config, user_agent=agent)
        if rate is not None:
            config = config.with_rates(*rate)
        fetcher = Fetcher(config=config, session=session)
        fr = FederalRegister(fetcher, fr_api or os.environ.get("FRDIFF_FR_API") or DEFAULT_FR_API)
        ecfr = ECFR(fetcher, ecfr_api or os.environ.get("FRDIFF_ECFR_API") or DEFAULT_ECFR_API)
        # Offline, the clients only build URLs (to find stored API responses).
        return cls(store=store, fr=fr, ecfr=ecfr, fetcher=fetcher, offline=offline)

    def close(self) -> None:
        if self.fetcher is not None:
            self.fetcher.close()
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def online(self) -> bool:
        return self.fr is not None and not self.offline

    def _store(self) -> Store:
        assert self.store is not None
        return self.store

    def _offline_missing(self, what: str, hint: str) -> OfflineMissingError:
        return OfflineMissingError(
            f"{what} is not in the store (offline); {hint}", where=str(self._store().root)
        )

    # Generic conditional fetch through the store ----------------------------------------
    def _get(self, kind: str, ident: str, url: str, expect: Expect) -> bytes:
        store = self._store()
        assert self.fetcher is not None
        record = store.lookup(kind, ident)
        cached: bytes | None = None
        if record is not None:
            try:
                cached = store.read(record)
            except StoreError as exc:
                log.warning("%s; fetching it again", exc)
                record = None
        fetched = self.fetcher.get(
            url,
            expect=expect,
            validators=record.validators() if record and cached is not None else None,
        )
        if fetched.not_modified:
            if record is None or cached is None:
                raise FetchError(
                    "304 Not Modified for a document frdiff did not ask about", where=url
                )
            self.outcomes.append(
                Outcome(kind, ident, NOT_MODIFIED, url, record.sha256, record.size)
            )
            return cached
        meta = parse_json(fetched.body, where=url) if kind == "rule-metadata" else None
        if meta is not None:
            served = str(meta.get("document_number", "")) if isinstance(meta, dict) else ""
            if served.upper() != ident:
                raise ParseError(
                    f"asked for {ident}, the service answered with {served!r}", where=url
                )
        new_record, status = store.put(
            kind,
            ident,
            url=url,
            body=fetched.body,
            content_type=fetched.content_type or None,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            fetched_at=fetched.retrieved or None,
            meta=meta,
        )
        self.outcomes.append(Outcome(kind, ident, status, url, new_record.sha256, new_record.size))
        return fetched.body

    def _load_json(self, url: str) -> Any:
        """A JSON API response by URL: conditional online, from the store offline."""
        if self.online:
            return parse_json(self._get("api", url, url, "json"), where=url)
        found = self._store().get("api", url)
        if found is None:
            raise self._offline_missing(f"the response of {url}", "fetch it online first")
        return parse_json(found[1], where=url)

    # The interface the rest of frdiff uses ------------------------------------------------
    def find_rules(self, since: date, until: date) -> list[dict[str, Any]]:
        """FR API metadata of BIS rules amending 15 CFR 744 published in [since, until], oldest first."""
        since, until = iso_date(since), iso_date(until)
        if self.fixtures is not None:
            return self.fixtures.find_rules(since, until)
        store = self._store()
        if not self.online:
            if not store.covered(since, until):
                spans = ", ".join(f"{a}..{b}" for a, b in store.searched_spans()) or "none"
                raise self._offline_missing(
                    f"a Federal Register search covering {since}..{until}",
                    f"searched so far: {spans}; run `frdiff fetch rules --since {since} "
                    f"--until {until}` online first",
                )
            return store.found_rules(since, until)
        assert self.fr is not None
        results = self.fr.search(since, until, load=self._load_json)
        for r in results:
            try:
                document_number(str(r.get("document_number", "")))
                iso_date(str(r.get("publication_date", "")))
            except ValueError as exc:
                raise ParseError(
                    f"search result: {exc}", where=self.fr.search_url(since, until)
                ) from None
        store.record_search(since, until, results)
        return results

    def rule_meta_bytes(self, number: str) -> bytes:
        """The rule's API metadata document as served (JSON bytes)."""
        number = document_number(number)
        if self.fixtures is not None:
            item = self.fixtures.manifest.find("rule-metadata", id=number)
            if item is None:
                raise OfflineMissingError(
                    f"metadata of rule {number} is not in the fixtures",
                    where=str(self.fixtures.manifest.root),
                )
            return self.fixtures.manifest.read(item)
        if not self.online:
            found = self._store().get("rule-metadata", number)
            if found is None:
                raise self._offline_missing(
                    f"metadata of rule {number}", "run `frdiff fetch rules` online first"
                )
            self.outcomes.append(
                Outcome(
                    "rule-metadata", number, STORED, found[0].url, found[0].sha256, found[0].size
                )
            )
            return found[1]
        assert self.fr is not None
        return self._get("rule-metadata", number, self.fr.document_url(number), "json")

    def rule_meta(self, number: str) -> dict[str, Any]:
        """The rule's Federal Register API metadata."""
        number = document_number(number)
        if self.fixtures is not None:
            return self.fixtures.rule_meta(number)
        if not self.online and self._store().lookup("rule-metadata", number) is None:
            found = self._store().found_rule(number)
            if found is not None:
                return found  # the search result carries the same fields
        return rule_meta(self.rule_meta_bytes(number), where=number)

    def rule_xml(self, number: str) -> bytes:
        """The rule's full-text XML (GPO FR XML) as published."""
        number = document_number(number)
        if self.fixtures is not None:
            return self.fixtures.rule_xml(number)
        store = self._store()
        if not self.online:
            found = store.get("rule", number)
            if found is None:
                raise self._offline_missing(
                    f"rule {number}", "run `frdiff fetch rules` online first"
                )
            self.outcomes.append(
                Outcome("rule", number, STORED, found[0].url, found[0].sha256, found[0].size)
            )
            return found[1]
        assert self.fr is not None
        record = store.lookup("rule", number)
        meta = store.found_rule(number)
        if record is not None:
            # the stored URL, on the service configured now (a mirror may have changed)
            url = self.fr.xml_url({"document_number": number, "full_text_xml_url": record.url})
        else:
            url = self.fr.xml_url(
                meta if meta and meta.get("full_text_xml_url") else self.rule_meta(number)
            )
        return self._get("rule", number, url, "xml")

    def snapshot_xml(self, on: date, supplement: int = lists.DEFAULT) -> bytes:
        """Supplement No. ``supplement`` to Part 744 as the eCFR gives it on ``on``."""
        on, supplement = iso_date(on), supplement_number(supplement)
        if self.fixtures is not None:
            return self.fixtures.snapshot_xml(on, supplement)
        store = self._store()
        ident = snapshot_ident(on, supplement)
        if not self.online:
            found = store.get("snapshot", ident)
            if found is None:
                have = ", ".join(d.isoformat() for d in store.snapshot_dates(supplement)) or "none"
                raise self._offline_missing(
                    f"Supplement No. {supplement} on {on}",
                    f"stored dates: {have}; run `frdiff fetch snapshot {on}` online first",
                )
            self.outcomes.append(
                Outcome("snapshot", ident, STORED, found[0].url, found[0].sha256, found[0].size)
            )
            return found[1]
        assert self.ecfr is not None
        url = self.ecfr.full_url(on, supplement)
        try:
            return self._get("snapshot", ident, url, "xml")
        except HTTPStatusError as exc:
            if exc.status != 404:
                raise
            try:
                latest = self.ecfr.latest_date(load=self._load_json)
            except FetchError:
                raise exc from None
            if on > latest:
                raise HTTPStatusError(
                    f"the eCFR has no issue for {on} yet; its latest is {latest} "
                    "(it lags the Federal Register by a business day or two)",
                    status=404,
                    where=url,
                ) from None
            raise

    def snapshot_dates(self, supplement: int = lists.DEFAULT) -> list[date]:
        """Dates with a snapshot: stored or in fixtures offline; eCFR version dates online."""
        supplement = supplement_number(supplement)
        if self.fixtures is not None:
            return self.fixtures.snapshot_dates(supplement)
        if not self.online:
            return self._store().snapshot_dates(supplement)
        assert self.ecfr is not None
        return self.ecfr.version_dates(supplement, load=self._load_json)

    def latest_date(self) -> date:
        """The latest date the eCFR serves (online), or the latest stored snapshot (offline)."""
        if self.online:
            assert self.ecfr is not None
            return self.ecfr.latest_date(load=self._load_json)
        dates = self.snapshot_dates()
        if not dates:
            raise OfflineMissingError("no snapshot is available offline")
        return dates[-1]

    def pending(self, available_on: date | None = None) -> list[dict[str, Any]]:
        """BIS documents on public inspection (filed, not yet published)."""
        if self.fixtures is not None:
            raise OfflineMissingError(
                "public inspection is not part of fixtures", where=str(self.fixtures.manifest.root)
            )
        assert self.fr is not None
        return self.fr.public_inspection(available_on, load=self._load_json)

    def find_citation(self, volume: int, page: int, day: date) -> dict[str, Any] | None:
        """Online: the BIS document printed on ``volume`` FR ``page`` in the issue of ``day``."""
        if not self.online or self.fr is None:
            return None
        return self.fr.find_citation(volume, page, day, load=self._load_json)

    def origin_of(self, kind: str, ident: str) -> dict[str, Any]:
        """Where a document came from: ``source_url`` and ``retrieved`` (for fixture recording)."""
        if self.store is None:
            return {}
        record = self.store.lookup(kind, ident)
        return {"source_url": record.url, "retrieved": record.fetched_at} if record else {}

    # Bulk operations behind `frdiff fetch` ------------------------------------------------
    def fetch_rules(
        self, since: date, until: date, progress: Progress | None = None
    ) -> FetchSummary:
        """Find the rules of [since, until] and make sure each one's metadata and XML are stored."""
        start = len(self.outcomes)
        rules = self.find_rules(since, until)
        for meta in rules:
            number = str(meta["document_number"])
            if progress:
                progress(f"rule {number}", None)
            self.rule_meta_bytes(number)
            if progress:
                progress(f"rule {number} metadata", self.outcomes[-1] if self.outcomes else None)
            self.rule_xml(number)
            if progress:
                progress(f"rule {number} XML", self.outcomes[-1] if self.outcomes else None)
        return FetchSummary(
            what=f"rules {iso_date(since)}..{iso_date(until)}",
            rules=tuple(rules),
            outcomes=tuple(o for o in self.outcomes[start:] if o.kind != "api"),
            requests=self.fetcher.requests_made if self.fetcher else 0,
        )

    def fetch_snapshot(self, on: date, supplement: int = lists.DEFAULT) -> FetchSummary:
        """Make sure the supplement on ``on`` is stored."""
        start = len(self.outcomes)
        self.snapshot_xml(on, supplement)
        return FetchSummary(
            what=f"Supplement No. {supplement} on {iso_date(on)}",
            outcomes=tuple(o for o in self.outcomes[start:] if o.kind != "api"),
            requests=self.fetcher.requests_made if self.fetcher else 0,
        )

    def history_dates(
        self, since: date, until: date | None = None, supplement: int = lists.DEFAULT
    ) -> list[date]:
        """The dates of every substantive eCFR version of the supplement in [since, until]
        (the versioner's versions endpoint; editorial and removed versions left out)."""
        since, supplement = iso_date(since), supplement_number(supplement)
        if not self.online:
            raise OfflineMissingError(
                "the list of eCFR versions needs the network (not --offline or --fixtures)"
            )
        assert self.ecfr is not None
        dates: set[date] = set()
        for v in self.ecfr.versions(supplement, load=self._load_json):
            if v.get("removed") or v.get("substantive") is False:
                continue
            try:
                day = date.fromisoformat(str(v.get("date") or v.get("amendment_date")))
            except ValueError:
                continue
            if since <= day and (until is None or day <= until):
                dates.add(day)
        return sorted(dates)

    def fetch_history(
        self,
        since: date,
        until: date | None = None,
        supplement: int = lists.DEFAULT,
        progress: Callable[[int, int, date, str], None] | None = None,
    ) -> FetchSummary:
        """Store every substantive version of the supplement since ``since``.

        Resumable: a version the store holds is not asked for again (its outcome is
        "stored"), so an interrupted run picks up where it stopped.  Downloads go
        through the fetcher's rate limit for XML, one at a time.
        """
        dates = self.history_dates(since, until, supplement)
        store = self._store()
        kept: list[Outcome] = []
        for i, day in enumerate(dates, 1):
            ident = snapshot_ident(day, supplement)
            record = store.lookup("snapshot", ident)
            outcome: Outcome | None
            if record is not None:
                outcome = Outcome("snapshot", ident, STORED, record.url, record.sha256, record.size)
            else:
                before = len(self.outcomes)
                self.snapshot_xml(day, supplement)
                outcome = self.outcomes[-1] if len(self.outcomes) > before else None
            if outcome is not None:
                kept.append(outcome)
            if progress:
                progress(i, len(dates), day, outcome.status if outcome else "")
        return FetchSummary(
            what=f"Supplement No. {supplement} versions {since}..{until or 'latest'}: {len(dates)}",
            outcomes=tuple(kept),
            requests=self.fetcher.requests_made if self.fetcher else 0,
        )
