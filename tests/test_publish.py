"""Publishing into a real Oxigraph server (from PyPI), started on 127.0.0.1 and stopped by its pid."""

from __future__ import annotations

import base64
import http.server
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from oxigraph_server import OxigraphServer, free_port

from uugraph.build import build, prepare
from uugraph.config import Layout
from uugraph.curation.synth import synth
from uugraph.errors import Unauthorised, Unreachable
from uugraph.outputs.describe import dataset_iri
from uugraph.pipeline.load import load_queries
from uugraph.pipeline.query import run_embedded
from uugraph.remote.client import Client
from uugraph.remote.publish import Endpoints, publish, record_graph, staging_graph
from uugraph.remote.query import run_remote


@pytest.fixture
def server(tmp_path: Path) -> Iterator[OxigraphServer]:
    instance = OxigraphServer(tmp_path / "store")
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def real_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "dist"
    build(Layout(root=ROOT), out)
    return out


@pytest.fixture(scope="module")
def synthetic_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("synthetic")
    synth(base / "data", triples=20_000, seed=3)
    out = base / "dist"
    build(Layout(root=ROOT, data=base / "data"), out)
    return out


def _lines(path: Path) -> int:
    return sum(1 for line in path.read_bytes().splitlines() if line.strip())


def test_publish_then_every_query_answers_as_the_embedded_engine(server: OxigraphServer, real_dist: Path) -> None:
    result = publish(real_dist, server.endpoints)
    assert result.changed and result.triples == _lines(real_dist / "graph.nt")
    assert server.count(dataset_iri()) == result.triples
    # The server's default graph is not the union of its named graphs: the queries target the graph by protocol.
    loaded = prepare(Layout(root=ROOT), with_queries=False)
    for name, query in load_queries(ROOT / "queries").items():
        embedded = run_embedded(loaded, query.text)
        remote = run_remote(server.endpoints.query, query.text, graph=dataset_iri())
        assert remote.variables == embedded.variables, name
        assert remote.boolean == embedded.boolean, name
        assert remote.sorted_rows() == embedded.sorted_rows(), name


def test_publishing_twice_changes_nothing(server: OxigraphServer, real_dist: Path) -> None:
    first = publish(real_dist, server.endpoints)
    second = publish(real_dist, server.endpoints)
    assert first.changed and not second.changed and second.chunks == 0
    assert server.count(dataset_iri()) == first.triples
    assert server.count(staging_graph(dataset_iri())) == 0


