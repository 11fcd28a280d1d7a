"""The shapes graph, compiled once: each shape's path, severity, messages and constraint parameters.

Which parameters make a constraint is the registry's business
(:mod:`uugraph.shacl.components`); this module only reads what a shape says,
which shapes have targets, and what their focus nodes are. SPARQL-based
constraint components declared in the shapes graph (``sh:parameter`` with a
validator) are found here too, so a shape that uses one is evaluated, not
silently passed over.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef

from uugraph.rdf.terms import ox_term as to_ox
from uugraph.shacl.data import StoreData
from uugraph.shacl.paths import Path, compile_path
from uugraph.shacl.results import SH, OxTerm, ShapeNode


@dataclass(frozen=True)
class CustomComponent:
    """A SPARQL-based constraint component (SHACL 6): its parameters and validators."""

    node: ShapeNode
    parameters: tuple[tuple[URIRef, bool], ...]  # (parameter path, optional)
    validator: ShapeNode | None
    node_validator: ShapeNode | None
    property_validator: ShapeNode | None


@dataclass
class Shape:
    node: ShapeNode
    path: Path | None  # None for a node shape
    path_node: ShapeNode | None
    severity: URIRef
    messages: tuple[str, ...]
    parameters: dict[URIRef, list[ShapeNode]]
    properties: list[Shape] = field(default_factory=list)
    deactivated: bool = False
    # each use of a SPARQL-based component: the component and its parameter values
    custom: list[tuple[CustomComponent, dict[URIRef, ShapeNode]]] = field(default_factory=list)


class ShapesGraph:
    """The shapes, compiled once from their rdflib graph."""

    def __init__(self, graph: rdflib.Graph, parameters: Iterable[URIRef]) -> None:
        self.graph = graph
        self.parameters = tuple(parameters)
        self._shapes: dict[ShapeNode, Shape] = {}
        self.components = self._components()

    def _components(self) -> list[CustomComponent]:
        g = self.graph
        found = []
        for node in sorted(set(g.subjects(SH.parameter, None)), key=str):
            parameters = []
            for parameter in g.objects(node, SH.parameter):
                path = g.value(parameter, SH.path)
                if isinstance(path, URIRef):
                    parameters.append((path, g.value(parameter, SH.optional) == Literal(True)))
            found.append(
                CustomComponent(
                    node=node,
                    parameters=tuple(sorted(parameters)),
                    validator=g.value(node, SH.validator),
                    node_validator=g.value(node, SH.nodeValidator),
                    property_validator=g.value(node, SH.propertyValidator),
                )
            )
        return found

    def shape(self, node: ShapeNode) -> Shape:
        if node in self._shapes:
            return self._shapes[node]
        g = self.graph
        path_node = g.value(node, SH.path)
        shape = Shape(
            node=node,
            path=compile_path(g, path_node) if path_node is not None else None,
            path_node=path_node,
            severity=g.value(node, SH.severity) or SH.Violation,  # type: ignore[arg-type]
            messages=tuple(sorted(str(m) for m in g.objects(node, SH.message))),
            parameters={p: list(g.objects(node, p)) for p in self.parameters if (node, p, None) in g},
            deactivated=g.value(node, SH.deactivated) == Literal(True),
        )
        for component in self.components:
            required = [p for p, optional in component.parameters if not optional]
            if not required or any((node, p, None) not in g for p in required):
                continue
            present = [p for p, _ in component.parameters if (node, p, None) in g]
            for values in itertools.product(*(sorted(g.objects(node, p), key=str) for p in present)):
                shape.custom.append((component, dict(zip(present, values, strict=True))))
        self._shapes[node] = shape  # before the property shapes, so a cycle ends here
        shape.properties = [self.shape(p) for p in sorted(g.objects(node, SH.property), key=str)]
        return shape

    def targeted(self) -> list[ShapeNode]:
        """Every shape with a target (explicit, or implicit by being a class)."""
        g = self.graph
        found: set[ShapeNode] = set()
        for predicate in (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf):
            found.update(g.subjects(predicate, None))
        for cls in (RDFS.Class, rdflib.OWL.Class):
            for node in g.subjects(RDF.type, cls):
                if (node, RDF.type, SH.NodeShape) in g or (node, RDF.type, SH.PropertyShape) in g:
                    found.add(node)
        return sorted(found, key=str)

    def focus_nodes(self, data: StoreData, node: ShapeNode) -> list[OxTerm]:
        g = self.graph
        focus: set[OxTerm] = set()
        focus.update(to_ox(t) for t in g.objects(node, SH.targetNode))
        classes = list(g.objects(node, SH.targetClass))
        if (node, RDF.type, RDFS.Class) in g or (node, RDF.type, rdflib.OWL.Class) in g:
            classes.append(node)
        for cls in classes:
            focus |= data.instances(ox.NamedNode(str(cls)))
        for predicate in g.objects(node, SH.targetSubjectsOf):
            focus.update(data.forward(ox.NamedNode(str(predicate))).keys())
        for predicate in g.objects(node, SH.targetObjectsOf):
            focus.update(data.backward(ox.NamedNode(str(predicate))).keys())
        return list(focus)
