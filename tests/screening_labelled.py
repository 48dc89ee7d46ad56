"""A labelled set for screening, generated deterministically from a fixture snapshot.

Listed names are written as an ERP would hold them (each kind below changes the
listed name or alias one way); unlisted names share words with listed ones but
replace the distinctive word with an invented one.  The legal forms and the
transliteration table here are test data (how people write names), not what the
matcher uses: it reads legal forms and transliterates with rigour.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from frdiff.matching import words
from frdiff.model import Entry

KINDS = (
    "case_punctuation",
    "legal_form",
    "alias",
    "typo",
    "word_order",
    "transliteration",
    "extra_words",
    "parenthesised",
)
LEGAL_FORMS = (
    "Co., Ltd.",
    "Company Limited",
    "CO LTD",
    "Ltd",
    "Limited",
    "LLC",
    "L.L.C.",
    "Inc.",
    "Corporation",
    "GmbH",
    "JSC",
    "Joint Stock Company",
)
PREFIX_FORMS = ("OOO", "AO", "OAO", "Limited Liability Company")
EXTRA = ("Branch", "Shenzhen Branch", "Purchasing Dept", "Head Office", "(Sales)", "Intl Division")
_CYRILLIC = [
    ("shch", "щ"), ("kh", "х"), ("zh", "ж"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"),
    ("yu", "ю"), ("ya", "я"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"),
    ("e", "е"), ("z", "з"), ("i", "и"), ("y", "ы"), ("k", "к"), ("l", "л"), ("m", "м"),
    ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("f", "ф"),
]  # fmt: skip
_ROMAN = [("kh", "h"), ("ii", "iy"), ("y", "i"), ("ts", "tz"), ("ya", "ia"), ("yu", "iu")]
_SYLLABLES = "ka lo mi zu re ta vo pe ni su ga dor lin mar tek vex qua bri zan fol".split()
_LEGAL = re.compile(
    r"[\s,]*(co\.?,?\s*ltd\.?|company limited|limited|ltd\.?|llc|inc\.?|corp\.?|"
    r"corporation|gmbh|jsc|ojsc|pjsc|s\.a\.|sarl|pvt\.? ltd\.?|pte\.? ltd\.?)$",
    re.IGNORECASE,
)


_LEGAL_PREFIX = re.compile(
    r"^((open |closed |public |private )?joint[- ]stock company|(o|p|z|c)?jsc|ooo|oao|zao|"
    r"limited liability company|federal state unitary enterprise)[\s,]+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sample:
    kind: str  # one of KINDS, or "unlisted"
    name: str
    entry: int | None  # index of the entry it should find
    country: str = ""


def _core(name: str) -> str:
    """The name without its legal form and parenthesised parts."""
    text = re.sub(r"\([^()]*\)", " ", name)
    for _ in range(2):
        text = _LEGAL.sub("", text.strip())
        text = _LEGAL_PREFIX.sub("", text.strip())
    return " ".join(text.replace(",", " ").split())


def _typo(rng: random.Random, name: str) -> str | None:
    parts = name.split()
    core = set(_core(name).split())
    long = [i for i, w in enumerate(parts) if len(w) >= 6 and w.isalpha() and w in core]
    if not long:
        return None
    i = rng.choice(long)
    w = parts[i]
    j = rng.randrange(1, len(w) - 1)
    how = rng.choice(("swap", "drop", "replace", "insert"))
    if how == "swap":
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif how == "drop":
        w = w[:j] + w[j + 1 :]
    elif how == "replace":
        w = w[:j] + rng.choice("aeiourstn".replace(w[j].lower(), "")) + w[j + 1 :]
    else:
        w = w[:j] + rng.choice("aeiourstn") + w[j:]
    parts[i] = w
    return " ".join(parts)


def _cyrillic(text: str) -> str:
    out = text.lower()
    for latin, cyr in _CYRILLIC:
        out = out.replace(latin, cyr)
    return out


def _romanised(text: str) -> str:
    out = text
    for a, b in _ROMAN:
        out = out.replace(a, b)
    return out


def _variant(rng: random.Random, kind: str, e: Entry) -> str | None:
    core = _core(e.name)
    if len(words(e.name)) == 0 or len(core) < 4:
        return None
    if kind == "case_punctuation":
        text = re.sub(r"[.,]", "", e.name)
        return text.upper() if rng.random() < 0.5 else text.lower()
    if kind == "legal_form":
        if rng.random() < 0.25:
            return f"{rng.choice(PREFIX_FORMS)} {core}"
        return f"{core} {rng.choice(LEGAL_FORMS)}"
    if kind == "alias":
        good = [a for a in e.aliases if 4 <= len(a) <= 120 and words(a)]
        return rng.choice(good).upper() if good else None
    if kind == "typo":
        return _typo(rng, e.name) if len(core) >= 12 else None
    if kind == "word_order":
        parts = core.split()
        if len(parts) < 2 or len(parts) > 6:
            return None
        return " ".join(parts[::-1]) + " " + rng.choice(LEGAL_FORMS)
    if kind == "transliteration":
        if not re.fullmatch(r"[A-Za-z ]+", core) or e.country_code not in ("RU", "BY", "UA"):
            return None
        return _cyrillic(core) if rng.random() < 0.5 else _romanised(core.lower()).title()
    if kind == "extra_words":
        return f"{e.name} {rng.choice(EXTRA)}"
    if kind == "parenthesised":
        if "(" in e.name:
            return re.sub(r"\s*\([^()]*\)", "", e.name)
        return f"{core} ({rng.choice(('HK', 'Shenzhen', 'Group'))}) Ltd"
    raise ValueError(kind)


def _holds_listed(text_words: set[str], by_word: dict[str, list[frozenset[str]]]) -> bool:
    return any(form <= text_words for w in text_words for form in by_word.get(w, ()))


def _invented(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()


def labelled_set(entries: Sequence[Entry], *, per_kind: int = 150, seed: int = 15) -> list[Sample]:
    """``per_kind`` listed samples of each kind and as many unlisted as all kinds together."""
    rng = random.Random(seed)
    order = list(range(len(entries)))
    rng.shuffle(order)
    out: list[Sample] = []
    for kind in KINDS:
        found = 0
        for i in order:
            if found == per_kind:
                break
            e = entries[i]
            text = _variant(rng, kind, e)
            if text:
                out.append(Sample(kind, text, i, e.country if rng.random() < 0.5 else ""))
                found += 1
        rng.shuffle(order)
    by_word: dict[str, list[frozenset[str]]] = {}
    for e in entries:
        for n in (e.name, *e.aliases):
            form = frozenset(words(n))
            for w in form:
                by_word.setdefault(w, []).append(form)
    counts = Counter(w for e in entries for w in set(words(e.name)))
    wanted = per_kind * len(KINDS)
    unlisted = 0
    while unlisted < wanted:
        e = entries[rng.randrange(len(entries))]
        parts = _core(e.name).split()
        known = [k for k, p in enumerate(parts) if counts.get(" ".join(words(p)), 0) > 0]
        if len(parts) < 2 or not known:
            continue
        # the entry's name with its most distinctive (rarest) word replaced
        j = min(known, key=lambda k: (counts[" ".join(words(parts[k]))], k))
        parts[j] = _invented(rng)
        text = f"{' '.join(parts)} {rng.choice(LEGAL_FORMS)}"
        if _holds_listed(set(words(text)), by_word):
            continue  # it holds a whole listed name: that is the "extra_words" kind
        out.append(Sample("unlisted", text, None, e.country if rng.random() < 0.5 else ""))
        unlisted += 1
    return out
