"""Stage 5, query: run the SPARQL queries of ``queries/`` on the embedded graph.

A query runs on an Oxigraph store holding exactly the published graph
(ontology + data + derived links); :mod:`uugraph.remote.query` runs the same
files on an endpoint. Either way, a query with ``SERVICE`` is refused before
it runs, and the answer is a :class:`~uugraph.rdf.results.Table`, the same
shape from both engines, so a test can compare them and the CLI can print
them as a table, CSV, TSV or SPARQL JSON.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.errors import InputError
from uugraph.pipeline import sandbox
from uugraph.pipeline.load import (
    LoadedGraph,
    QueryFile,
    check_query,
    parse_query_file,
)
from uugraph.rdf.results import Table, value_of

FORMATS = ("table", "csv", "tsv", "json")


def resolve_query(name_or_file: str, queries_dir: Path) -> QueryFile:
    """A query by name (``members-of-network``) from ``queries/``, or by file path.

    A named query must have its ``#+ summary:`` header; an ad-hoc file is run
    without one, with a warning on stderr.
    """
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        if not path.is_file():
            raise InputError(str(path), None, None, "query file not found")
        return parse_query_file(path, require_summary=False)
    candidate = queries_dir / f"{name_or_file}.rq"
    if candidate.is_file():
        return parse_query_file(candidate)
    known = sorted(p.stem for p in queries_dir.glob("*.rq")) if queries_dir.is_dir() else []
    raise InputError(str(queries_dir), None, None, f"no query named {name_or_file!r}; known: {', '.join(known) or 'none'}")


#: Seconds an embedded query may run before it is stopped (``uugraph query --timeout``).
DEFAULT_TIMEOUT = 30.0


def run_embedded(loaded: LoadedGraph, text: str, *, timeout: float | None = DEFAULT_TIMEOUT) -> Table:
    """Run a checked query on the published graph in the embedded store, with no way to reach a network.

    The query is parsed first (:func:`~uugraph.pipeline.load.check_query`:
    no SERVICE in its parse tree). Oxigraph would follow a SERVICE clause
    over HTTP, so the query runs in a forked worker that cannot open an
    Internet socket at all (a seccomp filter refuses ``socket()`` for every
    family but Unix sockets): a bypass of the check fails inside the engine
    instead of reaching the network. The worker is killed after ``timeout``
    seconds (None: no limit) and on Ctrl-C. Where fork or seccomp is not
    available (not Linux), the query runs in this process, guarded by the
    parse check alone.
    """
    check_query(Path("<query>"), text)
    if not hasattr(os, "fork") or not sandbox.available():
        return _evaluate(loaded, text)
    return sandbox.run_isolated(lambda: _evaluate(loaded, text), timeout=timeout, what="the query")


def _evaluate(loaded: LoadedGraph, text: str) -> Table:
    try:
        result = loaded.store.query(text, base_iri=base_iri(), default_graph=loaded.default_graph)
        if isinstance(result, ox.QueryBoolean):
            return Table([], [], boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [[value_of(solution[v]) for v in variables] for solution in result]
            return Table(variables, rows)
    except (OSError, RuntimeError) as exc:
        # Oxigraph reports a refused socket (and any other failure of a running query) this way.
        raise InputError("<query>", None, None, f"the query failed while running: {str(exc).splitlines()[0][:300]}") from None
    raise InputError("<query>", None, None, "only SELECT and ASK queries can be run as a table")
