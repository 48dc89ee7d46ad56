"""The ``frdiff watch`` configuration file (TOML): channels, parties, state.

::

    state = "/var/lib/frdiff/watch.sqlite"   # optional; default: watch.sqlite in the store
    parties = "counterparties.csv"            # optional; relative to this file
    quiet_weeks = false                       # optional; as --quiet-weeks

    [[notify]]
    kind = "email"          # or "webhook", "feed"
    ...

Every key is checked: an unknown key, a wrong type or a missing required value is
an error naming the file, the table (``notify[2]``) and the key.  Secrets never
sit in the file or on the command line: the file names the environment variables
that hold them (``password_env``, ``user_env``, ``secret_env``), read when a
channel sends.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frdiff.errors import InputError

KINDS = ("email", "webhook", "feed")
SECURITY = ("starttls", "tls", "none")
WEBHOOK_FORMATS = ("frdiff", "slack")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_TOP = {"state", "parties", "quiet_weeks", "notify"}
_COMMON = {"kind", "name", "stages"}
_KEYS = {
    "email": _COMMON
    | {
        "host",
        "port",
        "security",
        "user",
        "user_env",
        "password_env",
        "from",
        "to",
        "subject_prefix",
        "timeout",
        "ca_file",
    },
    "webhook": _COMMON
    | {"url", "format", "secret_env", "timeout", "retries", "backoff", "headers"},
    "feed": _COMMON | {"path", "title", "id", "link", "max_entries"},
}
STAGES = ("coming", "published", "in-ecfr", "quiet")


@dataclass(frozen=True, slots=True)
class Channel:
    """One ``[[notify]]`` table, checked."""

    kind: str
    name: str
    options: dict[str, Any]
    where: str
    stages: tuple[str, ...] = STAGES

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def secret(self, key: str) -> str | None:
        """The value of the environment variable that option ``key`` names (None if unset)."""
        var = self.options.get(key)
        if not var:
            return None
        value = os.environ.get(var)
        if value is None:
            raise InputError(f"{key}: environment variable {var} is not set", where=self.where)
        return value


@dataclass(frozen=True, slots=True)
class WatchConfig:
    path: Path
    channels: tuple[Channel, ...]
    state: Path | None = None
    parties: Path | None = None
    quiet_weeks: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _fail(path: Path, where: str, message: str) -> InputError:
    return InputError(message, where=f"{path}: {where}" if where else str(path))


def _typed(
    path: Path, where: str, table: dict[str, Any], key: str, kind: type | tuple[type, ...]
) -> Any:
    value = table.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        and kind is not bool
        and bool not in (kind if isinstance(kind, tuple) else (kind,))
    ):
        raise _fail(path, f"{where}.{key}", f"must be {_kind_name(kind)}, not a boolean")
    if not isinstance(value, kind):
        raise _fail(
            path, f"{where}.{key}", f"must be {_kind_name(kind)}, not {type(value).__name__}"
        )
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "a table",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _relative(base: Path, text: str) -> Path:
    p = Path(os.path.expanduser(text))
    return p if p.is_absolute() else base.resolve().parent / p


def load_config(path: Path) -> WatchConfig:
    """Read and check a watch config file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("config file not found", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the config file: {exc.strerror}", where=str(path)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("config file is not UTF-8 text", where=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", where=str(path)) from None
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise _fail(path, unknown[0], f"unknown key (known: {', '.join(sorted(_TOP))})")
    tables = data.get("notify", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise _fail(path, "notify", "must be [[notify]] tables")
    if not tables:
        raise _fail(path, "notify", "no [[notify]] channel is configured")
    channels = [_channel(path, n + 1, t) for n, t in enumerate(tables)]
    seen: dict[str, str] = {}
    for ch in channels:
        if ch.name in seen:
            raise _fail(
                path,
                ch.where.split(": ", 1)[-1],
                f"channel name {ch.name!r} is used twice "
                f"(also {seen[ch.name]}); give each a distinct name",
            )
        seen[ch.name] = ch.where.split(": ", 1)[-1]
    state = _typed(path, "", data, "state", str)
    parties = _typed(path, "", data, "parties", str)
    quiet = _typed(path, "", data, "quiet_weeks", bool)
    return WatchConfig(
        path=path,
        channels=tuple(channels),
        state=_relative(path, state) if state else None,
        parties=_relative(path, parties) if parties else None,
        quiet_weeks=bool(quiet),
    )


def _channel(path: Path, n: int, table: dict[str, Any]) -> Channel:
    where = f"notify[{n}]"
    kind = table.get("kind")
    if kind not in KINDS:
        raise _fail(path, f"{where}.kind", f"must be one of {', '.join(KINDS)}; got {kind!r}")
    unknown = sorted(set(table) - _KEYS[kind])
    if unknown:
        raise _fail(
            path,
            f"{where}.{unknown[0]}",
            f"unknown key for a {kind} channel (known: {', '.join(sorted(_KEYS[kind]))})",
        )
    opts: dict[str, Any] = {}

    def string(key: str, *, required: bool = False) -> str | None:
        value = _typed(path, where, table, key, str)
        if required and not value:
            raise _fail(path, f"{where}.{key}", f"a {kind} channel needs {key}")
        if value is not None:
            opts[key] = value
        return value

    def number(key: str, default: float, *, low: float, high: float, integer: bool = False) -> None:
        value = _typed(path, where, table, key, int if integer else (int, float))
        if value is None:
            value = default
        if not low <= value <= high:
            raise _fail(
                path, f"{where}.{key}", f"must be between {low:g} and {high:g}; got {value}"
            )
        opts[key] = value

    def env(key: str) -> None:
        value = string(key)
        if value is not None and not _ENV.match(value):
            raise _fail(path, f"{where}.{key}", f"must name an environment variable; got {value!r}")

    if kind == "email":
        string("host", required=True)
        security = string("security") or "starttls"
        if security not in SECURITY:
            raise _fail(path, f"{where}.security", f"must be one of {', '.join(SECURITY)}")
        opts["security"] = security
        number(
            "port",
            465 if security == "tls" else 587 if security == "starttls" else 25,
            low=1,
            high=65535,
            integer=True,
        )
        string("user")
        env("user_env")
        env("password_env")
        if opts.get("user") and opts.get("user_env"):
            raise _fail(path, f"{where}.user", "give user or user_env, not both")
        if (opts.get("user") or opts.get("user_env")) and not opts.get("password_env"):
            raise _fail(path, f"{where}.password_env", "a user needs password_env")
        sender = string("from", required=True)
        assert sender is not None
        if not _EMAIL.search(sender.split("<")[-1].rstrip(">").strip()):
            raise _fail(path, f"{where}.from", f"not an e-mail address: {sender!r}")
        to = table.get("to")
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
            raise _fail(path, f"{where}.to", "must be an address or a list of addresses")
        for address in to:
            if not _EMAIL.match(address.split("<")[-1].rstrip(">").strip()):
                raise _fail(path, f"{where}.to", f"not an e-mail address: {address!r}")
        opts["to"] = list(to)
        string("subject_prefix")
        opts.setdefault("subject_prefix", "[frdiff]")
        number("timeout", 30, low=1, high=600)
        ca = string("ca_file")
        if ca:
            opts["ca_file"] = str(_relative(path, ca))
        default_name = "email:" + ",".join(opts["to"])
    elif kind == "webhook":
        url = string("url", required=True)
        assert url is not None
        if not re.match(r"^https?://[^\s/]+", url):
            raise _fail(path, f"{where}.url", f"must be an http(s) URL; got {url!r}")
        fmt = string("format") or "frdiff"
        if fmt not in WEBHOOK_FORMATS:
            raise _fail(path, f"{where}.format", f"must be one of {', '.join(WEBHOOK_FORMATS)}")
        opts["format"] = fmt
        env("secret_env")
        number("timeout", 10, low=0.1, high=300)
        number("retries", 3, low=0, high=10, integer=True)
        number("backoff", 1.0, low=0, high=60)
        headers = table.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise _fail(path, f"{where}.headers", "must be a table of strings")
        opts["headers"] = dict(headers)
        default_name = "webhook:" + url
    else:
        target = string("path", required=True)
        assert target is not None
        opts["path"] = str(_relative(path, target))
        string("title")
        opts.setdefault("title", "Entity List changes (frdiff)")
        string("id")
        string("link")
        number("max_entries", 200, low=1, high=100_000, integer=True)
        default_name = "feed:" + opts["path"]
    name = _typed(path, where, table, "name", str) or default_name
    if not _NAME.match(name) and name != default_name:
        raise _fail(path, f"{where}.name", f"use letters, digits and ._:@/+- only; got {name!r}")
    stages = table.get("stages", list(STAGES))
    if not isinstance(stages, list) or not all(s in STAGES for s in stages):
        raise _fail(path, f"{where}.stages", f"must be a list drawn from {', '.join(STAGES)}")
    return Channel(
        kind=kind, name=name, options=opts, where=f"{path}: {where}", stages=tuple(stages)
    )
