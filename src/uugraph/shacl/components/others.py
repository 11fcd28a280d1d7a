"""Other constraint components (SHACL 4.8): sh:closed, sh:hasValue, sh:in."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.collection import Collection

from uugraph.rdf.terms import ox_term as to_ox
from uugraph.shacl.components import Check, evaluates, is_true
from uugraph.shacl.results import SH


@evaluates(SH.closed)
def check_closed(check: Check) -> None:
    if not any(is_true(a) for a in check.args):
        return
    g, shape = check.graph, check.shape
    allowed: set[ox.NamedNode] = set()
    for prop in shape.properties:
        if prop.path is not None and prop.path.kind == "predicate" and prop.path.predicate is not None:
            allowed.add(prop.path.predicate)
    for head in g.objects(shape.node, SH.ignoredProperties):
        allowed |= {ox.NamedNode(str(x)) for x in Collection(g, head)}
    for f, vs in check.values.items():
        for v in sorted(vs, key=str):
            for quad in check.data.predicates_of(v):
                if quad.predicate not in allowed:
                    value = quad.object
                    check.result("Closed", f, None if isinstance(value, ox.Triple) else value, path=URIRef(quad.predicate.value))


@evaluates(SH.hasValue)
def check_has_value(check: Check) -> None:
    for wanted in check.args:
        term = to_ox(wanted)
        for f, vs in check.values.items():
            if term not in vs:
                check.result("HasValue", f, None)


@evaluates(SH["in"])
def check_in(check: Check) -> None:
    for head in check.args:
        allowed = {to_ox(x) for x in Collection(check.graph, head)}
        check.each_value("In", lambda v: v in allowed)  # noqa: B023 - each_value runs at once
