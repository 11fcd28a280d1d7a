"""The server's settings, declared once: name, default, command-line flag and help of each.

:class:`Settings` is what :func:`uugraph.web.app.create_app` and
:func:`~uugraph.web.app.run_serve` take; ``uugraph serve`` builds its options
from the same fields (:func:`add_arguments`) and turns the parsed options back
into a :class:`Settings` (:func:`from_arguments`), so a default or a help text
is written in one place only. Sizes are bytes here; the command line takes
some of them in MiB (the field's ``unit``).

>>> Settings().timeout, Settings().max_rows, Settings().max_answer >> 20
(5.0, 10000, 16)
>>> Settings(cache_bytes=0).cache_bytes
0
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uugraph.outputs.store import SERVED_FROM

MIB = 1 << 20


def default_workers() -> int:
    """One query worker per CPU, at least two (a slow query then never blocks every other)."""
    return max(2, os.cpu_count() or 2)


def _setting(
    default: object,
    flag: str | None,
    help: str,
    *,
    metavar: str | None = None,
    kind: Callable[[str], object] | None = None,
    unit: int = 1,
    positive: bool = False,
    shown: str | None = None,
) -> Any:
    """A field of :class:`Settings` with what the command line needs to offer it (``flag=None``: not offered)."""
    metadata = {"flag": flag, "help": help, "metavar": metavar, "kind": kind, "unit": unit, "positive": positive, "shown": shown}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """How the server listens, what it serves, and the limits that keep the endpoint safe to expose."""

    host: str = _setting("127.0.0.1", "--host", "address to listen on")
    port: int = _setting(8000, "--port", "port to listen on", kind=int)
    dist: Path = _setting(Path("dist"), "--dist", "the built folder to serve", metavar="DIR", shown="dist/")
    timeout: float = _setting(5.0, "--timeout", "stop a query after this long and answer 503", metavar="SECONDS", kind=float, positive=True)
    max_rows: int = _setting(10_000, "--max-rows", "cut results at N rows or triples, with X-Result-Truncated: true", metavar="N", kind=int, positive=True)
    max_body: int = _setting(1_048_576, "--max-body", "refuse larger request bodies with 413", metavar="BYTES", kind=int, positive=True)
    workers: int | None = _setting(None, "--workers", "query worker processes", metavar="N", kind=int, positive=True, shown="the number of CPUs, at least 2")
    cache_bytes: int = _setting(64 * MIB, "--cache-mb", "memory for cached query answers, in MiB; 0 runs every query", metavar="MB", kind=float, unit=MIB)
    worker_memory: int = _setting(1024 * MIB, "--query-memory-mb", "memory a query may use, in MiB; more ends it with 503 (0: no cap; default: {default})", metavar="MB", kind=float, unit=MIB)
    max_answer: int = _setting(
        16 * MIB,
        "--max-answer-mb",
        "cut an answer at the last row that fits in this many MiB, with X-Result-Truncated: true",
        metavar="MB",
        kind=float,
        unit=MIB,
        positive=True,
    )
    send_timeout: float = _setting(10.0, "--send-timeout", "close the connection of a client that reads nothing of its answer for this long", metavar="SECONDS", kind=float, positive=True)
    max_head: int = _setting(64 * 1024, "--max-header-bytes", "answer 431 to a request whose request line and headers are larger", metavar="BYTES", kind=int, positive=True)
    max_headers: int = _setting(100, "--max-headers", "answer 431 to a request with more header fields", metavar="N", kind=int, positive=True)
    client_requests: int = _setting(32, "--client-requests", "requests one client address may have in progress at once; more get 429", metavar="N", kind=int, positive=True)
    total_requests: int = _setting(512, "--total-requests", "requests the server has in progress at once; more get 503", metavar="N", kind=int, positive=True)
    queue_timeout: float = _setting(1.0, "--queue-timeout", "answer 503 to a query that waited this long for a free worker", metavar="SECONDS", kind=float, positive=True)
    expensive_for: float = _setting(
        60.0,
        "--expensive-for",
        "after a query of a client ran out of time or memory, run that client's queries one at a time, on at most half the workers, for this long",
        metavar="SECONDS",
        kind=float,
        positive=True,
    )
    access_log: bool = _setting(False, "--access-log", "log every request on stderr")
    in_memory_below: int = _setting(
        SERVED_FROM,
        "--in-memory-below",
        "load a graph of fewer triples into memory (queries run several times faster there); a larger one is served from the build's store, read-only (0: always the store)",
        metavar="TRIPLES",
        kind=int,
    )
    public_url: str | None = _setting(
        None,
        "--public-url",
        "the URL clients reach this server at, for the service description (never taken from the request's Host header)",
        metavar="URL",
        shown="http://HOST:PORT/",
    )
    reload_every: float = _setting(
        2.0,
        "--reload-every",
        "look this often for a new build swapped into the folder, and serve it once it is opened; the previous one is served until then (0: never)",
        metavar="SECONDS",
        kind=float,
    )
    queries_dir: Path | None = _setting(None, None, "the example queries of the query page (default: the project's queries/)")

    @property
    def base_url(self) -> str:
        """The configured public URL, ending in a slash: ``--public-url``, else the address the server listens on."""
        url = self.public_url or f"http://{self.host}:{self.port}/"
        return url if url.endswith("/") else url + "/"

    @property
    def worker_count(self) -> int:
        """``workers``, or the default when it is not set."""
        return self.workers or default_workers()

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _positive(kind: Callable[[str], object]) -> Callable[[str], object]:
    def convert(text: str) -> object:
        value = kind(text)
        if value <= 0:  # type: ignore[operator]
            raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
        return value

    return convert


def _shown_default(f: dataclasses.Field[object]) -> str:
    if f.metadata["shown"] is not None:
        return str(f.metadata["shown"])
    default = f.default
    unit = f.metadata["unit"]
    if unit != 1 and isinstance(default, int):
        default = default / unit
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return str(default)


def _dest(f: dataclasses.Field[object]) -> str:
    """The option's name in the parsed arguments (argparse's own: ``--cache-mb`` is ``cache_mb``)."""
    return str(f.metadata["flag"]).lstrip("-").replace("-", "_")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Offer every setting that has a flag as an option of ``parser``, its default named in the help.

    A help text names its default where it writes ``{default}``, else at its end.
    """
    for f in dataclasses.fields(Settings):
        flag = f.metadata["flag"]
        if flag is None:
            continue
        if isinstance(f.default, bool):
            parser.add_argument(flag, action="store_true", help=f.metadata["help"])
            continue
        help_text = str(f.metadata["help"])
        if "{default}" not in help_text:
            help_text += " (default: {default})"
        options: dict[str, object] = {"help": help_text.replace("{default}", _shown_default(f)).replace("%", "%%")}
        kind = f.metadata["kind"]
        if kind is not None:
            options["type"] = _positive(kind) if f.metadata["positive"] else kind
        if f.metadata["metavar"]:
            options["metavar"] = f.metadata["metavar"]
        default = f.default
        if isinstance(default, int | float) and f.metadata["unit"] != 1:
            default = default / f.metadata["unit"]
        options["default"] = str(default) if isinstance(default, Path) else default
        parser.add_argument(flag, **options)  # type: ignore[arg-type]


def from_arguments(args: argparse.Namespace, **extra: object) -> Settings:
    """The :class:`Settings` of options parsed by a parser :func:`add_arguments` filled, plus ``extra`` fields."""
    values: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        if f.metadata["flag"] is None or not hasattr(args, _dest(f)):
            continue
        value = getattr(args, _dest(f))
        if isinstance(value, int | float) and not isinstance(value, bool) and f.metadata["unit"] != 1:
            value = int(value * f.metadata["unit"])
        if isinstance(f.default, Path) and value is not None:
            value = Path(value)
        values[f.name] = value
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]
