"""The HTTP server as a real subprocess (`python -m uugraph serve`), talked to over loopback sockets.

One server for the module, on a free port, serving a copy of one build (with a
few static-site files added so both the static and the rendered paths run).
Every request has a timeout; the whole file runs in well under a minute.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.uugraph_server import Served, alive, children, serve
from uugraph.config import base_iri
from uugraph.pipeline.query import run_embedded
from uugraph.rdf.results import Table, Value

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 2  # the server's --timeout in seconds
MAX_ROWS = 1000
QUERY_MEMORY_MB = 256
HTTP_TIMEOUT = 15.0
NETWORKS_OF_UU = (ROOT / "queries" / "networks-of-uu.rq").read_text(encoding="utf-8")
SLOW_QUERY = """
SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l .
  FILTER (STRLEN(STR(?c)) + STRLEN(STR(?f)) + STRLEN(STR(?i)) + STRLEN(STR(?l)) = 1)
}
"""
STATIC_MARKER = "static page of LERU from the site"


def _cpu_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


@pytest.fixture(scope="module")
def served_dist(built_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the build, with a static page for LERU, none for Coimbra, and traps outside the site root."""
    top = tmp_path_factory.mktemp("served")
    dist = top / "dist"
    shutil.copytree(built_dist, dist, symlinks=True)
    site = dist / "site"
    (site / "doc" / "org").mkdir(parents=True, exist_ok=True)
    (site / "doc" / "org" / "leru.html").write_text(f"<!doctype html><title>LERU</title><p>{STATIC_MARKER}</p>\n", encoding="utf-8")
    (site / "doc" / "org" / "coimbra-group.html").unlink(missing_ok=True)  # rendered from the store instead
    (top / "outside-secret.txt").write_text("TOP-SECRET outside the site root\n", encoding="utf-8")
    link = site / "escape.txt"
    if link.exists() or link.is_symlink():
        link.unlink()
    os.symlink(top / "outside-secret.txt", link)
    return dist


@pytest.fixture(scope="module")
def server(served_dist: Path) -> Iterator[Served]:
    """``python -m uugraph serve`` on a free loopback port; stopped (then killed) in teardown, its workers with it."""
    flags = ["--timeout", str(TIMEOUT), "--max-rows", str(MAX_ROWS), "--query-memory-mb", str(QUERY_MEMORY_MB)]
    with serve(served_dist, *flags, log=served_dist.parent / "server.log") as served:
        yield served


@pytest.fixture(scope="module")
def client(server: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT, follow_redirects=False) as c:
        yield c


def _raw_request(port: int, request: bytes, *, read_timeout: float = 10.0) -> bytes:
    """Send bytes as they are (no client-side path normalisation) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        s.sendall(request)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _count_triples(client: httpx.Client) -> int:
    """Triples in the store, counted by a query no earlier request asked (the nonce keeps the cache out)."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {time.time_ns()}"
    r = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.headers["x-cache"] == "miss"
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------- Cool URIs and documents


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/id/org/leru", "/doc/org/leru"),
        ("/id/membership/leru/utrecht-university", "/doc/membership/leru/utrecht-university"),
        ("/def/Network", "/doc/def/Network"),
        ("/def/", "/doc/def"),
    ],
)
def test_thing_redirects_to_its_document(client: httpx.Client, path: str, location: str) -> None:
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 303
    assert r.headers["location"] == location
    assert client.get(location, headers={"Accept": "text/turtle"}).status_code == 200


