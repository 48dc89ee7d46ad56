"""Amendatory instructions (AMDPAR): which entries a rule adds, revises or removes.

Real instructions are irregular, and each irregularity is repaired by a small
named step that also reports what it repaired:

- a missing verb ("a. Under CHINA, ..., in alphabetical order, entries for ...");
- list punctuation kept inside the quotes ("“Foo Co., Ltd.;”");
- a misplaced or unclosed quotation mark ("Chengdu Suanze “Technology Co., Ltd.;");
- quotes straight or curly, names joined by ";", "," and "and";
- nested "a. Under X:" / "i. Adding ..." / "ii. Revising ..." across paragraphs;
- "removing the entry for “X” and adding in its place ..." (a replacement).

Instructions that do not concern Supplement No. 4 (the authority citation,
other sections, other supplements) are recognised and set aside, not dropped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from frdiff.ids import SUPPLEMENT_MENTION
from frdiff.model import ADD, REMOVE, REVISE, Finding, Instruction
from frdiff.model import INFO as _INFO
from frdiff.model import WARNING as _WARNING
from frdiff.normalize import clean, country, name_key, strip_list_punctuation

_LABEL = re.compile(r"^\s*(?:\(?(?P<label>\d+|[a-z]{1,4})[.)])\s+", re.I)
_ROMAN = re.compile(r"^(?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii|xiii|xiv|xv)$")
_AUTHORITY = re.compile(r"\bauthority\s+citation\b", re.I)
_SECTION = re.compile(r"(?:§|\bsection)\s*\d{3}\.\d+", re.I)
_UNDER = re.compile(
    r"\bunder\s+(?:the\s+destination\s+of\s+)?(?P<country>.+?)\s*[,:]?\s*"
    r"(?=\b(?:by\s+|and\s+by\s+)?(?:adding|add|revising|revise|removing|remove|amending|amend|"
    r"correcting|in\s+alphabetical|entr(?:y|ies)\s+for|an\s+entry|the\s+entr|one\s+entry|"
    r"\d+\s+entries)\b)",
    re.I,
)
_UNDER_HEADING = re.compile(
    r"\bunder\s+(?:the\s+destination\s+of\s+)?(?P<country>[^“”\"]+?)\s*[:;,.]?\s*$", re.I
)
_VERB = re.compile(
    r"\b(?P<verb>adding|add|adds|revising|revise|revises|removing|remove|removes|amending|amend|"
    r"correcting|correct)\b",
    re.I,
)
_OPEN = "\u201c"
#: Quotation repairs reported one by one per instruction; more are counted.
_MAX_REPAIRS = 5
_CLOSE = "\u201d"


@dataclass
class Target:
    """One name an instruction acts on."""

    action: str
    country: str
    name: str
    label: str
    text: str
    printed: str = ""
    #: An instruction that names no entries ("adding ... three entities"): it claims
    #: the table entries under its country that no named target claims.
    open: bool = False


@dataclass
class ParsedInstructions:
    instructions: list[Instruction] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    amends_supplement4: bool = False


def _verb_action(verb: str) -> str:
    v = verb.casefold()
    if v.startswith("add"):
        return ADD
    if v.startswith("remov"):
        return REMOVE
    return REVISE


def _label_kind(label: str, last_letter: str | None) -> str:
    """'number', 'letter' or 'roman' for an instruction label ("2", "a", "ii")."""
    if label.isdigit():
        return "number"
    low = label.casefold()
    if _ROMAN.match(low):
        # "i" after "h", "v" after "u", "x" after "w" are letters of a long list.
        prev = {"i": "h", "v": "u", "x": "w"}.get(low)
        if prev is None or last_letter != prev:
            return "roman" if len(low) > 1 or last_letter is not None else "letter"
    return "letter"


def quoted_names(text: str) -> tuple[list[str], list[str]]:
    """The names quoted in an instruction's text, and the repairs made to read them."""
    names, _printed, repairs = quoted_spans(text)
    return names, repairs


