"""Which of the user's counterparties a watched change touches (the config's ``parties``).

SEAM (issue 15): screening (``frdiff screen`` and its parties matcher) is being
built at the same time as ``frdiff watch``.  Until its library function is on
``main``, this module reads the parties file itself (CSV with a header row: a
``name`` column, optional ``id`` and ``country``) and matches a party to an entity
only when their names (or an alias) are equal after frdiff's name normalisation
(case, punctuation, quotes, dashes).  :func:`match_parties` is the one place to
swap in issue 15's matcher (fuzzy scores, legal forms, transliteration, address
matches); its result keeps this shape.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frdiff.errors import InputError

MAX_PARTIES_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Party:
    row: int
    name: str
    id: str = ""
    country: str = ""


def load_parties(path: Path) -> list[Party]:
    """The parties of a CSV file; a bad file is an error naming the file and row."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise InputError("parties file must be a .csv (name, id, country columns)", where=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the parties file: {exc.strerror}", where=str(path)) from None
    if len(data) > MAX_PARTIES_BYTES:
        raise InputError(f"parties file is over {MAX_PARTIES_BYTES:,} bytes", where=str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("parties file is not UTF-8 text", where=str(path)) from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "name" not in fields:
        raise InputError("parties file has no 'name' column in its header row", where=str(path))
    reader.fieldnames = fields
    out = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            raise InputError("more cells than the header has", where=f"{path}: row {n}")
        name = (row.get("name") or "").strip()
        if not name:
            if any((v or "").strip() for v in row.values()):
                raise InputError("empty name", where=f"{path}: row {n}, column name")
            continue
        out.append(
            Party(
                row=n,
                name=name,
                id=(row.get("id") or "").strip(),
                country=(row.get("country") or "").strip(),
            )
        )
    return out


def match_parties(
    parties: Sequence[Party], entities: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The parties that the entities of a change name: ``{party, id, row, entity,
    country, action, matched, score}``, one per (party, entity).

    Interim exact-name matcher; see the module docstring.
    """
    if not parties or not entities:
        return []
    from frdiff.normalize import name_key

    by_key: dict[str, list[Party]] = {}
    for p in parties:
        by_key.setdefault(name_key(p.name), []).append(p)
    out = []
    for e in entities:
        names = [str(e.get("name") or ""), *(str(a) for a in e.get("aliases") or [])]
        for text in names:
            hits = by_key.get(name_key(text)) if text else None
            for p in hits or []:
                out.append(
                    {
                        "party": p.name,
                        "id": p.id,
                        "row": p.row,
                        "entity": e.get("name"),
                        "country": e.get("country"),
                        "action": e.get("action"),
                        "matched": "name" if text == e.get("name") else "alias",
                        "score": 100,
                    }
                )
            if hits:
                break
    return out
