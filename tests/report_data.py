"""Model objects for the report tests, built by hand (no parser involved).

One hostile entity name travels through every renderer: it holds a script tag,
both quote kinds, Markdown link syntax and a leading formula character.
"""

from __future__ import annotations

from frdiff.model import (
    ADD,
    REMOVE,
    REVISE,
    WARNING,
    Change,
    ChangeSet,
    Citation,
    Claims,
    Diff,
    Entry,
    EntryDiff,
    FieldChange,
    Finding,
    Rule,
)
from frdiff.weekly import SnapshotInfo, WeeklyReport

CN = "CHINA, PEOPLE'S REPUBLIC OF"
TW = "TAIWAN"
HOSTILE = "=Evil <script>alert(\"x\")</script> 'Co' [link](http://evil.example) Ltd."
HOSTILE_ALIAS = "<img src=x onerror=alert(1)>"
PLACEHOLDER = Citation(raw="90 FR [INSERT FR PAGE NUMBER AND March 28, 2025", volume=90)


def entry(name: str, country: str = CN, **kw: object) -> Entry:
    base: dict[str, object] = {
        "license_requirement": "For all items subject to the EAR.",
        "license_review_policy": "Presumption of denial.",
        "citations": (Citation(raw="90 FR 14046, 3/28/25", volume=90, page=14046),),
    }
    base.update(kw)
    return Entry(country=country, name=name, **base)  # type: ignore[arg-type]


def changeset() -> ChangeSet:
    added = [
        entry(
            "Beijing Academy of Artificial Intelligence",
            aliases=("BAAI", "Zhiyuan"),
            addresses=("No. 150 Chengfu Road, Haidian District, Beijing, China",),
            footnotes=(4,),
            citations=(PLACEHOLDER,),
        ),
        entry(HOSTILE, aliases=(HOSTILE_ALIAS, "+Plus Alias"), addresses=("@home; Taipei",)),
        entry("Suma-USI Electronics Co., Ltd.", country=TW, addresses=("Taipei, Taiwan",)),
    ]
    changes = [Change(ADD, e.country, e.name, entry=e, instruction_label="2.a") for e in added]
    changes.append(
        Change(
            REVISE,
            "INDIA",
            "Department of Atomic Energy",
            entry=entry("Department of Atomic Energy", country="INDIA"),
            name_in_instruction="Dept. of Atomic Energy",
        )
    )
    changes.append(Change(REMOVE, "RUSSIA", "Old Entity"))
    return ChangeSet(
        rule=Rule(
            document_number="2025-05427",
            title="Additions to the Entity List",
            publication_date="2025-03-28",
            effective_date="2025-03-25",
            citation="90 FR 14046",
            start_page=14046,
            end_page=14052,
        ),
        claims=Claims(
            text="adding 12 entities, under China (11) and Taiwan (1)",
            entities_added=12,
            added_by_destination=(("China, People's Republic of (China)", 2), ("Taiwan", 1)),
        ),
        changes=tuple(changes),
        findings=(
            Finding(WARNING, "claims-mismatch", "SUMMARY says 12, parsed 3", where="2025-05427"),
        ),
    )


def diff() -> Diff:
    old_mod = entry("Nettrix Information Industry", license_review_policy="Case-by-case review.")
    new_mod = entry(
        "Nettrix Information Industry",
        license_review_policy="Presumption of denial for all items.",
        aliases=("Nettrix",),
    )
    return Diff(
        added=(
            entry("Added Diff Entity", aliases=("ADE",)),
            entry(HOSTILE, aliases=(HOSTILE_ALIAS,)),
            entry("Taiwan Diff Co.", country=TW),
        ),
        removed=(entry("Gone Entity", country="RUSSIA"),),
        modified=(
            EntryDiff(
                before=old_mod,
                after=new_mod,
                changes=(
                    FieldChange(
                        "license_review_policy",
                        old="Case-by-case review.",
                        new="Presumption of denial for all items.",
                    ),
                    FieldChange("aliases", added=("Nettrix",)),
                ),
            ),
        ),
        renamed=(
            EntryDiff(
                before=entry("Old Name Ltd."),
                after=entry("New Name Ltd."),
                changes=(FieldChange("name", old="Old Name Ltd.", new="New Name Ltd."),),
                match="alias",
            ),
        ),
        moved=(
            EntryDiff(
                before=entry("Mover Co.", country="HONG KONG"),
                after=entry("Mover Co."),
                changes=(FieldChange("country", old="HONG KONG", new=CN),),
            ),
        ),
        unchanged=3400,
        old_label="2025-03-24",
        new_label="2025-03-31",
        findings=(Finding(WARNING, "duplicate", "Same name twice", where="row 7"),),
    )


def weekly() -> WeeklyReport:
    return WeeklyReport(
        since="2025-03-24",
        until="2025-03-30",
        week="2025-W13",
        rules=(changeset(),),
        before=SnapshotInfo(date="2025-03-24", wanted="2025-03-23", rows=3400, entries=3400),
        after=SnapshotInfo(date="2025-03-31", wanted="2025-03-30", rows=3412, entries=3412),
        basis="snapshots",
        diff=diff(),
        findings=(
            Finding(
                WARNING, "crosscheck-unexplained", "Added in the eCFR, in no rule", text=HOSTILE
            ),
        ),
        notes=("The eCFR has no copy dated 2025-03-30; used 2025-03-31.",),
    )
