"""Logical constraint components (SHACL 4.6): sh:not, sh:and, sh:or, sh:xone.

Each member shape is evaluated once on every value node of every focus node
(:meth:`Validator.conforming`), then each value node counts its conforming members.
"""

from __future__ import annotations

from rdflib.collection import Collection

from uugraph.shacl.components import Check, evaluates
from uugraph.shacl.results import SH, OxTerm


@evaluates(SH["not"])
def check_not(check: Check) -> None:
    for other in check.args:
        fine = check.validator.conforming(other, check.everything())
        check.each_value("Not", lambda v: v not in fine)  # noqa: B023 - each_value runs at once


_BOUNDS = {SH["and"]: "And", SH["or"]: "Or", SH.xone: "Xone"}


@evaluates(*_BOUNDS)
def check_list(check: Check) -> None:
    component = _BOUNDS[check.parameter]
    everything = check.everything()
    for head in check.args:
        fine = [check.validator.conforming(m, everything) for m in Collection(check.graph, head)]
        low, high = {"And": (len(fine), len(fine)), "Or": (1, len(fine)), "Xone": (1, 1)}[component]

        def ok(v: OxTerm, fine: list[set[OxTerm]] = fine, low: int = low, high: int = high) -> bool:
            return low <= sum(v in f for f in fine) <= high

        check.each_value(component, ok)
