"""The store engine against pySHACL on every SHACL Core component it evaluates.

Our own shapes use only some of SHACL Core; the fixture in
``tests/fixtures/shacl-core/`` uses the rest too (length, ranges, languageIn,
property pairs, the logical components, every kind of path and target, closed
shapes, implicit class targets and a SPARQL constraint with a message
template), with data that passes and fails each. Both engines must report the
same results: focus node, component, severity, value and path.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from uugraph.rdf.terms import rdflib_term
from uugraph.shacl import engine as shacl

FIXTURE = Path(__file__).parent / "fixtures" / "shacl-core"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
GRAPH = ox.NamedNode("urn:test:data")


def _key(graph: rdflib.Graph, term) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.BNode):
        # Blank node labels differ between the engines' copies; a complex path is compared by its form.
        kinds = [str(p) for p in (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath) if (term, p, None) in graph]
        if kinds:
            return "path:" + ",".join(kinds)
        if (term, rdflib.RDF.first, None) in graph:
            return "sequence"
        return "_:blank"
    return term.n3()


def _pyshacl_results(data: rdflib.Graph, shapes: rdflib.Graph) -> list[tuple]:
    from pyshacl import validate

    _, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    rows = []
    for node in report.objects(None, SH.result):
        v = report.value
        rows.append(
            (
                _key(report, v(node, SH.focusNode)),
                str(v(node, SH.sourceConstraintComponent)),
                str(v(node, SH.resultSeverity)),
                _key(report, v(node, SH.value)),
                _key(shapes, v(node, SH.resultPath)) if isinstance(v(node, SH.resultPath), rdflib.BNode) else _key(report, v(node, SH.resultPath)),
                tuple(sorted(str(m) for m in report.objects(node, SH.resultMessage))) if v(node, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent else (),
            )
        )
    return sorted(rows)


def _store_results(data_text: str, shapes: rdflib.Graph) -> list[tuple]:
    store = ox.Store()
    store.load(data_text.encode(), format=ox.RdfFormat.TURTLE, to_graph=GRAPH)
    rows = []
    for r in shacl.validate(store, [GRAPH], shapes):
        rows.append(
            (
                _key(shapes, rdflib_term(r.focus)),
                str(r.component),
                str(r.severity),
                _key(shapes, rdflib_term(r.value)) if r.value is not None else "",
                _key(shapes, r.path),
                r.messages if r.component == SH.SPARQLConstraintComponent else (),
            )
        )
    return sorted(rows)


@pytest.fixture(scope="module")
def both() -> tuple[list[tuple], list[tuple]]:
    text = (FIXTURE / "data.ttl").read_text(encoding="utf-8")
    shapes = rdflib.Graph().parse(FIXTURE / "shapes.ttl", format="turtle")
    data = rdflib.Graph().parse(data=text, format="turtle")
    return _store_results(text, shapes), _pyshacl_results(data, shapes)


def test_the_store_engine_reports_what_pyshacl_reports_on_every_core_component(both) -> None:
    ours, reference = both
    assert ours == reference


def test_the_fixture_exercises_every_component(both) -> None:
    ours, _ = both
    found = {row[1].rsplit("#", 1)[-1] for row in ours}
    expected = {
        "ClassConstraintComponent",
        "DatatypeConstraintComponent",
        "NodeKindConstraintComponent",
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "MinInclusiveConstraintComponent",
        "MaxExclusiveConstraintComponent",
        "MinExclusiveConstraintComponent",
        "MaxInclusiveConstraintComponent",
        "MinLengthConstraintComponent",
        "MaxLengthConstraintComponent",
        "PatternConstraintComponent",
        "LanguageInConstraintComponent",
        "UniqueLangConstraintComponent",
        "InConstraintComponent",
        "LessThanConstraintComponent",
        "LessThanOrEqualsConstraintComponent",
        "EqualsConstraintComponent",
        "DisjointConstraintComponent",
        "OrConstraintComponent",
        "NodeConstraintComponent",
        "NotConstraintComponent",
        "AndConstraintComponent",
        "XoneConstraintComponent",
        "ClosedConstraintComponent",
        "HasValueConstraintComponent",
        "SPARQLConstraintComponent",
    }
    assert expected <= found, expected - found


def test_a_report_with_only_warnings_does_not_conform() -> None:
    """SHACL 3.6.1: any result makes sh:conforms false; the validate verb alone decides that warnings pass."""
    shapes = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:severity sh:Warning ; sh:nodeKind sh:Literal .
    """,
        format="turtle",
    )
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("b"), GRAPH))
    results = shacl.validate(store, [GRAPH], shapes)
    assert [r.severity for r in results] == [SH.Warning]
    report = shacl.report_graph(results, shapes)
    assert list(report.objects(None, SH.conforms)) == [rdflib.Literal(False)]


