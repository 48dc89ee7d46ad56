"""Build small Federal Register rule documents for unit tests."""

from __future__ import annotations

import re

HEADER = """<RULE><PREAMB><AGENCY TYPE="S">DEPARTMENT OF COMMERCE</AGENCY>
<SUBAGY>Bureau of Industry and Security</SUBAGY><CFR>15 CFR Part 744</CFR>
<DEPDOC>[Docket No. 250101-0001]</DEPDOC><RIN>RIN 0694-AA00</RIN>
<SUBJECT>{title}</SUBJECT><ACT><HD SOURCE="HED">ACTION:</HD><P>Final rule.</P></ACT>
<SUM><HD SOURCE="HED">SUMMARY:</HD><P>{summary}</P></SUM>
<EFFDATE><HD SOURCE="HED">DATES:</HD><P>This rule is effective March 3, 2025.</P></EFFDATE>
</PREAMB><SUPLINF><REGTEXT TITLE="15" PART="744">
<AMDPAR>1. The authority citation for part 744 continues to read as follows:</AMDPAR>
<AUTH><HD SOURCE="HED">Authority:</HD><P>50 U.S.C. 4801-4852.</P></AUTH></REGTEXT>
<REGTEXT TITLE="15" PART="744">"""

FOOTER = """</REGTEXT></SUPLINF><FRDOC>[FR Doc. 2025-01234 Filed 2-27-25; 8:45 am]</FRDOC></RULE>"""

TABLE_HEAD = """<HD SOURCE="HD1">Supplement No. 4 to Part 744—Entity List</HD>
<GPOTABLE COLS="5"><BOXHD><CHED H="1">Country</CHED><CHED H="1">Entity</CHED>
<CHED H="1">License requirement</CHED><CHED H="1">License review policy</CHED>
<CHED H="1">Federal Register citation</CHED></BOXHD>"""

CITE = "90 FR [INSERT FR PAGE NUMBER] March 3, 2025."


def row(
    entity: str, country: str = "", cite: str = CITE, policy: str = "Presumption of denial."
) -> str:
    c = f'<ENT I="01">{country}</ENT>' if country else '<ENT I="22"> </ENT>'
    return (
        f"<ROW>{c}<ENT>{entity}</ENT><ENT>For all items subject to the EAR. "
        f"(See § 744.11 of the EAR).</ENT><ENT>{policy}</ENT><ENT>{cite}</ENT></ROW>"
    )


def stars(country: str = "") -> str:
    c = f'<ENT I="01">{country}</ENT>' if country else '<ENT I="22"> </ENT>'
    return f'<ROW>{c}<ENT A="03">*  *  *  *  *  *</ENT></ROW>'


def rule(
    amdpars: list[str],
    rows: list[str] | None = None,
    *,
    summary: str = "BIS amends the EAR.",
    title: str = "Additions to the Entity List",
) -> bytes:
    paras = "".join(f"<AMDPAR>{a}</AMDPAR>" for a in amdpars)
    table = TABLE_HEAD + "".join(rows) + "</GPOTABLE>" if rows is not None else ""
    return (HEADER.format(title=title, summary=summary) + paras + table + FOOTER).encode()


META = {
    "document_number": "2025-01234",
    "publication_date": "2025-03-03",
    "citation": "90 FR 11000",
    "volume": 90,
    "start_page": 11000,
    "end_page": 11004,
}


_FR_ROOT = re.compile(rb"<(RULE|PRORULE|NOTICE)\b[^>]*>(.*)</\1>\s*$", re.DOTALL)


def as_ecfr(data: bytes) -> bytes:
    """The same document under an eCFR appendix root instead of its Federal Register
    one (``<RULE>``, ``<NOTICE>``), which the snapshot parser refuses: to read a rule's
    table rows with the snapshot parser.  Documents of other roots are returned as is."""
    return _FR_ROOT.sub(
        rb'<DIV9 N="Supplement No. 4 to Part 744" TYPE="APPENDIX">\2</DIV9>', data, count=1
    )