def quoted_spans(text: str) -> tuple[list[str], list[str], list[str]]:
    """Names quoted in an instruction, as read and as printed, and the repairs made.

    Pairs curly quotes; an opening quote followed by another opening quote before
    any closing one is unclosed, and its name ends where the next begins.  Words
    left between a verb phrase and an opening quote ("entries for Chengdu Suanze
    “Technology Co., Ltd.;") belong to the name: the quote was misplaced.
    Straight double quotes are paired in order.
    """
    repairs: list[str] = []
    names: list[str] = []
    printed: list[str] = []
    if _OPEN not in text and _CLOSE not in text:
        parts = text.split('"')
        names = [strip_list_punctuation(parts[i]) for i in range(1, len(parts), 2)]
        if len(parts) % 2 == 0:
            repairs.append("unbalanced straight quotation marks")
        names = [n for n in names if n]
        return names, list(names), repairs
    i = 0
    prev_end = 0
    close = -1
    while True:
        start = text.find(_OPEN, i)
        if start < 0:
            break
        # The next closing quote is searched again only once passed: with many
        # unclosed quotes a fresh search each time would be quadratic.
        if close <= start:
            close = text.find(_CLOSE, start + 1)
            close = len(text) if close < 0 else close
        nxt = text.find(_OPEN, start + 1)
        if close == len(text) or (0 <= nxt < close):
            end = nxt if nxt >= 0 else len(text)
            repairs.append(f"unclosed quotation mark before {text[start : start + 40]!r}")
            i = end
        else:
            end = close
            i = close + 1
        name = strip_list_punctuation(clean(text[start + 1 : end]))
        shown = name
        stray = _stray_words(text[prev_end:start])
        if stray:
            repairs.append(f"misplaced quotation mark: {stray!r} stands outside the quotes")
            name = f"{stray} {name}"
            shown = f"{stray} {_OPEN}{shown}"
        if name:
            names.append(name)
            printed.append(shown)
        prev_end = i
    if text.count(_CLOSE) > text.count(_OPEN):
        repairs.append("more closing than opening quotation marks")
    return names, printed, repairs


_FILLER = re.compile(
    r"^(?:[\s,;.:]|\band\b|\bor\b|\bby\b|\bin\s+alphabetical\s+order\b|\badding\b|\brevising\b|"
    r"\bremoving\b|\bentr(?:y|ies)\s+for\b|\ban\s+entry\s+for\b|\bthe\s+entr(?:y|ies)\s+for\b|"
    r"\bthe\s+following\b|\bentr(?:y|ies)\b|\bfor\b|\bin\s+its\s+place\b|\bto\s+read\b|"
    r"\bas\s+follows\b|\bnew\b)+",
    re.I,
)


def _stray_words(between: str) -> str:
    """Words between two quoted names that are not separators or verb phrases."""
    rest = between
    # Drop everything up to the last verb phrase ("... entries for").
    m = list(re.finditer(r"\b(?:entr(?:y|ies)|an\s+entry|the\s+entry)\s+for\b", rest, re.I))
    if m:
        rest = rest[m[-1].end() :]
    elif re.search(r"\bunder\b|\badding\b|\brevising\b|\bremoving\b", rest, re.I):
        return ""
    rest = _FILLER.sub("", rest)
    rest = re.sub(r"(?:[\s,;.:]|\band\b)+$", "", rest, flags=re.I)
    return clean(rest)


def _quoted_ranges(text: str) -> list[tuple[int, int]]:
    ranges = []
    for m in re.finditer(r"\u201c[^\u201c\u201d]*\u201d?|\"[^\"]*\"", text):
        ranges.append((m.start(), m.end()))
    return ranges


def _segments(text: str) -> list[tuple[str, int, int]]:
    """Split an instruction into (verb, start, end) spans, one per verb occurrence.

    A verb inside a quoted name ("Adding Machines Co.") is part of the name.
    """
    quoted = _quoted_ranges(text)
    starts = [a for a, _ in quoted]

    def in_quotes(pos: int) -> bool:
        # The ranges are sorted and disjoint: only the last one starting before
        # ``pos`` can hold it (a linear scan per verb was quadratic).
        k = bisect.bisect_left(starts, pos) - 1
        return k >= 0 and pos < quoted[k][1]

    verbs = [m for m in _VERB.finditer(text) if not in_quotes(m.start())]
    spans = []
    for k, m in enumerate(verbs):
        end = verbs[k + 1].start() if k + 1 < len(verbs) else len(text)
        spans.append((m.group("verb"), m.end(), end))
    return spans


