"""The names people read: one label chooser, one table of names for reused vocabularies, one short IRI.

Every output that names a resource (the static site, the changelog of
``diff``) asks this module, so one resource is called the same everywhere.

**Which label.** The first of :data:`LABEL_PROPERTIES` that has a literal
value wins: ``skos:prefLabel``, ``rdfs:label``, ``schema:name``,
``dcterms:title``, ``foaf:name``. Among that property's values, English comes
first (``en`` and any ``en-…`` tag), then a value without a language tag, then
every other language; values of the same rank are compared by their lexical
form (code-point order), so the choice never depends on the order the triples
were read in. A later property is never consulted when an earlier one has a
value, even a non-English one: a preferred label in Dutch beats an English
``rdfs:label``, as SKOS intends.

**Names of properties and classes.** The ontology labels its own terms in the
graph; the terms of reused vocabularies (SKOS, ORG, schema.org, …) have no
label there, so :data:`PROPERTY_LABELS` and :data:`CLASS_LABELS` give them
one. The graph's own label comes first, the tables second, the short IRI last
(:func:`property_label`, :func:`class_label`). Property names are written as
the ontology writes its labels (lower case but for names and acronyms), so
they fit inside a sentence (``"website … added"``); a heading capitalises the
first letter (``heading=True``).

**Short IRIs.** :func:`short_iri` is :meth:`uugraph.rdf.compact.Compactor.iri`
with the published prefixes (:func:`uugraph.rdf.namespaces.prefixes`).

>>> from uugraph.rdf.namespaces import RDFS, SKOS
>>> values = {SKOS + "prefLabel": [("Universiteit Utrecht", "nl"), ("Utrecht University", "en")]}
>>> choose_label(values, lambda pair: pair)
'Utrecht University'
>>> choose_label({RDFS + "label": [("b", None), ("a", "de")]}, lambda pair: pair)
'b'
>>> property_label(SKOS + "altLabel"), property_label(SKOS + "altLabel", heading=True)
('also known as', 'Also known as')
>>> short_iri(SKOS + "Concept")
'skos:Concept'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from uugraph.rdf.compact import Compactor
from uugraph.rdf.namespaces import (
    ALT_LABEL,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PREF_LABEL,
    PROV,
    RDF_TYPE,
    RDFS,
    RDFS_LABEL,
    SCHEMA,
    SKOS,
    TIME,
    prefixes,
)

# The properties a label is read from, in the order they are tried.
LABEL_PROPERTIES: tuple[str, ...] = (PREF_LABEL, RDFS_LABEL, SCHEMA + "name", DCTERMS + "title", FOAF + "name")

V = TypeVar("V")


def language_rank(language: str | None) -> int:
    """0 for English (``en``, ``en-GB``…), 1 for no language tag, 2 for any other language.

    >>> [language_rank(t) for t in ("en", "en-GB", None, "nl", "eng")]
    [0, 0, 1, 2, 2]
    """
    if language is None:
        return 1
    return 0 if language == "en" or language.startswith("en-") else 2


def choose_label(values: Mapping[str, Iterable[V]], read: Callable[[V], tuple[str, str | None] | None]) -> str | None:
    """The label of a resource, from its values per property (``values``), or None when it has none.

    ``read`` turns one value into ``(lexical form, language or None)``, or None
    for a value that is not a literal; so the caller keeps its own form of
    terms (N-Triples text for the site, Oxigraph terms for ``diff``) and the
    order of properties and languages is decided here only.
    """
    for p in LABEL_PROPERTIES:
        candidates = values.get(p)
        if not candidates:
            continue
        best: tuple[int, str] | None = None
        for value in candidates:
            pair = read(value)
            if pair is None:
                continue
            key = (language_rank(pair[1]), pair[0])
            if best is None or key < best:
                best = key
        if best is not None:
            return best[1]
    return None


# Names a person reads for the properties of reused vocabularies (the ontology's own terms have rdfs:label in the graph).
PROPERTY_LABELS: dict[str, str] = {
    RDF_TYPE: "type",
    PREF_LABEL: "name",
    ALT_LABEL: "also known as",
    SKOS + "definition": "definition",
    SKOS + "editorialNote": "editorial note",
    SKOS + "inScheme": "in scheme",
    SKOS + "topConceptOf": "top concept of",
    SKOS + "hasTopConcept": "top concepts",
    RDFS_LABEL: "label",
    RDFS + "comment": "comment",
    RDFS + "subClassOf": "subclass of",
    RDFS + "subPropertyOf": "subproperty of",
    RDFS + "isDefinedBy": "defined by",
    RDFS + "seeAlso": "see also",
    OWL + "inverseOf": "inverse of",
    OWL + "propertyChainAxiom": "property chain",
    OWL + "versionInfo": "version",
    OWL + "versionIRI": "version IRI",
    SCHEMA + "url": "website",
    SCHEMA + "foundingDate": "founded",
    SCHEMA + "value": "value",
    SCHEMA + "observationAbout": "about",
    SCHEMA + "rangeIncludes": "range includes",
    SCHEMA + "sameAs": "same as",
    SCHEMA + "name": "name",
    SCHEMA + "alternateName": "alternative name",
    SCHEMA + "location": "location",
    SCHEMA + "member": "member",
    SCHEMA + "memberOf": "member of",
    SCHEMA + "subOrganization": "sub-organisation",
    SCHEMA + "parentOrganization": "parent organisation",
    FOAF + "page": "page",
    DCTERMS + "title": "title",
    DCTERMS + "description": "description",
    DCTERMS + "issued": "issued",
    DCTERMS + "date": "date",
    DCTERMS + "publisher": "publisher",
    DCTERMS + "creator": "creator",
    DCTERMS + "license": "licence",
    DCTERMS + "source": "source",
    DCTERMS + "language": "language",
    DCTERMS + "spatial": "scope",
    DCTERMS + "isPartOf": "part of",
    DCTERMS + "hasPart": "parts",
    DCTERMS + "bibliographicCitation": "citation",
    DCTERMS + "identifier": "identifier",
    PROV + "wasDerivedFrom": "source",
    PROV + "wasRevisionOf": "revision of",
    ORG + "member": "member",
    ORG + "organization": "organisation",
    ORG + "role": "role",
    ORG + "memberDuring": "period",
    ORG + "memberOf": "member of",
    ORG + "hasMember": "has member",
    ORG + "unitOf": "unit of",
    ORG + "hasUnit": "has unit",
    ORG + "postIn": "post in",
    ORG + "heldBy": "held by",
    TIME + "hasBeginning": "start",
    TIME + "hasEnd": "end",
    TIME + "inXSDDate": "date",
    TIME + "inXSDgYearMonth": "month",
    TIME + "inXSDgYear": "year",
}

# Names a person reads for the classes of reused vocabularies, as headings (the ontology labels its own classes).
CLASS_LABELS: dict[str, str] = {
    ORG + "OrganizationalUnit": "Unit",
    ORG + "FormalOrganization": "Formal organisation",
    ORG + "Membership": "Membership",
    ORG + "Post": "Post",
    SCHEMA + "Organization": "Organisation",
    SCHEMA + "CollegeOrUniversity": "College or university",
    SCHEMA + "Country": "Country",
    SCHEMA + "City": "City",
    SCHEMA + "Person": "Person",
    SCHEMA + "WebPage": "Web page",
    FOAF + "Person": "Person",
    FOAF + "Document": "Document",
    SKOS + "Concept": "Concept",
    SKOS + "ConceptScheme": "Concept scheme",
    TIME + "Interval": "Period",
    TIME + "Instant": "Instant",
    OWL + "Ontology": "Ontology",
    OWL + "Class": "Class",
    OWL + "ObjectProperty": "Object property",
    OWL + "DatatypeProperty": "Datatype property",
    PROV + "Entity": "Entity",
    PROV + "Activity": "Activity",
}

_prefix_compactor: tuple[tuple[tuple[str, str], ...], Compactor] | None = None


def short_iri(iri: str, compactor: Compactor | None = None) -> str:
    """The short form of ``iri``: a prefixed name where a published prefix fits, else the IRI itself.

    ``compactor`` is the graph's own where the caller has one (its answers are
    remembered); without it, one for the published prefixes is made once per
    base IRI.

    >>> short_iri("http://www.w3.org/ns/org#memberOf")
    'org:memberOf'
    >>> short_iri("http://example.org/thing")
    'http://example.org/thing'
    """
    global _prefix_compactor
    if compactor is None:
        current = tuple(prefixes().items())
        if _prefix_compactor is None or _prefix_compactor[0] != current:
            _prefix_compactor = (current, Compactor(()))
        compactor = _prefix_compactor[1]
    return compactor.iri(iri)


def capitalised(text: str) -> str:
    """The text with its first letter in upper case, the rest as it is (``"ROR ID"`` stays)."""
    return text[:1].upper() + text[1:]


def property_label(iri: str, own: str | None = None, *, heading: bool = False, compactor: Compactor | None = None) -> str:
    """The name of a property: the graph's own label (``own``), else the table's, else the short IRI.

    With ``heading`` the first letter is capitalised (a short IRI never is).
    """
    label = own or PROPERTY_LABELS.get(iri)
    if label is None:
        return short_iri(iri, compactor)
    return capitalised(label) if heading else label


def class_label(iri: str, own: str | None = None, *, compactor: Compactor | None = None) -> str:
    """The name of a class: the graph's own label (``own``), else the table's, else the short IRI."""
    return own or CLASS_LABELS.get(iri) or short_iri(iri, compactor)
