"""Helpers shared by the commands: printing library results in the chosen format."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
import msgspec

from frdiff import lists
from frdiff.errors import InputError

if TYPE_CHECKING:  # the network stack is imported only when a command needs it
    from frdiff.archive import Archive


def dump_json(data: Any) -> str:
    """JSON as frdiff prints it: UTF-8, indented, keys in the model's order.

    The same text as ``json.dumps(data, ensure_ascii=False, indent=2)``, written by
    msgspec in C: the standard library's encoder falls back to Python when indenting.
    """
    return msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n"


def emit(text: str | bytes, output: str | os.PathLike[str] | None = None) -> None:
    """Write ``text`` (or bytes, for a binary format) to ``output`` (atomically) or to
    standard output.

    (os.path rather than pathlib here and in the other modules ``frdiff diff``
    loads: importing pathlib would cost that command a twentieth of its time.)
    """
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
            return
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


class _Supplement(click.ParamType):
    """A list's supplement number (or "all"), checked against :data:`frdiff.lists.SPECS`
    when the command runs (so a list registered later is accepted)."""

    name = "supplement"

    def __init__(self, all_: bool) -> None:
        self.all_ = all_

    def get_metavar(self, param: click.Parameter, *args: Any) -> str:
        return "[" + "|".join(lists.choices(all_=self.all_)) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().casefold()
        if text == "all" and self.all_:
            return text
        try:
            numbers = lists.supplements(text)
        except InputError as exc:
            self.fail(str(exc), param, ctx)
        if len(numbers) > 1 and not self.all_:
            self.fail("one list only here", param, ctx)
        return ",".join(map(str, numbers))


def supplement_option(*, all_: bool = False, default: str | None = None) -> Any:
    """``--supplement``: which list to read (the lists of frdiff.lists; "all" where
    the command can read every list)."""
    return click.option(
        "--supplement",
        type=_Supplement(all_),
        default=default or str(lists.DEFAULT),
        show_default=True,
        help="Which list: "
        + ", ".join(f"{n} ({s.name})" for n, s in sorted(lists.SPECS.items()))
        + (", several (6,7) or all of them" if all_ else "")
        + ".",
    )
