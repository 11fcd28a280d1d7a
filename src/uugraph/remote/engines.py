"""The same answers on every engine: run the queries of ``queries/`` on several SPARQL engines and compare.

Engines differ where the standard leaves room (the order of rows an ORDER BY
leaves tied, the spelling of a number, the case of a language tag) and where
they deviate from it (property paths, aggregates, datatypes). The comparison
here allows the first and reports the second:

* **Solutions are multisets**: the same rows, each as often, in any order,
  except that a query with ORDER BY must give the same sequence of sort keys
  (the values of the variables its ORDER BY names), rows tied on those keys in
  any order.
* **Literals are compared by value where the standard makes them equal**:
  numbers of any numeric datatype by their value (``1``, ``1.0``, ``1.0E0``),
  booleans (``1``/``true``), a simple literal and an ``xsd:string`` (one term
  in RDF 1.1), language tags without regard to case (BCP 47). Blank nodes
  match any blank node (their labels are local to a result).
* **Documented deviations are the only exceptions**: a query that an engine
  answers differently for a known reason says so in its header, one line per
  engine, ``#+ engines: virtuoso: why``; the difference is then reported as
  documented, not as a failure.

An engine is anything that turns a query's text into a
:class:`~uugraph.rdf.results.Table`: the embedded store, rdflib's own SPARQL
engine over the built N-Triples, or a SPARQL endpoint (:func:`endpoint_engine`).
``uugraph check-engines --endpoint URL`` runs the comparison for a user's own store.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from uugraph.config import Layout, base_iri
from uugraph.errors import UugraphError
from uugraph.rdf.namespaces import XSD
from uugraph.rdf.results import Table, Value
from uugraph.remote.client import Client
from uugraph.remote.query import run_remote

__all__ = ["Difference", "Engine", "check_endpoint", "compare", "compare_engines", "documented", "endpoint_engine", "order_variables", "rdflib_engine"]

Engine = Callable[[str], Table]

_NUMERIC = {
    XSD + name
    for name in (
        "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
}  # fmt: skip
_ENGINES_HEADER = re.compile(r"^#\+\s*engines\s*:\s*([\w.-]+)\s*:\s*(.+)$", re.IGNORECASE)
_ORDER_BY = re.compile(r"\bORDER\s+BY\b(.*?)(?:\bLIMIT\b|\bOFFSET\b|\Z)", re.IGNORECASE | re.DOTALL)
_VARIABLE = re.compile(r"[?$]([A-Za-z_][\w]*)")

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Difference:
    """One query on which one engine's solutions differ from the reference's."""

    query: str
    engine: str
    what: str
    documented: str | None = None  # the reason from the query's header, when the deviation is known


def documented(text: str) -> dict[str, str]:
    """The deviations a query's header documents, by engine name (``#+ engines: NAME: why``)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _ENGINES_HEADER.match(line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2).strip()
    return found


def _code(text: str) -> str:
    """The query without comments (a ``#`` outside IRIs and strings starts one)."""
    out = []
    for line in text.splitlines():
        cut = re.sub(r'<[^<>\s]*>|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|(#.*)', lambda m: "" if m.group(1) else m.group(0), line)
        out.append(cut)
    return "\n".join(out)


def order_variables(text: str) -> list[str] | None:
    """The variables the outermost ORDER BY names, in order; None when the query has no ORDER BY.

    >>> order_variables("SELECT ?a ?b WHERE { ?a ?p ?b } ORDER BY DESC(STR(?b)) ?a LIMIT 3")
    ['b', 'a']
    """
    code = _code(text)
    matches = list(_ORDER_BY.finditer(code))
    if not matches:
        return None
    last = matches[-1]
    if "}" in code[last.start() :]:  # the last ORDER BY is inside a subquery: the outer query has none
        return None
    clause = last.group(1)
    return list(dict.fromkeys(_VARIABLE.findall(clause)))


def normal(value: Value | None) -> Key:
    """A term as the standard compares it: numbers by value, simple and xsd:string literals alike, tags in any case."""
    if value is None:
        return ("unbound",)
    if value.kind == "bnode":
        return ("bnode",)
    if value.kind == "uri":
        return ("uri", value.value)
    if value.language:
        return ("lang", value.value, value.language.lower())
    datatype = value.datatype or XSD + "string"
    if datatype in _NUMERIC:
        try:
            number = Decimal(value.value.strip())
            if number.is_finite():
                return ("number", number.normalize())
        except InvalidOperation:
            pass
    if datatype == XSD + "boolean" and value.value.strip() in ("true", "false", "1", "0"):
        return ("boolean", value.value.strip() in ("true", "1"))
    return ("literal", value.value, datatype)


