"""The ``frdiff`` command: a click group whose commands live in ``frdiff/commands/``.

Commands stay thin: they read arguments, call the library and format what it
returns.  Library errors become a one-line message and exit status 1 here, at
the boundary, and nowhere else.

A command's module is imported only when that command runs (or when ``--help``
lists them all): ``frdiff diff`` never loads the network stack, the report
templates or the XML parser it does not need.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from frdiff import __version__, log
from frdiff.errors import FrdiffError

#: Every command: its name and "module:attribute" under ``frdiff.commands``.
COMMANDS = {
    "rule": "rule:rule_command",
    "snapshot": "snapshot:snapshot_command",
    "diff": "snapshot:diff_command",
    "apply": "snapshot:apply_command",
    "fetch": "fetch:fetch",
    "fixtures": "fetch:fixtures",
    "weekly": "report:weekly_command",
    "history": "report:history_command",
    "screen": "screen:screen_command",
    "watch": "watch:watch_command",
    "audit-csl": "audit:audit_csl_command",
}


class _Group(click.Group):
    """A group that loads its commands on demand and turns frdiff errors into clean
    CLI errors (no traceback)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attr = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(f"frdiff.commands.{module}"), attr)
            if command.name != cmd_name:
                raise RuntimeError(f"frdiff.commands.{module}.{attr} is not {cmd_name!r}")
            self.add_command(command)
        return self.commands.get(cmd_name)

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
    log.set_verbosity(verbose)
