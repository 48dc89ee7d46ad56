"""Normalization of Entity List text, in one place.

Both parsers (Federal Register rules and eCFR snapshots) and the differ go
through these functions, so "the same entry" means the same thing everywhere:

- ``clean``: whitespace collapsed, nothing else touched (what is shown to users);
- ``fold`` / ``name_key``: quotes, dashes, case and punctuation folded (what is
  compared);
- ``clean_alias``, ``split_addresses``: the list conventions of the Entity cell;
- ``parse_citations``: "84 FR 22963, 5/21/19. 90 FR [INSERT FR PAGE NUMBER] ..."
  into :class:`~frdiff.model.Citation` values;
- ``country``: a heading, an instruction's "Under India" or a SUMMARY's
  "China, People's Republic of (China)" to one canonical heading and ISO code.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from frdiff.model import Citation

_WS = re.compile(r"[\s\u200b\u2060\ufeff]+")
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def clean(text: str | None) -> str:
    """Collapse every run of whitespace to one ordinary space and strip the ends.

    Layout whitespace (pretty-printing), no-break, thin and zero-width spaces all
    count: "§§\u2009734.9" in one document and "§§ 734.9" in another are the same
    text, and must never show up as a change.
    """
    if not text:
        return ""
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        # Already clean (most cell texts): every whitespace character but the
        # ASCII space, and each zero-width one, is unprintable (Unicode Z* or C*).
        return text
    if text.isascii() or ("\u200b" not in text and "\u2060" not in text and "\ufeff" not in text):
        # Same result, three times faster: str.split() and the regex's \s both split
        # on exactly the characters for which str.isspace() is true.
        return " ".join(text.split())
    return _WS.sub(" ", text).strip()


def fold(text: str) -> str:
    """Text folded for comparison: NFKC, straight quotes, hyphens, case-folded."""
    if text.isascii():
        # NFKC leaves ASCII alone and "`" is the only ASCII character _QUOTES maps.
        return clean(text.replace("`", "'")).casefold()
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return clean(text).casefold()


def name_key(name: str) -> str:
    """The comparison key of a name: folded, punctuation-insensitive.

    "Huawei Technologies (Yangon) Co., Ltd.,." and "Huawei Technologies (Yangon)
    Co., Ltd." share a key; so do curly and straight apostrophes.
    """
    return _NON_WORD.sub(" ", fold(name).replace("'", "")).strip()


# ---------------------------------------------------------------------------
# Entity cell conventions

_LEADING_DASH = re.compile(r"^\s*[\u2014\u2013\u2012\u2015-]+\s*")
#: The dashes that _LEADING_DASH takes.
DASHES = "\u2014\u2013\u2012\u2015-"
_DOTS = re.compile(r"\.{2,}$")
_TRAILING_AND = re.compile(r"(?:[;,]\s*|\s+)and\s*$", re.IGNORECASE)
_ABBREVIATIONS = frozenset(
    """inc ltd co corp pte pty bhd sdn s.a s.l s.r.l b.v n.v a.s s.a.s s.p.a k.k
    ltda cia s.r.o d.o.o pvt mfg intl int'l dept univ assn assoc bros jr sr st no dr
    mr mrs ms gen lt col maj capt adm e.v""".split()
)


_FINAL_WORD = re.compile(r"(\S+)\.$")
_INITIALISM = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")  # letters: "9." is no initial


def ends_with_abbreviation(text: str) -> bool:
    """True when the final period of ``text`` belongs to an abbreviation ("Co.", "S.A.")."""
    if text.endswith("."):
        # The word before the final period, found without a regex search from the
        # left (which the long address lines made costly).  The word is taken with
        # its final period: _abbreviation strips the periods anyway.  A lone "."
        # means no word ends at the period (the text is "." or ends " .").
        word = text.rsplit(None, 1)[-1]
        if word == ".":
            return False
    else:
        m = _FINAL_WORD.search(text)  # "$" also matches before a final newline
        if not m:
            return False
        word = m.group(1)
    found = _ABBREVIATION_WORDS.get(word)
    if found is None:
        found = _abbreviation(word)
        if len(word) <= 64 and len(_ABBREVIATION_WORDS) < 4096:  # bounded: a few hundred recur
            _ABBREVIATION_WORDS[word] = found
    return found


#: Abbreviations that a number follows ("No. 28", "Nos. 1 and 2", "Bldg. 3").
_NUMBER_ABBREVIATIONS = frozenset("no nos nr bldg blk rm apt fl flr ste".split())


def ends_with_number_abbreviation(text: str) -> bool:
    """True when ``text`` ends with an abbreviation that a number follows ("No.", "Bldg."):
    in "Institute No. 28" the period is not the end of anything, the number is the
    abbreviation's."""
    if not text.endswith("."):
        return False
    words = text[:-1].rsplit(None, 1)
    return bool(words) and words[-1].lstrip("(").casefold() in _NUMBER_ABBREVIATIONS


