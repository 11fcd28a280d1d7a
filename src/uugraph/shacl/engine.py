"""SHACL evaluated on the store: the ``store`` engine of the validate stage.

The other engines take the graph out of the store and build their own copy of
it (pySHACL an rdflib graph, pyshacl-turbo a native one from N-Triples); at a
million triples that copy costs more time and memory than the checks. This
engine reads the shapes once (an rdflib graph of a few hundred triples) and
answers each constraint from the store's own indexes: a path is a scan by
predicate (or a lookup per node when there are few focus nodes), a class is the
set of its instances and of its subclasses' instances, and a SHACL-SPARQL
constraint is one query over the whole graph instead of one per focus node.

It implements SHACL Core as the W3C recommendation defines it, with the
results pySHACL gives (same focus nodes, paths, values, severities, source
shapes and messages; ``tests/test_engines.py`` proves it on the real data,
every invalid example and a synthetic graph with injected violations). What it
does not implement (``sh:qualifiedValueShape``, SPARQL-based constraint
components, pre-bound ``$currentShape``/``$shapesGraph``) is refused with an
error that names the shape, rather than skipped.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.collection import Collection

from uugraph.rdf import namespaces
from uugraph.rdf.terms import ox_term as to_ox
from uugraph.rdf.terms import rdflib_term as to_rdflib

if TYPE_CHECKING:
    from uugraph.progress import StepProgress

SH = rdflib.Namespace(namespaces.SH)
XSD = rdflib.Namespace(namespaces.XSD)

_RDF_LANGSTRING = namespaces.RDF_LANGSTRING
_XSD_STRING = str(XSD.string)

# Namespace attribute lookups build a new term each time; the hot loops use these.
_SH_VIOLATION = SH.Violation
_NODE_KINDS = {
    SH.IRI: lambda v: isinstance(v, ox.NamedNode),
    SH.BlankNode: lambda v: isinstance(v, ox.BlankNode),
    SH.Literal: lambda v: isinstance(v, ox.Literal),
    SH.BlankNodeOrIRI: lambda v: isinstance(v, (ox.BlankNode, ox.NamedNode)),
    SH.BlankNodeOrLiteral: lambda v: isinstance(v, (ox.BlankNode, ox.Literal)),
    SH.IRIOrLiteral: lambda v: isinstance(v, (ox.NamedNode, ox.Literal)),
}
_COMPONENTS: dict[str, URIRef] = {}

# Above this many focus nodes, a path is answered by one scan of its predicate
# rather than one index lookup per node.
SCAN_THRESHOLD = 2_000


class UnsupportedShape(ValueError):
    """A shape uses a feature this engine does not evaluate (use the pySHACL engine for it).

    ``shape`` is the targeted shape being evaluated, so the error can name its file.
    """

    def __init__(self, message: str, shape: rdflib.term.Node | None = None) -> None:
        super().__init__(message)
        self.shape = shape


@dataclass(frozen=True)
class RawResult:
    """One validation result in terms of the graphs: what the report graph records."""

    focus: ox.Term
    value: ox.Term | None
    path: rdflib.term.Node | None
    shape: rdflib.term.Node  # the shape whose constraint failed (property shapes are often blank)
    component: URIRef
    severity: URIRef
    messages: tuple[str, ...]


# ---------------------------------------------------------------- the data, read from the store


class StoreData:
    """Read access to the union of some named graphs of a store, with the scans the checks share."""

    def __init__(self, store: ox.Store, graphs: list[ox.NamedNode]) -> None:
        self.store = store
        self.graphs = graphs
        self._forward: dict[ox.NamedNode, dict[ox.Term, set[ox.Term]]] = {}
        self._backward: dict[ox.NamedNode, dict[ox.Term, set[ox.Term]]] = {}
        self._instances: dict[ox.NamedNode, set[ox.Term]] = {}
        self._literals: dict[ox.Literal, Literal] = {}

    def objects(self, subject: ox.Term, predicate: ox.NamedNode) -> set[ox.Term]:
        if isinstance(subject, ox.Literal):
            return set()
        return {q.object for g in self.graphs for q in self.store.quads_for_pattern(subject, predicate, None, g)}

    def subjects(self, predicate: ox.NamedNode, obj: ox.Term) -> set[ox.Term]:
        return {q.subject for g in self.graphs for q in self.store.quads_for_pattern(None, predicate, obj, g)}

    def forward(self, predicate: ox.NamedNode) -> dict[ox.Term, set[ox.Term]]:
        """Every subject of ``predicate`` with its objects (one scan, kept for the other shapes)."""
        if predicate not in self._forward:
            table: dict[ox.Term, set[ox.Term]] = defaultdict(set)
            for g in self.graphs:
                for q in self.store.quads_for_pattern(None, predicate, None, g):
                    table[q.subject].add(q.object)
            self._forward[predicate] = table
        return self._forward[predicate]

    def backward(self, predicate: ox.NamedNode) -> dict[ox.Term, set[ox.Term]]:
        if predicate not in self._backward:
            table: dict[ox.Term, set[ox.Term]] = defaultdict(set)
            for subject, objects in self.forward(predicate).items():
                for obj in objects:
                    table[obj].add(subject)
            self._backward[predicate] = table
        return self._backward[predicate]

    def subclasses(self, cls: ox.NamedNode) -> set[ox.Term]:
        """``cls`` and every class below it by ``rdfs:subClassOf*`` in the data graph."""
        below = self.backward(ox.NamedNode(str(RDFS.subClassOf)))
        found, todo = {cls}, [cls]
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    todo.append(sub)
        return found

    def instances(self, cls: ox.NamedNode) -> set[ox.Term]:
        """SHACL instances: nodes typed with ``cls`` or one of its subclasses."""
        if cls not in self._instances:
            rdf_type = ox.NamedNode(str(RDF.type))
            self._instances[cls] = {
                q.subject for c in self.subclasses(cls) for g in self.graphs for q in self.store.quads_for_pattern(None, rdf_type, c, g)
            }
        return self._instances[cls]

    def is_instance(self, node: ox.Term, cls: ox.NamedNode) -> bool:
        if isinstance(node, ox.Literal):
            return False
        if cls in self._instances:
            return node in self._instances[cls]
        classes = self.subclasses(cls)
        return any(t in classes for t in self.objects(node, ox.NamedNode(str(RDF.type))))

    def literal(self, term: ox.Literal) -> Literal:
        """The rdflib form of a literal (its Python value, and whether it is ill-typed), cached."""
        known = self._literals.get(term)
        if known is None:
            known = self._literals[term] = to_rdflib(term)
        return known

    def predicates_of(self, subject: ox.Term) -> Iterable[ox.Quad]:
        if isinstance(subject, ox.Literal):
            return
        for g in self.graphs:
            yield from self.store.quads_for_pattern(subject, None, None, g)


# ---------------------------------------------------------------- paths


@dataclass(frozen=True)
class Path:
    kind: str  # "predicate", "inverse", "sequence", "alternative", "zeroOrMore", "oneOrMore", "zeroOrOne"
    predicate: ox.NamedNode | None = None
    parts: tuple[Path, ...] = ()


def compile_path(shapes: rdflib.Graph, node: rdflib.term.Node) -> Path:
    if isinstance(node, URIRef):
        return Path("predicate", ox.NamedNode(str(node)))
    if (node, RDF.first, None) in shapes:
        return Path("sequence", parts=tuple(compile_path(shapes, p) for p in Collection(shapes, node)))
    for kind, predicate in (
        ("inverse", SH.inversePath),
        ("zeroOrMore", SH.zeroOrMorePath),
        ("oneOrMore", SH.oneOrMorePath),
        ("zeroOrOne", SH.zeroOrOnePath),
    ):
        inner = shapes.value(node, predicate)
        if inner is not None:
            return Path(kind, parts=(compile_path(shapes, inner),))
    alternatives = shapes.value(node, SH.alternativePath)
    if alternatives is not None:
        return Path("alternative", parts=tuple(compile_path(shapes, p) for p in Collection(shapes, alternatives)))
    raise UnsupportedShape("a sh:path that is not a SHACL property path")


_NONE: frozenset[ox.Term] = frozenset()


def path_values(data: StoreData, path: Path, nodes: Iterable[ox.Term]) -> dict[ox.Term, set[ox.Term]]:
    """The value nodes of each node along ``path`` (shared sets: callers must not change them)."""
    nodes = list(nodes)
    if path.kind == "predicate":
        if len(nodes) > SCAN_THRESHOLD:
            table = data.forward(path.predicate)
            return {n: table.get(n, _NONE) for n in nodes}
        return {n: data.objects(n, path.predicate) for n in nodes}
    if path.kind == "inverse":
        inner = path.parts[0]
        if inner.kind != "predicate":
            raise UnsupportedShape("sh:inversePath of a complex path")
        if len(nodes) > SCAN_THRESHOLD:
            table = data.backward(inner.predicate)
            return {n: table.get(n, _NONE) for n in nodes}
        return {n: data.subjects(inner.predicate, n) for n in nodes}
    if path.kind == "sequence":
        current = {n: {n} for n in nodes}
        for part in path.parts:
            step = path_values(data, part, {v for vs in current.values() for v in vs})
            current = {n: {w for v in vs for w in step[v]} for n, vs in current.items()}
        return current
    if path.kind == "alternative":
        values: dict[ox.Term, set[ox.Term]] = {n: set() for n in nodes}
        for part in path.parts:
            for n, vs in path_values(data, part, nodes).items():
                values[n] |= vs
        return values
    if path.kind == "zeroOrOne":
        return {n: {n} | vs for n, vs in path_values(data, path.parts[0], nodes).items()}
    # zeroOrMore / oneOrMore: breadth first from each node
    result = {}
    for n in nodes:
        reached: set[ox.Term] = set()
        frontier = {n}
        while frontier:
            step = path_values(data, path.parts[0], frontier)
            frontier = {v for vs in step.values() for v in vs} - reached
            reached |= frontier
        result[n] = reached | ({n} if path.kind == "zeroOrMore" else set())
    return result


# ---------------------------------------------------------------- shapes


@dataclass
class Shape:
    node: rdflib.term.Node
    path: Path | None  # None for a node shape
    path_node: rdflib.term.Node | None
    severity: URIRef
    messages: tuple[str, ...]
    parameters: dict[URIRef, list[rdflib.term.Node]]
    properties: list[Shape] = field(default_factory=list)
    deactivated: bool = False


_CONSTRAINT_PARAMETERS = {
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minExclusive, SH.minInclusive,
    SH.maxExclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.pattern, SH.languageIn, SH.uniqueLang,
    SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH["not"], SH["and"], SH["or"], SH.xone,
    SH.node, SH.hasValue, SH["in"], SH.closed, SH.sparql,
}
_UNSUPPORTED = {SH.qualifiedValueShape: "sh:qualifiedValueShape"}


class ShapesGraph:
    """The shapes, compiled once from their rdflib graph."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph
        self._shapes: dict[rdflib.term.Node, Shape] = {}

    def shape(self, node: rdflib.term.Node) -> Shape:
        if node in self._shapes:
            return self._shapes[node]
        g = self.graph
        for predicate, name in _UNSUPPORTED.items():
            if (node, predicate, None) in g:
                raise UnsupportedShape(f"uses {name}, which the store engine does not evaluate; use --engine pyshacl")
        path_node = g.value(node, SH.path)
        shape = Shape(
            node=node,
            path=compile_path(g, path_node) if path_node is not None else None,
            path_node=path_node,
            severity=g.value(node, SH.severity) or SH.Violation,
            messages=tuple(sorted(str(m) for m in g.objects(node, SH.message))),
            parameters={p: list(g.objects(node, p)) for p in _CONSTRAINT_PARAMETERS if (node, p, None) in g},
            deactivated=g.value(node, SH.deactivated) == Literal(True),
        )
        self._shapes[node] = shape  # before the property shapes, so a cycle ends here
        shape.properties = [self.shape(p) for p in sorted(g.objects(node, SH.property), key=str)]
        return shape

    def targeted(self) -> list[rdflib.term.Node]:
        """Every shape with a target (explicit, or implicit by being a class)."""
        g = self.graph
        found = set()
        for predicate in (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf):
            found.update(g.subjects(predicate, None))
        for cls in (RDFS.Class, rdflib.OWL.Class):
            for node in g.subjects(RDF.type, cls):
                if (node, RDF.type, SH.NodeShape) in g or (node, RDF.type, SH.PropertyShape) in g:
                    found.add(node)
        return sorted(found, key=str)

    def focus_nodes(self, data: StoreData, node: rdflib.term.Node) -> list[ox.Term]:
        g = self.graph
        focus: set[ox.Term] = set()
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