def parse_instructions(paragraphs: list[str], *, doc: str) -> ParsedInstructions:
    """Read a rule's AMDPAR paragraphs, in document order, into instructions and targets.

    Numbered paragraphs ("2. Supplement No. 4 to part 744 is amended by:") set what
    the lettered and roman ones under them concern; "a. Under CANADA, ..." sets the
    country for "i. Adding ..." below it.  Every paragraph becomes an Instruction,
    whatever it concerns, so none is lost.
    """
    out = ParsedInstructions()
    target = "?"
    number = letter = ""
    last_letter: str | None = None
    country_ctx: dict[str, str | None] = {"letter": None}
    for raw in paragraphs:
        text = clean(raw)
        m = _LABEL.match(text)
        raw_label = m.group("label") if m else ""
        kind = _label_kind(raw_label, last_letter) if raw_label else "none"
        own = _classify(text)
        if kind == "number":
            number, letter, last_letter = raw_label, "", None
            country_ctx["letter"] = None
            target = own
            label = number
        elif kind == "letter":
            letter = last_letter = raw_label.casefold()
            country_ctx["letter"] = None
            label = f"{number}.{letter}" if number else letter
        elif kind == "roman":
            label = ".".join(p for p in (number, letter, raw_label.casefold()) if p)
        else:
            label = ".".join(p for p in (number, letter) if p) + "+"
        effective = target
        if kind != "number" and own != "?" and target == "?":
            effective = own
        if effective == "?" and _UNDER.search(text) and (_OPEN in text or '"' in text):
            effective = "supplement4"
            out.findings.append(
                Finding(
                    _WARNING,
                    "instruction-context",
                    "instruction does not say which list it amends; read as Supplement No. 4",
                    f"{doc} instruction {label}",
                    text,
                )
            )
        if effective == "supplement4":
            out.amends_supplement4 = True
            instr = _read_supplement4(text, label, doc, out, country_ctx, kind)
        else:
            instr = Instruction(
                label=label, text=text, target="other" if effective == "?" else effective
            )
        out.instructions.append(instr)
    return out


def _classify(text: str) -> str:
    """What a top-level instruction concerns: supplement4, authority, other."""
    if _AUTHORITY.search(text):
        return "authority"
    sup = SUPPLEMENT_MENTION.search(text)
    if sup:
        return "supplement4" if sup.group("n") == "4" else "other"
    if _SECTION.search(text):
        return "other"
    return "?"


