"""What the engine answers with: one raw result per failed constraint, and the refusal of a shape.

Kept apart from the evaluation so the report writer, the paths and the
components can all name them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib import URIRef

from uugraph.rdf import namespaces

SH = rdflib.Namespace(namespaces.SH)
XSD = rdflib.Namespace(namespaces.XSD)

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
ShapeNode = rdflib.term.Node


class UnsupportedShape(ValueError):
    """A shape uses a feature this engine does not evaluate (use the pySHACL engine for it).

    ``shape`` is the targeted shape being evaluated, so the error can name its file.
    """

    def __init__(self, message: str, shape: ShapeNode | None = None) -> None:
        super().__init__(message)
        self.shape = shape


@dataclass(frozen=True)
class RawResult:
    """One validation result in terms of the graphs: what the report graph records."""

    focus: OxTerm
    value: OxTerm | None
    path: ShapeNode | None
    shape: ShapeNode  # the shape whose constraint failed (property shapes are often blank)
    component: URIRef
    severity: URIRef
    messages: tuple[str, ...]
