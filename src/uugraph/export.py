"""Stage 4, export: write the published graph as Turtle, N-Triples and JSON-LD.

The published graph is the ontology, the data and the derived links (the
inferred graph of :mod:`uugraph.reason`), nothing else: no shapes, no
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
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from uugraph.config import base_iri

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def prefixes() -> dict[str, str]:
    """The prefixes of every published file, in the order they are written."""
    base = base_iri()
    return {
        "uuo": base + "def/",
        "id": base + "id/",
        "org": "http://www.w3.org/ns/org#",
        "schema": "https://schema.org/",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dcterms": "http://purl.org/dc/terms/",
        "prov": "http://www.w3.org/ns/prov#",
        "time": "http://www.w3.org/2006/time#",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "owl": "http://www.w3.org/2002/07/owl#",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": XSD,
        "vann": "http://purl.org/vocab/vann/",
        "void": "http://rdfs.org/ns/void#",
        "dcat": "http://www.w3.org/ns/dcat#",
        "sh": "http://www.w3.org/ns/shacl#",
    }


# Which namespace owns a short term when two vocabularies share a local name.
TERM_PRIORITY = ["uuo", "org", "skos", "dcterms", "prov", "time", "schema", "foaf", "rdfs", "owl", "vann", "void", "dcat", "rdf", "sh"]


# ---------------------------------------------------------------- helpers


def sort_key(triple: ox.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def canonical_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Sorted triples with blank nodes renamed by RDFC-1.0, so output is byte-stable.

    Only the triples that touch a blank node are canonicalized (in our graphs,
    the few RDF lists of the ontology), which keeps this cheap on big graphs.
    """
    plain: list[ox.Triple] = []
    with_blanks = ox.Dataset()
    for t in triples:
        if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
            with_blanks.add(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
        else:
            plain.append(t)
    if len(with_blanks):
        with_blanks.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        plain.extend(q.triple for q in with_blanks)
    plain.sort(key=sort_key)
    return plain


def to_rdflib(loaded, graphs: list[ox.NamedNode]):
    """Copy the given named graphs of a loaded graph into one rdflib Graph (for pyshacl and owlrl)."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=loaded.ntriples(graphs).decode("utf-8"), format="nt")
    return graph


def write_turtle(triples: list[ox.Triple], path: Path) -> None:
    # No "id:" prefix in Turtle: its local names would need escaped slashes (id:org\/leru);
    # full IRIs read better there. JSON-LD compact IRIs may contain slashes, so it keeps it.
    used = {k: v for k, v in prefixes().items() if k != "id"}
    ox.serialize(triples, path, format=ox.RdfFormat.TURTLE, prefixes=used)


def write_ntriples(triples: list[ox.Triple], path: Path) -> None:
    ox.serialize(triples, path, format=ox.RdfFormat.N_TRIPLES)


# ---------------------------------------------------------------- JSON-LD


class Compactor:
    """Turns IRIs into prefixed names and chooses a short term per property."""

    def __init__(self, triples: list[ox.Triple]) -> None:
        self.prefixes = prefixes()
        # Longest namespace first, so id: wins over a shorter one that also matches.
        self._ordered = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        kinds: dict[str, set[str]] = defaultdict(set)
        for t in triples:
            p = t.predicate.value
            if p == RDF_TYPE:
                continue
            o = t.object
            if isinstance(o, (ox.NamedNode, ox.BlankNode)):
                kinds[p].add("@id")
            elif o.language:
                kinds[p].add("@lang")
            elif o.datatype.value == XSD + "string":
                kinds[p].add("@string")
            else:
                kinds[p].add(o.datatype.value)
        self.terms: dict[str, str] = {}  # property IRI -> term
        self.coercion: dict[str, str] = {}  # property IRI -> "@id" or datatype IRI
        candidates: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for p in kinds:
            prefix, local = self._split(p)
            if prefix is None or not local.isidentifier() or local in self.prefixes:
                continue
            candidates[local].append((TERM_PRIORITY.index(prefix) if prefix in TERM_PRIORITY else 99, p))
        for local, owners in candidates.items():
            owners.sort()
            self.terms[owners[0][1]] = local
        for p, seen in kinds.items():
            if len(seen) == 1:
                (only,) = seen
                if only == "@id" or only.startswith("http"):
                    self.coercion[p] = only

    def _split(self, iri: str) -> tuple[str | None, str]:
        for prefix, namespace in self._ordered:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return prefix, iri[len(namespace):]
        return None, iri

    def iri(self, iri: str) -> str:
        """A compact IRI where a prefix fits and the rest is safe, else the IRI itself."""
        prefix, local = self._split(iri)
        if prefix is None or local.startswith("//"):
            return iri
        return f"{prefix}:{local}"

    def node_id(self, term: ox.Term) -> str:
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return self.iri(term.value)

    def key(self, predicate: str) -> str:
        return self.terms.get(predicate) or self.iri(predicate)

    def value(self, predicate: str, term: ox.Term) -> object:
        # Coercion lives in a term definition: a property written as a compact IRI has none.
        coerced = self.coercion.get(predicate) if predicate in self.terms else None
        if isinstance(term, (ox.NamedNode, ox.BlankNode)):
            node = self.node_id(term)
            return node if coerced == "@id" else {"@id": node}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        datatype = term.datatype.value
        if datatype == XSD + "string":
            return {"@value": term.value} if coerced else term.value
        if coerced == datatype:
            return term.value
        return {"@value": term.value, "@type": self.iri(datatype)}

    def context(self) -> dict[str, object]:
        context: dict[str, object] = dict(self.prefixes)
        for predicate, term in sorted(self.terms.items(), key=lambda kv: kv[1]):
            definition: dict[str, str] = {"@id": self.iri(predicate)}
            coerced = self.coercion.get(predicate)
            if coerced == "@id":
                definition["@type"] = "@id"
            elif coerced:
                definition["@type"] = self.iri(coerced)
            context[term] = definition
        return context


def jsonld_document(triples: list[ox.Triple]) -> tuple[dict[str, object], dict[str, object]]:
    """The compact JSON-LD document for ``triples`` and its ``@context``."""
    compactor = Compactor(triples)
    nodes: dict[str, dict[str, object]] = {}
    for t in triples:  # sorted by subject, predicate, object
        subject = compactor.node_id(t.subject)
        node = nodes.setdefault(subject, {"@id": subject})
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(compactor.iri(t.object.value))  # type: ignore[union-attr]
            continue
        key = compactor.key(t.predicate.value)
        node.setdefault(key, []).append(compactor.value(t.predicate.value, t.object))  # type: ignore[union-attr]
    graph = []
    for node in nodes.values():
        for key, values in list(node.items()):
            if key != "@id" and isinstance(values, list) and len(values) == 1:
                node[key] = values[0]
        graph.append(node)
    context = compactor.context()
    return {"@context": context, "@graph": graph}, {"@context": context}


def write_json(document: object, path: Path) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
