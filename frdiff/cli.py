"""The ``frdiff`` command: a click group whose commands live in ``frdiff/commands/``.

Commands stay thin: they read arguments, call the library and format what it
returns.  Library errors become a one-line message and exit status 1 here, at
the boundary, and nowhere else.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from frdiff import __version__
from frdiff.errors import FrdiffError


class _Group(click.Group):
    """A group that turns frdiff errors into clean CLI errors (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FrdiffError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="frdiff")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """What changed on the US Entity List (Supplement No. 4 to 15 CFR Part 744).

    Parse BIS rules from the Federal Register and eCFR snapshots of the list,
    diff them field by field, and write reports.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="frdiff: %(message)s", stream=sys.stderr)


def _register() -> None:
    from frdiff.commands import fetch, report, rule, snapshot

    for module in (rule, snapshot, fetch, report):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
