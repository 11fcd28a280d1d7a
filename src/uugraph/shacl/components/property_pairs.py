"""Property pair constraint components (SHACL 4.5): sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals.

The other property's values are those of the focus node (not of the value
node), read for all focus nodes at once.
"""

from __future__ import annotations

import pyoxigraph as ox

from uugraph.shacl.components import Check, evaluates
from uugraph.shacl.data import StoreData
from uugraph.shacl.paths import Path, path_values
from uugraph.shacl.results import SH, OxTerm


def _others(check: Check, other: object) -> dict[OxTerm, set[OxTerm]]:
    return path_values(check.data, Path("predicate", ox.NamedNode(str(other))), check.values)


@evaluates(SH.equals)
def check_equals(check: Check) -> None:
    for other in check.args:
        others = _others(check, other)
        for f, vs in check.values.items():
            for v in sorted(set(vs) ^ set(others[f]), key=str):
                check.result("Equals", f, v)


@evaluates(SH.disjoint)
def check_disjoint(check: Check) -> None:
    for other in check.args:
        others = _others(check, other)
        for f, vs in check.values.items():
            for v in sorted(set(vs) & set(others[f]), key=str):
                check.result("Disjoint", f, v)


@evaluates(SH.lessThan, SH.lessThanOrEquals)
def check_less_than(check: Check) -> None:
    """One result per pair (value, other value) that does not compare as asked, as SHACL 4.5.3 says."""
    or_equal = check.parameter == SH.lessThanOrEquals
    component = "LessThanOrEquals" if or_equal else "LessThan"
    for other in check.args:
        others = _others(check, other)
        for f, vs in check.values.items():
            for v in sorted(vs, key=str):
                for w in others[f]:
                    if not _less(check.data, v, w, or_equal):
                        check.result(component, f, v)


def _less(data: StoreData, v: OxTerm, w: OxTerm, or_equal: bool) -> bool:
    if not isinstance(v, ox.Literal) or not isinstance(w, ox.Literal):
        return False
    try:
        a, b = data.literal(v).value, data.literal(w).value
        return bool(a <= b if or_equal else a < b)
    except TypeError:
        return False