@pytest.mark.parametrize("path", ["/id/org/no-such-network", "/doc/org/no-such-network", "/doc/org/no-such-network.ttl", "/def/NoSuchClass", "/doc/def/NoSuchClass", "/id/"])
def test_unknown_iris_are_404(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/html", "text/html"),
        (BROWSER, "text/html"),
        ("*/*", "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("text/turtle;q=0.4, application/ld+json;q=0.5", "application/ld+json"),
        ("*/*;q=0.1, text/html;q=0", "text/turtle"),
        ("text/*;q=0.5, text/html;q=0", "text/turtle"),
        ("application/*", "application/ld+json"),
        ("application/*;q=0.2, application/n-triples", "application/n-triples"),
        ("text/turtle, */*", "text/turtle"),
        ("image/png", None),
        ("text/html;q=0, text/turtle;q=0, application/ld+json;q=0, application/n-triples;q=0", None),
    ],
)
def test_document_negotiation(client: httpx.Client, accept: str, expected: str | None) -> None:
    r = client.get("/doc/org/eua", headers={"Accept": accept})
    assert r.headers["vary"] == "Accept"
    link = r.headers["link"]
    for media, suffix in (("text/html", "html"), ("text/turtle", "ttl"), ("application/ld+json", "jsonld"), ("application/n-triples", "nt")):
        assert f'</doc/org/eua.{suffix}>; rel="alternate"; type="{media}"' in link
    assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in link
    if expected is None:
        assert r.status_code == 406
        assert "text/turtle" in r.text
        return
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected
    suffix = {"text/html": "html", "text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt"}[expected]
    assert r.headers["content-location"] == f"/doc/org/eua.{suffix}"


@pytest.mark.parametrize(("suffix", "media"), [("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"), ("html", "text/html")])
def test_suffixes_choose_the_format(client: httpx.Client, suffix: str, media: str) -> None:
    r = client.get(f"/doc/org/eua.{suffix}", headers={"Accept": "image/png"})  # the suffix wins over Accept
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert 'rel="license"' in r.headers["link"]


def _expected_triples(built_dist: Path, document: str) -> rdflib.Graph:
    """The triples of graph.nt whose subject is the document's thing or one of its fragments."""
    thing = base_iri() + "id/" + document[len("doc/") :]
    graph = rdflib.Graph()
    lines = [line for line in (built_dist / "graph.nt").read_text(encoding="utf-8").splitlines() if line.startswith(f"<{thing}>") or line.startswith(f"<{thing}#")]
    graph.parse(data="\n".join(lines), format="nt")
    return graph


@pytest.mark.parametrize("document", ["doc/org/leru", "doc/membership/coimbra-group/utrecht-university"])
def test_rdf_documents_hold_the_thing_and_its_fragments(client: httpx.Client, built_dist: Path, document: str) -> None:
    expected = _expected_triples(built_dist, document)
    assert len(expected) > 0
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/n-triples", "nt")):
        r = client.get("/" + document, headers={"Accept": accept})
        assert r.status_code == 200
        got = rdflib.Graph().parse(data=r.text, format=fmt)
        assert isomorphic(got, expected), f"{document} as {accept}"
    if "membership" in document:
        subjects = {str(s) for s in expected.subjects()}
        assert any(s.endswith("#period") for s in subjects) and any(s.endswith("#start") for s in subjects)


def test_html_from_the_site_when_present_else_rendered(client: httpx.Client, built_dist: Path) -> None:
    static = client.get("/doc/org/leru", headers={"Accept": "text/html"})
    assert static.status_code == 200 and STATIC_MARKER in static.text
    # A page the site lacks is the site's own page, rendered on demand: one renderer, one page (issue 10).
    rendered = client.get("/doc/org/coimbra-group", headers={"Accept": "text/html"})
    assert rendered.status_code == 200
    assert rendered.text == (built_dist / "site" / "doc" / "org" / "coimbra-group.html").read_text(encoding="utf-8")
    # The page's JSON-LD block is data: the policy runs no script at all.
    policy = rendered.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy


