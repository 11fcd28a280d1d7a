"""Queries on a SPARQL endpoint elsewhere: the same :class:`~uugraph.rdf.results.Table` as embedded.

The base IRI is sent as a ``BASE`` declaration, so a query file with relative
IRIs means the same thing on the endpoint as on the embedded store.
"""

from __future__ import annotations

from pathlib import Path

from uugraph.config import base_iri
from uugraph.errors import Rejected, Unauthorised, Unreachable
from uugraph.pipeline.load import check_query
from uugraph.rdf.namespaces import XSD
from uugraph.rdf.results import Table, Value


def run_remote(endpoint: str, text: str, *, graph: str | None = None, timeout: float = 30.0) -> Table:
    """Run a query on a SPARQL endpoint through SPARQLWrapper; the same Table as embedded."""
    import urllib.error

    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException, Unauthorized

    check_query(Path("<query>"), text)
    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setTimeout(int(timeout))
    if graph:
        client.addDefaultGraph(graph)
    # Whole-line comments (the #+ header) are for people: SPARQLWrapper guesses the query form from the
    # text and would take a word like "drop" in a description for an update.
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    client.setQuery(f"BASE <{base_iri()}>\n{body}")
    try:
        data = client.query().convert()
    except Unauthorized:
        raise Unauthorised(f"{endpoint}: the endpoint refused the credentials") from None
    except EndPointInternalError as exc:
        raise Unreachable(f"{endpoint}: server error: {str(exc).splitlines()[0][:200]}") from None
    except SPARQLWrapperException as exc:
        raise Rejected(f"{endpoint}: the endpoint rejected the query: {str(exc).splitlines()[0][:300]}") from None
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise Unauthorised(f"{endpoint}: the endpoint refused the credentials (HTTP {exc.code})") from None
        raise (Unreachable if exc.code >= 500 else Rejected)(f"{endpoint}: HTTP {exc.code}") from None
    except OSError as exc:
        raise Unreachable(f"{endpoint}: cannot reach the endpoint: {getattr(exc, 'reason', exc)}") from None
    if "boolean" in data:
        return Table([], [], boolean=bool(data["boolean"]))
    variables = list(data["head"].get("vars", []))
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
    return Table(variables, rows)