# ---------------------------------------------------------------- evaluation


class Validator:
    def __init__(self, data: StoreData, shapes: ShapesGraph) -> None:
        self.data = data
        self.shapes = shapes
        self._known_failing: dict[rdflib.term.Node, dict[ox.Term, bool]] = {}
        self._evaluating: set[rdflib.term.Node] = set()

    def validate(self, step: StepProgress | None = None) -> list[RawResult]:
        results: list[RawResult] = []
        targeted = self.shapes.targeted()
        if step is not None:
            step.total = len(targeted)
        for node in targeted:
            try:
                shape = self.shapes.shape(node)
                results.extend(self.evaluate(shape, self.shapes.focus_nodes(self.data, node)))
            except UnsupportedShape as exc:
                exc.shape = exc.shape if exc.shape is not None else node
                raise
            if step is not None:
                step.advance()
        return results

    def _values(self, shape: Shape, focus: list[ox.Term]) -> dict[ox.Term, Iterable[ox.Term]]:
        """The value nodes of each focus node: itself for a node shape, its path's values for a property shape."""
        if shape.path is None:
            return {f: (f,) for f in focus}
        return path_values(self.data, shape.path, focus)

    def evaluate(self, shape: Shape, focus: list[ox.Term]) -> list[RawResult]:
        """Every result of ``shape`` (and its property shapes) on the given focus nodes."""
        if shape.deactivated or not focus:
            return []
        values = self._values(shape, focus)
        results: list[RawResult] = []
        for parameter in sorted(shape.parameters, key=str):
            results.extend(self._check(shape, parameter, values))
        # sh:property: each value node is a focus node of the property shape (for a node shape, the focus itself).
        inner = focus if shape.path is None else list({v for vs in values.values() for v in vs})
        for prop in shape.properties:
            results.extend(self.evaluate(prop, inner))
        return results

    def conforming(self, node: rdflib.term.Node, values: Iterable[ox.Term]) -> set[ox.Term]:
        """Which of ``values`` conform to the shape ``node`` (evaluated once per node, in bulk)."""
        known = self._known_failing.setdefault(node, {})
        todo = [v for v in set(values) if v not in known]
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

    def _failing(self, shape: Shape, focus: list[ox.Term]) -> set[ox.Term]:
        """The focus nodes that do not conform to ``shape``.

        Not simply the focus nodes of its results: a property shape's own
        property shapes report on its value nodes, whose failure is the
        failure of the focus node they are values of.
        """
        if shape.deactivated or not focus:
            return set()
        values = self._values(shape, focus)
        bad = {r.focus for parameter in shape.parameters for r in self._check(shape, parameter, values)}
        if shape.properties:
            inner = focus if shape.path is None else list({v for vs in values.values() for v in vs})
            inner_bad: set[ox.Term] = set()
            for prop in shape.properties:
                inner_bad |= self._failing(prop, inner)
            bad |= {f for f, vs in values.items() if any(v in inner_bad for v in vs)}
        return bad

    def _result(self, shape: Shape, component: str, focus: ox.Term, value: ox.Term | None) -> RawResult:
        return RawResult(
            focus=focus,
            value=value,
            path=shape.path_node,
            shape=shape.node,
            component=_COMPONENTS.get(component) or _COMPONENTS.setdefault(component, SH[component + "ConstraintComponent"]),
            severity=shape.severity,
            messages=shape.messages,
        )

    def _check(self, shape: Shape, parameter: URIRef, values: dict[ox.Term, set[ox.Term]]) -> list[RawResult]:
        data, g = self.data, self.shapes.graph
        args = shape.parameters[parameter]
        out: list[RawResult] = []

        def each_value(component: str, ok) -> None:
            for f, vs in values.items():
                for v in vs:
                    if not ok(v):
                        out.append(self._result(shape, component, f, v))

        if parameter == SH.minCount:
            for n in args:
                out.extend(self._result(shape, "MinCount", f, None) for f, vs in values.items() if len(vs) < int(n))
        elif parameter == SH.maxCount:
            for n in args:
                out.extend(self._result(shape, "MaxCount", f, None) for f, vs in values.items() if len(vs) > int(n))
        elif parameter == SH["class"]:
            for cls in args:
                target = ox.NamedNode(str(cls))
                total = sum(len(vs) for vs in values.values())
                if total > SCAN_THRESHOLD:
                    data.instances(target)
                each_value("Class", lambda v, t=target: data.is_instance(v, t))
        elif parameter == SH.datatype:
            for datatype in args:
                known: dict[ox.Term, bool] = {}

                def has_datatype(v, d=datatype, known=known) -> bool:
                    found = known.get(v)
                    if found is None:
                        found = known[v] = self._has_datatype(v, d)
                    return found

                each_value("Datatype", has_datatype)
        elif parameter == SH.nodeKind:
            for kind in args:
                each_value("NodeKind", _NODE_KINDS.get(kind, lambda v: False))
        elif parameter == SH.pattern:
            flags = g.value(shape.node, SH.flags)
            for pattern in args:
                regex = re.compile(str(pattern), _regex_flags(flags))
                each_value("Pattern", lambda v, r=regex: not isinstance(v, ox.BlankNode) and r.search(v.value) is not None)
        elif parameter in (SH.minLength, SH.maxLength):
            component = "MinLength" if parameter == SH.minLength else "MaxLength"
            for n in args:
                limit = int(n)
                if parameter == SH.minLength:
                    each_value(component, lambda v, m=limit: not isinstance(v, ox.BlankNode) and len(v.value) >= m)
                else:
                    each_value(component, lambda v, m=limit: not isinstance(v, ox.BlankNode) and len(v.value) <= m)
        elif parameter in (SH.minInclusive, SH.minExclusive, SH.maxInclusive, SH.maxExclusive):
            name = str(parameter).removeprefix(str(SH))
            component = name[0].upper() + name[1:]
            for bound in args:
                each_value(component, lambda v, b=bound, p=parameter: self._in_range(v, b, p))
        elif parameter == SH.languageIn:
            for head in args:
                wanted = {str(x).lower() for x in Collection(g, head)}
                each_value("LanguageIn", lambda v, w=wanted: _language_in(v, w))
        elif parameter == SH.uniqueLang:
            if any(a == Literal(True) for a in args):
                for f, vs in values.items():
                    seen: set[str] = set()
                    duplicates: set[str] = set()
                    for v in vs:
                        if isinstance(v, ox.Literal) and v.language:
                            lang = v.language.lower()
                            (duplicates if lang in seen else seen).add(lang)
                    out.extend(self._result(shape, "UniqueLang", f, None) for _ in sorted(duplicates))
        elif parameter == SH.hasValue:
            for wanted in args:
                term = to_ox(wanted)
                out.extend(self._result(shape, "HasValue", f, None) for f, vs in values.items() if term not in vs)
        elif parameter == SH["in"]:
            for head in args:
                allowed = {to_ox(x) for x in Collection(g, head)}
                each_value("In", lambda v, a=allowed: v in a)
        elif parameter in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
            out.extend(self._pair(shape, parameter, values))
        elif parameter == SH.node:
            for other in args:
                fine = self.conforming(other, {v for vs in values.values() for v in vs})
                each_value("Node", lambda v, ok=fine: v in ok)
        elif parameter == SH["not"]:
            for other in args:
                fine = self.conforming(other, {v for vs in values.values() for v in vs})
                each_value("Not", lambda v, ok=fine: v not in ok)
        elif parameter in (SH["and"], SH["or"], SH.xone):
            component = {SH["and"]: "And", SH["or"]: "Or", SH.xone: "Xone"}[parameter]
            everything = {v for vs in values.values() for v in vs}
            for head in args:
                members = list(Collection(g, head))
                fine = [self.conforming(m, everything) for m in members]
                low, high = {"And": (len(fine), len(fine)), "Or": (1, len(fine)), "Xone": (1, 1)}[component]

                def ok(v, fine=fine, low=low, high=high) -> bool:
                    return low <= sum(v in f for f in fine) <= high

                each_value(component, ok)
        elif parameter == SH.closed:
            if any(a == Literal(True) for a in args):
                out.extend(self._closed(shape, values))
        elif parameter == SH.sparql:
            for constraint in args:
                out.extend(self._sparql(shape, constraint, values))
        return out

    # -- helpers of single components

    def _has_datatype(self, v: ox.Term, datatype: rdflib.term.Node) -> bool:
        """pySHACL's rule: same datatype, and not ill-typed for the datatypes it knows."""
        if not isinstance(v, ox.Literal):
            return False
        if str(datatype) == str(RDFS.Literal):
            return True  # every literal is an rdfs:Literal
        if v.language:
            return str(datatype) == _RDF_LANGSTRING
        if str(datatype) == str(RDFS.Datatype):
            return v.datatype.value != _XSD_STRING  # as pySHACL: a plain string has no datatype to be one
        lit = self.data.literal(v)
        if v.datatype.value != str(datatype):
            return False
        if getattr(lit, "ill_typed", None) is True:
            return False
        return _python_value_matches(lit, str(datatype))

    def _in_range(self, v: ox.Term, bound: rdflib.term.Node, parameter: URIRef) -> bool:
        if not isinstance(v, ox.Literal) or not isinstance(bound, Literal):
            return False
        left, right = self.data.literal(v).value, bound.value
        if left is None or right is None or isinstance(left, bool) != isinstance(right, bool):
            return False
        try:
            if parameter == SH.minInclusive:
                return left >= right
            if parameter == SH.minExclusive:
                return left > right
            if parameter == SH.maxInclusive:
                return left <= right
            return left < right
        except TypeError:
            return False

    def _pair(self, shape: Shape, parameter: URIRef, values: dict[ox.Term, set[ox.Term]]) -> list[RawResult]:
        name = str(parameter).removeprefix(str(SH))
        component = name[0].upper() + name[1:]
        out = []
        for other in shape.parameters[parameter]:
            others = path_values(self.data, Path("predicate", ox.NamedNode(str(other))), values)
            for f, vs in values.items():
                ws = others[f]
                if parameter == SH.equals:
                    bad = sorted(vs ^ ws, key=str)
                elif parameter == SH.disjoint:
                    bad = sorted(vs & ws, key=str)
                else:
                    bad = sorted({v for v in vs for w in ws if not self._less(v, w, parameter == SH.lessThanOrEquals)}, key=str)
                out.extend(self._result(shape, component, f, v) for v in bad)
        return out

    def _less(self, v: ox.Term, w: ox.Term, or_equal: bool) -> bool:
        if not isinstance(v, ox.Literal) or not isinstance(w, ox.Literal):
            return False
        try:
            a, b = self.data.literal(v).value, self.data.literal(w).value
            return a <= b if or_equal else a < b
        except TypeError:
            return False

    def _closed(self, shape: Shape, values: dict[ox.Term, set[ox.Term]]) -> list[RawResult]:
        g = self.shapes.graph
        allowed = {p.path.predicate for p in shape.properties if p.path and p.path.kind == "predicate"}
        for head in g.objects(shape.node, SH.ignoredProperties):
            allowed |= {to_ox(x) for x in Collection(g, head)}
        out = []
        for f, vs in values.items():
            for v in sorted(vs, key=str):
                for quad in self.data.predicates_of(v):
                    if quad.predicate not in allowed:
                        out.append(
                            RawResult(f, quad.object, URIRef(quad.predicate.value), shape.node, SH.ClosedConstraintComponent, shape.severity, shape.messages)
                        )
        return out

    def _sparql(self, shape: Shape, constraint: rdflib.term.Node, values: dict[ox.Term, set[ox.Term]]) -> list[RawResult]:
        """A SHACL-SPARQL constraint, run once over the graph and kept for the focus nodes.

        SHACL pre-binds ``$this`` to each focus node in turn; running the query
        once, with ``$this`` free, gives the same solutions when the query
        binds ``$this`` in its own graph pattern (as every shape here does), at
        the cost of one query instead of one per focus node.
        """
        g = self.shapes.graph
        if g.value(constraint, SH.deactivated) == Literal(True):
            return []
        select = g.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShape("has a SPARQL constraint without sh:select")
        text = str(select)
        for variable in ("$currentShape", "$shapesGraph", "?currentShape", "?shapesGraph"):
            if variable in text:
                raise UnsupportedShape(f"has a SPARQL constraint that uses {variable}; use --engine pyshacl")
        if "$PATH" in text:
            if shape.path is None or shape.path.kind != "predicate":
                raise UnsupportedShape("has a SPARQL constraint that uses $PATH with a complex path")
            text = text.replace("$PATH", f"<{shape.path.predicate.value}>")
        prefixes = []
        for declaration_owner in g.objects(constraint, SH.prefixes):
            for declaration in g.objects(declaration_owner, SH.declare):
                prefixes.append(f"PREFIX {g.value(declaration, SH.prefix)}: <{g.value(declaration, SH.namespace)}>")
        messages = tuple(sorted(str(m) for m in g.objects(constraint, SH.message))) or shape.messages
        severity = shape.severity
        focus = set(values)  # $this is the focus node, for node and property shapes alike
        out = []
        for row in self.data.store.query("\n".join(prefixes + [text]), default_graph=self.data.graphs):
            this = _binding(row, "this")
            if this is None or this not in focus:
                continue
            value, path = _binding(row, "value"), _binding(row, "path")
            out.append(
                RawResult(
                    focus=this,
                    value=value if value is not None else this,
                    path=URIRef(path.value) if path is not None else shape.path_node,
                    shape=shape.node,
                    component=SH.SPARQLConstraintComponent,
                    severity=severity,
                    messages=tuple(_fill(m, row) for m in messages),
                )
            )
        return out


