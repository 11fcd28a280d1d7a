"""Stage 5, query: run the SPARQL queries of ``queries/`` on the graph or on an endpoint.

On the embedded default, a query runs on an Oxigraph store holding exactly the
published graph (ontology + data + derived links). With an endpoint URL it
goes through SPARQLWrapper to any SPARQL 1.1 server; the base IRI is sent as
a ``BASE`` declaration so the same query file means the same thing on both.
Either way, a query with ``SERVICE`` is refused before it runs.

Results come back as :class:`Table`: variables and rows of :class:`Value`,
the same shape from both engines, so a test can compare them and the CLI
can print them as a table, CSV, TSV or SPARQL JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.errors import InputError, Rejected, Unauthorised, Unreachable
from uugraph.pipeline.load import (
    LoadedGraph,
    QueryFile,
    check_query,
    parse_query_file,
)
from uugraph.rdf.namespaces import XSD

FORMATS = ("table", "csv", "tsv", "json")


@dataclass(frozen=True, order=True)
class Value:
    """One RDF term in a result: kind is "uri", "bnode" or "literal"."""

    kind: str
    value: str
    datatype: str = ""
    language: str = ""

    def n3(self) -> str:
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        if self.language:
            return f'"{escaped}"@{self.language}'
        if self.datatype and self.datatype != XSD + "string":
            return f'"{escaped}"^^<{self.datatype}>'
        return f'"{escaped}"'

    def json(self) -> dict[str, str]:
        out = {"type": self.kind, "value": self.value}
        if self.language:
            out["xml:lang"] = self.language
        elif self.kind == "literal" and self.datatype and self.datatype != XSD + "string":
            out["datatype"] = self.datatype
        return out


@dataclass
class Table:
    """A SELECT result (or an ASK result as one boolean)."""

    variables: list[str]
    rows: list[list[Value | None]]
    boolean: bool | None = None

    def sorted_rows(self) -> list[list[Value | None]]:
        return sorted(self.rows, key=lambda row: [(v is not None, v) for v in row])  # type: ignore[return-value]

    def to_json(self) -> str:
        if self.boolean is not None:
            return json.dumps({"head": {}, "boolean": self.boolean}, indent=2)
        bindings = [
            {var: v.json() for var, v in zip(self.variables, row, strict=True) if v is not None} for row in self.rows
        ]
        return json.dumps({"head": {"vars": self.variables}, "results": {"bindings": bindings}}, indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if self.boolean is not None:
            writer.writerow(["boolean"])
            writer.writerow(["true" if self.boolean else "false"])
            return buffer.getvalue()
        writer.writerow(self.variables)
        for row in self.rows:
            writer.writerow(["" if v is None else (f"_:{v.value}" if v.kind == "bnode" else v.value) for v in row])
        return buffer.getvalue()

    def to_tsv(self) -> str:
        if self.boolean is not None:
            return "?boolean\n" + ("true" if self.boolean else "false") + "\n"
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        for row in self.rows:
            lines.append("\t".join("" if v is None else v.n3() for v in row))
        return "\n".join(lines) + "\n"

    def to_text(self, namespaces: dict[str, str] | None = None) -> str:
        if self.boolean is not None:
            return "true" if self.boolean else "false"
        namespaces = namespaces or {}

        def show(v: Value | None) -> str:
            if v is None:
                return ""
            if v.kind == "uri":
                for prefix, ns in namespaces.items():
                    if v.value.startswith(ns) and len(v.value) > len(ns):
                        return f"{prefix}:{v.value[len(ns):]}"
                return f"<{v.value}>"
            if v.kind == "literal" and v.language:
                return f"{v.value} @{v.language}"
            return v.value

        cells = [[show(v) for v in row] for row in self.rows]
        widths = [max([len(var)] + [len(r[i]) for r in cells]) for i, var in enumerate(self.variables)]
        lines = ["  ".join(var.ljust(w) for var, w in zip(self.variables, widths, strict=True)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        for row in cells:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        lines.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(lines)

    def render(self, fmt: str, namespaces: dict[str, str] | None = None) -> str:
        if fmt == "json":
            return self.to_json()
        if fmt == "csv":
            return self.to_csv()
        if fmt == "tsv":
            return self.to_tsv()
        return self.to_text(namespaces)


def resolve_query(name_or_file: str, queries_dir: Path) -> QueryFile:
    """A query by name (``members-of-network``) from ``queries/``, or by file path."""
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        if not path.is_file():
            raise InputError(str(path), None, None, "query file not found")
        return parse_query_file(path)
    candidate = queries_dir / f"{name_or_file}.rq"
    if candidate.is_file():
        return parse_query_file(candidate)
    known = sorted(p.stem for p in queries_dir.glob("*.rq")) if queries_dir.is_dir() else []
    raise InputError(str(queries_dir), None, None, f"no query named {name_or_file!r}; known: {', '.join(known) or 'none'}")


def _value(term: ox.Term | None) -> Value | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Value("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Value("bnode", term.value)
    if isinstance(term, ox.Literal):
        datatype = "" if term.language or term.datatype.value == XSD + "string" else term.datatype.value
        return Value("literal", term.value, datatype, term.language or "")
    return Value("literal", str(term))  # a quoted triple (RDF-star): its N-Triples form


def run_embedded(loaded: LoadedGraph, text: str) -> Table:
    """Run a checked query on the published graph in the embedded store."""
    check_query(Path("<query>"), text)
    result = loaded.store.query(text, base_iri=base_iri(), default_graph=loaded.published_graphs)
    if isinstance(result, ox.QueryBoolean):
        return Table([], [], boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [[_value(solution[v]) for v in variables] for solution in result]
        return Table(variables, rows)
    raise InputError("<query>", None, None, "only SELECT and ASK queries can be run as a table")


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
