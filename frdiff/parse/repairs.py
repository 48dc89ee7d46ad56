"""Repairs of real defects in the Entity List's cells, each a small named function.

Each docstring names the real row it was written for; each is written for the
class of rows that row stands for, and used by every reader that meets it (the
Entity-cell reader, :mod:`frdiff.parse.cells`, serves both the rule and the
snapshot parser).  Row-level defects (cells missing, extra, or shifted into the
country column) are repaired where rows are aligned, in
:meth:`frdiff.parse.table.TableRows.align` (for rules and snapshots alike), and
reported as findings there.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from frdiff.normalize import dash_item, is_dash_line


def join_broken_lines(lines: list[str]) -> list[str]:
    """Join an address line that ends in a comma to the line after it.

    Real row (Malta, "Sparx Air Ltd." in the eCFR of 2026-03-25): "116/8 San Juan St
    Georges Road,<br/> ST. Julians, STJ 3203, Malta." is one address broken in two;
    a later copy prints it on one line.
    """
    if len(lines) < 2 or not any(line.endswith(",") for line in lines[:-1]):
        return lines
    out: list[str] = []
    for line in lines:
        if out and out[-1].endswith(",") and not is_dash_line(out[-1]) and not is_dash_line(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def join_stray_dash_address(
    first: str,
    rest: list[str],
    *,
    ends_like_address: Callable[[str], bool],
    organisation: Callable[[str], bool],
) -> tuple[str, list[str]]:
    """Join to the name line an address continuation wrongly led by a dash.

    Real row (Morocco, "Huawei Technologies Morocco" in the eCFR of 2026-03-25):
    "..., Plateaux N 11, 12 Et 13, Hay Riad<br/>—Rabat, Morocco." in a cell with no
    alias clause, where a dash line would be a listed item; a later copy prints
    "..., Hay Riad, Rabat, Morocco." on one line.  Only a dash line that ends as an
    address does (``ends_like_address``) and names no organisation
    (``organisation``), right after a name line holding an address, is joined.
    """
    if not rest or first.rstrip().endswith((":", ",", ";")):
        return first, rest
    text = dash_item(rest[0])
    if text and "," in first and ends_like_address(text) and not organisation(text):
        return f"{first}, {text}", rest[1:]
    return first, rest


_SEMICOLON_IN_QUOTES = re.compile(r";(['\u2019\u201d])")


def quote_before_semicolon(text: str) -> str:
    """Put a closing quote back before the ";" it follows.

    Real row (Crimea, "OOO Shipyard 'Zaliv'"): "(f.k.a., AO Shipyard 'Zaliv'; JSC
    Shipyard 'Zaliv;' JSC Zaliv Shipyard; ...)" sets the separator inside the
    quote, as American punctuation puts periods, which would cut the name there.
    """
    return _SEMICOLON_IN_QUOTES.sub(r"\1;", text) if ";" in text else text