def _read_supplement4(
    text: str,
    label: str,
    doc: str,
    out: ParsedInstructions,
    country_ctx: dict[str, str | None],
    kind: str,
) -> Instruction:
    where = f"{doc} instruction {label}"
    under = _UNDER.search(text) or _UNDER_HEADING.search(text)
    ctry: str | None
    if under:
        ctry = country(under.group("country"))[0]
        if kind in ("letter", "number"):
            country_ctx["letter"] = ctry
    else:
        ctry = country_ctx.get("letter")
    body = text[under.end() :] if under else text
    names, shown, repairs = quoted_spans(body)
    printed_of = dict(zip(names, shown, strict=True))
    # Each finding quotes the whole instruction: a flood of them (thousands of
    # stray quotes) would multiply the output, so a few are shown and the rest counted.
    for r in repairs[:_MAX_REPAIRS]:
        out.findings.append(Finding(_WARNING, "instruction-quotes", r, where, text))
    if len(repairs) > _MAX_REPAIRS:
        out.findings.append(
            Finding(
                _WARNING,
                "instruction-quotes",
                f"{len(repairs) - _MAX_REPAIRS} more quotation marks repaired",
                where,
            )
        )
    # Verbs may stand before the country ("by removing under IRAN the entry for")
    # or after it; names are only read after it.
    offset = under.end() if under else 0
    spans = [
        (verb, max(start, offset) - offset, end - offset)
        for verb, start, end in _segments(text)
        if end > offset
    ]
    actions: list[tuple[str, list[str]]] = []
    if spans:
        # Assign each quoted name to the verb whose span holds its opening quote.
        for verb, start, end in spans:
            seg_names, _ = quoted_names(body[start:end])
            if seg_names:
                actions.append((_verb_action(verb), seg_names))
        taken = {n for _, ns in actions for n in ns}
        leftovers = [n for n in names if n not in taken]
        if leftovers and actions:
            actions[-1][1].extend(leftovers)
        elif leftovers:
            actions.append((_verb_action(spans[-1][0]), leftovers))
        # A misplaced quote can make the per-span reading lose the stray words;
        # the whole-body reading has them, so prefer its names when counts agree.
        flat = [n for _, ns in actions for n in ns]
        if len(flat) == len(names) and flat != names:
            it = iter(names)
            actions = [(a, [next(it) for _ in ns]) for a, ns in actions]
    elif names:
        # Only additions are listed "in alphabetical order"; the others are read as
        # additions too, since that is what a verbless Entity List instruction means.
        action = ADD
        out.findings.append(
            Finding(
                _WARNING,
                "missing-verb",
                f"instruction has no verb (adding/revising/removing); read as {action!r}"
                + (" from 'in alphabetical order'" if "alphabetical" in body.casefold() else ""),
                where,
                text,
            )
        )
        actions.append((action, names))
    actions = _merge_replacements(actions, out, where, text)
    if names and ctry is None:
        out.findings.append(
            Finding(_WARNING, "instruction-no-country", "instruction names no country", where, text)
        )
    for action, ns in actions:
        for n in ns:
            out.targets.append(Target(action, ctry or "", n, label, text, printed_of.get(n, n)))
    if not names and (under or spans):
        if re.search(r"\bamended\b\s*(?:by)?\s*:?\s*$", text, re.I) or text.rstrip().endswith(":"):
            pass  # a heading such as "2. Supplement no. 4 is amended by:" or "a. Under X:"
        elif spans and ctry:
            # "by adding under CHINA, in alphabetical order, eleven entities": the
            # names are only in the table; every table entry under the country is meant.
            action = _verb_action(spans[0][0])
            actions.append((action, []))
            out.targets.append(Target(action, ctry, "", label, text, "", open=True))
            out.findings.append(
                Finding(
                    _INFO,
                    "instruction-unnamed",
                    f"instruction quotes no names; every table entry under {ctry} is read "
                    f"as {action!r}",
                    where,
                    text,
                )
            )
        else:
            out.findings.append(
                Finding(
                    _WARNING,
                    "instruction-no-names",
                    "instruction concerns the Entity List but quotes no entry name",
                    where,
                    text,
                )
            )
    all_actions = sorted({a for a, _ in actions})
    return Instruction(
        label=label,
        text=text,
        target="supplement4",
        country=ctry,
        action=all_actions[0] if len(all_actions) == 1 else ("+".join(all_actions) or None),
        names=tuple(n for _, ns in actions for n in ns),
    )


def _merge_replacements(
    actions: list[tuple[str, list[str]]], out: ParsedInstructions, where: str, text: str
) -> list[tuple[str, list[str]]]:
    """ "removing the entry for “X” and adding in its place “X”" is a revision of X."""
    removed = {name_key(n) for a, ns in actions if a == REMOVE for n in ns}
    added = {name_key(n) for a, ns in actions if a == ADD for n in ns}
    both = removed & added
    if not both or not re.search(r"in\s+its\s+place|and\s+adding", text, re.I):
        return actions
    out.findings.append(
        Finding(
            _INFO,
            "replacement-as-revision",
            "an entry removed and added again in one instruction is read as a revision",
            where,
            text,
        )
    )
    merged: list[tuple[str, list[str]]] = []
    for a, ns in actions:
        keep = [n for n in ns if name_key(n) not in both]
        if a == REMOVE:
            revised = [n for n in ns if name_key(n) in both]
            if revised:
                merged.append((REVISE, revised))
        if keep:
            merged.append((a, keep))
    return merged
