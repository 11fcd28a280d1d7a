"""The constraint components: one evaluator per component, found by its parameter in a registry.

Each module registers the components of one section of SHACL (as pySHACL's
``constraints/core/*.py`` do): :mod:`.values` (4.1 value type), :mod:`.cardinality`
(4.2), :mod:`.ranges` (4.3), :mod:`.strings` (4.4), :mod:`.property_pairs` (4.5),
:mod:`.logical` (4.6), :mod:`.shape_based` (4.7), :mod:`.others` (4.8) and
:mod:`.sparql` (SHACL-SPARQL, 5 and 6). An evaluator sees every focus node of a
shape with its value nodes at once (a :class:`Check`), so a component is
evaluated in bulk, never by one query per node. What is not registered is not
a constraint; what is refused raises :class:`~uugraph.shacl.results.UnsupportedShape`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import rdflib
from rdflib import URIRef

from uugraph.shacl.results import SH, OxTerm, RawResult

if TYPE_CHECKING:
    from uugraph.shacl.engine import Validator
    from uugraph.shacl.shapes import Shape

_COMPONENTS: dict[str, URIRef] = {}
_KEEP_PATH = object()


class Check:
    """One constraint parameter of one shape, over the value nodes of all its focus nodes."""

    def __init__(self, validator: Validator, shape: Shape, parameter: URIRef, values: dict[OxTerm, Collection[OxTerm]]) -> None:
        self.validator = validator
        self.data = validator.data
        self.graph: rdflib.Graph = validator.shapes.graph
        self.shape = shape
        self.parameter = parameter
        self.args = shape.parameters.get(parameter, [])
        self.values = values
        self.out: list[RawResult] = []

    def everything(self) -> set[OxTerm]:
        """Every value node of every focus node (what a shape-based component evaluates in bulk)."""
        return {v for vs in self.values.values() for v in vs}

    def result(self, component: str | URIRef, focus: OxTerm, value: OxTerm | None, path: object = _KEEP_PATH, messages: tuple[str, ...] | None = None) -> None:
        if isinstance(component, str):
            component = _COMPONENTS.get(component) or _COMPONENTS.setdefault(component, SH[component + "ConstraintComponent"])
        self.out.append(
            RawResult(
                focus=focus,
                value=value,
                path=self.shape.path_node if path is _KEEP_PATH else path,  # type: ignore[arg-type]
                shape=self.shape.node,
                component=component,
                severity=self.shape.severity,
                messages=self.shape.messages if messages is None else messages,
            )
        )

    def each_value(self, component: str, ok: Callable[[OxTerm], bool]) -> None:
        """A result for every value node that is not ``ok``."""
        for f, vs in self.values.items():
            for v in vs:
                if not ok(v):
                    self.result(component, f, v)


Evaluator = Callable[[Check], None]
REGISTRY: dict[URIRef, Evaluator] = {}


def evaluates(*parameters: URIRef) -> Callable[[Evaluator], Evaluator]:
    """Register ``function`` as the evaluator of the component whose main parameter is each of ``parameters``."""

    def register(function: Evaluator) -> Evaluator:
        for parameter in parameters:
            REGISTRY[parameter] = function
        return function

    return register


def is_true(node: rdflib.term.Node) -> bool:
    """Only ``true`` switches a boolean parameter on (SHACL: ``"1"^^xsd:boolean`` is not ``true``)."""
    return isinstance(node, rdflib.Literal) and node.datatype == rdflib.XSD.boolean and str(node) == "true"


# The modules register their components when imported.
from uugraph.shacl.components import (  # noqa: E402
    cardinality,
    logical,
    others,
    property_pairs,
    ranges,
    shape_based,
    sparql,
    strings,
    values,
)

__all__ = [
    "REGISTRY",
    "Check",
    "cardinality",
    "evaluates",
    "is_true",
    "logical",
    "others",
    "property_pairs",
    "ranges",
    "shape_based",
    "sparql",
    "strings",
    "values",
]
