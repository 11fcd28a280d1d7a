"""The representations the server offers: media types, suffixes, the dumps, and the headers that name them.

One table per kind of answer (documents, SELECT/ASK results, CONSTRUCT/DESCRIBE
results, descriptions), each in the server's order of preference, so
:func:`uugraph.web.conneg.negotiate` picks from the same list every route
offers and a 406 names the same types.
"""

from __future__ import annotations

import mimetypes

from starlette.responses import Response

LICENSE = "https://creativecommons.org/licenses/by/4.0/"

HTML = "text/html"
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"

# A document's representations, in the server's order of preference; the suffix of each.
DOCUMENT_TYPES = [HTML, TURTLE, JSONLD, NTRIPLES]
SUFFIXES = {"html": HTML, "ttl": TURTLE, "jsonld": JSONLD, "nt": NTRIPLES}
SUFFIX_OF = {media: suffix for suffix, media in SUFFIXES.items()}

# SELECT / ASK results: the registered types first, then aliases clients send (SPARQLWrapper asks
# for application/json beside the registered JSON type, and application/xml for XML).
RESULT_TYPES = [RESULTS_JSON, RESULTS_XML, CSV, TSV, "application/json", "application/xml", "text/xml"]
# The writer of :mod:`uugraph.rdf.results` for each result type.
RESULT_FORMAT = {
    RESULTS_JSON: "json",
    "application/json": "json",
    RESULTS_XML: "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    CSV: "csv",
    TSV: "tsv",
}
# CONSTRUCT / DESCRIBE results, and the writer of :mod:`uugraph.web.serialize` for each.
GRAPH_TYPES = [TURTLE, JSONLD, NTRIPLES, RDFXML, "application/turtle"]
GRAPH_FORMAT = {TURTLE: "ttl", "application/turtle": "ttl", JSONLD: "jsonld", NTRIPLES: "nt", RDFXML: "rdfxml"}
# The service description and /.well-known/void.
DESCRIPTION_TYPES = [TURTLE, JSONLD, NTRIPLES]

# The files of dist/ served as they are, at /<name>.
DUMPS = {
    "graph.ttl": TURTLE,
    "graph.nt": NTRIPLES,
    "graph.jsonld": JSONLD,
    "context.jsonld": JSONLD,
    "void.ttl": TURTLE,
}

mimetypes.add_type(TURTLE, ".ttl")
mimetypes.add_type(JSONLD, ".jsonld")
mimetypes.add_type(NTRIPLES, ".nt")

_UTF8_TYPES = frozenset((JSONLD, NTRIPLES, RESULTS_JSON, RESULTS_XML, RDFXML, "application/json", "application/xml", "application/turtle"))


def content_type(media: str) -> str:
    """The Content-Type header value: UTF-8 spelled out for the text formats.

    >>> content_type("text/turtle"), content_type("image/png")
    ('text/turtle; charset=utf-8', 'image/png')
    """
    if media.startswith("text/") or media in _UTF8_TYPES:
        return f"{media}; charset=utf-8"
    return media


def link_header(path: str) -> str:
    """The ``Link`` header of a document: its alternates by suffix, and the licence."""
    links = [f'</{path}.{SUFFIX_OF[media]}>; rel="alternate"; type="{media}"' for media in DOCUMENT_TYPES]
    links.append(f'<{LICENSE}>; rel="license"')
    return ", ".join(links)


def plain(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A short text answer (errors and refusals): one line a person or a log can read."""
    return Response(message.rstrip("\n") + "\n", status_code=status, media_type="text/plain; charset=utf-8", headers=headers)
