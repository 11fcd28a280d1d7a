"""Errors the pipeline reports to people, and the exit codes they map to.

Exit codes (documented in the README and in ``--help``):

* 0 — the graph conforms (or the command did what it was asked);
* 1 — the data does not conform to the shapes (SHACL violations);
* 2 — bad input or a runtime error: a file that does not parse, a missing
  folder, a query that does not parse;
* 3 — a SPARQL server could not be reached (after bounded retries);
* 4 — a SPARQL server refused the credentials (HTTP 401/403);
* 5 — a SPARQL server rejected the request (another 4xx).

Bad input never ends in a traceback: every :class:`InputError` names the file,
and the line and column where the parser knows them.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_INPUT = 2
EXIT_UNREACHABLE = 3
EXIT_UNAUTHORISED = 4
EXIT_REJECTED = 5


class UugraphError(Exception):
    """Base class of the errors the CLI turns into a one-line message and an exit code."""

    exit_code = EXIT_INPUT


class InputError(UugraphError):
    """A file, folder or argument the pipeline cannot use.

    >>> str(InputError("data/x.ttl", 3, 7, "undefined prefix ex:"))
    'data/x.ttl:3:7: undefined prefix ex:'
    >>> str(InputError("data", None, None, "folder is empty"))
    'data: folder is empty'
    """

    def __init__(self, path: str, line: int | None, column: int | None, cause: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.cause = cause
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.cause}"


class Unreachable(UugraphError):
    """A SPARQL server did not answer, or answered 5xx, after bounded retries."""

    exit_code = EXIT_UNREACHABLE


class Unauthorised(UugraphError):
    """A SPARQL server refused the credentials (HTTP 401/403)."""

    exit_code = EXIT_UNAUTHORISED


class Rejected(UugraphError):
    """A SPARQL server rejected the request (another 4xx): a bad query or update."""

    exit_code = EXIT_REJECTED
