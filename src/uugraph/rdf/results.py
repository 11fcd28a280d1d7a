r"""SPARQL results: one shape for every engine, and one writer per results format.

A SELECT or ASK answer, from the embedded store or from an endpoint, becomes a
:class:`Table` of :class:`Value` cells, so the CLI, the server and the tests
compare and print the same thing. The writers here are the only ones: the
CLI (``uugraph query --format``) and the server's ``/sparql`` both call
:func:`write`, so one result gives the same bytes on either path.

* JSON: `SPARQL 1.1 Query Results JSON Format <https://www.w3.org/TR/sparql11-results-json/>`_.
* XML: `SPARQL Query Results XML Format <https://www.w3.org/TR/rdf-sparql-XMLres/>`_.
* CSV and TSV: `SPARQL 1.1 Query Results CSV and TSV Formats
  <https://www.w3.org/TR/sparql11-results-csv-tsv/>`_. CSV lines end in CRLF
  and a field holding a comma, a quote or a line break is quoted (quotes
  doubled); cells are plain values (IRIs bare, blank nodes ``_:label``,
  literals without language or datatype). TSV cells are terms in Turtle /
  N-Triples syntax, with ``\t`` ``\n`` ``\r`` ``"`` and ``\`` escaped inside
  literals, so a row always has one tab fewer than it has columns; the header
  names the variables as ``?var``.
* ASK in CSV and TSV: the specification defines these two formats for SELECT
  only. uugraph answers as Apache Jena (Fuseki) does, the most deployed
  practice: a one-column table whose variable is ``_askResult`` (``?_askResult``
  in TSV) and whose one row is ``true`` or ``false`` — readable by any SELECT
  parser of the format.

>>> table = Table(["x"], [[Value("literal", "a\tb")]])
>>> write(table, "tsv")
'?x\n"a\\tb"\n'
>>> write(table, "csv")
'x\r\na\tb\r\n'
>>> write(Table([], [], boolean=True), "tsv")
'?_askResult\ntrue\n'
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from uugraph.rdf.namespaces import XSD
from uugraph.rdf.terms import Term

# The variable that names an ASK answer in CSV and TSV (Apache Jena's convention; see above).
ASK_VARIABLE = "_askResult"
# The formats :func:`write` knows, by the name the CLI and the server use.
FORMATS = ("json", "xml", "csv", "tsv")


@dataclass(frozen=True, order=True)
class Value:
    """One RDF term in a result: kind is "uri", "bnode" or "literal"."""

    kind: str
    value: str
    datatype: str = ""
    language: str = ""

    def n3(self) -> str:
        """The term in N-Triples syntax (as TSV writes it): quotes, backslashes, tabs and line breaks escaped."""
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        if self.language:
            return f'"{escaped}"@{self.language}'
        if self.datatype and self.datatype != XSD + "string":
            return f'"{escaped}"^^<{self.datatype}>'
        return f'"{escaped}"'

    def json(self) -> dict[str, str]:
        """The term as a SPARQL JSON results binding."""
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
        return sorted(self.rows, key=lambda row: [(v is not None, v) for v in row])

    def to_json(self) -> str:
        return write_json(self)

    def to_csv(self) -> str:
        return write_csv(self)

    def to_tsv(self) -> str:
        return write_tsv(self)

    def to_xml(self) -> str:
        return write_xml(self)

    def to_text(self, namespaces: dict[str, str] | None = None) -> str:
        """A table for people on a terminal: compact IRIs, aligned columns, a row count."""
        if self.boolean is not None:
            return "true" if self.boolean else "false"
        namespaces = namespaces or {}

        def show(v: Value | None) -> str:
            if v is None:
                return ""
            if v.kind == "uri":
                for prefix, ns in namespaces.items():
                    if v.value.startswith(ns) and len(v.value) > len(ns):
                        return f"{prefix}:{v.value[len(ns) :]}"
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
        """The result in one of :data:`FORMATS`, or ``"table"`` (any other name) for people."""
        if fmt in FORMATS:
            return write(self, fmt)
        return self.to_text(namespaces)


def write(table: Table, fmt: str) -> str:
    """The result in ``fmt`` (one of :data:`FORMATS`): what the CLI prints and the server sends."""
    if fmt == "json":
        return write_json(table)
    if fmt == "xml":
        return write_xml(table)
    if fmt == "csv":
        return write_csv(table)
    if fmt == "tsv":
        return write_tsv(table)
    raise ValueError(f"unknown SPARQL results format {fmt!r}; known: {', '.join(FORMATS)}")


def write_json(table: Table) -> str:
    """SPARQL 1.1 Query Results JSON: ``head.vars`` and ``results.bindings`` (unbound cells left out), or ``boolean``."""
    if table.boolean is not None:
        return json.dumps({"head": {}, "boolean": table.boolean}, indent=2) + "\n"
    bindings = [{var: v.json() for var, v in zip(table.variables, row, strict=True) if v is not None} for row in table.rows]
    return json.dumps({"head": {"vars": table.variables}, "results": {"bindings": bindings}}, indent=2, ensure_ascii=False) + "\n"


def write_csv(table: Table) -> str:
    """SPARQL 1.1 CSV: CRLF line ends, RFC 4180 quoting, plain values (blank nodes as ``_:label``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if table.boolean is not None:
        writer.writerow([ASK_VARIABLE])
        writer.writerow(["true" if table.boolean else "false"])
        return buffer.getvalue()
    writer.writerow(table.variables)
    for row in table.rows:
        writer.writerow(["" if v is None else (f"_:{v.value}" if v.kind == "bnode" else v.value) for v in row])
    return buffer.getvalue()


def write_tsv(table: Table) -> str:
    """SPARQL 1.1 TSV: a ``?var`` header, then one line per row of N-Triples terms, unbound cells empty."""
    if table.boolean is not None:
        return f"?{ASK_VARIABLE}\n" + ("true" if table.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in table.variables)]
    lines += ["\t".join("" if v is None else v.n3() for v in row) for row in table.rows]
    return "\n".join(lines) + "\n"


def write_xml(table: Table) -> str:
    """SPARQL Query Results XML Format."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if table.boolean is not None:
        out += ["<head/>", f"<boolean>{'true' if table.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in table.variables) + "</head>")
    out.append("<results>")
    for row in table.rows:
        cells = []
        for var, v in zip(table.variables, row, strict=True):
            if v is None:
                continue
            if v.kind == "uri":
                term = f"<uri>{xml_escape(v.value)}</uri>"
            elif v.kind == "bnode":
                term = f"<bnode>{xml_escape(v.value)}</bnode>"
            elif v.language:
                term = f"<literal xml:lang={quoteattr(v.language)}>{xml_escape(v.value)}</literal>"
            elif v.datatype:
                term = f"<literal datatype={quoteattr(v.datatype)}>{xml_escape(v.value)}</literal>"
            else:
                term = f"<literal>{xml_escape(v.value)}</literal>"
            cells.append(f"<binding name={quoteattr(var)}>{term}</binding>")
        out.append("<result>" + "".join(cells) + "</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def value_of(term: Term | None) -> Value | None:
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
