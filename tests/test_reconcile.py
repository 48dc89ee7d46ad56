"""The reconciled list of changes: evidence, citation groups, significance, policies."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from frdiff.fetch import FederalRegister, Fetcher
from frdiff.model import (
    ADD,
    EDITORIAL_NOTE,
    FOOTNOTE,
    REMOVE,
    Change,
    ChangeSet,
    Citation,
    Diff,
    Entry,
    EntryDiff,
    FieldChange,
    ListNote,
    Rule,
    Snapshot,
)
from frdiff.reconcile import (
    CONFIRMED,
    ECFR_ONLY,
    NOT_IN_ECFR,
    fdp_footnotes,
    policy_term,
    reconcile,
    significance,
    snapshot_footnotes,
)
from frdiff.weekly import _look_up_gaps

try:
    from fetch_helpers import FAST, no_proxy
except ImportError:  # pragma: no cover
    from tests.fetch_helpers import FAST, no_proxy  # noqa: F401

CN = "CHINA, PEOPLE'S REPUBLIC OF"
RULE = Rule(
    "2025-05427", volume=90, start_page=14046, end_page=14052, publication_date="2025-03-28"
)


def _e(name: str, *, page: int = 14046, policy: str = "Policy of denial.", **kw) -> Entry:  # type: ignore[no-untyped-def]
    return Entry(
        CN,
        name,
        citations=(Citation(f"90 FR {page}", 90, page),),
        license_review_policy=policy,
        **kw,
    )


def _rules(*changes: Change) -> list[ChangeSet]:
    return [ChangeSet(RULE, changes=changes)]


def test_policy_vocabulary_is_small_and_canonical() -> None:
    assert policy_term("Presumption of denial.") == policy_term("Presumption of denial")
    assert policy_term("presumption of denial") == "presumption-of-denial"
    assert policy_term("Policy of denial") == "policy-of-denial"
    assert (
        policy_term(
            "Case-by-case review for ECCNs 1A995; presumption of denial for all other items"
        )
        == "presumption-of-denial"
    )
    assert policy_term("Case by case") == "case-by-case"
    assert policy_term("See § 744.2(d) of the EAR.") == "see-regulation"
    assert policy_term("") == "none"


def test_each_change_appears_once_with_its_evidence() -> None:
    made = _e("Made Co.")
    lagging = _e("Lagging Co.")
    other = _e("Other Co.", page=14032)
    rules = _rules(
        Change(ADD, CN, "Made Co.", made),
        Change(ADD, CN, "Lagging Co.", lagging),
        Change(REMOVE, CN, "Gone Co."),
    )
    diff = Diff(added=(made, other))
    r = reconcile(
        rules,
        diff,
        basis="snapshots",
        since=date(2025, 3, 24),
        until=date(2025, 3, 30),
        after_date="2025-03-31",
    )
    by_name = {c.name: c for c in r.changes}
    assert len(r.changes) == 4
    assert by_name["Made Co."].evidence == CONFIRMED and by_name["Made Co."].rules == (
        "2025-05427",
    )
    assert by_name["Lagging Co."].evidence == NOT_IN_ECFR
    assert "lags" in by_name["Lagging Co."].note
    assert by_name["Gone Co."].evidence == NOT_IN_ECFR and by_name["Gone Co."].kind == "removed"
    assert by_name["Other Co."].evidence == ECFR_ONLY
    counts = r.counts()
    assert counts["total"] == 4 and counts["added"] == 3 and counts["removed"] == 1
    assert counts["by_evidence"] == {
        "confirmed": 1,
        "not-in-ecfr": 2,
        "ecfr-only": 1,
        "projected": 0,
    }


def test_an_editorial_note_of_the_copy_explains_a_missing_change() -> None:
    lagging = _e("Lagging Co.")
    note = (
        "Editorial Notes: 2. At 90 FR 14049, Mar. 28, 2025, supplement no. 4 to part 744 was "
        "amended under CHINA by adding an entry for “Lagging Co.”; however, these amendments "
        "could not be incorporated because no text was supplied for these entries."
    )
    r = reconcile(
        _rules(Change(ADD, CN, "Lagging Co.", lagging)),
        Diff(),
        basis="snapshots",
        after_date="2025-03-31",
        after_notes=(note,),
    )
    assert r.changes[0].evidence == NOT_IN_ECFR and note in r.changes[0].note
    # A note about another rule's pages says nothing about this one.
    other = note.replace("90 FR 14049", "90 FR 13000")
    r = reconcile(
        _rules(Change(ADD, CN, "Lagging Co.", lagging)),
        Diff(),
        basis="snapshots",
        after_date="2025-03-31",
        after_notes=(other,),
    )
    assert "lags" in r.changes[0].note


def test_ecfr_only_changes_are_grouped_by_the_citation_they_carry() -> None:
    unread = [_e(f"Unread {i}", page=14032 + i) for i in range(3)]
    old = _e("Old Co.", page=12000)
    r = reconcile(
        [],
        Diff(added=(*unread, old)),
        basis="snapshots",
        since=date(2025, 3, 24),
        until=date(2025, 3, 30),
    )
    # No rule of the window to date the undated pages by: grouped, but no gap claimed.
    assert r.groups and not any(g.is_gap for g in r.groups)
    r = reconcile(
        [ChangeSet(RULE)],
        Diff(added=(*unread, old)),
        basis="snapshots",
        since=date(2025, 3, 24),
        until=date(2025, 3, 30),
    )
    gap = next(g for g in r.groups if g.is_gap)
    assert (gap.count, gap.first_page, gap.last_page, gap.date) == (3, 14032, 14045, "2025-03-28")
    assert (
        gap.message
        == "3 entries cite 90 FR 14032-14045 (2025-03-28); no rule with those pages is in the store"
    )
    assert "inferred" in gap.date_basis
    dated = Entry(
        CN, "Dated Co.", citations=(Citation("89 FR 5000, 1/2/24", 89, 5000, "2024-01-02"),)
    )
    r = reconcile(
        [ChangeSet(RULE)],
        Diff(added=(dated,)),
        basis="snapshots",
        since=date(2025, 3, 24),
        until=date(2025, 3, 30),
    )
    assert not r.groups[0].is_gap and "from before the window" in r.groups[0].message


def test_significance_of_field_changes() -> None:
    before = _e("A Co.", policy="Case-by-case review", footnotes=())
    after = _e("A Co.", policy="Presumption of denial", footnotes=(1,))
    fields = (
        FieldChange(
            "license_review_policy",
            old=before.license_review_policy,
            new=after.license_review_policy,
        ),
        FieldChange("footnotes", added=(1,)),
        FieldChange("aliases", added=("A-Co",)),
    )
    fdp = fdp_footnotes(
        {
            1: "For this entity, items subject to the EAR includes foreign-produced items under § 734.9(e)(1).",
            2: "Other.",
        }
    )
    assert fdp == frozenset({1})
    tags = significance("modified", before, after, fields, fdp)
    assert tags[:3] == ("review-policy-tightened", "fdp-footnote-added", "alias-added")
    assert significance(
        "modified",
        after,
        before,
        (
            FieldChange(
                "license_review_policy", old="Presumption of denial", new="Case-by-case review"
            ),
        ),
    ) == ("review-policy-loosened",)
    assert significance(
        "modified", before, before, (FieldChange("citations", added=(Citation("90 FR 1", 90, 1),)),)
    ) == ("citation-only",)
    # Without the list's own footnote texts nothing is read into a footnote number.
    assert "fdp-footnote-added" not in significance(
        "modified", before, after, fields, fdp_footnotes({})
    )
    snap = Snapshot(
        (),
        notes=(
            ListNote(FOOTNOTE, "For this entity, ... foreign-produced items ...", 1),
            ListNote(EDITORIAL_NOTE, "Editorial Notes: ..."),
        ),
    )
    assert snapshot_footnotes(snap) == {1: "For this entity, ... foreign-produced items ..."}
    assert fdp_footnotes(snapshot_footnotes(snap)) == frozenset({1})
    assert snapshot_footnotes(Snapshot(())) == {}


def test_moved_and_renamed_pairs_keep_their_kind() -> None:
    a, b = _e("Old Name"), _e("New Name", aliases=("Old Name",))
    pair = EntryDiff(a, b, (FieldChange("name", old="Old Name", new="New Name"),))
    r = reconcile(_rules(), Diff(renamed=(pair,)), basis="snapshots")
    assert r.changes[0].kind == "renamed" and "renamed" in r.changes[0].significance
    assert r.changes[0].to_dict()["previous_name"] == "Old Name"


class _IssueHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {
                "count": 1,
                "results": [
                    {
                        "document_number": "2025-05426",
                        "title": "Additions",
                        "volume": 90,
                        "start_page": 14032,
                        "end_page": 14045,
                        "html_url": "https://www.federalregister.gov/d/2025-05426",
                    }
                ],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.usefixtures("no_proxy")
def test_online_the_unread_rule_is_looked_up() -> None:
    server = HTTPServer(("127.0.0.1", 0), _IssueHandler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        fr = FederalRegister(Fetcher(config=FAST), f"http://127.0.0.1:{server.server_port}/api/v1")
        unread = [_e(f"Unread {i}", page=14032 + i) for i in range(2)]
        r = reconcile(
            [ChangeSet(RULE)],
            Diff(added=tuple(unread)),
            basis="snapshots",
            since=date(2025, 3, 24),
            until=date(2025, 3, 30),
        )
        archive = SimpleNamespace(
            online=True, find_citation=lambda v, p, d: fr.find_citation(v, p, d)
        )
        notes: list[str] = []
        looked = _look_up_gaps(archive, r, notes)  # type: ignore[arg-type]
    finally:
        server.shutdown()
    gap = looked.groups[0]
    assert dict(gap.found)["document_number"] == "2025-05426"
    assert "the Federal Register has 2025-05426 there" in gap.message and not notes


def test_a_change_citing_the_page_a_rule_shares_with_the_unread_one_goes_to_the_unread() -> None:
    unread = [_e(f"Unread {i}", page=14032 + i) for i in range(2)]
    shared = _e("Shared Page Co.", page=14046)
    r = reconcile(
        [ChangeSet(RULE)],
        Diff(added=(*unread, shared)),
        basis="snapshots",
        since=date(2025, 3, 24),
        until=date(2025, 3, 30),
    )
    assert len(r.groups) == 1
    gap = r.groups[0]
    assert gap.is_gap and gap.count == 3 and gap.last_page == 14046
    assert gap.message.startswith("3 entries cite 90 FR 14032-14046 (2025-03-28)")
    assert "starts on" in gap.date_basis
    # Without an unread document before it, a change on the rule's page stays the rule's.
    r = reconcile([ChangeSet(RULE)], Diff(added=(shared,)), basis="snapshots")
    assert r.groups[0].rule == "2025-05427" and not r.groups[0].is_gap


# ---------------------------------------------------------------------------
# On the real eCFR copies (read in place, never copied; skipped where absent)


def test_real_copies_editorial_line_and_footnotes_explained(realdocs: object) -> None:
    from msgspec import structs

    from conftest import real_ecfr
    from frdiff import report
    from frdiff.diff import diff_snapshots
    from frdiff.parse.snapshot import parse_snapshot
    from frdiff.weekly import WeeklyReport

    old, new = (
        parse_snapshot(real_ecfr(day).read_bytes(), source=day)
        for day in ("2026-03-25", "2026-07-23")
    )
    d = diff_snapshots(old, new)
    notes = snapshot_footnotes(new)
    fdp = fdp_footnotes(notes)
    assert notes and fdp, "the real list's own footnotes name the foreign-produced items"
    r = reconcile([], d, basis="snapshots", footnotes=notes)
    assert r.changes == () and r.editorial == len(d.editorial) > 0
    wr = WeeklyReport(
        since="2026-07-20", until="2026-07-26", basis="snapshots", diff=d, reconciled=r,
        footnotes=tuple(sorted(notes.items())),
    )  # fmt: skip
    assert any(line.startswith(f"Editorial only: {r.editorial} ") for line in wr.headline())
    # One entry losing its foreign-direct-product footnote: said so, and the footnote's
    # own text is what the page shows for it.
    entry = next(e for e in new.entries if set(e.footnotes) & fdp)
    number = sorted(set(entry.footnotes) & fdp)[0]
    changed = structs.replace(entry, footnotes=tuple(n for n in entry.footnotes if n != number))
    r2 = reconcile(
        [], Diff(modified=(EntryDiff(entry, changed, (FieldChange("footnotes", removed=(number,)),)),)),
        basis="snapshots", footnotes=notes,
    )  # fmt: skip
    assert r2.changes[0].significance[0] == "fdp-footnote-removed"
    page = report.render_html(
        WeeklyReport(
            since="2026-07-20", until="2026-07-26", basis="snapshots",
            diff=Diff(modified=(EntryDiff(changed, entry, ()),)),
            footnotes=tuple(sorted(notes.items())),
        )
    )  # fmt: skip
    from html import escape

    assert escape(" ".join(notes[number].split())[:60], quote=False) in " ".join(page.split())