def test_publishing_never_touches_other_graphs(server: OxigraphServer, real_dist: Path) -> None:
    server.update("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> . GRAPH <http://example.org/other> { <http://example.org/x> <http://example.org/y> 'z' } }")
    publish(real_dist, server.endpoints, chunk_triples=1000)
    rows = Client(retries=0).select(server.endpoints.query, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert rows[0]["n"]["value"] == "1"  # the default graph holds only its own triple
    assert server.count("http://example.org/other") == 1
    graphs = Client(retries=0).select(server.endpoints.query, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {g["g"]["value"] for g in graphs} == {"http://example.org/other", dataset_iri(), record_graph(dataset_iri())}


def test_sparql_update_path_gives_the_same_graph(server: OxigraphServer, real_dist: Path) -> None:
    without_gsp = Endpoints(server.endpoints.query, server.endpoints.update, None)
    result = publish(real_dist, without_gsp, chunk_triples=1500)
    assert result.chunks >= -(-result.triples // 1500) > 1  # at most 1500 triples a request (blank-node lines go in requests of their own)
    assert server.count(dataset_iri()) == result.triples


def test_server_killed_mid_publish_leaves_the_previous_graph_intact(server: OxigraphServer, real_dist: Path, synthetic_dist: Path) -> None:
    before = publish(real_dist, server.endpoints)
    chunks_seen = []

    def kill_after_three(sent: int, total: int) -> None:
        chunks_seen.append(sent)
        if len(chunks_seen) == 3:
            server.kill()

    with pytest.raises(Unreachable):
        publish(synthetic_dist, server.endpoints, chunk_triples=2000, client=Client(retries=2, backoff=0.01), progress=kill_after_three)
    server.start()  # same store folder
    assert server.count(dataset_iri()) == before.triples
    record = record_graph(dataset_iri())
    rows = Client(retries=0).select(server.endpoints.query, f"SELECT ?sum WHERE {{ GRAPH <{record}> {{ ?g ?p ?sum }} FILTER(STRSTARTS(STR(?sum), 'sha256:')) }}")
    assert rows[0]["sum"]["value"] == before.checksum
    # And the next publish completes and replaces it.
    after = publish(synthetic_dist, server.endpoints, chunk_triples=5000)
    assert after.changed and server.count(dataset_iri()) == after.triples != before.triples


def test_server_down_is_a_clear_error_with_its_own_exit_code(real_dist: Path, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    done = run_cli("publish", "--dist", str(real_dist), "--preset", "oxigraph", f"http://127.0.0.1:{port}", "--retries", "1")
    assert done.returncode == 3, done.stderr
    assert "cannot reach" in done.stderr and "Traceback" not in done.stderr
    assert (real_dist / "graph.nt").exists()


class _AuthProxy(http.server.ThreadingHTTPServer):
    """A small HTTP Basic-auth proxy in front of the store: only user:secret gets through."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.expected = "Basic " + base64.b64encode(b"curator:secret").decode()
        super().__init__(("127.0.0.1", 0), _AuthHandler)


class _AuthHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _forward(self) -> None:
        if self.headers.get("Authorization") != self.server.expected:  # type: ignore[attr-defined]
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="uugraph"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        request = urllib.request.Request(self.server.target + self.path, data=body, method=self.command, headers=headers)  # type: ignore[attr-defined]
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload, status, content_type = response.read(), response.status, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            payload, status, content_type = exc.read(), exc.code, exc.headers.get("Content-Type", "")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _forward


@pytest.fixture
def auth_proxy(server: OxigraphServer) -> Iterator[str]:
    proxy = _AuthProxy(server.base)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{proxy.server_address[1]}"
    proxy.shutdown()
    proxy.server_close()


def test_wrong_credentials_are_refused_with_their_own_exit_code(auth_proxy: str, real_dist: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UUGRAPH_SPARQL_USER", "curator")
    monkeypatch.setenv("UUGRAPH_SPARQL_PASSWORD", "wrong")
    with pytest.raises(Unauthorised):
        publish(real_dist, Endpoints.from_preset("oxigraph", auth_proxy), client=Client(retries=0))
    env = dict(os.environ)
    done = subprocess.run(
        [sys.executable, "-m", "uugraph", "publish", "--dist", str(real_dist), "--preset", "oxigraph", auth_proxy],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    assert "wrong" not in done.stderr + done.stdout  # the secret is never printed
    monkeypatch.setenv("UUGRAPH_SPARQL_PASSWORD", "secret")
    assert publish(real_dist, Endpoints.from_preset("oxigraph", auth_proxy)).changed


def test_presets_lay_out_each_store() -> None:
    assert Endpoints.from_preset("fuseki", "http://h:3030/ds/") == Endpoints("http://h:3030/ds/query", "http://h:3030/ds/update", "http://h:3030/ds/data")
    assert Endpoints.from_preset("virtuoso", "http://h:8890").query == "http://h:8890/sparql"


def test_header_words_that_look_like_updates_do_not_confuse_the_client(server: OxigraphServer, real_dist: Path) -> None:
    """Regression: SPARQLWrapper guessed 'DROP' from a description line and sent the query as an update."""
    publish(real_dist, server.endpoints)
    text = (
        "#+ summary: Networks (drop nothing, insert nothing: these words are prose)\n"
        "#+ description: Load, clear, delete and move are words a header may use.\n"
        "PREFIX org: <http://www.w3.org/ns/org#>\nSELECT ?n WHERE { ?m org:organization ?n } LIMIT 1\n"
    )
    assert len(run_remote(server.endpoints.query, text, graph=dataset_iri()).rows) == 1
