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
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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


def canonical_ntriples(ntriples: bytes) -> bytes:
    """Deduplicated, sorted N-Triples with blank nodes renamed by RDFC-1.0: byte-stable output.

    Works on lines, not Python term objects, so a million triples sort in
    seconds. Only the lines that mention a blank node are canonicalized (in our
    graphs, the few RDF lists of the ontology), which keeps this cheap.
    """
    lines = set(ntriples.splitlines())
    lines.discard(b"")
    blank = {line for line in lines if b"_:" in line}
    if blank:
        lines -= blank
        dataset = ox.Dataset(ox.parse(b"\n".join(blank), format=ox.RdfFormat.N_TRIPLES))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        canonical = ox.serialize((q.triple for q in dataset), format=ox.RdfFormat.N_TRIPLES)
        lines.update(line for line in canonical.splitlines() if line)
    return b"\n".join(sorted(lines)) + b"\n"


def parse_ntriples(ntriples: bytes) -> Iterator[ox.Triple]:
    return (q.triple for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))


def rdflib_term(term: ox.Term):
    """The rdflib form of an Oxigraph term; an xsd:string literal has no datatype, as rdflib parses it."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def ox_term(term) -> ox.Term:
    """The Oxigraph form of an rdflib term."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(loaded, graphs: list[ox.NamedNode]):
    """Copy the given named graphs of a loaded graph into one rdflib Graph (for pyshacl and owlrl)."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=loaded.ntriples(graphs).decode("utf-8"), format="nt")
    return graph


def write_turtle(triples: Iterable[ox.Triple], path: Path) -> None:
    # No "id:" prefix in Turtle: its local names would need escaped slashes (id:org\/leru);
    # full IRIs read better there. JSON-LD compact IRIs may contain slashes, so it keeps it.
    used = {k: v for k, v in prefixes().items() if k != "id"}
    ox.serialize(triples, path, format=ox.RdfFormat.TURTLE, prefixes=used)




# ---------------------------------------------------------------- JSON-LD


@dataclass
class GraphStats:
    """Counts for the dataset description, gathered on the way (no extra pass)."""

    triples: int = 0
    subjects: set[str] = field(default_factory=set)
    classes: Counter[str] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)


class Compactor:
    """Turns IRIs into prefixed names and chooses a short term per property."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        stats = GraphStats()
        kinds: dict[str, set[str]] = defaultdict(set)
        for t in triples:
            p = t.predicate.value
            stats.triples += 1
            stats.subjects.add(str(t.subject))
            stats.properties[p] += 1
            if p == RDF_TYPE:
                if isinstance(t.object, ox.NamedNode):
                    stats.classes[t.object.value] += 1
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
        self._choose(kinds, stats)

    @classmethod
    def from_ntriples(cls, ntriples: bytes) -> Compactor:
        """The same compactor, read from N-Triples lines without building a term per triple.

        Oxigraph writes one triple per line, terms separated by single spaces,
        IRIs unescaped; subject and predicate never contain a space, and a
        literal's datatype or language follows its last quote.
        """
        stats = GraphStats()
        kinds: dict[str, set[str]] = defaultdict(set)
        rdf_type = f"<{RDF_TYPE}>".encode()
        for line in ntriples.splitlines():
            if not line:
                continue
            subject, predicate, rest = line.split(b" ", 2)
            obj = rest[:-2] if rest.endswith(b" .") else rest.rstrip(b" .")
            p = predicate[1:-1].decode("utf-8")
            stats.triples += 1
            stats.subjects.add(subject.decode("utf-8"))
            stats.properties[p] += 1
            first = obj[:1]
            if predicate == rdf_type:
                if first == b"<":
                    stats.classes[obj[1:-1].decode("utf-8")] += 1
                continue
            if first in (b"<", b"_"):
                kinds[p].add("@id")
                continue
            after = obj[obj.rindex(b'"') + 1:]
            if after.startswith(b"@"):
                kinds[p].add("@lang")
            elif after.startswith(b"^^<"):
                datatype = after[3:-1].decode("utf-8")
                kinds[p].add("@string" if datatype == XSD + "string" else datatype)
            else:
                kinds[p].add("@string")
        compactor = cls.__new__(cls)
        compactor._choose(kinds, stats)
        return compactor

    def _choose(self, kinds: dict[str, set[str]], stats: GraphStats) -> None:
        """Choose a short term and a coercion per property, from the kinds of values each has."""
        self.prefixes = prefixes()
        self.stats = stats
        # Longest namespace first, so id: wins over a shorter one that also matches; one regex
        # tries them all in C, and a cache answers the IRIs that recur (classes, concepts, sources).
        ordered = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        self._namespace = re.compile("|".join(re.escape(namespace) for _, namespace in ordered))
        self._prefix_of = {namespace: prefix for prefix, namespace in ordered}
        self._compact: dict[str, str] = {}
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
        match = self._namespace.match(iri)
        if match is None or match.end() == len(iri):
            return None, iri
        return self._prefix_of[match.group()], iri[match.end():]

    def iri(self, iri: str) -> str:
        """A compact IRI where a prefix fits and the rest is safe, else the IRI itself."""
        compact = self._compact.get(iri)
        if compact is None:
            prefix, local = self._split(iri)
            compact = iri if prefix is None or local.startswith("//") else f"{prefix}:{local}"
            self._compact[iri] = compact
        return compact

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
    current: dict[str, object] | None = None
    current_subject: ox.Term | None = None
    for t in triples:
        if t.subject != current_subject:
            if current is not None:
                yield _single_values(current)
            current_subject = t.subject
            current = {"@id": compactor.node_id(t.subject)}
        assert current is not None
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            current.setdefault("@type", []).append(compactor.iri(t.object.value))  # type: ignore[union-attr]
            continue
        key = compactor.key(t.predicate.value)
        current.setdefault(key, []).append(compactor.value(t.predicate.value, t.object))  # type: ignore[union-attr]
    if current is not None:
        yield _single_values(current)


def _single_values(node: dict[str, object]) -> dict[str, object]:
    for key, values in list(node.items()):
        if key != "@id" and isinstance(values, list) and len(values) == 1:
            node[key] = values[0]
    return node


def write_json(document: object, path: Path) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
