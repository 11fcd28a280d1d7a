"""The dataset's own description: VoID statistics and DCAT distributions.

Harvesters read ``void.ttl`` to learn what the dataset is, who publishes it
under which licence, how big it is and where its dumps are. Every figure is
computed from the published triples and files, and the version comes from the
project, so the description is as deterministic as the graph.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from uugraph.config import base_iri, version
from uugraph.rdf.compact import GraphStats
from uugraph.rdf.namespaces import RDF_TYPE, XSD, prefixes
from uugraph.rdf.terms import Term

DISTRIBUTIONS = [
    ("graph.ttl", "turtle", "text/turtle", "Turtle"),
    ("graph.nt", "n-triples", "application/n-triples", "N-Triples"),
    ("graph.jsonld", "json-ld", "application/ld+json", "JSON-LD"),
]


def dataset_iri() -> str:
    return base_iri() + "id/dataset/uugraph"


def dataset_description(stats: GraphStats, folder: Path) -> list[ox.Triple]:
    """VoID + DCAT triples describing the published graph in ``folder``, from counts made while writing it."""
    ns = prefixes()
    base = base_iri()

    def n(prefix: str, local: str) -> ox.NamedNode:
        return ox.NamedNode(ns[prefix] + local)

    def lit(value: str, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
        if lang:
            return ox.Literal(value, language=lang)
        if datatype:
            return ox.Literal(value, datatype=ox.NamedNode(datatype))
        return ox.Literal(value)

    def count(value: int) -> ox.Literal:
        return lit(str(value), datatype=XSD + "integer")

    dataset = ox.NamedNode(dataset_iri())
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: ox.NamedNode, o: Term) -> None:
        out.append(ox.Triple(s, p, o))

    a = ox.NamedNode(RDF_TYPE)
    classes, properties, total = stats.classes, stats.properties, stats.triples
    vocabularies = sorted({ns[p] for p in ("uuo", "org", "schema", "skos", "dcterms", "prov", "time", "foaf")})

    add(dataset, a, n("void", "Dataset"))
    add(dataset, a, n("dcat", "Dataset"))
    add(dataset, n("dcterms", "title"), lit("uugraph: Utrecht University's international networks", "en"))
    add(
        dataset,
        n("dcterms", "description"),
        lit(
            "The networks, alliances and commitments of Utrecht University as linked data: dated memberships, signatures, partner universities and countries, and figures, each with its source.", "en"
        ),
    )
    add(dataset, n("dcterms", "publisher"), ox.NamedNode(base + "id/org/utrecht-university"))
    add(dataset, n("dcterms", "license"), ox.NamedNode("https://creativecommons.org/licenses/by/4.0/"))
    add(dataset, n("dcterms", "source"), ox.NamedNode(base + "id/source/uu-international-networks"))
    add(dataset, n("owl", "versionInfo"), lit(version()))
    add(dataset, n("dcat", "version"), lit(version()))
    add(dataset, n("void", "uriSpace"), lit(base + "id/"))
    add(dataset, n("void", "triples"), count(total))
    add(dataset, n("void", "entities"), count(stats.entities))
    add(dataset, n("void", "distinctSubjects"), count(stats.subjects))
    add(dataset, n("void", "properties"), count(len(properties)))
    add(dataset, n("void", "classes"), count(len(classes)))
    for vocabulary in vocabularies:
        add(dataset, n("void", "vocabulary"), ox.NamedNode(vocabulary))
    for cls, number in sorted(classes.items()):
        partition = ox.NamedNode(f"{dataset.value}/class/{_local(cls)}")
        add(dataset, n("void", "classPartition"), partition)
        add(partition, n("void", "class"), ox.NamedNode(cls))
        add(partition, n("void", "entities"), count(number))
    for file_name, slug, media_type, label in DISTRIBUTIONS:
        distribution = ox.NamedNode(f"{dataset.value}/distribution/{slug}")
        url = ox.NamedNode(base + file_name)
        add(dataset, n("dcat", "distribution"), distribution)
        add(dataset, n("void", "dataDump"), url)
        add(distribution, a, n("dcat", "Distribution"))
        add(distribution, n("dcterms", "title"), lit(f"uugraph as {label}", "en"))
        add(distribution, n("dcat", "downloadURL"), url)
        add(distribution, n("dcat", "mediaType"), ox.NamedNode(f"https://www.iana.org/assignments/media-types/{media_type}"))
        add(distribution, n("dcterms", "license"), ox.NamedNode("https://creativecommons.org/licenses/by/4.0/"))
        path = folder / file_name
        if path.exists():
            add(distribution, n("dcat", "byteSize"), lit(str(path.stat().st_size), datatype=XSD + "nonNegativeInteger"))
    return sorted(out, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _local(iri: str) -> str:
    for prefix, namespace in prefixes().items():
        if iri.startswith(namespace):
            return f"{prefix}-{iri[len(namespace) :]}"
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
