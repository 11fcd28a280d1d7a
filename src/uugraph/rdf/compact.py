"""Compact IRIs and JSON-LD terms: one compactor for every output that shortens IRIs.

The prefixes are those of :func:`uugraph.rdf.namespaces.prefixes`; a short
term per property is chosen from the values the graph gives it, so the
JSON-LD ``@context`` says only what the graph uses.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from uugraph.config import base_iri
from uugraph.rdf.namespaces import RDF_TYPE, XSD, XSD_STRING, prefixes
from uugraph.rdf.terms import Resource


def _entity_prefix() -> str:
    """How the subjects counted as void:entities begin, as N-Triples writes them: ``<`` and the base's ``id/``."""
    return f"<{base_iri()}id/"


# Which namespace owns a short term when two vocabularies share a local name.
TERM_PRIORITY = ["uuo", "org", "skos", "dcterms", "prov", "time", "schema", "foaf", "rdfs", "owl", "vann", "void", "dcat", "rdf", "sh"]


@dataclass
class GraphStats:
    """Counts for the dataset description, gathered on the way (no extra pass).

    The subjects are counted, not kept: a set of every subject would be the
    largest thing the JSON-LD writer holds (hundreds of megabytes at ten
    million triples).
    """

    triples: int = 0
    #: Distinct subjects, and those of them under the base's ``id/`` (void:entities).
    subjects: int = 0
    entities: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)

    def count_subject(self, subject: str, entity_prefix: str) -> None:
        """Count a subject not seen before, written as N-Triples writes it (``<iri>`` or ``_:b``)."""
        self.subjects += 1
        self.entities += subject.startswith(entity_prefix)


class Compactor:
    """Turns IRIs into prefixed names and chooses a short term per property."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        stats = GraphStats()
        kinds: dict[str, set[str]] = defaultdict(set)
        subjects: set[str] = set()
        entities = _entity_prefix()
        for t in triples:
            p = t.predicate.value
            stats.triples += 1
            subject = str(t.subject)
            if subject not in subjects:
                subjects.add(subject)
                stats.count_subject(subject, entities)
            stats.properties[p] += 1
            if p == RDF_TYPE:
                if isinstance(t.object, ox.NamedNode):
                    stats.classes[t.object.value] += 1
                continue
            o = t.object
            if not isinstance(o, ox.Literal):
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
        """The same compactor, read from sorted N-Triples lines without building a term per triple.

        Oxigraph writes one triple per line, terms separated by single spaces,
        IRIs unescaped; subject and predicate never contain a space, and a
        literal's datatype or language follows its last quote. The lines are
        read one at a time (a list of them would hold the graph twice over),
        and sorted, so a subject's lines are adjacent and counting subjects
        needs no set of them.
        """
        stats = GraphStats()
        kinds: dict[str, set[str]] = defaultdict(set)
        rdf_type = f"<{RDF_TYPE}>".encode()
        entities = _entity_prefix()
        previous = b""
        for line in io.BytesIO(ntriples):  # shares the bytes; yields one line at a time
            line = line.rstrip(b"\r\n")
            if not line:
                continue
            subject, predicate, rest = line.split(b" ", 2)
            obj = rest[:-2] if rest.endswith(b" .") else rest.rstrip(b" .")
            p = predicate[1:-1].decode("utf-8")
            stats.triples += 1
            if subject != previous:
                previous = subject
                stats.count_subject(subject.decode("utf-8"), entities)
            stats.properties[p] += 1
            first = obj[:1]
            if predicate == rdf_type:
                if first == b"<":
                    stats.classes[obj[1:-1].decode("utf-8")] += 1
                continue
            if first in (b"<", b"_"):
                kinds[p].add("@id")
                continue
            after = obj[obj.rindex(b'"') + 1 :]
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

    @classmethod
    def from_kinds(cls, kinds: Iterable[tuple[str, str]]) -> Compactor:
        """The compactor of a graph whose properties have these kinds of value: (predicate, kind) pairs.

        A kind is ``@id``, ``@lang``, ``@string`` or a datatype IRI, as
        :func:`kinds_of_ntriples` gives them. The terms and coercions depend on
        nothing else, so a page rendered from part of the graph can use the
        whole graph's.
        """
        by_predicate: dict[str, set[str]] = defaultdict(set)
        for predicate, kind in kinds:
            if predicate != RDF_TYPE:
                by_predicate[predicate].add(kind)
        compactor = cls.__new__(cls)
        compactor._choose(by_predicate, GraphStats())
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
        return self._prefix_of[match.group()], iri[match.end() :]

    def iri(self, iri: str) -> str:
        """A compact IRI where a prefix fits and the rest is safe, else the IRI itself."""
        compact = self._compact.get(iri)
        if compact is None:
            prefix, local = self._split(iri)
            compact = iri if prefix is None or local.startswith("//") else f"{prefix}:{local}"
            self._compact[iri] = compact
        return compact

    def node_id(self, term: Resource) -> str:
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return self.iri(term.value)

    def key(self, predicate: str) -> str:
        return self.terms.get(predicate) or self.iri(predicate)

    def value(self, predicate: str, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
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


# A line's predicate, then a node object's first byte, or what follows a literal's closing quote.
_XSD_STRING = XSD_STRING.encode()
_PREDICATE_AND_KIND = re.compile(rb'^[^ ]+ <([^>]*)> (?:(<|_)|"(?:[^"\\\n]|\\.)*"(@|\^\^<[^>]*>)?)', re.M)


def kinds_of_ntriples(ntriples: bytes) -> list[tuple[str, str]]:
    """The (predicate, kind of value) pairs of N-Triples, sorted: what :meth:`Compactor.from_kinds` reads.

    One regular expression over the bytes (2 s for two million lines), as
    :meth:`Compactor.from_ntriples` tells the kinds apart, without a Python
    object per line.
    """
    kinds: set[tuple[bytes, bytes]] = set()
    for match in _PREDICATE_AND_KIND.finditer(ntriples):
        predicate, node, after = match.groups()
        if node:
            kinds.add((predicate, b"@id"))
        elif after == b"@":
            kinds.add((predicate, b"@lang"))
        elif after and after[3:-1] != _XSD_STRING:
            kinds.add((predicate, after[3:-1]))
        else:
            kinds.add((predicate, b"@string"))
    return sorted((p.decode("utf-8"), k.decode("utf-8")) for p, k in kinds)
