"""Stage 5, query: run the SPARQL queries of ``queries/`` on the embedded graph.

A query runs on an Oxigraph store holding exactly the published graph
(ontology + data + derived links); :mod:`uugraph.remote.query` runs the same
files on an endpoint. Either way, a query with ``SERVICE`` is refused before
it runs, and the answer is a :class:`~uugraph.rdf.results.Table`, the same
shape from both engines, so a test can compare them and the CLI can print
them as a table, CSV, TSV or SPARQL JSON.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.errors import InputError
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


def run_embedded(loaded: LoadedGraph, text: str) -> Table:
    """Run a checked query on the published graph in the embedded store."""
    check_query(Path("<query>"), text)
    result = loaded.store.query(text, base_iri=base_iri(), default_graph=loaded.published_graphs)
    if isinstance(result, ox.QueryBoolean):
        return Table([], [], boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [[value_of(solution[v]) for v in variables] for solution in result]
        return Table(variables, rows)
    raise InputError("<query>", None, None, "only SELECT and ASK queries can be run as a table")
