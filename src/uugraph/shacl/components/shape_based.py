"""Shape-based constraint components (SHACL 4.7): sh:node and sh:qualifiedValueShape.

(sh:property is not a check of its own: the validator evaluates a shape's
property shapes on its value nodes.) ``sh:qualifiedValueShape`` counts, per
focus node, the value nodes that conform to the qualified shape and, with
``sh:qualifiedValueShapesDisjoint``, to none of the sibling shapes' qualified
shapes (the other qualified shapes of the property shapes of the same parents).
"""

from __future__ import annotations

import rdflib
from rdflib import Literal

from uugraph.shacl.components import Check, evaluates, is_true
from uugraph.shacl.results import SH, OxTerm, ShapeNode


@evaluates(SH.node)
def check_node(check: Check) -> None:
    for other in check.args:
        fine = check.validator.conforming(other, check.everything())
        check.each_value("Node", lambda v: v in fine)  # noqa: B023 - each_value runs at once


@evaluates(SH.qualifiedValueShape)
def check_qualified(check: Check) -> None:
    g = check.graph
    node = check.shape.node
    low = [int(n) for n in g.objects(node, SH.qualifiedMinCount) if isinstance(n, Literal)]
    high = [int(n) for n in g.objects(node, SH.qualifiedMaxCount) if isinstance(n, Literal)]
    if not low and not high:
        return
    disjoint = any(is_true(x) for x in g.objects(node, SH.qualifiedValueShapesDisjoint))
    everything = check.everything()
    siblings: set[OxTerm] = set()
    if disjoint:
        for other in _sibling_shapes(g, node):
            siblings |= check.validator.conforming(other, everything)
    for qualified in check.args:
        fine = check.validator.conforming(qualified, everything)
        if disjoint:
            fine = fine - siblings
        for f, vs in check.values.items():
            count = sum(v in fine for v in vs)
            for n in low:
                if count < n:
                    check.result("QualifiedMinCount", f, None)
            for n in high:
                if count > n:
                    check.result("QualifiedMaxCount", f, None)


def _sibling_shapes(g: rdflib.Graph, node: ShapeNode) -> list[ShapeNode]:
    """The qualified shapes of the other property shapes of ``node``'s parents (SHACL 4.7.3)."""
    found: list[ShapeNode] = []
    for parent in g.subjects(SH.property, node):
        for sibling in g.objects(parent, SH.property):
            if sibling != node:
                found.extend(g.objects(sibling, SH.qualifiedValueShape))
    return found
