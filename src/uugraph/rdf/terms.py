"""Terms and N-Triples: the conversions between Oxigraph and rdflib, and the byte-stable line form.

Oxigraph is the store; rdflib is what pySHACL, owlrl and the shapes reader
speak. One pair of conversions serves every module that crosses between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import pyoxigraph as ox

from uugraph.rdf.namespaces import XSD

if TYPE_CHECKING:
    import rdflib

# pyoxigraph has no common base class of its terms: these aliases name the unions
# its stubs use, for annotations (``ox.Term`` does not exist).
Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""Any RDF term: what an object position (or a SPARQL solution value) holds."""
Subject: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Triple
"""What a subject position holds (RDF-star: a quoted triple too)."""
Resource: TypeAlias = ox.NamedNode | ox.BlankNode
"""A node that is not a literal: what a plain RDF 1.1 subject is."""
GraphName: TypeAlias = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
"""A graph name of a quad, or what ``Store.query(default_graph=…)`` takes."""


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
        canonical = ox.serialize((q.triple for q in dataset), format=ox.RdfFormat.N_TRIPLES) or b""
        lines.update(line for line in canonical.splitlines() if line)
    return b"\n".join(sorted(lines)) + b"\n"


def parse_ntriples(ntriples: bytes) -> Iterator[ox.Triple]:
    return (q.triple for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Identifier:
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


def ox_term(term: Any) -> ox.NamedNode | ox.BlankNode | ox.Literal:
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


class NTriplesSource(Protocol):
    """Anything that writes named graphs of its store as N-Triples (the pipeline's ``LoadedGraph``)."""

    def ntriples(self, graphs: list[ox.NamedNode]) -> bytes: ...


def to_rdflib(loaded: NTriplesSource, graphs: list[ox.NamedNode]) -> rdflib.Graph:
    """Copy the given named graphs of a loaded graph into one rdflib Graph (for pyshacl and owlrl)."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=loaded.ntriples(graphs).decode("utf-8"), format="nt")
    return graph
