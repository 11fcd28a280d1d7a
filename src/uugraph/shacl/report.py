"""The SHACL validation report (SHACL 3.6), written from the engine's raw results.

As pySHACL writes one: blank source shapes are copied in, so the report
explains itself; a complex ``sh:resultPath`` is written as a fresh copy of the
path (not of the node that happened to hold it in the shapes graph).
``sh:conforms`` is false as soon as there is any result, whatever its
severity (SHACL 3.6.1); the ``validate`` verb decides itself whether
warnings fail a run. Literals keep their lexical form as the store holds it.
"""

from __future__ import annotations

import rdflib
from rdflib import RDF, BNode, Literal

from uugraph.rdf.terms import rdflib_term
from uugraph.shacl.paths import compile_path, write_path
from uugraph.shacl.results import SH, OxTerm, RawResult, UnsupportedShape


def report_term(term: OxTerm) -> rdflib.term.Node:
    """The rdflib form of a store term, with the literal's lexical form kept (no normalisation)."""
    return rdflib_term(term, keep_lexical=True)


def report_graph(results: list[RawResult], shapes: rdflib.Graph) -> rdflib.Graph:
    """A SHACL validation report of ``results``, with the blank nodes of ``shapes`` it names copied in."""
    report = rdflib.Graph()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(not results)))
    copied: set[rdflib.term.Node] = set()

    def copy(node: rdflib.term.Node) -> None:
        if not isinstance(node, BNode) or node in copied:
            return
        copied.add(node)
        for p, o in shapes.predicate_objects(node):
            report.add((node, p, o))
            copy(o)

    for r in results:
        node = BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, report_term(r.focus)))
        report.add((node, SH.resultSeverity, r.severity))
        report.add((node, SH.sourceShape, r.shape))
        report.add((node, SH.sourceConstraintComponent, r.component))
        copy(r.shape)
        if r.path is not None:
            report.add((node, SH.resultPath, _path(report, shapes, r.path)))
        if r.value is not None:
            report.add((node, SH.value, report_term(r.value)))
        for message in r.messages:
            report.add((node, SH.resultMessage, Literal(message)))
    return report


def _path(report: rdflib.Graph, shapes: rdflib.Graph, path: rdflib.term.Node) -> rdflib.term.Node:
    if not isinstance(path, BNode):
        return path
    try:
        return write_path(report, compile_path(shapes, path))
    except UnsupportedShape:
        return path
