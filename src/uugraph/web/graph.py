"""The published graph as the server holds it: the store, and which subjects each document describes.

Loaded once from ``dist/graph.nt`` before any query worker is forked (the
workers share the store copy-on-write).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from uugraph.iris import document_path


def sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Triples in a stable order (subject, predicate, object), so a document's bytes do not vary."""
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


class Graph:
    """The store loaded from ``graph.nt`` and an index from document paths to the subjects they describe."""

    def __init__(self, ntriples: Path) -> None:
        self.store = ox.Store()
        self.store.load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
        self.documents: dict[str, list[str]] = {}
        seen: set[str] = set()
        for quad in self.store.quads_for_pattern(None, None, None, None):
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode) or subject.value in seen:
                continue
            seen.add(subject.value)
            path = document_path(subject.value)
            if path is not None:
                self.documents.setdefault(path, []).append(subject.value)
        for subjects in self.documents.values():
            subjects.sort(key=lambda s: ("#" in s, s))  # the thing first, then its fragments
        self.triples = len(self.store)

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
