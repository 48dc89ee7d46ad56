"""Which of the user's counterparties a watched change touches (the config's ``parties``).

The parties file is read as ``frdiff screen`` reads it (:func:`frdiff.parties.read_parties`:
CSV or XLSX, a ``name`` column, optional ``id``, ``country`` and ``address``), and
the entities a change names are screened with the same matcher
(:class:`frdiff.screening.Screener`: legal forms, transliteration, word order,
typos, aliases and addresses; country as evidence), at its default threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from frdiff.parties import Party, read_parties


def load_parties(path: Path) -> list[Party]:
    """The parties of a CSV or XLSX file; a bad file is an error naming the file,
    row and column."""
    return read_parties(path)


def match_parties(
    parties: Sequence[Party], entities: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The parties that the entities of a change name: ``{party, id, row, entity,
    country, action, matched, score}``, one per (party, entity), best first."""
    if not parties or not entities:
        return []
    from frdiff.model import Entry
    from frdiff.screening import Screener

    entries = [
        Entry(
            country=str(e.get("country") or ""),
            name=str(e.get("name") or ""),
            aliases=tuple(str(a) for a in e.get("aliases") or ()),
            addresses=tuple(str(a) for a in e.get("addresses") or ()),
        )
        for e in entities
    ]
    by_entry = {id(entry): e for entry, e in zip(entries, entities, strict=True)}
    screener = Screener(entries)
    out = []
    for p in parties:
        for m in screener.screen_one(p):
            e = by_entry[id(m.entry)]
            out.append(
                {
                    "party": p.name,
                    "id": p.id,
                    "row": p.row,
                    "entity": e.get("name"),
                    "country": e.get("country"),
                    "action": e.get("action"),
                    "matched": m.matched,
                    "score": round(m.score),
                }
            )
    return out
