"""Publishing into a real Virtuoso (Debian's virtuoso-opensource), started on 127.0.0.1 and stopped by its pid.

Both paths of the ``virtuoso`` preset are run: the Graph Store Protocol on
``/sparql-graph-crud-auth`` and SPARQL Update on ``/sparql-auth``, each with
HTTP Digest credentials of a user that holds the ``SPARQL_UPDATE`` role only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from conftest import ROOT
from oxigraph_server import free_port
from rdflib.compare import isomorphic
from virtuoso_server import MISSING, USER, USER_PASSWORD, VirtuosoServer, available

from uugraph.build import build
from uugraph.config import Layout
from uugraph.curation.synth import synth
from uugraph.errors import Unreachable
from uugraph.remote.client import Client, Credentials
from uugraph.remote.publish import Endpoints, publish, record_graph, staging_graph

pytestmark = pytest.mark.skipif(not available(), reason=MISSING)

CREDENTIALS = Credentials(user=USER, password=USER_PASSWORD)
OTHER = "http://example.org/other"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One server for the tests that only add graphs of their own (each test names its own graph)."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso") / "db")
    server.start()
    server.create_user()
    yield server
    server.stop()


@pytest.fixture
def fresh_virtuoso(tmp_path: Path) -> Iterator[VirtuosoServer]:
    """A server of its own, for the tests that kill it."""
    server = VirtuosoServer(tmp_path / "db")
    server.start()
    server.create_user()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def real_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "dist"
    build(Layout(root=ROOT), out, site="never")
    return out


@pytest.fixture(scope="module")
def synthetic_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("synthetic")
    synth(base / "data", triples=20_000, seed=3)
    out = base / "dist"
    build(Layout(root=ROOT, data=base / "data"), out, site="never")
    return out


def _client(**options: float) -> Client:
    return Client(credentials=CREDENTIALS, **options)  # type: ignore[arg-type]


def _graph_in(server: VirtuosoServer, graph: str) -> rdflib.Graph:
    """What the store holds in ``graph``, read back through SPARQL JSON results."""
    found = rdflib.Graph()
    blanks: dict[str, rdflib.BNode] = {}

    def term(cell: dict[str, str]) -> rdflib.term.Node:
        if cell["type"] == "uri":
            return rdflib.URIRef(cell["value"])
        if cell["type"] == "bnode":
            return blanks.setdefault(cell["value"], rdflib.BNode())
        return rdflib.Literal(cell["value"], lang=cell.get("xml:lang"), datatype=cell.get("datatype"))

    for row in server.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"):
        found.add((term(row["s"]), term(row["p"]), term(row["o"])))  # type: ignore[arg-type]
    return found


def _built(dist: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(dist / "graph.nt", format="nt")


def _uu_env(password: str = USER_PASSWORD) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("UUGRAPH_SPARQL_TOKEN", None)
    env.update(UUGRAPH_SPARQL_USER=USER, UUGRAPH_SPARQL_PASSWORD=password)
    return env


def _cli(*args: str, password: str = USER_PASSWORD) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "uugraph", *args], cwd=ROOT, env=_uu_env(password), capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("path", ["graph-store", "update"])
def test_publish_puts_exactly_the_build_into_the_named_graph(virtuoso: VirtuosoServer, real_dist: Path, path: str) -> None:
    graph = f"http://example.org/exact/{path}"
    endpoints = virtuoso.endpoints if path == "graph-store" else Endpoints(virtuoso.query, virtuoso.base + "/sparql-auth")
    result = publish(real_dist, endpoints, graph, client=_client())
    built = _built(real_dist)
    assert result.changed and result.triples == len(built)
    assert virtuoso.count(graph) == len(built)
    assert isomorphic(_graph_in(virtuoso, graph), built)  # blank nodes (the OWL lists) included
    assert virtuoso.count(staging_graph(graph)) == 0


def test_the_update_path_splits_blank_nodes_into_requests_virtuoso_compiles(virtuoso: VirtuosoServer, real_dist: Path) -> None:
    """Regression: one INSERT {...} WHERE {} of every blank-node line plus plain lines was SP031 ("10000 lines of SQL")."""
    graph = "http://example.org/exact/small-chunks"
    result = publish(real_dist, Endpoints(virtuoso.query, virtuoso.base + "/sparql-auth"), graph, chunk_triples=7, client=_client())
    assert result.chunks > 700
    assert isomorphic(_graph_in(virtuoso, graph), _built(real_dist))


def test_big_chunks_through_the_graph_store_with_digest(virtuoso: VirtuosoServer, synthetic_dist: Path) -> None:
    """Regression: a big unauthenticated PUT was reset by Virtuoso before its 401 challenge could be read."""
    graph = "http://example.org/synthetic"
    result = publish(synthetic_dist, virtuoso.endpoints, graph, client=_client())
    assert result.chunks == 1 and virtuoso.count(graph) == result.triples > 20_000


def test_the_cli_publishes_twice_without_change_and_touches_no_other_graph(virtuoso: VirtuosoServer, real_dist: Path) -> None:
    virtuoso.sql(f"SPARQL INSERT DATA {{ GRAPH <{OTHER}> {{ <http://example.org/x> <http://example.org/y> 'z' }} }};")
    before = virtuoso.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    graph = "http://example.org/twice"
    first = _cli("publish", "--dist", str(real_dist), "--preset", "virtuoso", virtuoso.base, "--graph", graph, "--format", "json")
    assert first.returncode == 0, first.stderr
    second = _cli("publish", "--dist", str(real_dist), "--preset", "virtuoso", virtuoso.base, "--graph", graph, "--format", "json")
    assert second.returncode == 0, second.stderr
    assert '"changed": true' in first.stdout and '"changed": false' in second.stdout and '"chunks": 0' in second.stdout
    after = virtuoso.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in after}
    assert {row["g"]["value"]: int(row["n"]["value"]) for row in before} == {g: n for g, n in counts.items() if g not in (graph, record_graph(graph))}
    assert counts[OTHER] == 1 and counts[graph] == len(_built(real_dist)) and counts[record_graph(graph)] == 2
    assert USER_PASSWORD not in first.stdout + first.stderr + second.stdout + second.stderr


def test_killed_while_uploading_the_previous_graph_is_intact_after_a_restart(fresh_virtuoso: VirtuosoServer, real_dist: Path, synthetic_dist: Path) -> None:
    graph = "http://example.org/killed"
    update_path = Endpoints(fresh_virtuoso.query, fresh_virtuoso.base + "/sparql-auth")
    before = publish(real_dist, update_path, graph, client=_client())
    seen: list[int] = []

    def kill_after_three(sent: int, total: int) -> None:
        seen.append(sent)
        if len(seen) == 3:
            fresh_virtuoso.kill()

    with pytest.raises(Unreachable):
        publish(synthetic_dist, update_path, graph, client=_client(retries=1, backoff=0.01, timeout=10), progress=kill_after_three)
    fresh_virtuoso.start()  # same database folder: Virtuoso replays its transaction log
    assert isomorphic(_graph_in(fresh_virtuoso, graph), _built(real_dist))
    rows = fresh_virtuoso.select(f"SELECT ?sum WHERE {{ GRAPH <{record_graph(graph)}> {{ ?g ?p ?sum }} FILTER(STRSTARTS(STR(?sum), 'sha256:')) }}")
    assert [row["sum"]["value"] for row in rows] == [before.checksum]
    after = publish(synthetic_dist, fresh_virtuoso.endpoints, graph, client=_client())
    assert after.changed and fresh_virtuoso.count(graph) == after.triples != before.triples


def test_killed_during_the_swap_the_graph_is_the_old_or_the_new_one_whole(fresh_virtuoso: VirtuosoServer, real_dist: Path, synthetic_dist: Path) -> None:
    """Virtuoso applies one update request as one transaction: a MOVE cut short by kill -9 is rolled back, never half done."""
    graph = "http://example.org/swap"
    before = publish(real_dist, fresh_virtuoso.endpoints, graph, client=_client())
    killer: list[threading.Timer] = []

    def kill_soon_after_the_last_chunk(sent: int, total: int) -> None:
        if sent >= total and not killer:
            killer.append(threading.Timer(0.05, fresh_virtuoso.kill))
            killer[0].start()

    try:
        publish(synthetic_dist, fresh_virtuoso.endpoints, graph, client=_client(retries=0, timeout=10), progress=kill_soon_after_the_last_chunk)
    except Unreachable:
        pass
    killer[0].join(timeout=15)
    fresh_virtuoso.start()
    count = fresh_virtuoso.count(graph)
    total = sum(1 for line in (synthetic_dist / "graph.nt").read_bytes().splitlines() if line.strip())
    assert count in (before.triples, total)
    record = fresh_virtuoso.select(f"SELECT ?n WHERE {{ GRAPH <{record_graph(graph)}> {{ <{graph}> <http://rdfs.org/ns/void#triples> ?n }} }}")
    assert [int(row["n"]["value"]) for row in record] == [count]  # the record and the graph were swapped together


def test_unreachable_exits_3_naming_the_endpoint(real_dist: Path) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    done = _cli("publish", "--dist", str(real_dist), "--preset", "virtuoso", base, "--retries", "1")
    assert done.returncode == 3, done.stderr
    assert f"{base}/sparql" in done.stderr and "cannot reach" in done.stderr and "Traceback" not in done.stderr


def test_wrong_credentials_exit_4_naming_the_endpoint_and_never_print_them(virtuoso: VirtuosoServer, real_dist: Path) -> None:
    wrong = "wrong-Pa55-9e1f"
    done = _cli("publish", "--dist", str(real_dist), "--preset", "virtuoso", virtuoso.base, "--graph", "http://example.org/refused", password=wrong)
    assert done.returncode == 4, done.stderr
    assert f"{virtuoso.base}/sparql-graph-crud-auth" in done.stderr and "HTTP 401" in done.stderr
    assert wrong not in done.stdout + done.stderr and USER_PASSWORD not in done.stdout + done.stderr
    assert virtuoso.count("http://example.org/refused") == 0


def test_a_rejected_update_exits_5_with_virtuosos_own_sql_error(virtuoso: VirtuosoServer, synthetic_dist: Path) -> None:
    """An INSERT DATA of 20,000 triples is past what Virtuoso 7.2's SPARQL parser takes (SP030)."""
    done = _cli(
        "publish", "--dist", str(synthetic_dist), "--endpoint", virtuoso.query, "--update-endpoint", virtuoso.base + "/sparql-auth",
        "--graph", "http://example.org/rejected", "--chunk-triples", "20000",
    )  # fmt: skip
    assert done.returncode == 5, done.stderr
    assert f"{virtuoso.base}/sparql-auth: update `INSERT" in done.stderr and "Virtuoso 37000 Error SP03" in done.stderr
    assert USER_PASSWORD not in done.stdout + done.stderr
    assert virtuoso.count("http://example.org/rejected") == 0


