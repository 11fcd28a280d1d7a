"""The HTTP server: Cool URIs, content negotiation and a SPARQL endpoint safe to expose.

One module per job:

* :mod:`~uugraph.web.app` — the application: routes wired to the handlers of one class, and ``run_serve``;
* :mod:`~uugraph.web.settings` — the server's settings and defaults, declared once (the ``serve`` options too);
* :mod:`~uugraph.web.conneg` — parsing ``Accept`` and choosing a representation;
* :mod:`~uugraph.web.media` — the media types, suffixes and dumps offered, and the headers naming them;
* :mod:`~uugraph.web.static` — files served as they are, safe against path traversal;
* :mod:`~uugraph.web.graph` — the published graph in memory and its index of documents;
* :mod:`~uugraph.web.serialize` — RDF graph writers (Turtle, JSON-LD, N-Triples, RDF/XML);
* :mod:`~uugraph.web.sparql` — the SPARQL 1.1 Protocol: reading requests, refusals, service description;
* :mod:`~uugraph.web.workers` — the forked query workers, their time and memory limits and network isolation;
* :mod:`~uugraph.web.cache` — rendered documents and query answers kept in memory;
* :mod:`~uugraph.web.pages` — the HTML the server writes when the static site has no page.

SPARQL results are written by :mod:`uugraph.rdf.results`, the same writers
as ``uugraph query``. Nothing outside this package imports from it but the CLI.
"""
