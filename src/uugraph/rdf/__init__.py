"""The RDF foundation every other part of uugraph stands on.

It owns what is about RDF itself rather than about one stage: the namespace
IRIs (:mod:`~uugraph.rdf.namespaces`, the one table every module imports),
term conversion between Oxigraph and rdflib (:mod:`~uugraph.rdf.terms`),
compact IRIs (:mod:`~uugraph.rdf.compact`), the labels people read
(:mod:`~uugraph.rdf.labels`), SPARQL results and their writers
(:mod:`~uugraph.rdf.results`) and lexical checks on SPARQL text
(:mod:`~uugraph.rdf.sparql_text`). Nothing here imports from another
subpackage of uugraph.
"""
