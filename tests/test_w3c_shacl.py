"""The W3C SHACL test suite, run against the store engine and against pySHACL.

The suite (``../shared/w3c-shacl-tests``, a copy of w3c/data-shapes'
``data-shapes-test-suite/tests``) is a tree of manifests whose ``sht:Validate``
entries name a data graph, a shapes graph and the expected
``sh:ValidationReport`` (or ``sht:Failure`` when a validator must refuse the
shapes). An engine passes an entry when its report has the same
``sh:conforms`` and the same results: focus node, path, value, severity,
source shape and constraint component, blank nodes compared by their
structure (the report graphs are normalised to these six properties plus the
descriptions of their blank nodes, then compared by isomorphism, as pySHACL's
own ``test/test_sht_validate.py`` does).

Every Core entry must pass on the store engine. In ``sparql/`` an entry either
passes or the store engine refuses the shapes with :class:`UnsupportedShape`
naming the shape (the list of refusals is explicit, so it cannot grow by
accident). pySHACL, the reference, is held to the same runner; where it fails,
its failures are listed and must keep failing (strict xfail), so the list
cannot rot.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from uugraph.rdf.namespaces import SH as SH_IRI
from uugraph.rdf.terms import ox_term
from uugraph.shacl import engine as shacl
from uugraph.shacl.report import report_term

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "w3c-shacl-tests"
SH = rdflib.Namespace(SH_IRI)
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")
GRAPH = ox.NamedNode("urn:w3c-shacl-test:data")

# The entries of sparql/ the store engine refuses (with an UnsupportedShape naming the shape), and why.
STORE_REFUSES: dict[str, str] = {
    "sparql/pre-binding/pre-binding-007": "a sub-query: pre-bound variables are written into the graph pattern, which a sub-query's projection does not allow",
    "sparql/pre-binding/shapesGraph-001": "$shapesGraph: the shapes graph is not in the store the queries run on",
}

# Entries pySHACL (the reference) fails; each must keep failing (strict xfail), so the list stays true.
PYSHACL_FAILS: dict[str, str] = {
    # pySHACL takes "1"^^xsd:boolean by its value (true) and switches sh:uniqueLang on; SHACL asks for true itself
    "core/property/uniqueLang-002": 'uniqueLang switched on by "1"^^xsd:boolean',
    # pySHACL pre-binds by initial bindings and accepts what SHACL 5.3.1 forbids, instead of refusing it
    "sparql/pre-binding/pre-binding-006": "a sub-query with SELECT * is not refused",
    "sparql/pre-binding/unsupported-sparql-001": "MINUS is not refused",
    "sparql/pre-binding/unsupported-sparql-002": "VALUES is not refused",
    "sparql/pre-binding/unsupported-sparql-004": "a sub-query without $this is not refused",
    "sparql/pre-binding/unsupported-sparql-005": "BIND ... AS $this is not refused",
    "sparql/pre-binding/unsupported-sparql-006": "BIND ... AS ?value in an ASK validator is not refused",
    # pySHACL raises NotImplementedError on $shapesGraph where the suite expects a report
    "sparql/pre-binding/shapesGraph-001": "$shapesGraph is not supported",
}

# Entries pySHACL is not run on at all: it would follow the shape out of the machine.
PYSHACL_NOT_RUN: dict[str, str] = {
    "sparql/pre-binding/unsupported-sparql-003": "pySHACL (rdflib) would send the SERVICE query to http://aldi.de; tests reach only 127.0.0.1",
}

# The properties of a result that the suite compares (sh:resultMessage and sh:detail are free).
COMPARED = (SH.focusNode, SH.resultPath, SH.value, SH.resultSeverity, SH.sourceShape, SH.sourceConstraintComponent)


@dataclass(frozen=True)
class Entry:
    """One ``sht:Validate`` entry: where its graphs are and what report it expects."""

    id: str
    manifest: Path
    node: URIRef
    data: Path
    shapes: Path

    def graph(self) -> rdflib.Graph:
        return _parse(self.manifest)

    def expected(self) -> rdflib.term.Node:
        return self.graph().value(self.node, MF.result)


_PARSED: dict[Path, rdflib.Graph] = {}


def _parse(path: Path) -> rdflib.Graph:
    """A test file as rdflib reads it, ``<>`` resolving to the file itself (parsed once per session).

    Literals keep their lexical form: the suite's ill-formed literals (``"none"^^xsd:boolean``)
    and its ``"1"^^xsd:boolean`` must not be rewritten into well-formed ones before any engine sees them.
    """
    if path not in _PARSED:
        normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
        try:
            _PARSED[path] = rdflib.Graph().parse(path, format="turtle", publicID=path.as_uri())
        finally:
            rdflib.NORMALIZE_LITERALS = normalize
    return _PARSED[path]


_CANONICAL: dict[Literal, Literal] = {}


def _canonical(term: rdflib.term.Node) -> rdflib.term.Node:
    """A literal in the form the store keeps it (Oxigraph canonicalises well-formed numbers and dates)."""
    if not isinstance(term, Literal):
        return term
    if term not in _CANONICAL:
        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox_term(term), GRAPH))
        kept = next(iter(store)).object
        _CANONICAL[term] = report_term(kept)
    return _CANONICAL[term]


def _local(iri: rdflib.term.Node) -> Path:
    return Path(str(iri).removeprefix("file://"))


def _entries() -> list[Entry]:
    """Every sht:Validate entry reachable from the root manifest, in manifest order."""
    if not SUITE.is_dir():
        return []
    found: list[Entry] = []
    todo, seen = [SUITE / "manifest.ttl"], set()
    while todo:
        manifest = todo.pop(0)
        if manifest in seen:
            continue
        seen.add(manifest)
        g = _parse(manifest)
        here = URIRef(manifest.as_uri())
        todo.extend(_local(i) for i in g.objects(here, MF.include))
        for head in g.objects(here, MF.entries):
            for node in Collection(g, head):
                if (node, RDF.type, SHT.Validate) not in g:
                    continue
                action = g.value(node, MF.action)
                name = manifest.relative_to(SUITE).parent / str(node).rsplit("/", 1)[-1]
                found.append(
                    Entry(
                        id=name.as_posix(),
                        manifest=manifest,
                        node=node,
                        data=_local(g.value(action, SHT.dataGraph)),
                        shapes=_local(g.value(action, SHT.shapesGraph)),
                    )
                )
    return found


ENTRIES = _entries()
CORE = [e for e in ENTRIES if e.id.startswith("core/")]
SPARQL = [e for e in ENTRIES if e.id.startswith("sparql/")]
needs_suite = pytest.mark.skipif(not ENTRIES, reason=f"the W3C SHACL test suite is not at {SUITE} (CI puts shared/ beside the checkout)")


def _normalised(report: rdflib.Graph, root: rdflib.term.Node, sources: list[rdflib.Graph]) -> rdflib.Graph:
    """The compared part of a report: conforms, and each result's six properties with their blank nodes described."""
    out = rdflib.Graph()
    top = BNode()
    out.add((top, RDF.type, SH.ValidationReport))
    conforms = report.value(root, SH.conforms)
    out.add((top, SH.conforms, Literal(bool(conforms.toPython()) if conforms is not None else None)))
    graphs = [report, *sources]

    def copy(node: rdflib.term.Node, done: dict[rdflib.term.Node, BNode]) -> rdflib.term.Node:
        """A fresh copy of a blank node's description, per result (reports may share or copy them)."""
        if not isinstance(node, BNode):
            return node
        if node not in done:
            done[node] = BNode()
            # from the first graph that describes it: a report may hold its own copy of a shape's node
            source = next((g for g in graphs if (node, None, None) in g), report)
            for p, o in source.predicate_objects(node):
                out.add((done[node], p, copy(_canonical(o), done)))
        return done[node]

    for result in report.objects(root, SH.result):
        fresh = BNode()
        out.add((top, SH.result, fresh))
        done: dict[rdflib.term.Node, BNode] = {}
        for p in COMPARED:
            for o in report.objects(result, p):
                out.add((fresh, p, copy(_canonical(o), done)))
    return out