def _show(row: Key) -> str:
    def one(cell: Key) -> str:
        if cell[0] == "unbound":
            return "-"
        if cell[0] == "bnode":
            return "_:"
        if cell[0] == "uri":
            return f"<{cell[1]}>"
        if cell[0] == "lang":
            return f'"{cell[1]}"@{cell[2]}'
        if cell[0] in ("number", "boolean"):
            return str(cell[1])
        return f'"{cell[1]}"' if cell[2] == XSD + "string" else f'"{cell[1]}"^^<{cell[2]}>'

    return "(" + ", ".join(one(c) for c in row) + ")"


def compare(text: str, reference: Table, other: Table) -> str | None:
    """How ``other`` differs from ``reference`` for the query ``text``, or None when they agree."""
    if reference.boolean is not None or other.boolean is not None:
        return None if reference.boolean == other.boolean else f"ASK answers {other.boolean}, the reference {reference.boolean}"
    if sorted(reference.variables) != sorted(other.variables):
        return f"variables {other.variables}, the reference {reference.variables}"
    names = reference.variables
    at = [other.variables.index(v) for v in names]

    def rows(table: Table, positions: list[int] | None = None) -> list[Key]:
        return [tuple(normal(row[i]) for i in (positions or range(len(names)))) for row in table.rows]

    mine, theirs = rows(reference), rows(other, at)
    missing, extra = Counter(mine) - Counter(theirs), Counter(theirs) - Counter(mine)
    if missing or extra:
        parts = [f"{len(theirs)} rows, the reference {len(mine)}"]
        if missing:
            parts.append(f"{sum(missing.values())} missing, e.g. {_show(next(iter(missing)))}")
        if extra:
            parts.append(f"{sum(extra.values())} not in the reference, e.g. {_show(next(iter(extra)))}")
        return "; ".join(parts)
    keys = [names.index(v) for v in order_variables(text) or [] if v in names]
    if keys:
        sequence = [tuple(row[i] for i in keys) for row in mine]
        given = [tuple(row[i] for i in keys) for row in theirs]
        for position, (want, got) in enumerate(zip(sequence, given, strict=True)):
            if want != got:
                return f"row {position + 1} out of ORDER BY order: {_show(got)} where the reference has {_show(want)}"
    return None


def compare_engines(queries: Mapping[str, str], engines: Mapping[str, Engine], reference: str) -> list[Difference]:
    """Every query on every engine against the ``reference`` engine; the differences found (documented ones included)."""
    found: list[Difference] = []
    for name, text in queries.items():
        known = documented(text)
        expected = engines[reference](text)
        for engine, run in engines.items():
            if engine == reference:
                continue
            try:
                what = compare(text, expected, run(text))
            except UugraphError as exc:
                what = f"the query failed: {exc}"
            if what is not None:
                found.append(Difference(name, engine, what, known.get(engine.lower())))
    return found


def endpoint_engine(endpoint: str, graph: str | None = None, *, client: Client | None = None, timeout: float = 60.0) -> Engine:
    """A SPARQL endpoint as an engine (the graph sent as ``default-graph-uri``)."""

    def run(text: str) -> Table:
        return run_remote(endpoint, text, graph=graph, timeout=timeout, client=client)

    return run


def rdflib_engine(ntriples: Path) -> Engine:
    """rdflib's own SPARQL engine (the pure-Python reference implementation) over a built graph.nt."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(ntriples, format="nt")

    def term(node: object) -> Value | None:
        if node is None:
            return None
        if isinstance(node, rdflib.URIRef):
            return Value("uri", str(node))
        if isinstance(node, rdflib.BNode):
            return Value("bnode", str(node))
        if isinstance(node, rdflib.Literal):
            datatype = "" if node.language or node.datatype is None or str(node.datatype) == XSD + "string" else str(node.datatype)
            return Value("literal", str(node), datatype, node.language or "")
        return Value("literal", str(node))

    def run(text: str) -> Table:
        result = graph.query(text, base=base_iri())
        if result.type == "ASK":
            return Table([], [], boolean=bool(result.askAnswer))
        variables = [str(v) for v in result.vars or []]
        return Table(variables, [[term(row[i]) for i in range(len(variables))] for row in result])  # type: ignore[index]

    return run


def check_endpoint(layout: Layout, endpoint: str, graph: str | None = None, *, client: Client | None = None, timeout: float = 60.0) -> tuple[list[str], list[Difference]]:
    """Every query of the project's ``queries/`` on ``endpoint`` against the embedded store: the query names, the differences.

    The endpoint is expected to hold the project's build (``uugraph publish``),
    in ``graph`` when given (sent as ``default-graph-uri``).
    """
    from uugraph.build import prepare
    from uugraph.pipeline.load import load_queries
    from uugraph.pipeline.query import run_embedded

    queries = {name: query.text for name, query in load_queries(layout.queries_dir).items()}
    loaded = prepare(layout, with_queries=False)
    engines: dict[str, Engine] = {"embedded": lambda text: run_embedded(loaded, text), "endpoint": endpoint_engine(endpoint, graph, client=client, timeout=timeout)}
    return list(queries), compare_engines(queries, engines, "embedded")
