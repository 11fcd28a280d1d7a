"""SHACL property paths: read from the shapes graph, followed on the store in bulk, written back.

A path is followed for all focus nodes at once: a predicate by one scan of
the predicate when there are many nodes (an index lookup per node when there
are few), a sequence step by step over the union of the nodes reached. The
inverse of a complex path is rewritten into inverses of predicates when the
path is read, so only ``sh:inversePath`` of a predicate is ever followed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox
import rdflib
from rdflib import RDF, BNode, URIRef
from rdflib.collection import Collection

from uugraph.shacl.data import StoreData
from uugraph.shacl.results import SH, OxTerm, UnsupportedShape

_SPARQL_SUFFIX = {"zeroOrMore": "*", "oneOrMore": "+", "zeroOrOne": "?"}
_UNARY = {"zeroOrMore": SH.zeroOrMorePath, "oneOrMore": SH.oneOrMorePath, "zeroOrOne": SH.zeroOrOnePath}


@dataclass(frozen=True)
class Path:
    kind: str  # "predicate", "inverse", "sequence", "alternative", "zeroOrMore", "oneOrMore", "zeroOrOne"
    predicate: ox.NamedNode | None = None
    parts: tuple[Path, ...] = ()


def compile_path(shapes: rdflib.Graph, node: rdflib.term.Node) -> Path:
    """The path a ``sh:path`` value describes (SHACL 2.3.1); anything else is refused."""
    if isinstance(node, URIRef):
        return Path("predicate", ox.NamedNode(str(node)))
    if (node, RDF.first, None) in shapes:
        return Path("sequence", parts=tuple(compile_path(shapes, p) for p in Collection(shapes, node)))
    inner = shapes.value(node, SH.inversePath)
    if inner is not None:
        return _inverse(compile_path(shapes, inner))
    for kind, predicate in _UNARY.items():
        inner = shapes.value(node, predicate)
        if inner is not None:
            return Path(kind, parts=(compile_path(shapes, inner),))
    alternatives = shapes.value(node, SH.alternativePath)
    if alternatives is not None:
        return Path("alternative", parts=tuple(compile_path(shapes, p) for p in Collection(shapes, alternatives)))
    raise UnsupportedShape("a sh:path that is not a SHACL property path")


def _inverse(path: Path) -> Path:
    """``^path`` as a path made of inverses of predicates only (``^(a/b)`` is ``^b/^a``)."""
    if path.kind == "predicate":
        return Path("inverse", parts=(path,))
    if path.kind == "inverse":
        return path.parts[0]
    if path.kind == "sequence":
        return Path("sequence", parts=tuple(_inverse(p) for p in reversed(path.parts)))
    return Path(path.kind, parts=tuple(_inverse(p) for p in path.parts))


def sparql(path: Path) -> str:
    """The path in SPARQL property path syntax, for ``$PATH`` in a SHACL-SPARQL query."""
    if path.kind == "predicate":
        assert path.predicate is not None
        return f"<{path.predicate.value}>"
    if path.kind == "inverse":
        return f"^{sparql(path.parts[0])}"
    if path.kind == "sequence":
        return "(" + "/".join(sparql(p) for p in path.parts) + ")"
    if path.kind == "alternative":
        return "(" + "|".join(sparql(p) for p in path.parts) + ")"
    return f"({sparql(path.parts[0])}){_SPARQL_SUFFIX[path.kind]}"


def write_path(graph: rdflib.Graph, path: Path) -> rdflib.term.Node:
    """The path written into ``graph`` with fresh blank nodes (a report's own copy of ``sh:resultPath``)."""
    if path.kind == "predicate":
        assert path.predicate is not None
        return URIRef(path.predicate.value)
    node = BNode()
    if path.kind == "sequence":
        Collection(graph, node, [write_path(graph, p) for p in path.parts])
    elif path.kind == "alternative":
        head = BNode()
        Collection(graph, head, [write_path(graph, p) for p in path.parts])
        graph.add((node, SH.alternativePath, head))
    elif path.kind == "inverse":
        graph.add((node, SH.inversePath, write_path(graph, path.parts[0])))
    else:
        graph.add((node, _UNARY[path.kind], write_path(graph, path.parts[0])))
    return node


_NONE = cast("set[OxTerm]", frozenset())  # shared by every node without values: never changed


def path_values(data: StoreData, path: Path, nodes: Iterable[OxTerm]) -> dict[OxTerm, set[OxTerm]]:
    """The value nodes of each node along ``path`` (shared sets: callers must not change them)."""
    nodes = list(nodes)
    if path.kind == "predicate":
        assert path.predicate is not None
        if data.worth_scanning("forward", path.predicate, len(nodes)):
            table = data.forward(path.predicate)
            return {n: table.get(n, _NONE) for n in nodes}
        return {n: data.objects(n, path.predicate) for n in nodes}
    if path.kind == "inverse":
        inner = path.parts[0].predicate
        assert inner is not None
        if data.worth_scanning("backward", inner, len(nodes)):
            table = data.backward(inner)
            return {n: table.get(n, _NONE) for n in nodes}
        return {n: data.subjects(inner, n) for n in nodes}
    if path.kind == "sequence":
        current: dict[OxTerm, set[OxTerm]] = {n: {n} for n in nodes}
        for part in path.parts:
            step = path_values(data, part, {v for vs in current.values() for v in vs})
            current = {n: {w for v in vs for w in step[v]} for n, vs in current.items()}
        return current
    if path.kind == "alternative":
        values: dict[OxTerm, set[OxTerm]] = {n: set() for n in nodes}
        for part in path.parts:
            for n, vs in path_values(data, part, nodes).items():
                values[n] |= vs
        return values
    if path.kind == "zeroOrOne":
        return {n: {n} | vs for n, vs in path_values(data, path.parts[0], nodes).items()}
    # zeroOrMore / oneOrMore: breadth first from each node
    result = {}
    for n in nodes:
        reached: set[OxTerm] = set()
        frontier = {n}
        while frontier:
            step = path_values(data, path.parts[0], frontier)
            frontier = {v for vs in step.values() for v in vs} - reached
            reached |= frontier
        result[n] = reached | ({n} if path.kind == "zeroOrMore" else set())
    return result
