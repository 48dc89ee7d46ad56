"""frdiff's log output: warnings on stderr as "frdiff: ...", more with ``-v``/``-vv``.

Importing :mod:`logging` costs a command several milliseconds, so only the
modules that log import it, through :func:`get_logger`.  The command line calls
:func:`set_verbosity`; its handler is installed then if :mod:`logging` is already
loaded, else when a module first asks for a logger.  Used as a library, frdiff
never configures logging: that is the application's business.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

_WARNING = 30
_level = _WARNING
_wanted = False  # set_verbosity was called: this process is the frdiff command
_configured = False


def set_verbosity(verbose: int) -> None:
    """Log at WARNING, INFO (``verbose=1``) or DEBUG (2 or more)."""
    global _level, _wanted
    _level = _WARNING - 10 * min(max(verbose, 0), 2)
    _wanted = True
    if "logging" in sys.modules:
        _configure()


def get_logger(name: str) -> logging.Logger:
    """The logger ``name`` (with frdiff's stderr handler when run as the command)."""
    import logging

    if _wanted:
        _configure()
    return logging.getLogger(name)


def _configure() -> None:
    import logging

    global _configured
    if not _configured:
        logging.basicConfig(level=_level, format="frdiff: %(message)s", stream=sys.stderr)
        _configured = True
    logging.getLogger().setLevel(_level)
