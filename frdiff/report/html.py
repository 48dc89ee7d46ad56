"""HTML: the weekly report as one self-contained page.

Rendered by jinja2 with autoescaping on, from the templates at the repository's
top-level ``templates/`` (installed as ``frdiff/templates``; ``$FRDIFF_TEMPLATES``
overrides).  The page loads nothing: its style and script are inlined and its
Content-Security-Policy allows only them, by sha256 hashes computed at render time.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frdiff import __version__
from frdiff.errors import UsageError
from frdiff.normalize import country as canonical_country
from frdiff.report import common

if TYPE_CHECKING:
    from frdiff.weekly import WeeklyReport


def templates_dir() -> Path:
    """Where the templates live: ``$FRDIFF_TEMPLATES``, else ``frdiff/templates`` in an
    installed copy, else the repository's ``templates/`` (a checkout)."""
    override = os.environ.get("FRDIFF_TEMPLATES")
    if override:
        return Path(override)
    import frdiff

    package = Path(frdiff.__file__).resolve().parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


@cache
def _environment(directory: str) -> Any:
    import jinja2

    from frdiff.reconcile import POLICY_TERMS

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        fr_link=common.fr_link,
        citation_link=common.citation_link,
        ecfr_link=common.ecfr_link,
        field_label=common.field_label,
        item_text=common.item_text,
        word_diff=common.word_diff,
        shorten=common.shorten,
        footnote_text=common.footnote_text,
        finding_groups=common.finding_groups,
        evidence_labels=common.EVIDENCE_LABELS,
        kind_labels=common.KIND_LABELS,
        significance_labels=common.SIGNIFICANCE_LABELS,
        policy_label=lambda term: POLICY_TERMS.get(term, (term, 0))[0],
        short_quote=common.SHORT_QUOTE,
        field_change_text=common.field_change_text,
    )
    return env


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    """The report's policy: nothing loads; only the given inline style and script run."""
    return (
        "default-src 'none'; "
        f"style-src {_csp_hash(style)}; "
        f"script-src {_csp_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _read_asset(directory: Path, name: str) -> str:
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("template asset not found", where=str(path)) from None
    if "</" in text:
        # The asset is inlined in a raw-text element: "</" could close it early.
        raise UsageError("inline asset must not contain '</'", where=str(path))
    return text


def weekly(report: WeeklyReport) -> str:
    """The weekly report as one self-contained HTML page (no external assets)."""
    directory = templates_dir()
    style = _read_asset(directory, "report.css")
    script = _read_asset(directory, "report.js")
    template = _environment(str(directory)).get_template("report.html.j2")
    summary = report.summary()
    changes = report.reconciled.changes
    countries = sorted({c.country for c in changes})
    groups = {g.key: g for g in report.reconciled.groups}
    effective = {cs.rule.document_number: cs.rule.effective_date for cs in report.rules}
    return str(
        template.render(
            report=report,
            summary=summary,
            headline=report.headline(),
            changes=changes,
            groups=groups,
            effective=effective,
            footnotes=dict(report.footnotes),
            window_label=common.window_label(report),
            countries=countries,
            claim_rows=common.claim_rows,
            style=style,
            script=script,
            csp=content_security_policy(style, script),
            version=__version__,
            country_code_of=lambda c: canonical_country(c)[1] or "",
            moves=report.all_moves(),
            change_list=common.change_list_label,
        )
    )


def csl_audit(audit: Any) -> str:
    """A CSL audit (:class:`~frdiff.csl_audit.CslAudit`): see :mod:`frdiff.csl_report`."""
    from frdiff.csl_report import audit_html

    return audit_html(audit)