def test_index_well_known_void_and_dumps(client: httpx.Client, served_dist: Path) -> None:
    index = client.get("/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    dumps = {
        "graph.ttl": "text/turtle",
        "graph.nt": "application/n-triples",
        "graph.jsonld": "application/ld+json",
        "context.jsonld": "application/ld+json",
        "void.ttl": "text/turtle",
    }
    for name, media in dumps.items():
        r = client.get("/" + name)
        assert r.status_code == 200, name
        assert r.headers["content-type"].split(";")[0] == media
        assert r.content == (served_dist / name).read_bytes()
    void = client.get("/.well-known/void")
    assert void.status_code == 200 and void.headers["content-type"].startswith("text/turtle")
    assert void.content == (served_dist / "void.ttl").read_bytes()
    as_jsonld = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert as_jsonld.status_code == 200
    assert isomorphic(rdflib.Graph().parse(data=as_jsonld.text, format="json-ld"), rdflib.Graph().parse(data=void.text, format="turtle"))


# ---------------------------------------------------------------- SPARQL protocol and result formats


@pytest.fixture(scope="module")
def embedded_answer(prepared) -> Table:
    table = run_embedded(prepared, NETWORKS_OF_UU)
    assert len(table.rows) == 16
    return table


def _cells(table: Table) -> list[tuple[str, ...]]:
    return sorted(tuple("" if v is None else v.value for v in row) for row in table.rows)


def _table_from_json(data: dict) -> Table:
    variables = data["head"]["vars"]
    rows = []
    for binding in data["results"]["bindings"]:
        row: list[Value | None] = []
        for var in variables:
            cell = binding.get(var)
            row.append(None if cell is None else Value(cell["type"], cell["value"], cell.get("datatype", ""), cell.get("xml:lang", "")))
        rows.append(row)
    return Table(variables, rows)


def _table_from_oxigraph(body: bytes, fmt: ox.QueryResultsFormat) -> Table:
    from uugraph.rdf.results import value_of

    solutions = ox.parse_query_results(body, format=fmt)
    variables = [v.value for v in solutions.variables]
    return Table(variables, [[value_of(s[v]) for v in variables] for s in solutions])


