"""Queries on a SPARQL endpoint elsewhere: the same :class:`~uugraph.rdf.results.Table` as embedded.

The base IRI is sent as a ``BASE`` declaration, so a query file with relative
IRIs means the same thing on the endpoint as on the embedded store. The
request goes through the one client of :mod:`uugraph.remote.client`, so
``query --endpoint`` has the credentials, retries and deadline of ``publish``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from uugraph.config import base_iri
from uugraph.errors import Rejected
from uugraph.pipeline.load import check_query
from uugraph.rdf.namespaces import XSD
from uugraph.rdf.results import Table, Value
from uugraph.remote.client import Client


def _virtuoso_ask(data: dict[str, Any]) -> bool:
    """Whether this is Virtuoso 7.2's JSON answer to an ASK: one row binding ``__ASK_RETVAL``, not ``boolean``."""
    head, results = data.get("head"), data.get("results")
    if not isinstance(head, dict) or head.get("vars") != ["__ASK_RETVAL"] or not isinstance(results, dict):
        return False
    bindings = results.get("bindings")
    return isinstance(bindings, list) and len(bindings) == 1 and isinstance(bindings[0].get("__ASK_RETVAL"), dict)


def run_remote(endpoint: str, text: str, *, graph: str | None = None, timeout: float = 30.0, retries: int = 4, client: Client | None = None) -> Table:
    """Run a query on a SPARQL endpoint (``graph`` sent as ``default-graph-uri``); the same Table as embedded."""
    check_query(Path("<query>"), text)
    client = client or Client(retries=retries, timeout=timeout)
    data = client.query(endpoint, text, default_graph=graph, base=base_iri())
    if "boolean" in data:
        return Table([], [], boolean=bool(data["boolean"]))
    if _virtuoso_ask(data):
        return Table([], [], boolean=data["results"]["bindings"][0]["__ASK_RETVAL"]["value"] in ("1", "true"))
    try:
        variables = [str(v) for v in data.get("head", {}).get("vars", [])]
        rows = []
        for binding in data["results"]["bindings"]:
            row: list[Value | None] = []
            for var in variables:
                cell = binding.get(var)
                if cell is None:
                    row.append(None)
                else:
                    kind = "literal" if cell["type"] in ("literal", "typed-literal") else cell["type"]
                    datatype = "" if cell.get("xml:lang") or cell.get("datatype") == XSD + "string" else cell.get("datatype", "")
                    row.append(Value(kind, cell["value"], datatype, cell.get("xml:lang", "")))
            rows.append(row)
    except (KeyError, TypeError, AttributeError) as exc:
        raise Rejected(f"{endpoint}: the answer is not SPARQL JSON results (missing {exc})") from None
    return Table(variables, rows)
