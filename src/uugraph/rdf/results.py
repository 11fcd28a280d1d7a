"""SPARQL results: one shape for every engine, and the writers of its formats.

A SELECT or ASK answer, from the embedded store or from an endpoint, becomes a
:class:`Table` of :class:`Value` cells, so the CLI, the server and the tests
compare and print the same thing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pyoxigraph as ox

from uugraph.rdf.namespaces import XSD


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


def value_of(term: ox.Term | None) -> Value | None:
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
