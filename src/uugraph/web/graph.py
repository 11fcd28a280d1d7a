"""The published graph as the server holds it: the store, and which subjects each document describes.

Two sources, one interface. A build leaves its store in ``dist/store/``
(:mod:`uugraph.outputs.store`): the server opens it read-only, which takes
well under a second whatever the size, and reads the document index from its
SQLite file, so start-up parses nothing and the server's memory does not grow
with the graph. A ``dist/`` built before the store existed (or copied without
it) has only ``graph.nt``: that is loaded into an in-memory store, as it
always was, before any query worker is forked (the workers then share it
copy-on-write).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from uugraph.iris import document_path
from uugraph.outputs.site.on_demand import StorePages
from uugraph.outputs.store import DocumentIndex, has_store, store_path
from uugraph.rdf.compact import kinds_of_ntriples
from uugraph.rdf.terms import blank_node_lines, canonical_ntriples


def sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Triples in a stable order (subject, predicate, object), so a document's bytes do not vary."""
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


class Documents(Protocol):
    """Document paths to the subjects they describe (the thing first): a dict, or the built store's index."""

    def __contains__(self, path: object) -> bool: ...

    def __len__(self) -> int: ...

    def get(self, path: str, default: list[str], /) -> list[str]: ...


class Graph:
    """The published graph: ``store``, ``documents`` (path → subjects) and ``triples``.

    ``Graph(dist / "graph.nt")`` loads the dump into memory; :meth:`open`
    prefers the built store of ``dist/`` and falls back to that. ``path`` is
    the built store's folder when the graph is on disk: each query worker
    opens its own read-only handle on it after the fork (a RocksDB handle and
    its threads are not to be shared across ``fork``).
    """

    def __init__(self, ntriples: Path) -> None:
        self.path: Path | None = None
        self.dump: Path | None = ntriples
        self.store = ox.Store()
        self.store.load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
        documents: dict[str, list[str]] = {}
        seen: set[str] = set()
        for quad in self.store.quads_for_pattern(None, None, None, None):
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode) or subject.value in seen:
                continue
            seen.add(subject.value)
            path = document_path(subject.value)
            if path is not None:
                documents.setdefault(path, []).append(subject.value)
        for subjects in documents.values():
            subjects.sort(key=lambda s: ("#" in s, s))  # the thing first, then its fragments
        self.documents: Documents = documents
        self.triples = len(self.store)
        self.index: DocumentIndex | None = None

    @staticmethod
    def can_open(dist: Path) -> bool:
        """Whether ``dist`` holds a build to serve: its ``graph.nt`` or its built store (or both)."""
        return (dist / "graph.nt").is_file() or has_store(dist)

    @classmethod
    def open(cls, dist: Path, in_memory_below: int = 0) -> Graph:
        """The graph of a built ``dist/``: its store read-only when it has one, else ``graph.nt`` loaded.

        A graph of fewer than ``in_memory_below`` triples is loaded into memory
        even when the store is there: at a million triples the queries of
        ``queries/`` ran 5-20 times slower on the on-disk store (bench/RESULTS.md),
        while loading takes seconds and memory the graph's size; above it, start-up
        time and memory matter more.
        """
        if not has_store(dist):
            return cls(dist / "graph.nt")
        index = DocumentIndex(dist)
        if index.triples < in_memory_below and (dist / "graph.nt").is_file():
            return cls(dist / "graph.nt")
        graph = cls.__new__(cls)
        graph.path = store_path(dist)
        graph.dump = dist / "graph.nt"
        graph.store = ox.Store.read_only(str(graph.path))
        graph.documents = graph.index = index
        graph.triples = index.triples
        return graph

    def pages(self) -> StorePages:
        """The static site's pages rendered on demand from this graph (each reads only what it shows).

        What they need of the whole graph, the kinds of value of each predicate
        and the lines with blank nodes, the built store keeps. A graph loaded
        into memory (or a store built before it kept them) reads them from
        ``graph.nt``, or from a canonical dump of the store when that is gone.
        """
        kinds = self.index.kinds() if self.index is not None else None
        blank_lines = self.index.blank_lines() if self.index is not None else None
        if kinds is None or blank_lines is None:
            if self.dump is not None and self.dump.is_file():
                ntriples = self.dump.read_bytes()
            else:
                ntriples = canonical_ntriples(self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b"")
            kinds, blank_lines = kinds_of_ntriples(ntriples), blank_node_lines(ntriples)
        return StorePages(self.store, self.documents, kinds, blank_lines)

    def describe(self, path: str) -> list[ox.Triple]:
        """The triples of a document: its thing's, its fragments', and those of blank nodes they reach."""
        out: list[ox.Triple] = []
        todo: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(s) for s in self.documents.get(path, [])]
        done: set[str] = set()
        while todo:
            subject = todo.pop()
            if str(subject) in done:
                continue
            done.add(str(subject))
            for quad in self.store.quads_for_pattern(subject, None, None, None):
                out.append(quad.triple)
                if isinstance(quad.object, ox.BlankNode):
                    todo.append(quad.object)
        return sorted_triples(out)