def test_a_literal_spelled_like_an_iri_stays_a_literal_beside_blank_nodes(virtuoso: VirtuosoServer, tmp_path: Path) -> None:
    """Regression: Virtuoso folded ``"https://x/"`` into ``<https://x/>`` inside one INSERT {...} WHERE {} template."""
    (tmp_path / "graph.nt").write_text(
        '<https://x/> <http://purl.org/vocab/vann/preferredNamespaceUri> "https://x/" .\n'
        '<https://x/> <http://example.org/p> _:list .\n_:list <http://example.org/q> "https://x/" .\n'
        '<https://x/> <http://example.org/r> "https://x/"@en .\n<https://y/> <http://example.org/s> "a \\"quoted\\" <https://x/>" .\n',
        encoding="utf-8",
    )
    graph = "http://example.org/folding"
    publish(tmp_path, Endpoints(virtuoso.query, virtuoso.base + "/sparql-auth"), graph, client=_client())
    assert isomorphic(_graph_in(virtuoso, graph), _built(tmp_path))


def test_a_swap_bigger_than_one_transaction_may_be_is_refused_with_exit_5_and_the_previous_graph_stays(tmp_path: Path, real_dist: Path, synthetic_dist: Path) -> None:
    """Virtuoso refuses a transaction that changes more than TransactionAfterImageLimit (default 50 MB, about a million triples' MOVE): SR325."""
    server = VirtuosoServer(tmp_path / "db", after_image=1_000_000)
    server.start()
    try:
        server.create_user()
        graph = "http://example.org/too-big"
        before = publish(real_dist, server.endpoints, graph, chunk_triples=1000, client=_client())
        done = _cli("publish", "--dist", str(synthetic_dist), "--preset", "virtuoso", server.base, "--graph", graph, "--chunk-triples", "1000", "--retries", "0")
        assert done.returncode == 5, done.stderr
        assert f"{server.base}/sparql-auth: update `MOVE GRAPH" in done.stderr and "Virtuoso 40005 Error SR325" in done.stderr
        assert "the previous graph stays" in done.stderr and USER_PASSWORD not in done.stdout + done.stderr
        assert isomorphic(_graph_in(server, graph), _built(real_dist)) and server.count(graph) == before.triples
    finally:
        server.stop()