def _binding(row: ox.QuerySolution, name: str) -> ox.Term | None:
    try:
        return row[name]
    except KeyError:
        return None


def _fill(message: str, row: ox.QuerySolution) -> str:
    """Substitute ``{?var}`` and ``{$var}`` in a SPARQL constraint's message."""

    def value(match: re.Match) -> str:
        try:
            term = row[match.group(1)]
        except (KeyError, TypeError):
            return match.group(0)
        return term.value if term is not None else match.group(0)

    return re.sub(r"\{[?$](\w+)\}", value, message)


def _regex_flags(flags: rdflib.term.Node | None) -> int:
    result = 0
    text = str(flags).lower() if flags is not None else ""
    if "i" in text:
        result |= re.I
    if "m" in text:
        result |= re.M
    if "s" in text:
        result |= re.S
    if "x" in text:
        result |= re.X
    return result


def _language_in(v: ox.Term, wanted: set[str]) -> bool:
    if not isinstance(v, ox.Literal) or not v.language:
        return False
    lang = v.language.lower()
    return "*" in wanted or lang in wanted or lang.split("-")[0] in wanted


_PYTHON_KINDS = {
    str(XSD.string): (str, bytes),
    str(XSD.integer): int,
    str(XSD.float): float,
    str(XSD.decimal): decimal.Decimal,
    str(XSD.boolean): bool,
    str(XSD.date): datetime.date,
    str(XSD.time): datetime.time,
    str(XSD.dateTime): datetime.datetime,
}


