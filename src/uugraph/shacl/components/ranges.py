"""Value range constraint components (SHACL 4.3): sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib import Literal, URIRef

from uugraph.shacl.components import Check, evaluates
from uugraph.shacl.data import StoreData
from uugraph.shacl.results import SH, OxTerm

_COMPONENT = {SH.minInclusive: "MinInclusive", SH.minExclusive: "MinExclusive", SH.maxInclusive: "MaxInclusive", SH.maxExclusive: "MaxExclusive"}


@evaluates(*_COMPONENT)
def check_range(check: Check) -> None:
    for bound in check.args:
        check.each_value(_COMPONENT[check.parameter], lambda v: in_range(check.data, v, bound, check.parameter))  # noqa: B023 - each_value runs at once


def in_range(data: StoreData, v: OxTerm, bound: rdflib.term.Node, parameter: URIRef) -> bool:
    """Whether ``v`` compares to ``bound`` as the parameter asks; values that do not compare fail."""
    if not isinstance(v, ox.Literal) or not isinstance(bound, Literal):
        return False
    lit = data.literal(v)
    if getattr(lit, "ill_typed", None) is True:
        return False
    left, right = lit.value, bound.value
    if left is None or right is None or isinstance(left, bool) != isinstance(right, bool):
        return False
    try:
        if parameter == SH.minInclusive:
            return bool(left >= right)
        if parameter == SH.minExclusive:
            return bool(left > right)
        if parameter == SH.maxInclusive:
            return bool(left <= right)
        return bool(left < right)
    except TypeError:
        return False