def test_kept_scans_drop_the_least_recently_used_beyond_their_budget() -> None:
    """The scans shared between shapes are bounded by the values they hold, not by the graph."""
    import pyoxigraph as ox

    from uugraph.shacl.data import _Kept

    a, b, c = (("forward", ox.NamedNode(f"http://e/{n}")) for n in "abc")
    kept = _Kept(budget=10)
    kept.put(a, "A", 4)
    kept.put(b, "B", 4)
    assert kept.get(a) == "A"  # a is now the most recently used
    kept.put(c, "C", 4)  # 12 > 10: b, the least recently used, goes
    assert (kept.get(a), kept.get(b), kept.get(c), kept.size) == ("A", None, "C", 8)
    kept.put(b, "B", 50)  # larger than the budget on its own: kept alone, the others dropped
    assert (kept.get(a), kept.get(c), kept.get(b), kept.size) == (None, None, "B", 50)


def test_a_dropped_scan_is_read_again_only_when_lookups_would_cost_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan dropped for the budget is not read again to answer a few focus nodes: they are looked up, with the same values."""
    from uugraph.shacl import data
    from uugraph.shacl.paths import Path as ShaclPath
    from uugraph.shacl.paths import path_values

    p, q = ox.NamedNode("http://e/p"), ox.NamedNode("http://e/q")
    store = ox.Store()
    for i in range(300):
        store.add(ox.Quad(ox.NamedNode(f"http://e/s{i}"), p, ox.Literal(str(i)), GRAPH))
        store.add(ox.Quad(ox.NamedNode(f"http://e/s{i}"), q, ox.Literal(str(-i)), GRAPH))
    monkeypatch.setattr(data, "KEPT_VALUES", 300)  # room for one scan of 300 values
    monkeypatch.setattr(data, "SCAN_THRESHOLD", 50)
    reads: list[tuple[str, ox.NamedNode]] = []
    put = data._Kept.put

    def counted(self: data._Kept, key: tuple[str, ox.NamedNode], value: object, size: int) -> None:
        reads.append(key)
        put(self, key, value, size)

    monkeypatch.setattr(data._Kept, "put", counted)
    store_data = data.StoreData(store, [GRAPH])
    nodes = [ox.NamedNode(f"http://e/s{i}") for i in range(300)]
    by_p = ShaclPath("predicate", p)
    assert not store_data.worth_scanning("forward", p, 50) and store_data.worth_scanning("forward", p, 51)  # never read: the threshold
    path_values(store_data, by_p, nodes)
    path_values(store_data, ShaclPath("predicate", q), nodes)  # drops the scan of p
    assert reads == [("forward", p), ("forward", q)]
    assert not store_data.worth_scanning("forward", p, 99) and store_data.worth_scanning("forward", p, 100)  # 300 values, 3 per lookup
    few = path_values(store_data, by_p, nodes[:99])
    assert reads == [("forward", p), ("forward", q)]  # looked up, not read again
    assert few == {n: {ox.Literal(str(i))} for i, n in enumerate(nodes[:99])}
    assert store_data.worth_scanning("forward", q, 1)  # still kept: free to use
    path_values(store_data, by_p, nodes[:100])
    assert reads == [("forward", p), ("forward", q), ("forward", p)]


def test_the_cycle_collector_is_off_while_the_shapes_run_and_on_after_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shapes' millions of long-lived sets make no cycles: the collector's passes over them were a sixth of the time at 3M."""
    import gc

    shapes = rdflib.Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . <urn:s> a sh:NodeShape ; sh:targetNode <urn:a> ; sh:property [ sh:path <urn:p> ; sh:minCount 1 ] .",
        format="turtle",
    )
    seen: list[bool] = []
    evaluate = shacl.Validator.evaluate

    def watched(self: shacl.Validator, shape: shacl.Shape, focus: list) -> list:
        seen.append(gc.isenabled())
        return evaluate(self, shape, focus)

    monkeypatch.setattr(shacl.Validator, "evaluate", watched)
    assert gc.isenabled()
    results = shacl.validate(ox.Store(), [GRAPH], shapes)
    assert seen and not any(seen) and gc.isenabled()
    assert [r.component for r in results] == [SH.MinCountConstraintComponent]

    def failing(self: shacl.Validator, shape: shacl.Shape, focus: list) -> list:
        raise shacl.UnsupportedShape("refused")

    monkeypatch.setattr(shacl.Validator, "evaluate", failing)
    with pytest.raises(shacl.UnsupportedShape):
        shacl.validate(ox.Store(), [GRAPH], shapes)
    assert gc.isenabled()  # on again after a refused shape too