def _python_value_matches(lit: Literal, datatype: str) -> bool:
    """pySHACL's check that a literal's Python value is of the datatype's kind (for the types it knows)."""
    kind = _PYTHON_KINDS.get(datatype)
    return True if kind is None else isinstance(lit.value, kind)


def validate(store: ox.Store, graphs: list[ox.NamedNode], shapes: rdflib.Graph, step: StepProgress | None = None) -> list[RawResult]:
    """Every result of the shapes on the union of ``graphs``; ``step`` counts the shapes done."""
    return Validator(StoreData(store, graphs), ShapesGraph(shapes)).validate(step)


def report_graph(results: list[RawResult], shapes: rdflib.Graph) -> rdflib.Graph:
    """A SHACL validation report, as pySHACL writes one (blank source shapes and paths are copied in)."""
    report = rdflib.Graph()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(not any(r.severity == _SH_VIOLATION for r in results))))
    copied: set[rdflib.term.Node] = set()

    def copy(node: rdflib.term.Node) -> None:
        if not isinstance(node, BNode) or node in copied:
            return
        copied.add(node)
        for p, o in shapes.predicate_objects(node):
            report.add((node, p, o))
            copy(o)

    for r in results:
        node = BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, to_rdflib(r.focus)))
        report.add((node, SH.resultSeverity, r.severity))
        report.add((node, SH.sourceShape, r.shape))
        report.add((node, SH.sourceConstraintComponent, r.component))
        copy(r.shape)
        if r.path is not None:
            report.add((node, SH.resultPath, r.path))
            copy(r.path)
        if r.value is not None:
            report.add((node, SH.value, to_rdflib(r.value)))
        for message in r.messages:
            report.add((node, SH.resultMessage, Literal(message)))
    return report
