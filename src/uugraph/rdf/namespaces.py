"""Every namespace IRI uugraph speaks of, spelled out once.

Modules import the constants from here instead of writing the IRIs again;
the two namespaces under the base IRI (``uuo:`` for the ontology, ``id:`` for
the things) are functions, because the base IRI can be moved
(``UUGRAPH_BASE_IRI``) and is read when asked for.

>>> RDF_TYPE
'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'
>>> uuo("Network") == base_iri() + "def/Network"
True
>>> list(prefixes())[:3]
['uuo', 'id', 'org']
"""

from __future__ import annotations

from uugraph.config import base_iri

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
FOAF = "http://xmlns.com/foaf/0.1/"
VANN = "http://purl.org/vocab/vann/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SH = "http://www.w3.org/ns/shacl#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
SPDX = "http://spdx.org/rdf/terms#"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
WIKIDATA_DIRECT = "http://www.wikidata.org/prop/direct/"
ROR = "https://ror.org/"

RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"
XSD_STRING = XSD + "string"
PREF_LABEL = SKOS + "prefLabel"
ALT_LABEL = SKOS + "altLabel"
RDFS_LABEL = RDFS + "label"


def uuo(local: str = "") -> str:
    """An IRI of the ontology's namespace (``<base>def/``); ``uuo()`` is the namespace itself."""
    return base_iri() + "def/" + local


def id_iri(local: str = "") -> str:
    """An IRI of the things' namespace (``<base>id/``); ``id_iri()`` is the namespace itself."""
    return base_iri() + "id/" + local


def prefixes() -> dict[str, str]:
    """The prefixes of every published file, in the order they are written."""
    return {
        "uuo": uuo(),
        "id": id_iri(),
        "org": ORG,
        "schema": SCHEMA,
        "skos": SKOS,
        "dcterms": DCTERMS,
        "prov": PROV,
        "time": TIME,
        "foaf": FOAF,
        "owl": OWL,
        "rdf": RDF,
        "rdfs": RDFS,
        "xsd": XSD,
        "vann": VANN,
        "void": VOID,
        "dcat": DCAT,
        "sh": SH,
    }
