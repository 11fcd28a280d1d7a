"""Cardinality constraint components (SHACL 4.2): sh:minCount, sh:maxCount."""

from __future__ import annotations

from uugraph.shacl.components import Check, evaluates
from uugraph.shacl.results import SH


@evaluates(SH.minCount)
def check_min_count(check: Check) -> None:
    for n in check.args:
        for f, vs in check.values.items():
            if len(vs) < int(str(n)):
                check.result("MinCount", f, None)


@evaluates(SH.maxCount)
def check_max_count(check: Check) -> None:
    for n in check.args:
        for f, vs in check.values.items():
            if len(vs) > int(str(n)):
                check.result("MaxCount", f, None)