def _compare(entry: Entry, report: rdflib.Graph, data_as_run: rdflib.Graph | None = None) -> None:
    data, shapes = _parse(entry.data), _parse(entry.shapes)
    root = next(report.subjects(RDF.type, SH.ValidationReport))
    ours = _normalised(report, root, [shapes, data_as_run if data_as_run is not None else data])
    expected = _normalised(entry.graph(), entry.expected(), [shapes, data])
    if not isomorphic(ours, expected):
        pytest.fail(f"{entry.id}: the report differs from the expected one\n-- ours:\n{_table(ours)}\n-- expected:\n{_table(expected)}")


def _show(g: rdflib.Graph, term: rdflib.term.Node) -> str:
    """A blank node written out as its description, so a failing entry reads like the suite's Turtle."""
    if not isinstance(term, BNode):
        return term.n3()
    if (term, RDF.first, None) in g:
        return "(" + " ".join(_show(g, x) for x in Collection(g, term)) + ")"
    return "[" + "; ".join(sorted(f"{p.n3()} {_show(g, o)}" for p, o in g.predicate_objects(term))) + "]"


def _table(g: rdflib.Graph) -> str:
    top = next(g.subjects(RDF.type, SH.ValidationReport))
    rows = [f"conforms {g.value(top, SH.conforms)}"]
    for r in g.objects(top, SH.result):
        rows.append("  " + " | ".join(f"{p.split('#')[-1]}={_show(g, o)}" for p in COMPARED for o in g.objects(r, p)))
    return "\n".join(sorted(rows))


def _expects_failure(entry: Entry) -> bool:
    return entry.expected() == SHT.Failure


