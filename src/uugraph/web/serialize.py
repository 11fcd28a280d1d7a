"""The RDF graph writers of the server: documents, CONSTRUCT/DESCRIBE answers and descriptions.

Prefixes come from :func:`uugraph.rdf.namespaces.prefixes` and JSON-LD terms
from :class:`uugraph.rdf.compact.Compactor`, the same as the files of
``dist/`` (:mod:`uugraph.pipeline.export`), so a document reads the same
whether it was built or rendered here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import cast

import pyoxigraph as ox

from uugraph.rdf.compact import Compactor
from uugraph.rdf.namespaces import RDF_TYPE, prefixes
from uugraph.rdf.terms import serialized
from uugraph.web.graph import sorted_triples

# The formats graph_bytes writes, by the short names of uugraph.web.media.GRAPH_FORMAT.
FORMATS = ("ttl", "jsonld", "nt", "rdfxml")


def turtle_bytes(triples: Iterable[ox.Triple]) -> bytes:
    """Turtle with the published prefixes but ``id:`` (its local names would need escaped slashes)."""
    used = {k: v for k, v in prefixes().items() if k != "id"}
    return serialized(ox.serialize(list(triples), format=ox.RdfFormat.TURTLE, prefixes=used))


def ntriples_bytes(triples: Iterable[ox.Triple]) -> bytes:
    """N-Triples, one triple a line, in the order given."""
    return serialized(ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES))


def rdfxml_bytes(triples: Iterable[ox.Triple]) -> bytes:
    return serialized(ox.serialize(list(triples), format=ox.RdfFormat.RDF_XML))


def jsonld_document(triples: Iterable[ox.Triple]) -> dict[str, object]:
    """Compact JSON-LD with an embedded ``@context``, written by :class:`uugraph.rdf.compact.Compactor`.

    The same term choices and value forms as ``graph.jsonld``, so it expands to
    exactly the given triples with any JSON-LD 1.1 processor, offline.
    """
    triples = sorted_triples(triples)
    compactor = Compactor(triples)
    nodes: dict[str, dict[str, object]] = {}
    for t in triples:
        subject, obj = t.subject, t.object
        if isinstance(subject, ox.Triple) or isinstance(obj, ox.Triple):
            continue  # RDF-star: the published graph has no quoted triples
        node = nodes.setdefault(str(subject), {"@id": compactor.node_id(subject)})
        if t.predicate.value == RDF_TYPE and isinstance(obj, ox.NamedNode):
            cast(list[object], node.setdefault("@type", [])).append(compactor.iri(obj.value))
            continue
        cast(list[object], node.setdefault(compactor.key(t.predicate.value), [])).append(compactor.value(t.predicate.value, obj))
    graph = []
    for node in nodes.values():
        for key, values in list(node.items()):
            if key != "@id" and isinstance(values, list) and len(values) == 1:
                node[key] = values[0]
        graph.append(node)
    return {"@context": compactor.context(), "@graph": graph}


def jsonld_bytes(triples: Iterable[ox.Triple]) -> bytes:
    return (json.dumps(jsonld_document(triples), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def graph_bytes(triples: list[ox.Triple], fmt: str) -> bytes:
    """The triples in ``fmt``, one of :data:`FORMATS` (N-Triples for any other name)."""
    if fmt == "ttl":
        return turtle_bytes(triples)
    if fmt == "jsonld":
        return jsonld_bytes(triples)
    if fmt == "rdfxml":
        return rdfxml_bytes(triples)
    return ntriples_bytes(triples)
