"""Value type constraint components (SHACL 4.1): sh:class, sh:datatype, sh:nodeKind."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable

import pyoxigraph as ox
import rdflib
from rdflib import RDFS, Literal

from uugraph.rdf import namespaces
from uugraph.shacl.components import Check, evaluates
from uugraph.shacl.data import StoreData
from uugraph.shacl.results import SH, XSD, OxTerm

_RDF_LANGSTRING = namespaces.RDF_LANGSTRING
_XSD_STRING = str(XSD.string)

_NODE_KINDS: dict[rdflib.term.Node, Callable[[OxTerm], bool]] = {
    SH.IRI: lambda v: isinstance(v, ox.NamedNode),
    SH.BlankNode: lambda v: isinstance(v, ox.BlankNode),
    SH.Literal: lambda v: isinstance(v, ox.Literal),
    SH.BlankNodeOrIRI: lambda v: isinstance(v, (ox.BlankNode, ox.NamedNode)),
    SH.BlankNodeOrLiteral: lambda v: isinstance(v, (ox.BlankNode, ox.Literal)),
    SH.IRIOrLiteral: lambda v: isinstance(v, (ox.NamedNode, ox.Literal)),
}


@evaluates(SH["class"])
def check_class(check: Check) -> None:
    data = check.data
    for cls in check.args:
        target = ox.NamedNode(str(cls))
        if data.worth_scanning("instances", target, sum(len(vs) for vs in check.values.values())):
            data.instances(target)  # one scan of the class instead of a lookup per value
        check.each_value("Class", lambda v: data.is_instance(v, target))  # noqa: B023 - each_value runs at once


@evaluates(SH.datatype)
def check_datatype(check: Check) -> None:
    for datatype in check.args:
        known: dict[OxTerm, bool] = {}

        def has_datatype(v: OxTerm, d: rdflib.term.Node = datatype, known: dict[OxTerm, bool] = known) -> bool:
            found = known.get(v)
            if found is None:
                found = known[v] = has_datatype_of(check.data, v, d)
            return found

        check.each_value("Datatype", has_datatype)


@evaluates(SH.nodeKind)
def check_node_kind(check: Check) -> None:
    for kind in check.args:
        check.each_value("NodeKind", _NODE_KINDS.get(kind, _never))


def _never(v: OxTerm) -> bool:
    return False


def has_datatype_of(data: StoreData, v: OxTerm, datatype: rdflib.term.Node) -> bool:
    """The same datatype, and a well-formed lexical form (SHACL 4.1.1: an ill-typed literal fails)."""
    if not isinstance(v, ox.Literal):
        return False
    if str(datatype) == str(RDFS.Literal):
        return True  # every literal is an rdfs:Literal
    if v.language:
        return str(datatype) == _RDF_LANGSTRING
    if str(datatype) == str(RDFS.Datatype):
        return v.datatype.value != _XSD_STRING  # as pySHACL: a plain string has no datatype to be one
    if v.datatype.value != str(datatype):
        return False
    lit = data.literal(v)
    if getattr(lit, "ill_typed", None) is True:
        return False
    return _python_value_matches(lit, str(datatype))


_PYTHON_KINDS: dict[str, type | tuple[type, ...]] = {
    str(XSD.string): (str, bytes),
    str(XSD.integer): int,
    str(XSD.float): float,
    str(XSD.decimal): decimal.Decimal,
    str(XSD.boolean): bool,
    str(XSD.date): datetime.date,
    str(XSD.time): datetime.time,
    str(XSD.dateTime): datetime.datetime,
}


def _python_value_matches(lit: Literal, datatype: str) -> bool:
    """pySHACL's check that a literal's Python value is of the datatype's kind (for the types it knows)."""
    kind = _PYTHON_KINDS.get(datatype)
    return True if kind is None else isinstance(lit.value, kind)