#: _abbreviation of the final words met so far ("Ltd.", "Co.", "Company.").
_ABBREVIATION_WORDS: dict[str, bool] = {}


def _abbreviation(word: str) -> bool:
    """True when a final word (trailing periods ignored) is an abbreviation."""
    word = word.rstrip(".").casefold()
    word = word.rsplit("(", 1)[-1].lstrip(DASHES + "\"'\u201c\u2018")  # "—M.A.G."
    if word in _ABBREVIATIONS:
        return True
    # Initialisms such as "S.A." or "U.S." and single letters ("John Q.").
    return (
        len(word.replace(".", "")) <= 3
        and ("." in word or len(word) == 1)
        and bool(_INITIALISM.fullmatch(word))
    )


def strip_list_punctuation(text: str) -> str:
    """Remove the list punctuation a cell item carries: separators and a dangling "and".

    "—Zhongke Controllable Information Industry Co., Ltd.,;" -> "... Co., Ltd.";
    "—Netrix;" -> "Netrix"; "—CPUNTO." -> "CPUNTO"; a period that ends an
    abbreviation ("Ltd.", "S.A.") stays.
    """
    return strip_item(clean(text))


def _drop_trailing_and(text: str) -> str:
    """``_TRAILING_AND.sub("", text)``, looking at the end of the text only.

    The regex alone scans from the left, costly on long lines.  A match found from
    a few characters before the final "and" that does not start at the first of
    them is the whole text's match (one starting further left would have taken
    that character too); no match there means none at all.
    """
    tail = text[-5:]
    if tail[:2] in ("; ", ", ") and tail.isascii() and tail[2:].lower() == "and":
        # The usual "...; and": every match ends with this final "and", preceded by
        # the separator and space or by the space alone; the leftmost takes both.
        return text[:-5]
    start = max(0, len(text.rstrip()) - 16)  # "and" and characters before it
    m = _TRAILING_AND.search(text, start)
    if m is None:
        return text
    if m.start() > start or start == 0:
        return text[: m.start()]
    return _TRAILING_AND.sub("", text)


def strip_item(text: str) -> str:
    """:func:`strip_list_punctuation` of text that is already :func:`clean`."""
    # Shortcuts for the usual endings ("Name;", "Name.", "Ltd."), giving what the
    # loop below gives: one step, then nothing more to strip.
    last = text[-1:]
    if last in (";", ",", ":"):
        short = text.rstrip(";,: ")
        if short and short[-1] not in ".;,: " and short[-3:].lower() != "and":
            return short
    elif last == "." and len(text) > 1 and text[-2] != ".":
        # ends_with_abbreviation(text), its kept verdict looked up here first
        abbreviation = _ABBREVIATION_WORDS.get(text.rsplit(None, 1)[-1])
        if abbreviation is None:
            abbreviation = ends_with_abbreviation(text)
        if abbreviation:
            return text
        short = text[:-1].rstrip()
        if short and short[-1] not in ".;,: " and short[-3:].lower() != "and":
            return short
    elif text[-5:-3] in ("; ", ", ") and text[-3:].isascii() and text[-3:].lower() == "and":
        # "Name; and": the loop drops "; and" (as _drop_trailing_and's own shortcut
        # does) and stops at a text ending in neither punctuation, space nor "and".
        short = text[:-5]
        if (
            short
            and not short[0].isspace()
            and not short[-1].isspace()
            and short[-1] not in ".;,:"
            and short[-3:].lower() != "and"
        ):
            return short
    return _strip_loop(text)


def _strip_loop(text: str) -> str:
    """What :func:`strip_item` does, step by step (its shortcuts must agree)."""
    # Text ending in neither punctuation nor "and" is left as it is (most names and
    # addresses): a pass of the loop would not change it.
    while text and (text[-1] in ".;,: " or text[-3:].lower() == "and"):
        before = text
        if text.endswith(".."):
            text = _DOTS.sub(".", text)
        # The regexes only run where they can match (most items end in neither).
        if text.rstrip()[-3:].lower() == "and":
            text = _drop_trailing_and(text)
        text = text.strip().rstrip(";,: ").strip()
        if text.endswith(".") and not ends_with_abbreviation(text):
            text = text[:-1].rstrip()
        if text == before:
            return text
    return text


