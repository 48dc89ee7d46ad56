"""``frdiff audit-csl``: a Consolidated Screening List file against the list frdiff reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from frdiff.commands._common import emit, open_archive, output_option, source_options
from frdiff.report import choices

_DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command("audit-csl", short_help="Audit a CSL file against the list read from its sources.")
@click.argument("csl_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--snapshot",
    type=click.Path(exists=True, dir_okay=False),
    help="The list to audit against: an eCFR copy (XML) or `frdiff snapshot` JSON "
    "(default: the latest list built from the store or --fixtures).",
)
@click.option(
    "--as-of",
    type=_DATE,
    default=None,
    help="Without --snapshot: the list as it stood that day (default: today).",
)
@click.option(
    "--csl-date",
    type=_DATE,
    default=None,
    help="The day the CSL file was generated, for the lags in days (default: what the "
    "file says, else a date in its name).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(choices("csl_audit")),
    default="md",
    show_default=True,
)
@output_option
@source_options(fixtures=True)
def audit_csl_command(
    csl_file: str,
    snapshot: str | None,
    as_of: datetime | None,
    csl_date: datetime | None,
    fmt: str,
    output: str | None,
    **sources: Any,
) -> None:
    """Audit CSL_FILE (the CSL's consolidated.csv or .json, or its compact derivative)
    against the Entity List as frdiff reads it from the eCFR and the Federal Register.

    Reports, per list, the CSL rows matched, those explained by a CSL convention
    (one row per affiliate, one row for several countries, ...), the CSL rows not on
    the list, the entries missing from the CSL (with the rule and the lag in days)
    and every field difference, each a named convention or a disagreement.  The
    output also carries a row-order-insensitive digest of the file's rows per list.
    """
    from frdiff.api import audit_csl

    day = csl_date.date() if csl_date else None
    if snapshot is not None:
        audit = audit_csl(csl_file, against=snapshot, csl_date=day)
    else:
        with open_archive(sources) as archive:
            as_day = as_of.date() if as_of else None
            audit = audit_csl(csl_file, archive=archive, as_of=as_day, csl_date=day)
    from frdiff.report import render

    text = render(fmt, "csl_audit", audit)
    emit(text if isinstance(text, str) else text.decode("utf-8"), output)
