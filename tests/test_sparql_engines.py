"""The same answers on five SPARQL engines: every query of queries/ on each, compared with the embedded store's.

(1) the embedded Oxigraph store, (2) rdflib's own SPARQL engine over the built
N-Triples, (3) a real ``oxigraph serve`` and (4) a real Virtuoso, each with the
build published into it, and (5) Apache Jena ARQ over the built N-Triples.
Solutions are compared as :mod:`uugraph.remote.engines` says (multisets,
literals by value where the standard allows, ORDER BY respected); a difference
fails the test unless the query's header documents it (``#+ engines: NAME: why``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jena
import pytest
import virtuoso_server
from conftest import ROOT, run_cli
from oxigraph_server import OxigraphServer
from virtuoso_server import USER, USER_PASSWORD, VirtuosoServer

from uugraph.build import build, prepare
from uugraph.config import Layout
from uugraph.outputs.describe import dataset_iri
from uugraph.pipeline.load import load_queries
from uugraph.pipeline.query import run_embedded
from uugraph.rdf.results import Table, Value
from uugraph.remote.client import Client, Credentials
from uugraph.remote.engines import Engine, compare, compare_engines, documented, endpoint_engine, order_variables, rdflib_engine
from uugraph.remote.publish import publish


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    work = tmp_path_factory.mktemp("engines")
    dist = work / "dist"
    build(Layout(root=ROOT), dist, site="never")
    loaded = prepare(Layout(root=ROOT), with_queries=False)
    oxigraph = OxigraphServer(work / "oxigraph")
    virtuoso = VirtuosoServer(work / "virtuoso")
    oxigraph.start()
    try:
        publish(dist, oxigraph.endpoints)
        found: dict[str, Engine] = {
            "embedded": lambda text: run_embedded(loaded, text),
            "rdflib": rdflib_engine(dist / "graph.nt"),
            "oxigraph-server": endpoint_engine(oxigraph.query, dataset_iri()),
        }
        if virtuoso_server.available():
            virtuoso.start()
            virtuoso.create_user()
            publish(dist, virtuoso.endpoints, client=Client(credentials=Credentials(user=USER, password=USER_PASSWORD)))
            found["virtuoso"] = endpoint_engine(virtuoso.query, dataset_iri())
            ENDPOINTS["virtuoso"] = virtuoso.query
        if jena.available():
            found["jena"] = jena.Arq(dist / "graph.nt", work)
        yield found
    finally:
        virtuoso.stop()
        oxigraph.stop()


ENDPOINTS: dict[str, str] = {}
QUERIES = {name: query.text for name, query in load_queries(ROOT / "queries").items()}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["rdflib", "oxigraph-server", "virtuoso", "jena"])
def test_every_query_gives_the_embedded_answers(engines: dict[str, Engine], engine: str) -> None:
    if engine == "virtuoso" and engine not in engines:
        pytest.skip(virtuoso_server.MISSING)
    if engine == "jena" and engine not in engines:
        pytest.skip(jena.MISSING)
    differences = compare_engines(QUERIES, {"embedded": engines["embedded"], engine: engines[engine]}, "embedded")
    undocumented = [f"{d.query}: {d.what}" for d in differences if d.documented is None]
    assert not undocumented, f"{engine} differs on {len(undocumented)} of {len(QUERIES)} queries:\n" + "\n".join(undocumented)


@pytest.mark.slow
def test_check_engines_runs_the_comparison_on_a_users_endpoint(engines: dict[str, Engine], tmp_path: Path) -> None:
    if "virtuoso" not in ENDPOINTS:
        pytest.skip(virtuoso_server.MISSING)
    done = run_cli("check-engines", "--endpoint", ENDPOINTS["virtuoso"], "--graph", dataset_iri(), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": agrees") == len(QUERIES) and f"{len(QUERIES)} of {len(QUERIES)} queries agree" in done.stderr
    # A graph that does not hold the build: the queries that find rows there differ, and the exit code says so.
    wrong = run_cli("check-engines", "--endpoint", ENDPOINTS["virtuoso"], "--graph", "http://example.org/empty", "--format", "json", timeout=300)
    assert wrong.returncode == 1 and '"differences": [{' in wrong.stdout


def _table(rows: list[list[Value | None]], variables: tuple[str, ...] = ("name", "n")) -> Table:
    return Table(list(variables), rows)


def _lit(value: str, datatype: str = "", language: str = "") -> Value:
    return Value("literal", value, datatype, language)


XSD = "http://www.w3.org/2001/XMLSchema#"


def test_literals_are_compared_by_value_where_the_standard_allows() -> None:
    reference = _table([[_lit("a", language="en"), _lit("10", XSD + "integer")], [Value("bnode", "b0"), _lit("true", XSD + "boolean")]])
    other = _table([[Value("bnode", "x7"), _lit("1", XSD + "boolean")], [_lit("a", language="EN"), _lit("1.0E1", XSD + "double")]])
    assert compare("SELECT * {}", reference, other) is None
    assert compare("SELECT * {}", reference, _table([[_lit("a", language="en"), _lit("10")], reference.rows[1]])) is not None  # "10" is a string


def test_order_by_is_respected_and_ties_may_come_in_any_order() -> None:
    text = "SELECT ?name ?n WHERE { ?x ?p ?name } ORDER BY STR(?name)"
    assert order_variables(text) == ["name"]
    a, b, c = [_lit("a"), _lit("1")], [_lit("a"), _lit("2")], [_lit("b"), _lit("3")]
    assert compare(text, _table([a, b, c]), _table([b, a, c])) is None
    assert "out of ORDER BY order" in (compare(text, _table([a, b, c]), _table([c, a, b])) or "")
    assert compare("SELECT * {}", _table([a, b, c]), _table([c, a, b])) is None
    assert order_variables("SELECT ?a { { SELECT ?a {} ORDER BY ?a LIMIT 1 } }") is None  # a subquery's ORDER BY is not the result's


def test_a_documented_deviation_is_reported_as_documented() -> None:
    text = "#+ summary: s\n#+ engines: virtuoso: it counts differently\nSELECT ?name ?n {}"
    assert documented(text) == {"virtuoso": "it counts differently"}
    found = compare_engines({"q": text}, {"embedded": lambda t: _table([[_lit("a"), _lit("1")]]), "virtuoso": lambda t: _table([])}, "embedded")
    assert [(d.query, d.engine, d.documented) for d in found] == [("q", "virtuoso", "it counts differently")]
