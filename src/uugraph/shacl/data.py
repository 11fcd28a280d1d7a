"""The data graph, read from the store: the union of some named graphs, with the scans the checks share.

A scan by predicate (``forward``/``backward``) and the instances of a class
are computed once and kept, so the shapes that need them after the first one
pay nothing; a node with few values is answered by an index lookup instead.
What is kept is bounded: kept for the whole run, the scans of every predicate
some shape follows add up to a Python copy of most of the graph (0.5 GB at a
million triples, measured, and growing with the graph). So scans are
kept up to :data:`KEPT_VALUES` values in all, the least recently used dropped
first (and read again if a later shape needs them): up to about half a million
triples everything stays, above it memory stops growing with the graph.

A scan that was dropped is not read again for a few focus nodes: its size is
remembered, and :meth:`StoreData.worth_scanning` answers fewer focus nodes than
a third of its values by a lookup each. At ten million triples, reading
dropped scans again for small shapes made the shapes 3.5 times slower than the
graph is larger (a shape of 38,610 signatures took 13.5 s, 0.2 s at 3M).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from typing import cast

import pyoxigraph as ox
from rdflib import RDF, RDFS, Literal

from uugraph.rdf.terms import rdflib_term as to_rdflib
from uugraph.shacl.results import OxTerm

#: How many values (a subject's object, a class's instance) the kept scans hold in all; measured at a
#: million synthetic triples the shapes read 1.6 million, about 0.4 GB of Python sets. At ten million,
#: 2 million took ``validate`` to 8,015 MB and its shapes 161 s; 1 million to 7,728 MB and 148 s, so
#: reading dropped scans again cost nothing measurable there. At a million triples the two were within
#: the noise of each other (bench/RESULTS.md).
KEPT_VALUES = 1_000_000
#: Above this many focus nodes (or values, for a class) a scan is read the first time, rather than
#: one index lookup per node.
SCAN_THRESHOLD = 2_000
#: What one lookup per node costs, in values of a scan: measured at a million triples, 2.0-2.7 for a
#: predicate, 3.8 for a class. A scan whose size is known is read again only for more focus nodes
#: than its values divided by this.
LOOKUP_COST = 3
#: How many literals keep their rdflib form.
KEPT_LITERALS = 100_000

_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))


class _Kept:
    """The scans kept between shapes: least recently used dropped first, beyond ``budget`` values in all."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._entries: OrderedDict[tuple[str, ox.NamedNode], tuple[object, int]] = OrderedDict()
        self.sizes: dict[tuple[str, ox.NamedNode], int] = {}  # of every scan read, dropped or not: a few hundred numbers

    def __contains__(self, key: tuple[str, ox.NamedNode]) -> bool:
        return key in self._entries

    def get(self, key: tuple[str, ox.NamedNode]) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: tuple[str, ox.NamedNode], value: object, size: int) -> None:
        self._entries[key] = (value, size)
        self.sizes[key] = size
        self.size += size
        while self.size > self.budget and len(self._entries) > 1:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.size -= dropped


class StoreData:
    """Read access to the union of some named graphs of a store, with the scans the checks share."""

    def __init__(self, store: ox.Store, graphs: list[ox.NamedNode]) -> None:
        self.store = store
        self.graphs = graphs
        self._kept = _Kept(KEPT_VALUES)
        self._literals: dict[ox.Literal, Literal] = {}

    def worth_scanning(self, kind: str, term: ox.NamedNode, nodes: int) -> bool:
        """Whether to answer ``nodes`` nodes from the scan ``kind`` (forward, backward, instances) of ``term``, or by a lookup each.

        A kept scan costs nothing more; a scan read before and dropped is
        read again only when the lookups would cost more (:data:`LOOKUP_COST`);
        one never read is read above :data:`SCAN_THRESHOLD` nodes.
        """
        key = (kind, term)
        if key in self._kept:
            return True
        size = self._kept.sizes.get(key)
        if size is None:
            return nodes > SCAN_THRESHOLD
        return nodes * LOOKUP_COST >= size

    def objects(self, subject: OxTerm, predicate: ox.NamedNode) -> set[OxTerm]:
        if isinstance(subject, ox.Literal):
            return set()
        return cast("set[OxTerm]", {q.object for g in self.graphs for q in self.store.quads_for_pattern(subject, predicate, None, g)})

    def subjects(self, predicate: ox.NamedNode, obj: OxTerm) -> set[OxTerm]:
        return cast("set[OxTerm]", {q.subject for g in self.graphs for q in self.store.quads_for_pattern(None, predicate, obj, g)})

    def forward(self, predicate: ox.NamedNode) -> dict[OxTerm, set[OxTerm]]:
        """Every subject of ``predicate`` with its objects (one scan, kept for the other shapes)."""
        table = cast("dict[OxTerm, set[OxTerm]] | None", self._kept.get(("forward", predicate)))
        if table is None:
            table = defaultdict(set)
            size = 0
            for g in self.graphs:
                for q in self.store.quads_for_pattern(None, predicate, None, g):
                    table[q.subject].add(q.object)  # type: ignore[index,arg-type]  # no RDF-star triples in the data
                    size += 1
            self._kept.put(("forward", predicate), table, size)
        return table

    def backward(self, predicate: ox.NamedNode) -> dict[OxTerm, set[OxTerm]]:
        table = cast("dict[OxTerm, set[OxTerm]] | None", self._kept.get(("backward", predicate)))
        if table is None:
            table = defaultdict(set)
            size = 0
            for subject, objects in self.forward(predicate).items():
                for obj in objects:
                    table[obj].add(subject)
                    size += 1
            self._kept.put(("backward", predicate), table, size)
        return table

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
        found = cast("set[OxTerm] | None", self._kept.get(("instances", cls)))
        if found is None:
            found = cast("set[OxTerm]", {q.subject for c in self.subclasses(cls) for g in self.graphs for q in self.store.quads_for_pattern(None, _RDF_TYPE, c, g)})
            self._kept.put(("instances", cls), found, len(found))
        return found

    def is_instance(self, node: OxTerm, cls: ox.NamedNode) -> bool:
        if isinstance(node, ox.Literal):
            return False
        known = cast("set[OxTerm] | None", self._kept.get(("instances", cls)))
        if known is not None:
            return node in known
        classes = self.subclasses(cls)
        return any(t in classes for t in self.objects(node, _RDF_TYPE))

    def literal(self, term: ox.Literal) -> Literal:
        """The rdflib form of a literal (its Python value, and whether it is ill-typed), cached."""
        known = self._literals.get(term)
        if known is None:
            if len(self._literals) >= KEPT_LITERALS:
                self._literals.clear()
            known = self._literals[term] = cast(Literal, to_rdflib(term))
        return known

    def predicates_of(self, subject: OxTerm) -> Iterable[ox.Quad]:
        if isinstance(subject, ox.Literal):
            return
        for g in self.graphs:
            yield from self.store.quads_for_pattern(subject, None, None, g)
