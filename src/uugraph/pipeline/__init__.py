"""The stages of the data's way, one module each, in the order they run.

:mod:`~uugraph.pipeline.load` (strict, offline parsing into one store) →
:mod:`~uugraph.pipeline.reason` (the ontology's axioms as rules) →
:mod:`~uugraph.pipeline.validate` (SHACL, by :mod:`uugraph.shacl`) →
:mod:`~uugraph.pipeline.export` (Turtle, N-Triples, JSON-LD) →
:mod:`~uugraph.pipeline.query` (the queries of ``queries/`` on the result).
:mod:`uugraph.build` runs them in order and adds the outputs of
:mod:`uugraph.outputs`.
"""
