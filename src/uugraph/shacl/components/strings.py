"""String-based constraint components (SHACL 4.4): length, pattern, language and unique language."""

from __future__ import annotations

import re

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection

from uugraph.shacl.components import Check, evaluates, is_true
from uugraph.shacl.results import SH, OxTerm


@evaluates(SH.minLength)
def check_min_length(check: Check) -> None:
    for n in check.args:  # each_value runs at once, so the lambdas may read the loop's variables
        low = int(str(n))
        check.each_value("MinLength", lambda v: not isinstance(v, ox.BlankNode) and len(v.value) >= low)  # noqa: B023 - each_value runs at once


@evaluates(SH.maxLength)
def check_max_length(check: Check) -> None:
    for n in check.args:
        high = int(str(n))
        check.each_value("MaxLength", lambda v: not isinstance(v, ox.BlankNode) and len(v.value) <= high)  # noqa: B023 - each_value runs at once


@evaluates(SH.pattern)
def check_pattern(check: Check) -> None:
    flags = check.graph.value(check.shape.node, SH.flags)
    for pattern in check.args:
        regex = re.compile(str(pattern), _regex_flags(flags))
        check.each_value("Pattern", lambda v: not isinstance(v, ox.BlankNode) and regex.search(v.value) is not None)  # noqa: B023 - each_value runs at once


@evaluates(SH.languageIn)
def check_language_in(check: Check) -> None:
    for head in check.args:
        wanted = {str(x).lower() for x in Collection(check.graph, head)}
        check.each_value("LanguageIn", lambda v: _language_in(v, wanted))  # noqa: B023 - each_value runs at once


@evaluates(SH.uniqueLang)
def check_unique_lang(check: Check) -> None:
    if not any(is_true(a) for a in check.args):
        return
    for f, vs in check.values.items():
        seen: set[str] = set()
        duplicates: set[str] = set()
        for v in vs:
            if isinstance(v, ox.Literal) and v.language:
                lang = v.language.lower()
                (duplicates if lang in seen else seen).add(lang)
        for _ in sorted(duplicates):
            check.result("UniqueLang", f, None)


def _regex_flags(flags: rdflib.term.Node | None) -> int:
    result = 0
    text = str(flags).lower() if flags is not None else ""
    for letter, flag in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)):
        if letter in text:
            result |= flag
    return result


def _language_in(v: OxTerm, wanted: set[str]) -> bool:
    """SPARQL's langMatches: a range matches the tag itself and its subtags."""
    if not isinstance(v, ox.Literal) or not v.language:
        return False
    lang = v.language.lower()
    return "*" in wanted or any(lang == w or lang.startswith(w + "-") for w in wanted)