def dash_item(text: str) -> str:
    """The clean text after an Entity-cell line's leading dash; "" for other lines."""
    after = text[1:2]
    if text[:1] == "\u2014" and after and after not in DASHES and not after.isspace():
        # One em dash, then neither dash nor space (most lines): the pattern's match.
        return clean(text[1:])
    m = _LEADING_DASH.match(text)
    return clean(text[m.end() :]) if m else ""


def is_dash_line(text: str) -> bool:
    """True for an Entity-cell line led by a dash (an alias or a listed item)."""
    return bool(dash_item(text))


def clean_alias(text: str) -> str:
    """An alias line without its leading dash, list punctuation and a repeated
    "a.k.a."/"f.k.a." ("—a.k.a. JSC Gazprom Neft;": the clause said it already)."""
    text = clean(text)
    m = _LEADING_DASH.match(text)
    # What follows the dash is still clean: the pattern took the spaces after it.
    return alias_text(text[m.end() :] if m else text)


def alias_text(text: str) -> str:
    """:func:`clean_alias` of clean text that has no leading dash (an alias line's
    :func:`dash_item`)."""
    if text[:1] in "afAF":
        text = _LEADING_AKA.sub("", text)
    return strip_item(text)


_LEADING_AKA = re.compile(r"^[af]\.\s?k\.\s?a\.?,?\s+", re.IGNORECASE)


#: Between addresses (and between aliases run into one line): "; and", or ";" and a space;
#: also "and" with a stray comma after it ("..., China; and, Room 812, ..., China, and,
#: 1305-1308, ..."), but not the comma of a name ("Changsha Economic and, Technological
#: Development Zone": no separator before the "and").
ADDRESS_SPLIT = re.compile(r";\s*and\s*,?\s+|,\s*and\s*,\s+|;\s+(?=\S)", re.IGNORECASE)
_SEE_ALSO = re.compile(
    r"\s*\(\s*see\s+(?:also\s+)?alternat\w*\s+address(?:es)?[^)]*\)\.?\s*$", re.I
)


def split_addresses(text: str) -> tuple[list[str], list[str]]:
    """Split an address text on "; and" (and bare ";"), dropping the final period.

    Returns (addresses, notes): a trailing cross reference such as "(See alternate
    address under France and Netherlands)." is a note, not part of an address.
    """
    text = clean(text)
    notes: list[str] = []
    m = _SEE_ALSO.search(text) if "(" in text else None
    if m:
        notes.append(clean(m.group(0)))
        text = text[: m.start()]
    addresses: list[str] = []
    for part in ADDRESS_SPLIT.split(text):
        # strip_list_punctuation(part): a part of clean text is clean once stripped.
        p = strip_item(part.strip())
        # "Address: 1 Pl. Sobina, ..."; "Alt Address: Proshchad Sobina 1, ...": labels.
        if "ddress" in p[:16]:
            p = _ADDRESS_LABEL.sub("", p)
        # "...; <E>and</E><br/>": the "and" before the next line's address is no address.
        if p and p not in ("and", "And"):
            addresses.append(p[4:] if p[:4] in ("and ", "And ") else p)
    return addresses, notes


_ADDRESS_LABEL = re.compile(r"^\(?(?:alt(?:ernate)?\.?\s+)?address(?:es)?:\s*", re.IGNORECASE)


# ---------------------------------------------------------------------------
# Citations