def _store_report(entry: Entry) -> tuple[rdflib.Graph, rdflib.Graph]:
    """The store engine's report, and the data graph as the store holds it (its blank nodes, its literals).

    The data is loaded by Oxigraph from the file, as the pipeline loads it.
    """
    store = ox.Store()
    store.load(path=entry.data, format=ox.RdfFormat.TURTLE, base_iri=entry.data.as_uri(), to_graph=GRAPH)
    held = rdflib.Graph()
    for q in store.quads_for_pattern(None, None, None, GRAPH):
        held.add((report_term(q.subject), report_term(q.predicate), report_term(q.object)))
    shapes = _parse(entry.shapes)
    return shacl.report_graph(shacl.validate(store, [GRAPH], shapes), shapes), held


def _pyshacl_report(entry: Entry) -> rdflib.Graph:
    from pyshacl import validate

    _, report, _ = validate(_parse(entry.data), shacl_graph=_parse(entry.shapes), inference="none", advanced=True)
    return report


def _run_store(entry: Entry) -> None:
    try:
        report, held = _store_report(entry)
    except shacl.UnsupportedShape as exc:
        assert exc.shape is not None, f"{entry.id}: a refusal must name the shape: {exc}"
        if _expects_failure(entry):
            return
        assert entry.id in STORE_REFUSES, f"{entry.id}: refused ({exc}) but not listed in STORE_REFUSES"
        return
    assert entry.id not in STORE_REFUSES, f"{entry.id}: listed in STORE_REFUSES but now evaluated; take it off the list"
    assert not _expects_failure(entry), f"{entry.id}: the shapes must be refused, but the engine gave a report"
    _compare(entry, report, held)


@needs_suite
@pytest.mark.parametrize("entry", CORE, ids=[e.id for e in CORE])
def test_the_store_engine_passes_the_core_suite(entry: Entry) -> None:
    _run_store(entry)


@needs_suite
@pytest.mark.parametrize("entry", SPARQL, ids=[e.id for e in SPARQL])
def test_the_store_engine_passes_or_refuses_the_sparql_suite(entry: Entry) -> None:
    _run_store(entry)


def _pyshacl_cases() -> list:
    cases = []
    for e in ENTRIES:
        if e.id in PYSHACL_NOT_RUN:
            cases.append(pytest.param(e, id=e.id, marks=pytest.mark.skip(reason=PYSHACL_NOT_RUN[e.id])))
        elif e.id in PYSHACL_FAILS:
            cases.append(pytest.param(e, id=e.id, marks=pytest.mark.xfail(strict=True, reason=PYSHACL_FAILS[e.id])))
        else:
            cases.append(pytest.param(e, id=e.id))
    return cases


@needs_suite
@pytest.mark.parametrize("entry", _pyshacl_cases())
def test_pyshacl_passes_the_suite(entry: Entry) -> None:
    if _expects_failure(entry):
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do, as the suite asks
            _pyshacl_report(entry)
        return
    _compare(entry, _pyshacl_report(entry))


def test_the_entries_are_found_and_named_by_their_path() -> None:
    if not ENTRIES:
        pytest.skip(f"the W3C SHACL test suite is not at {SUITE}")
    ids = {e.id for e in ENTRIES}
    assert "core/node/equals-001" in ids
    assert len(CORE) >= 98, len(CORE)
    assert len(ids) == len(ENTRIES)


def test_the_lists_of_exceptions_name_entries_of_the_suite() -> None:
    if not ENTRIES:
        pytest.skip(f"the W3C SHACL test suite is not at {SUITE}")
    ids = {e.id for e in ENTRIES}
    assert set(STORE_REFUSES) <= {e.id for e in SPARQL}
    assert set(PYSHACL_FAILS) | set(PYSHACL_NOT_RUN) <= ids


_SERVICE_SHAPES = {
    "constraint": """
        ex:S a sh:NodeShape ; sh:targetNode ex:a ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o . SERVICE <URL> { ?a ?b ?c } }" ] .
    """,
    "lower case": """
        ex:S a sh:NodeShape ; sh:targetNode ex:a ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o . service <URL> { ?a ?b ?c } }" ] .
    """,
    "code point escape": """
        ex:S a sh:NodeShape ; sh:targetNode ex:a ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o . \\\\u0053ERVICE <URL> { ?a ?b ?c } }" ] .
    """,
    "component validator": """
        ex:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:param ] ;
            sh:validator [ sh:ask "ASK { SERVICE <URL> { $value ?b ?c } }" ] .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; ex:param 1 .
    """,
}


@pytest.mark.parametrize("kind", sorted(_SERVICE_SHAPES))
def test_a_shape_with_service_is_refused_before_anything_connects(kind: str) -> None:
    """Oxigraph answers SERVICE with an HTTP request; the engine must refuse the shape before any query runs.

    A listener on 127.0.0.1 stands for the outside world: the shape points at
    it, and after the refusal it must not have been connected to.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.3)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        text = "@prefix ex: <http://example.org/> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n" + _SERVICE_SHAPES[kind].replace("URL", url)
        shapes = rdflib.Graph().parse(data=text, format="turtle")
        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("b"), GRAPH))
        with pytest.raises(shacl.UnsupportedShape) as refused:
            shacl.validate(store, [GRAPH], shapes)
        assert refused.value.shape == URIRef("http://example.org/S")
        assert "SERVICE" in str(refused.value)
        with pytest.raises(TimeoutError):
            listener.accept()
