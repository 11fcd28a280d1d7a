"""The HTTP server: Cool URIs, content negotiation and a SPARQL endpoint safe to expose.

:mod:`~uugraph.web.app` wires the routes, :mod:`~uugraph.web.conneg` parses
``Accept``. Pages are the static site's own pages (:mod:`uugraph.outputs.site`),
so a visitor sees the same page whether or not the site was built.
"""
