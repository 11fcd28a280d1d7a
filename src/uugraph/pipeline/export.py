"""Stage 4, export: write the published graph as Turtle, N-Triples and JSON-LD.

The published graph is the ontology, the data and the derived links (the
inferred graph of :mod:`uugraph.pipeline.reason`), nothing else: no shapes, no
reasoner noise. Every output is deterministic (sorted, blank nodes named by
RDF canonicalization, no clock) so that two builds of one commit are
byte-identical and a diff between builds is a review of the data.

JSON-LD is written against a *generated, compact* ``@context``: a fixed set
of prefixes plus one short term per property the graph uses (``prefLabel``,
``memberOf`` …), with ``"@type": "@id"`` or a datatype only where every value
of that property fits it. The context is embedded in ``graph.jsonld`` (so the
file expands offline with any JSON-LD 1.1 processor) and written on its own as
``context.jsonld`` for reuse. The writer is our own because it is exact and
fast; the tests expand its output with pyld and compare it with the Turtle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from uugraph.rdf.compact import Compactor, GraphStats
from uugraph.rdf.namespaces import RDF_TYPE, prefixes
from uugraph.rdf.terms import Subject, parse_ntriples

__all__ = ["GraphStats", "write_json", "write_jsonld", "write_turtle"]


def write_turtle(triples: Iterable[ox.Triple], path: Path) -> None:
    # No "id:" prefix in Turtle: its local names would need escaped slashes (id:org\/leru);
    # full IRIs read better there. JSON-LD compact IRIs may contain slashes, so it keeps it.
    used = {k: v for k, v in prefixes().items() if k != "id"}
    ox.serialize(triples, path, format=ox.RdfFormat.TURTLE, prefixes=used)


# ---------------------------------------------------------------- JSON-LD


def write_jsonld(ntriples: bytes, document_path: Path, context_path: Path) -> GraphStats:
    """Write the compact JSON-LD document and its context from sorted N-Triples, node by node.

    Two passes over the triples: one to choose the context's terms, one to
    write each subject's node as soon as its triples (adjacent, since the
    input is sorted) are read. Memory stays bounded by one node.
    """
    compactor = Compactor.from_ntriples(ntriples)
    context = compactor.context()
    write_json({"@context": context}, context_path)
    with document_path.open("w", encoding="utf-8") as out:
        header = json.dumps({"@context": context}, ensure_ascii=False, indent=1)
        out.write(header[: header.rindex("}")].rstrip() + ',\n "@graph": [')
        first = True
        for node in _nodes(compactor, parse_ntriples(ntriples)):
            out.write(("\n  " if first else ",\n  ") + json.dumps(node, ensure_ascii=False, separators=(",", ":")))
            first = False
        out.write("\n ]\n}\n")
    return compactor.stats


def _nodes(compactor: Compactor, triples: Iterable[ox.Triple]) -> Iterator[dict[str, object]]:
    current: dict[str, Any] | None = None
    current_subject: Subject | None = None
    for t in triples:
        subject, value = t.subject, t.object
        if isinstance(subject, ox.Triple) or isinstance(value, ox.Triple):
            raise ValueError(f"a quoted triple cannot be written as JSON-LD 1.1: {t}")
        if subject != current_subject:
            if current is not None:
                yield _single_values(current)
            current_subject = subject
            current = {"@id": compactor.node_id(subject)}
        assert current is not None
        if t.predicate.value == RDF_TYPE and isinstance(value, ox.NamedNode):
            current.setdefault("@type", []).append(compactor.iri(value.value))
            continue
        key = compactor.key(t.predicate.value)
        current.setdefault(key, []).append(compactor.value(t.predicate.value, value))
    if current is not None:
        yield _single_values(current)


def _single_values(node: dict[str, object]) -> dict[str, object]:
    for key, values in list(node.items()):
        if key != "@id" and isinstance(values, list) and len(values) == 1:
            node[key] = values[0]
    return node


def write_json(document: object, path: Path) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