_FR_REF = re.compile(r"(?<![\w.])(\d{1,3})\s*FR\s*", re.IGNORECASE)
_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_PAGE = re.compile(r"(\d{1,6})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")
_WORD_DATE = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The first date in ``text`` ("5/21/19", "March 28, 2025") as ISO, else None.

    Two-digit years are read as 1970-2069 (the Entity List began in 1997).
    Impossible dates ("2/30/2024") give None.
    """
    m = _NUMERIC_DATE.search(text)
    if m:
        y = int(m.group(3))
        if y < 100:
            y += 2000 if y < 70 else 1900
        return _iso(y, int(m.group(1)), int(m.group(2)))
    m = _WORD_DATE.search(text)
    if m and m.group(1).casefold() in _MONTHS:
        return _iso(int(m.group(3)), _MONTHS[m.group(1).casefold()], int(m.group(2)))
    return None


def unreadable_date(text: str) -> str | None:
    """The date-shaped text that :func:`parse_date` would read but cannot ("2/30/2011",
    "February 30, 2025"), so that it is reported rather than dropped; else None."""
    m = _NUMERIC_DATE.search(text)
    if m:
        y = int(m.group(3))
        if y < 100:
            y += 2000 if y < 70 else 1900
        return None if _iso(y, int(m.group(1)), int(m.group(2))) else m.group(0)
    m = _WORD_DATE.search(text)
    if m and m.group(1).casefold() in _MONTHS:
        month = _MONTHS[m.group(1).casefold()]
        return None if _iso(int(m.group(3)), month, int(m.group(2))) else m.group(0)
    return None


def parse_citations(text: str) -> tuple[Citation, ...]:
    """All Federal Register citations in a citation cell, in order.

    "84 FR 22963, 5/21/19. 85 FR 34505, 6/5/20." gives two citations with dates;
    "90 FR [INSERT FR PAGE NUMBER AND March 28, 2025." gives one placeholder
    citation with volume 90, no page and the date.  Text that names no "FR"
    citation at all gives one unparsed citation holding the text, so nothing is lost.
    """
    text = clean(text)
    if not text:
        return ()
    starts = list(_FR_REF.finditer(text))
    if not starts:
        placeholder = "insert" in text.casefold()
        return (Citation(raw=text.rstrip(" ."), date=parse_date(text), placeholder=placeholder),)
    out: list[Citation] = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        raw = text[m.start() : end].strip().rstrip(" ,;")
        rest = text[m.end() : end]
        volume = int(m.group(1))
        pm = _PAGE.match(rest)
        page = int(pm.group(1)) if pm else None
        placeholder = page is None and "insert" in rest.casefold()
        raw_clean = raw[:-1] if raw.endswith(".") and not raw.endswith("].") else raw
        out.append(
            Citation(
                raw=raw_clean,
                volume=volume,
                page=page,
                date=parse_date(rest),
                placeholder=placeholder,
            )
        )
    if starts[0].start() > 0:
        lead = text[: starts[0].start()].strip(" .;,")
        if lead:
            out.insert(0, Citation(raw=lead))
    return tuple(out)


def resolve_placeholder(
    c: Citation, volume: int | None, page: int | None, pub_date: str | None
) -> Citation:
    """A placeholder citation completed with the rule's own volume, page and date."""
    return Citation(
        raw=c.raw,
        volume=volume if volume is not None else c.volume,
        page=page,
        date=c.date or pub_date,
        placeholder=True,
    )


# ---------------------------------------------------------------------------
# Countries

#: ISO 3166 alpha-2 code -> Entity List country heading.
COUNTRY_HEADINGS: dict[str, str] = {
    "AF": "AFGHANISTAN",
    "AE": "UNITED ARAB EMIRATES",
    "AM": "ARMENIA",
    "AR": "ARGENTINA",
    "AT": "AUSTRIA",
    "AU": "AUSTRALIA",
    "AZ": "AZERBAIJAN",
    "BE": "BELGIUM",
    "BG": "BULGARIA",
    "BH": "BAHRAIN",
    "BO": "BOLIVIA",
    "BR": "BRAZIL",
    "BY": "BELARUS",
    "BZ": "BELIZE",
    "CA": "CANADA",
    "CH": "SWITZERLAND",
    "CL": "CHILE",
    "CN": "CHINA, PEOPLE'S REPUBLIC OF",
    "CO": "COLOMBIA",
    "CR": "COSTA RICA",
    "CU": "CUBA",
    "CY": "CYPRUS",
    "CZ": "CZECH REPUBLIC",
    "DE": "GERMANY",
    "DK": "DENMARK",
    "EE": "ESTONIA",
    "EG": "EGYPT",
    "ES": "SPAIN",
    "FI": "FINLAND",
    "FR": "FRANCE",
    "GB": "UNITED KINGDOM",
    "GE": "GEORGIA",
    "GR": "GREECE",
    "HK": "HONG KONG",
    "HU": "HUNGARY",
    "ID": "INDONESIA",
    "IE": "IRELAND",
    "IL": "ISRAEL",
    "IN": "INDIA",
    "IQ": "IRAQ",
    "IR": "IRAN",
    "IT": "ITALY",
    "JM": "JAMAICA",
    "JO": "JORDAN",
    "JP": "JAPAN",
    "KG": "KYRGYZSTAN",
    "KP": "KOREA, NORTH",
    "KR": "KOREA, SOUTH",
    "KW": "KUWAIT",
    "KZ": "KAZAKHSTAN",
    "LB": "LEBANON",
    "LK": "SRI LANKA",
    "LT": "LITHUANIA",
    "LU": "LUXEMBOURG",
    "LV": "LATVIA",
    "MA": "MOROCCO",
    "MG": "MADAGASCAR",
    "MK": "NORTH MACEDONIA",
    "MM": "BURMA",
    "MT": "MALTA",
    "MX": "MEXICO",
    "MY": "MALAYSIA",
    "NI": "NICARAGUA",
    "NL": "NETHERLANDS",
    "NO": "NORWAY",
    "NZ": "NEW ZEALAND",
    "OM": "OMAN",
    "PA": "PANAMA",
    "PE": "PERU",
    "PH": "PHILIPPINES",
    "PK": "PAKISTAN",
    "PL": "POLAND",
    "PT": "PORTUGAL",
    "PY": "PARAGUAY",
    "QA": "QATAR",
    "RO": "ROMANIA",
    "RU": "RUSSIA",
    "SA": "SAUDI ARABIA",
    "SE": "SWEDEN",
    "SG": "SINGAPORE",
    "SK": "SLOVAKIA",
    "SN": "SENEGAL",
    "SS": "SOUTH SUDAN",
    "SY": "SYRIA",
    "TH": "THAILAND",
    "TJ": "TAJIKISTAN",
    "TR": "TURKEY",
    "TW": "TAIWAN",
    "UA": "UKRAINE",
    "UG": "UGANDA",
    "US": "UNITED STATES",
    "UZ": "UZBEKISTAN",
    "VE": "VENEZUELA",
    "VN": "VIETNAM",
    "YE": "YEMEN",
    "ZA": "SOUTH AFRICA",
}

