"""A SPARQL constraint run once over the graph reports what it reports run per focus node.

The store engine runs a ``sh:select`` once, with ``$this`` free, when that
gives the same solutions as pre-binding ``$this`` to each focus node
(:func:`uugraph.shacl.components.sparql.once_over_graph`): at 6,755
memberships the membership-overlap shape took minutes per focus node and
seconds once. These tests pin which queries take the fast path, and check on
data with and without the optional parts that both paths give the same
results, so a rule that lets a query through wrongly fails here.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from uugraph.shacl import engine as shacl
from uugraph.shacl.components import sparql

GRAPH = ox.NamedNode("urn:test:data")
DATA = """
@prefix ex: <http://example.org/> .
ex:m1 a ex:M ; ex:member ex:a ; ex:org ex:n ; ex:start 2001 ; ex:end 2010 .
ex:m2 a ex:M ; ex:member ex:a ; ex:org ex:n ; ex:start 2005 .
ex:m3 a ex:M ; ex:member ex:a ; ex:org ex:n ; ex:start 2012 ; ex:end 2014 .
ex:m4 a ex:M ; ex:member ex:b ; ex:org ex:n ; ex:start 2000 .
ex:m5 a ex:M ; ex:member ex:b ; ex:org ex:n ; ex:end 1999 .
ex:m6 a ex:M ; ex:member ex:c ; ex:org ex:k ; ex:start 2000 .
"""

OVERLAP = """SELECT $this ?value WHERE {
    $this <http://example.org/member> ?m ; <http://example.org/org> ?o .
    ?value <http://example.org/member> ?m ; <http://example.org/org> ?o .
    FILTER (?value != $this)
    OPTIONAL { $this <http://example.org/start> ?s1 }
    OPTIONAL { $this <http://example.org/end> ?e1 }
    OPTIONAL { ?value <http://example.org/start> ?s2 }
    OPTIONAL { ?value <http://example.org/end> ?e2 FILTER (?value != $this) }
    BIND (COALESCE(?s1, 0) AS ?a1) BIND (COALESCE(?e1, 9999) AS ?b1)
    BIND (COALESCE(?s2, 0) AS ?a2) BIND (COALESCE(?e2, 9999) AS ?b2)
    FILTER (?a1 <= ?b2 && ?a2 <= ?b1)
}"""
# EXISTS is evaluated with the solution substituted: $this is the focus node inside it either way.
EXISTS = """SELECT $this ?value WHERE {
    $this <http://example.org/member> ?m .
    ?value <http://example.org/member> ?m .
    FILTER (?value != $this && NOT EXISTS { $this <http://example.org/end> ?e } && EXISTS { ?value <http://example.org/start> ?s . $this <http://example.org/org> ?o })
}"""
# An EXISTS in the filter of an EXISTS: the solution is substituted at every depth.
NESTED_EXISTS = """SELECT $this ?value WHERE {
    $this <http://example.org/member> ?m .
    ?value <http://example.org/member> ?m .
    FILTER (?value != $this)
    FILTER NOT EXISTS { $this <http://example.org/end> ?e FILTER EXISTS { ?value <http://example.org/start> ?s FILTER (?s > ?e && EXISTS { $this <http://example.org/org> ?o }) } }
}"""
# An OPTIONAL in an OPTIONAL: its left join matches $this to any node, and a focus node without a
# start loses the rows that pre-binding keeps.
NESTED_OPTIONAL = """SELECT $this ?value WHERE {
    $this <http://example.org/member> ?m .
    OPTIONAL { ?value <http://example.org/org> ?o OPTIONAL { $this <http://example.org/start> ?s } }
    FILTER (bound(?value))
}"""
# A BIND is refused at any depth, as in an OPTIONAL: the rule does not tell where a BIND would see $this.
BIND_IN_NESTED_EXISTS = """SELECT $this ?value WHERE {
    $this <http://example.org/member> ?value .
    FILTER EXISTS { $this <http://example.org/org> ?o FILTER EXISTS { BIND ($this AS ?x) FILTER (bound(?x)) } }
}"""
# In an OPTIONAL, a BIND is evaluated before the left join: $this is unbound there unless pre-bound.
BIND_IN_OPTIONAL = """SELECT $this ?value WHERE {
    $this <http://example.org/member> ?m .
    OPTIONAL { BIND ($this AS ?value) }
    FILTER (bound(?value))
}"""
# LIMIT counts the rows of one focus node when pre-bound, of the whole graph when not.
LIMITED = """SELECT $this ?value WHERE { $this <http://example.org/member> ?value } LIMIT 1"""
# A group that is not an OPTIONAL: its own filter would see $this unbound.
NESTED = """SELECT $this WHERE {
    $this <http://example.org/member> ?m .
    { ?x <http://example.org/member> ?m FILTER (?x != $this) }
}"""


@pytest.mark.parametrize(
    ("query", "once"),
    [
        (OVERLAP, True),
        (EXISTS, True),
        (NESTED_EXISTS, True),
        (BIND_IN_OPTIONAL, False),
        (BIND_IN_NESTED_EXISTS, False),
        (NESTED_OPTIONAL, False),
        (LIMITED, False),
        (NESTED, False),
        ("SELECT $this WHERE { ?x <http://example.org/member> $this }", False),
    ],
    ids=["optionals", "exists", "nested-exists", "bind-in-optional", "bind-in-nested-exists", "nested-optional", "limit", "nested-group", "this-not-first"],
)
def test_which_queries_run_once_over_the_graph(query: str, once: bool) -> None:
    assert sparql.once_over_graph(query) is once


def _shapes(query: str) -> rdflib.Graph:
    text = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        'ex:S a sh:NodeShape ; sh:targetClass ex:M ; sh:sparql [ sh:message "{?value}" ; sh:select """' + query + '""" ] .'
    )
    return rdflib.Graph().parse(data=text, format="turtle")


def _results(query: str) -> list[tuple[str, str, tuple[str, ...]]]:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE, to_graph=GRAPH)
    return sorted((str(r.focus), str(r.value), r.messages) for r in shacl.validate(store, [GRAPH], _shapes(query)))


@pytest.mark.parametrize(
    ("query", "same"),
    [(OVERLAP, True), (EXISTS, True), (NESTED_EXISTS, True), (BIND_IN_OPTIONAL, False), (NESTED_OPTIONAL, False), (LIMITED, False), (NESTED, False)],
    ids=["optionals", "exists", "nested-exists", "bind-in-optional", "nested-optional", "limit", "nested-group"],
)
def test_a_query_runs_once_exactly_when_that_gives_the_per_focus_node_results(query: str, same: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each query forced down both paths: the ones the rule keeps per focus node would report otherwise."""
    monkeypatch.setattr(sparql, "once_over_graph", lambda _text: True)
    once = _results(query)
    monkeypatch.setattr(sparql, "once_over_graph", lambda _text: False)
    per_node = _results(query)
    assert per_node, "the data must give the query something to report"
    assert (once == per_node) is same


def test_the_overlap_query_finds_the_overlapping_memberships_only() -> None:
    ex = "http://example.org/"
    found = {(f.removeprefix("<" + ex).rstrip(">"), v.removeprefix("<" + ex).rstrip(">")) for f, v, _ in _results(OVERLAP)}
    assert found == {("m1", "m2"), ("m2", "m1"), ("m2", "m3"), ("m3", "m2")}
