"""The store engine: SHACL Core and SHACL-SPARQL evaluated on an Oxigraph store.

It reads the shapes once (rdflib) and answers each constraint from the
store's indexes, so no second copy of the data graph is built. Every
constraint component lives in a registry (one evaluator per component, one
module per section of SHACL, in :mod:`uugraph.shacl.components`), so what is
implemented, and what is refused, is visible in one place. The entry points
are in :mod:`uugraph.shacl.engine`: ``validate()``, ``report_graph()``,
``UnsupportedShape`` and ``RawResult``.
"""