#: Other spellings of a heading (folded) -> ISO code.
COUNTRY_ALIASES: dict[str, str] = {
    "china": "CN",
    "people's republic of china": "CN",
    "china, people's republic of (china)": "CN",
    "prc": "CN",
    "russian federation": "RU",
    "turkiye": "TR",
    "türkiye": "TR",
    "south korea": "KR",
    "korea, republic of": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "uae": "AE",
    "u.a.e": "AE",
    "united arab emirates (uae)": "AE",
    "uk": "GB",
    "great britain": "GB",
    "myanmar": "MM",
    "burma (myanmar)": "MM",
    "viet nam": "VN",
    "macedonia": "MK",
    "the netherlands": "NL",
    "czechia": "CZ",
    "hong kong sar": "HK",
}
_HEADING_CODE = {fold(v): k for k, v in COUNTRY_HEADINGS.items()}
#: Headings of regions with no ISO code of their own.
REGION_HEADINGS = frozenset(
    {
        "crimea (occupied)",
        "crimea region of ukraine",
        "donetsk",
        "luhansk",
        "unknown",
        "west bank",
        "gaza",
    }
)


def country(text: str) -> tuple[str, str | None]:
    """A country heading, code or phrase -> (canonical heading, ISO code or None).

    Accepts the table's "CHINA, PEOPLE’S REPUBLIC OF." (curly quote, stray period),
    an instruction's "India", a SUMMARY's "China, People's Republic of (China)" and
    the two-letter codes that some derived lists print as headings.  Unknown
    headings are kept, upper-cased, with no code.
    """
    t = clean(text).translate(_QUOTES).strip(" .,;:")
    code = _country_code(t)
    short = t
    # "China, People's Republic of (China)": drop a trailing parenthesised short form
    # (or two; never more, for each try reads the whole text).
    for _ in range(_SHORT_FORMS):
        if code is not None:
            return COUNTRY_HEADINGS[code], code
        shorter = _SHORT_FORM.sub("", short).strip(" .,;:")
        if shorter == short:
            break
        short = shorter
        code = _country_code(short)
    if code is not None:
        return COUNTRY_HEADINGS[code], code
    return t.upper(), None


_SHORT_FORM = re.compile(r"\s*\([^)]*\)\s*$")
_SHORT_FORMS = 2


def _country_code(text: str) -> str | None:
    """The ISO code of a clean country heading, name or code, else None."""
    if len(text) == 2 and text.upper() in COUNTRY_HEADINGS:
        return text.upper()
    f = text.casefold()
    return _HEADING_CODE.get(f) or COUNTRY_ALIASES.get(f)


def country_key(text: str) -> str:
    """The comparison key of a country heading (its canonical, folded form)."""
    return fold(country(text)[0])
