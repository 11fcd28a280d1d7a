"""uugraph: a linked-data publisher for a university's international networks.

The library follows the data's way: :mod:`uugraph.pipeline` holds the stages
(load → reason → validate → export → query) on the RDF foundation of
:mod:`uugraph.rdf` and the SHACL engine of :mod:`uugraph.shacl`;
:mod:`uugraph.build` runs them in order with the outputs of
:mod:`uugraph.outputs`; :mod:`uugraph.web` serves the result,
:mod:`uugraph.remote` talks to other SPARQL servers and :mod:`uugraph.curation`
holds the curators' tools. :mod:`uugraph.cli` is a thin command line over it all.
"""

from uugraph.config import base_iri, version

__all__ = ["base_iri", "version"]
