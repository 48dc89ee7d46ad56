"""One exception tree for frdiff.

    FrdiffError                      anything frdiff raises on purpose
    ├── InputError (ValueError)      a document or file that cannot be used
    │   ├── ParseError               malformed or unexpected XML / JSON
    │   └── TooLargeError            input beyond the configured size bound
    ├── FetchError                   the network or a service failed us
    │   ├── HTTPStatusError          a non-success status after retries
    │   └── ResponseError            a body that is truncated, too large or of the wrong type
    ├── StoreError                   the local store is unusable
    │   └── OfflineMissingError      --offline and the store lacks a document
    └── UsageError (ValueError)      bad arguments from a caller

Every error carries ``where``: the document, URL, row or field it is about, so a
message can always say what and where.  The CLI turns these into exit status 1
and a one-line message; library code never prints or exits.
"""

from __future__ import annotations


class FrdiffError(Exception):
    """Base of every error frdiff raises on purpose."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(FrdiffError, ValueError):
    """A document or file that frdiff cannot use."""


class ParseError(InputError):
    """Malformed XML/JSON, or XML not shaped like the document it claims to be."""


class TooLargeError(InputError):
    """Input larger than the configured bound."""


#: Default bound on one document (the whole eCFR part 744 is about 2.5 MB).
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024


class FetchError(FrdiffError):
    """A network request failed."""


class HTTPStatusError(FetchError):
    """The server answered with a non-success status (after any retries)."""

    def __init__(self, message: str, *, status: int, where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.status = status


class ResponseError(FetchError):
    """A response body that is truncated, oversized or of the wrong content type."""


class StoreError(FrdiffError):
    """The local document store is unusable or inconsistent."""


class OfflineMissingError(StoreError):
    """Offline mode was asked for and the store does not hold the document."""


class UsageError(FrdiffError, ValueError):
    """Bad arguments from a caller (CLI or library)."""
