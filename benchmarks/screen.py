"""Section 6 of the benchmark: screening a large counterparty file against the whole list.

The parties are generated, deterministically, as an ERP export would hold them: a
few in a hundred are listed names written differently (case, punctuation, legal
form, a typo, an extra word), the rest invented company names made of words
common in business names, some of them words the list uses too.  frdiff screens
them (``Screener``: index once, then one lookup a party; and the whole
``frdiff screen`` command on a CSV file); the baseline is rapidfuzz's
``process.cdist`` of every party name against every listed name and alias
(``token_sort_ratio`` on rapidfuzz's default processing, all cores, in chunks so
that the score matrix fits in memory), which is what a user would write first.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Sequence
from pathlib import Path

from frdiff.model import Entry

#: A listed name written as an ERP would, in this share of the parties.
LISTED_SHARE = 0.03
_WORDS = (
    "trading industrial logistics electronics global pacific northern star golden "
    "united royal metro delta alpha omega prime smart green blue ocean mountain river "
    "solutions systems supply materials components machinery tools foods textiles "
    "import export holding partners services consulting engineering digital networks "
    "precision instruments optical chemical energy power marine aviation medical"
).split()
_FORMS = ("Co., Ltd.", "Company Limited", "LLC", "Ltd", "GmbH", "Inc.", "S.A.", "JSC", "Pte Ltd")
_COUNTRIES = ("CN", "DE", "US", "HK", "RU", "AE", "IN", "TR", "GB", "FR", "")
_SYLLABLES = "ka lo mi zu re ta vo pe ni su ga dor lin mar tek vex qua bri zan fol".split()


def _listed(rng: random.Random, e: Entry) -> str:
    name = e.name
    how = rng.randrange(4)
    if how == 0:
        return re.sub(r"[.,]", "", name).upper()
    if how == 1:
        return f"{re.sub(r'[ ,]*(Co[.,]*)? ?(Ltd|Limited|LLC|Inc)[.]?$', '', name)} Company Limited"
    if how == 2:
        words = name.split()
        i = max(range(len(words)), key=lambda k: len(words[k]))
        w = words[i]
        if len(w) > 5:
            words[i] = w[:2] + w[3] + w[2] + w[4:]
        return " ".join(words)
    return f"{name} Branch Office"


def parties(entries: Sequence[Entry], n: int, *, seed: int = 6) -> list[dict[str, str]]:
    """``n`` parties as CSV rows (id, name, country)."""
    rng = random.Random(seed)
    vocabulary = sorted({w for e in entries for w in re.findall(r"[A-Za-z]{4,}", e.name)})
    out = []
    for i in range(n):
        if rng.random() < LISTED_SHARE:
            e = entries[rng.randrange(len(entries))]
            name, country = _listed(rng, e), e.country_code or ""
        else:
            invented = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()
            words = [rng.choice(_WORDS).title() for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.3:
                words.append(rng.choice(vocabulary))
            name = " ".join([invented, *words, rng.choice(_FORMS)])
            country = rng.choice(_COUNTRIES)
        out.append({"id": f"C{i:06d}", "name": name, "country": country})
    return out


def write_csv(rows: Sequence[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["id", "name", "country"])
        w.writeheader()
        w.writerows(rows)


def baseline_cdist(names: Sequence[str], listed: Sequence[str], cutoff: float) -> int:
    """Pairs scoring ``cutoff`` or more: rapidfuzz's cdist over every name and alias."""
    import numpy as np
    from rapidfuzz import fuzz, process, utils

    found = 0
    chunk = 4000
    for start in range(0, len(names), chunk):
        scores = process.cdist(
            names[start : start + chunk],
            listed,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            score_cutoff=cutoff,
            dtype=np.uint8,
            workers=-1,
        )
        found += int(np.count_nonzero(scores))
    return found