def test_select_in_every_format_matches_the_embedded_engine(client: httpx.Client, embedded_answer: Table) -> None:
    expected = embedded_answer
    # JSON by GET ?query=
    r = client.get("/sparql", params={"query": NETWORKS_OF_UU}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+json")
    got = _table_from_json(r.json())
    assert got.variables == expected.variables and got.sorted_rows() == expected.sorted_rows()
    assert r.headers["x-result-truncated"] == "false"
    # XML by POST application/sparql-query
    r = client.post("/sparql", content=NETWORKS_OF_UU.encode(), headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+xml")
    got = _table_from_oxigraph(r.content, ox.QueryResultsFormat.XML)
    assert got.variables == expected.variables and got.sorted_rows() == expected.sorted_rows()
    # TSV by POST form
    r = client.post("/sparql", data={"query": NETWORKS_OF_UU}, headers={"Accept": "text/tab-separated-values"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/tab-separated-values")
    got = _table_from_oxigraph(r.content, ox.QueryResultsFormat.TSV)
    assert got.variables == expected.variables and got.sorted_rows() == expected.sorted_rows()
    # CSV (plain values only, by the format's design)
    r = client.post("/sparql", data={"query": NETWORKS_OF_UU}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == expected.variables
    assert sorted(tuple(row) for row in rows[1:]) == _cells(expected)


def test_sparqlwrapper_client(server: Served, embedded_answer: Table) -> None:
    from SPARQLWrapper import CSV, JSON, POST, TSV, XML, SPARQLWrapper

    endpoint = f"{server.url}/sparql"

    def ask(fmt, method=None):
        wrapper = SPARQLWrapper(endpoint)
        wrapper.setTimeout(int(HTTP_TIMEOUT))
        wrapper.setQuery(NETWORKS_OF_UU)
        wrapper.setReturnFormat(fmt)
        if method:
            wrapper.setMethod(method)
        return wrapper.query().convert()

    data = ask(JSON)
    assert _table_from_json(data).sorted_rows() == embedded_answer.sorted_rows()
    data = ask(JSON, POST)
    assert _table_from_json(data).sorted_rows() == embedded_answer.sorted_rows()
    document = ask(XML)
    assert len(document.getElementsByTagName("result")) == 16
    text = ask(CSV).decode("utf-8")
    assert sorted(tuple(r) for r in list(csv.reader(io.StringIO(text)))[1:]) == _cells(embedded_answer)
    text = ask(TSV)
    got = _table_from_oxigraph(text if isinstance(text, bytes) else text.encode(), ox.QueryResultsFormat.TSV)
    assert got.sorted_rows() == embedded_answer.sorted_rows()


@pytest.mark.parametrize(
    ("accept", "check"),
    [
        ("application/sparql-results+json", lambda body: json.loads(body)["boolean"] is True),
        ("application/sparql-results+xml", lambda body: bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.XML))),
        ("text/csv", lambda body: body.decode().split() == ["boolean", "true"] or body.decode().split()[-1] == "true"),
        ("text/tab-separated-values", lambda body: body.decode().split()[-1] == "true"),
    ],
)
def test_ask_in_every_format(client: httpx.Client, accept: str, check) -> None:
    r = client.get("/sparql", params={"query": "PREFIX uuo: <def/> ASK { <id/org/leru> a uuo:Network }"}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    assert check(r.content)


CONSTRUCT = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?m org:organization ?n . ?n skos:prefLabel ?name }
WHERE { ?m org:member <id/org/utrecht-university> ; org:organization ?n . ?n skos:prefLabel ?name }
"""


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_construct_in_every_rdf_format(client: httpx.Client, prepared, accept: str, fmt: str) -> None:
    triples = prepared.store.query(CONSTRUCT, base_iri=base_iri(), default_graph=prepared.published_graphs)
    expected = rdflib.Graph().parse(data=ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    assert len(expected) > 16
    r = client.post("/sparql", content=CONSTRUCT.encode(), headers={"Content-Type": "application/sparql-query", "Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    assert isomorphic(rdflib.Graph().parse(data=r.text, format=fmt), expected)


def test_describe(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "DESCRIBE <id/org/leru>"}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    assert (rdflib.URIRef(base_iri() + "id/org/leru"), None, None) in graph


def test_answers_are_cached_by_query_and_accept(client: httpx.Client) -> None:
    query = f"SELECT ?s WHERE {{ ?s a <http://www.w3.org/ns/org#Membership> }} ORDER BY ?s # {time.time_ns()}"
    first = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    again = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    other = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert (first.headers["x-cache"], again.headers["x-cache"], other.headers["x-cache"]) == ("miss", "hit", "miss")
    assert first.content == again.content
    assert other.headers["content-type"].startswith("application/sparql-results+json")


def test_protocol_graph_parameters_do_not_break(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "http://example.org/g", "named-graph-uri": "http://example.org/n"})
    assert r.status_code == 200
    r = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "http://example.org/g"})
    assert r.status_code == 200


def test_results_are_cut_at_max_rows(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert r.headers["x-result-truncated"] == "true"
    assert len(r.json()["results"]["bindings"]) == MAX_ROWS
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"})
    assert r.headers["x-result-truncated"] == "true" and len(r.text.strip().splitlines()) == MAX_ROWS


def test_service_description(client: httpx.Client, server: Served) -> None:
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    r = client.get("/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    endpoint = rdflib.URIRef(f"{server.url}/sparql")
    assert (endpoint, rdflib.RDF.type, sd.Service) in graph
    assert (endpoint, sd.endpoint, endpoint) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in graph
    as_jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert isomorphic(rdflib.Graph().parse(data=as_jsonld.text, format="json-ld"), graph)


def test_query_page_for_people(client: httpx.Client) -> None:
    r = client.get("/sparql", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<textarea" in page and "<button" in page and "fetch('/sparql'" in page
    # no external assets: no src= or <link>, no CSS import, and the only request the script makes is to /sparql
    assert " src=" not in page and "<link " not in page and "@import" not in page
    assert page.count("fetch(") == 1


def test_query_page_documents_parameters_and_its_examples_run_with_the_defaults(client: httpx.Client) -> None:
    """A query with parameters is an example that runs as it stands: its defaults bound by VALUES, each parameter explained."""
    import json as json_module
    import re as re_module

    page = client.get("/sparql", headers={"Accept": BROWSER}).text
    assert "#+ params:" in page and "VALUES" in page
    found = re_module.search(r'<script type="application/json" id="examples">(.*?)</script>', page, re_module.S)
    assert found
    examples = json_module.loads(found.group(1))
    example = examples["members-on"]
    assert "#   ?_network_iri: network (iri|slug:org), an IRI, or a slug by the minting rule: leru is <base>id/org/leru; default leru" in example
    assert "# From the command line: uugraph query members-on --param date=2010-01-01 --param network=leru" in example
    r = client.post("/sparql", content=example.encode(), headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    names = {row["name"]["value"] for row in r.json()["results"]["bindings"]}
    assert "Karolinska Institutet" in names and "ETH Zurich" not in names  # LERU on 2010-01-01, the defaults


# ---------------------------------------------------------------- refusals


@pytest.fixture
def listener() -> Iterator[dict[str, object]]:
    """A TCP listener on a loopback port that records every connection made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    state: dict[str, object] = {"port": sock.getsockname()[1], "connections": 0, "stop": False}

    def accept() -> None:
        while not state["stop"]:
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            state["connections"] = int(state["connections"]) + 1  # type: ignore[arg-type]
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield state
    state["stop"] = True
    thread.join(timeout=2)
    sock.close()


def test_updates_are_refused_and_never_run(client: httpx.Client, listener: dict[str, object]) -> None:
    before = _count_triples(client)
    insert = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    attempts = [
        client.post("/sparql", content=insert.encode(), headers={"Content-Type": "application/sparql-update"}),
        client.post("/sparql", data={"update": insert}),
        client.post("/sparql", params={"update": insert}),
        client.get("/sparql", params={"update": insert}),
        client.get("/sparql", params={"query": insert}),
        client.post("/sparql", data={"query": "DELETE WHERE { ?s ?p ?o }"}),
        client.post("/sparql", content=b"PREFIX x: <http://e/>\nCLEAR ALL", headers={"Content-Type": "application/sparql-query"}),
        client.post("/sparql", data={"query": f"LOAD <http://127.0.0.1:{listener['port']}/data.ttl>"}),
    ]
    for r in attempts:
        assert r.status_code in (400, 403), r.text
        assert "read-only" in r.text
    assert _count_triples(client) == before
    time.sleep(0.3)
    assert listener["connections"] == 0


def test_service_is_refused_before_it_runs(client: httpx.Client, listener: dict[str, object]) -> None:
    target = f"<http://127.0.0.1:{listener['port']}/sparql>"
    forms = [
        f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
        f"select * where {{ ?x ?y ?z service silent {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z.SERVICE {target} {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <http://e/> SELECT * WHERE {{ ?s ex:a\\#b ?o SERVICE {target} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z \\u0053ERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z SERVICE ?e {{ ?s ?p ?o }} VALUES ?e {{ {target} }} }}",
        # the two spellings that slipped past the word scan (issue 11): a comment ended by a bare CR, a dot after a prefixed name
        f"SELECT * WHERE {{ # x\rSERVICE {target} {{ ?s ?p ?o }} }}",
        f"PREFIX uuo: <https://w3id.org/uugraph/def/> SELECT * WHERE {{ ?s ?p uuo:.SERVICE {target} {{ ?a ?b ?c }} }}",
    ]
    for query in forms:
        r = client.post("/sparql", data={"query": query})
        assert r.status_code == 400, query
        assert "SERVICE is not allowed" in r.text
    time.sleep(0.3)
    assert listener["connections"] == 0


def test_malformed_query_is_400_with_the_parser_message(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    assert r.text.startswith("malformed query: query:1:")
    r = client.post("/sparql", content=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    r = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_timeout_kills_the_worker_and_the_server_goes_on(client: httpx.Client, server: Served) -> None:
    pid = server.pid
    workers_before = children(pid)
    assert len(workers_before) == 2
    started = time.monotonic()
    r = client.post("/sparql", data={"query": SLOW_QUERY})
    elapsed = time.monotonic() - started
    assert r.status_code == 503
    assert "stopped" in r.text
    assert elapsed < TIMEOUT + 2
    # right after: another query is answered, by a fresh worker in place of the killed one
    quick = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=3.0)
    assert quick.status_code == 200
    workers_after = children(pid)
    killed = workers_before - workers_after
    assert len(killed) == 1 and len(workers_after) == 2
    assert not any(alive(p) for p in killed)
    # and nothing burns CPU any more
    ticks = sum(_cpu_ticks(p) for p in workers_after)
    time.sleep(0.5)
    assert sum(_cpu_ticks(p) for p in workers_after) - ticks < 10  # < 0.1 s of CPU in 0.5 s (at 100 ticks/s)


def test_a_query_that_needs_too_much_memory_is_stopped(served_dist: Path) -> None:
    # A server of its own with a long time limit, so that the memory cap, not the clock, stops the
    # query even on a busy machine.
    flags = ["--timeout", "60", "--query-memory-mb", str(QUERY_MEMORY_MB)]
    with serve(served_dist, *flags) as own, httpx.Client(base_url=own.url, timeout=90.0) as client:
        # (the graph's triples)² rows to sort: gigabytes within seconds, were it not for the cap
        r = client.post("/sparql", data={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"})
        assert r.status_code == 503
        assert f"{QUERY_MEMORY_MB} MiB" in r.text
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=3.0).status_code == 200
        assert len(children(own.pid)) == 2


def test_oversize_body_is_413(client: httpx.Client, server: Served) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_100_000
    r = client.post("/sparql", content=big.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    # a body announced as 100 MB: answered 413 at once, without waiting for (or reading) it
    port = server.port
    started = time.monotonic()
    answer = _raw_request(
        port,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100000000\r\n\r\nSELECT",
        read_timeout=3.0,
    )
    assert answer.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    "target",
    [
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/..%2f..%2f..%2f..%2fetc/passwd",
        "/doc/../../../etc/passwd.ttl",
        "/escape.txt",
        "/../outside-secret.txt",
        "/%2e%2e/outside-secret.txt",
        "/%2e%2e/graph.nt",
        "//etc/passwd",
        "/.%2e/.%2e/etc/passwd",
    ],
)
def test_path_traversal_is_refused(server: Served, target: str) -> None:
    answer = _raw_request(server.port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    status = answer.split(b" ", 2)[1]
    assert status in (b"400", b"404"), answer[:200]
    assert b"root:" not in answer and b"TOP-SECRET" not in answer and b"<http" not in answer


def test_cors(client: httpx.Client) -> None:
    assert client.get("/doc/org/eua.ttl").headers["access-control-allow-origin"] == "*"
    r = client.post("/sparql", data={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "X-Result-Truncated" in r.headers["access-control-expose-headers"]
    preflight = client.request(
        "OPTIONS",
        "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()


# ---------------------------------------------------------------- settings, declared once


def test_serve_options_are_the_settings_declaration() -> None:
    """``uugraph serve`` takes its defaults from :class:`Settings`, and its options become one."""
    from uugraph.cli import parser
    from uugraph.web.settings import Settings, from_arguments

    defaults = from_arguments(parser().parse_args(["serve"]))
    assert defaults == Settings()
    given = from_arguments(parser().parse_args(["serve", "--cache-mb", "0.5", "--query-memory-mb", "0", "--timeout", "2", "--workers", "3", "--dist", "out"]))
    assert (given.cache_bytes, given.worker_memory, given.timeout, given.worker_count, given.dist) == (524_288, 0, 2.0, 3, Path("out"))
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--timeout", "0"])
