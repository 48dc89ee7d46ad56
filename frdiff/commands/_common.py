"""Helpers shared by the commands: printing library results in the chosen format."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
import msgspec

if TYPE_CHECKING:  # the network stack is imported only when a command needs it
    from frdiff.archive import Archive


def dump_json(data: Any) -> str:
    """JSON as frdiff prints it: UTF-8, indented, keys in the model's order.

    The same text as ``json.dumps(data, ensure_ascii=False, indent=2)``, written by
    msgspec in C: the standard library's encoder falls back to Python when indenting.
    """
    return msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n"


def emit(text: str, output: str | os.PathLike[str] | None = None) -> None:
    """Write ``text`` to ``output`` (atomically) or to standard output.

    (os.path rather than pathlib here and in the other modules ``frdiff diff``
    loads: importing pathlib would cost that command a twentieth of its time.)
    """
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from frdiff.files import write_atomic

    write_atomic(output, text, durable=False)


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file instead of standard output.",
)


def source_options(*, fixtures: bool = False) -> Callable[[Callable[..., Any]], Any]:
    """The options saying where documents come from: the store, the services, offline.

    With ``fixtures=True`` the command also reads a fixtures directory (--fixtures).
    Commands receive them as keyword arguments and pass them to :func:`open_archive`.
    """
    from pathlib import Path

    options = [
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            envvar="FRDIFF_CACHE_DIR",
            default=None,
            help="The local store (default: the user cache directory; env FRDIFF_CACHE_DIR).",
        ),
        click.option(
            "--offline", is_flag=True, help="Never touch the network; use the store only."
        ),
        click.option(
            "--fr-api",
            metavar="URL",
            envvar="FRDIFF_FR_API",
            default=None,
            help="Federal Register API base (env FRDIFF_FR_API).",
        ),
        click.option(
            "--ecfr-api",
            metavar="URL",
            envvar="FRDIFF_ECFR_API",
            default=None,
            help="eCFR base (env FRDIFF_ECFR_API).",
        ),
        click.option(
            "--user-agent",
            metavar="TEXT",
            envvar="FRDIFF_USER_AGENT",
            default=None,
            help="User-Agent to send; add a contact address (env FRDIFF_USER_AGENT).",
        ),
        click.option(
            "--rate",
            metavar="API[,XML]",
            default=None,
            help="Requests per second: API calls and XML downloads (default 5,1).",
        ),
    ]
    if fixtures:
        options.append(
            click.option(
                "--fixtures",
                type=click.Path(exists=True, file_okay=False, path_type=Path),
                help="Read documents from a fixtures directory (with MANIFEST.json); "
                "implies --offline.",
            )
        )

    def decorate(func: Callable[..., Any]) -> Any:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def open_archive(opts: dict[str, Any]) -> Archive:
    """The Archive that the source options describe."""
    from frdiff.archive import Archive
    from frdiff.fetch import parse_rate

    rate = parse_rate(opts["rate"]) if opts.get("rate") else None
    return Archive.open(
        cache_dir=opts.get("cache_dir"),
        offline=bool(opts.get("offline")),
        fixtures_dir=opts.get("fixtures"),
        fr_api=opts.get("fr_api"),
        ecfr_api=opts.get("ecfr_api"),
        user_agent=opts.get("user_agent"),
        rate=rate,
    )
