"""The data graph, read from the store: the union of some named graphs, with the scans the checks share.

A scan by predicate (``forward``/``backward``) and the instances of a class
are computed once and kept, so the shapes that need them after the first one
pay nothing; a node with few values is answered by an index lookup instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import cast

import pyoxigraph as ox
from rdflib import RDF, RDFS, Literal

from uugraph.rdf.terms import rdflib_term as to_rdflib
from uugraph.shacl.results import OxTerm

_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))


class StoreData:
    """Read access to the union of some named graphs of a store, with the scans the checks share."""

    def __init__(self, store: ox.Store, graphs: list[ox.NamedNode]) -> None:
        self.store = store
        self.graphs = graphs
        self._forward: dict[ox.NamedNode, dict[OxTerm, set[OxTerm]]] = {}
        self._backward: dict[ox.NamedNode, dict[OxTerm, set[OxTerm]]] = {}
        self._instances: dict[ox.NamedNode, set[OxTerm]] = {}
        self._literals: dict[ox.Literal, Literal] = {}

    def objects(self, subject: OxTerm, predicate: ox.NamedNode) -> set[OxTerm]:
        if isinstance(subject, ox.Literal):
            return set()
        return cast("set[OxTerm]", {q.object for g in self.graphs for q in self.store.quads_for_pattern(subject, predicate, None, g)})

    def subjects(self, predicate: ox.NamedNode, obj: OxTerm) -> set[OxTerm]:
        return cast("set[OxTerm]", {q.subject for g in self.graphs for q in self.store.quads_for_pattern(None, predicate, obj, g)})

    def forward(self, predicate: ox.NamedNode) -> dict[OxTerm, set[OxTerm]]:
        """Every subject of ``predicate`` with its objects (one scan, kept for the other shapes)."""
        if predicate not in self._forward:
            table: dict[OxTerm, set[OxTerm]] = defaultdict(set)
            for g in self.graphs:
                for q in self.store.quads_for_pattern(None, predicate, None, g):
                    table[q.subject].add(q.object)  # type: ignore[index,arg-type]  # no RDF-star triples in the data
            self._forward[predicate] = table
        return self._forward[predicate]

    def backward(self, predicate: ox.NamedNode) -> dict[OxTerm, set[OxTerm]]:
        if predicate not in self._backward:
            table: dict[OxTerm, set[OxTerm]] = defaultdict(set)
            for subject, objects in self.forward(predicate).items():
                for obj in objects:
                    table[obj].add(subject)
            self._backward[predicate] = table
        return self._backward[predicate]

    def subclasses(self, cls: ox.NamedNode) -> set[OxTerm]:
        """``cls`` and every class below it by ``rdfs:subClassOf*`` in the data graph."""
        below = self.backward(_SUBCLASS_OF)
        found: set[OxTerm] = {cls}
        todo: list[OxTerm] = [cls]
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    todo.append(sub)
        return found

    def instances(self, cls: ox.NamedNode) -> set[OxTerm]:
        """SHACL instances: nodes typed with ``cls`` or one of its subclasses."""
        if cls not in self._instances:
            self._instances[cls] = cast("set[OxTerm]", {q.subject for c in self.subclasses(cls) for g in self.graphs for q in self.store.quads_for_pattern(None, _RDF_TYPE, c, g)})
        return self._instances[cls]

    def is_instance(self, node: OxTerm, cls: ox.NamedNode) -> bool:
        if isinstance(node, ox.Literal):
            return False
        if cls in self._instances:
            return node in self._instances[cls]
        classes = self.subclasses(cls)
        return any(t in classes for t in self.objects(node, _RDF_TYPE))

    def literal(self, term: ox.Literal) -> Literal:
        """The rdflib form of a literal (its Python value, and whether it is ill-typed), cached."""
        known = self._literals.get(term)
        if known is None:
            known = self._literals[term] = cast(Literal, to_rdflib(term))
        return known

    def predicates_of(self, subject: OxTerm) -> Iterable[ox.Quad]:
        if isinstance(subject, ox.Literal):
            return
        for g in self.graphs:
            yield from self.store.quads_for_pattern(subject, None, None, g)
