"""SHACL evaluated on the store: the ``store`` engine of the validate stage.

The other engines take the graph out of the store and build their own copy of
it (pySHACL an rdflib graph, pyshacl-turbo a native one from N-Triples); at a
million triples that copy costs more time and memory than the checks. This
engine reads the shapes once (an rdflib graph of a few hundred triples) and
answers each constraint from the store's own indexes: a path is a scan by
predicate (or a lookup per node when there are few focus nodes), a class is the
set of its instances and of its subclasses' instances, and a SHACL-SPARQL
constraint is one query over the whole graph when that gives the same answer.

The parts: :mod:`.data` (the store's graphs), :mod:`.paths`, :mod:`.shapes`,
:mod:`.components` (the registry of constraint components, one module per
section of SHACL), :mod:`.report` (the report graph) and this module, which
walks the targeted shapes. It implements SHACL Core as the W3C defines it
(``tests/test_w3c_shacl.py`` runs the W3C suite; ``tests/test_engines.py``
proves it reports what pySHACL reports on the real data, every invalid example
and a synthetic graph). What it does not evaluate is refused with an error that
names the shape, rather than skipped.
"""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox
import rdflib

from uugraph.shacl.components import REGISTRY, Check
from uugraph.shacl.components.sparql import check_component
from uugraph.shacl.data import SCAN_THRESHOLD, StoreData
from uugraph.shacl.paths import Path, compile_path, path_values
from uugraph.shacl.report import report_graph
from uugraph.shacl.results import OxTerm, RawResult, ShapeNode, UnsupportedShape
from uugraph.shacl.shapes import Shape, ShapesGraph

if TYPE_CHECKING:
    from uugraph.progress import StepProgress

__all__ = [
    "SCAN_THRESHOLD",
    "Path",
    "RawResult",
    "Shape",
    "ShapesGraph",
    "StoreData",
    "UnsupportedShape",
    "Validator",
    "compile_path",
    "path_values",
    "report_graph",
    "validate",
]


class Validator:
    """Walks the targeted shapes and asks the registry's evaluators for their results."""

    def __init__(self, data: StoreData, shapes: ShapesGraph) -> None:
        self.data = data
        self.shapes = shapes
        self._known_failing: dict[ShapeNode, dict[OxTerm, bool]] = {}
        self._evaluating: set[ShapeNode] = set()

    def validate(self, step: StepProgress | None = None) -> list[RawResult]:
        results: list[RawResult] = []
        targeted = self.shapes.targeted()
        if step is not None:
            step.total = len(targeted)
        with _collector_paused():
            self._validate(targeted, results, step)
        return results

    def _validate(self, targeted: list[ShapeNode], results: list[RawResult], step: StepProgress | None) -> None:
        for node in targeted:
            try:
                shape = self.shapes.shape(node)
                results.extend(self.evaluate(shape, self.shapes.focus_nodes(self.data, node)))
            except UnsupportedShape as exc:
                exc.shape = exc.shape if exc.shape is not None else node
                raise
            if step is not None:
                step.advance()

    def _values(self, shape: Shape, focus: list[OxTerm]) -> dict[OxTerm, Collection[OxTerm]]:
        """The value nodes of each focus node: itself for a node shape, its path's values for a property shape.

        A node shape's value is a one-tuple, not a set: at a million triples building
        a set per focus node and shape costs seconds. Evaluators only iterate, count
        and test membership.
        """
        if shape.path is None:
            return {f: (f,) for f in focus}
        return path_values(self.data, shape.path, focus)  # type: ignore[return-value]

    def _check(self, shape: Shape, values: dict[OxTerm, Collection[OxTerm]]) -> list[RawResult]:
        """The results of the shape's own constraints (not of its property shapes)."""
        results: list[RawResult] = []
        for parameter in sorted(shape.parameters, key=str):
            check = Check(self, shape, parameter, values)
            REGISTRY[parameter](check)
            results.extend(check.out)
        for component, parameters in shape.custom:
            check = Check(self, shape, component.node, values)  # type: ignore[arg-type]
            check_component(check, component, parameters)
            results.extend(check.out)
        return results

    def evaluate(self, shape: Shape, focus: list[OxTerm]) -> list[RawResult]:
        """Every result of ``shape`` (and its property shapes) on the given focus nodes."""
        if shape.deactivated or not focus:
            return []
        values = self._values(shape, focus)
        results = self._check(shape, values)
        # sh:property: each value node is a focus node of the property shape (for a node shape, the focus
        # itself). A value node reached from several focus nodes is evaluated once, and its results
        # repeated once per focus node that reaches it, as a per-node evaluation reports them.
        if shape.properties:
            if shape.path is None:
                inner, times = focus, None
            else:
                times = Counter(v for vs in values.values() for v in vs)
                inner = list(times)
            for prop in shape.properties:
                for r in self.evaluate(prop, inner):
                    results.extend([r] * (times[r.focus] if times is not None else 1))
        return results

    def conforming(self, node: ShapeNode, values: Iterable[OxTerm]) -> set[OxTerm]:
        """Which of ``values`` conform to the shape ``node`` (evaluated once per node, in bulk)."""
        values = set(values)
        known = self._known_failing.setdefault(node, {})
        todo = [v for v in values if v not in known]
        if todo:
            if node in self._evaluating:
                raise UnsupportedShape("refers to itself through sh:node, sh:or, sh:and, sh:xone or sh:not; recursive shapes are not evaluated")
            self._evaluating.add(node)
            try:
                failed = self._failing(self.shapes.shape(node), todo)
            finally:
                self._evaluating.discard(node)
            for v in todo:
                known[v] = v in failed
        return {v for v in values if not known[v]}

    def _failing(self, shape: Shape, focus: list[OxTerm]) -> set[OxTerm]:
        """The focus nodes that do not conform to ``shape``.

        Not simply the focus nodes of its results: a property shape's own
        property shapes report on its value nodes, whose failure is the
        failure of the focus node they are values of.
        """
        if shape.deactivated or not focus:
            return set()
        values = self._values(shape, focus)
        bad = {r.focus for r in self._check(shape, values)}
        if shape.properties:
            inner = focus if shape.path is None else list({v for vs in values.values() for v in vs})
            inner_bad: set[OxTerm] = set()
            for prop in shape.properties:
                inner_bad |= self._failing(prop, inner)
            bad |= {f for f, vs in values.items() if any(v in inner_bad for v in vs)}
        return bad


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the shapes run, on again after.

    The shapes build millions of sets and dicts that live to the end (the
    kept scans, the value nodes), and make no reference cycles: each full
    pass of the collector walks all of them and finds nothing. Measured at
    3M synthetic triples, the shapes took 63.3 s with it and 53.0 s without,
    at the same peak.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validate(store: ox.Store, graphs: list[ox.NamedNode], shapes: rdflib.Graph, step: StepProgress | None = None) -> list[RawResult]:
    """Every result of the shapes on the union of ``graphs``; ``step`` counts the shapes done."""
    return Validator(StoreData(store, graphs), ShapesGraph(shapes, REGISTRY)).validate(step)
