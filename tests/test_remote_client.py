"""The one SPARQL HTTP client, proven on real servers on 127.0.0.1: an ``oxigraph serve`` behind small real proxies.

The proxies are what stores put in front of themselves: HTTP Basic, HTTP Digest
(as Virtuoso does), a store that fails twice with 503 before answering, one that
closes the connection mid-answer, one that drips a byte at a time, and one that
echoes the request's headers back in an error body (so a credential printed
anywhere would show). Each verb that reaches a server (``publish``,
``query --endpoint``, ``reconcile``) runs as a subprocess against them.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ROOT
from oxigraph_server import OxigraphServer, free_port

from uugraph.errors import Rejected, Unauthorised, Unreachable
from uugraph.remote.client import Client, Credentials, parse_challenges, redact
from uugraph.remote.publish import Endpoints, publish

USER = "curator"
PASSWORD = "pw Zq9!x/é+"  # characters that encode differently in base64, percent and JSON forms
TOKEN = "tok-" + "7f3a9c" * 4
WIKIDATA_SAMPLE = Path(__file__).parent / "fixtures" / "wikidata-sample.ttl"
LABEL = "A label only this store holds"
QUERY = f'#+ summary: the one labelled thing\nSELECT ?label WHERE {{ ?thing <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(?label = "{LABEL}") }}\n'


def forbidden_forms(password: str = PASSWORD, token: str = TOKEN) -> list[str]:
    """Every way a credential could leak into text."""
    pair = f"{USER}:{password}".encode()
    return [
        password,
        token,
        base64.b64encode(pair).decode(),
        base64.b64encode(pair).decode().rstrip("="),
        urllib.parse.quote(password, safe=""),
        urllib.parse.quote_plus(password),
        json.dumps(password)[1:-1],
    ]


# ---------------------------------------------------------------- the servers


class _Server(http.server.ThreadingHTTPServer):
    """A real HTTP server on a free loopback port; the handler reads its ``mode``."""

    daemon_threads = True

    def __init__(self, mode: str, target: str | None = None, **options: Any) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.target = target
        self.options = options
        self.seen: list[dict[str, str]] = []
        self.failed = 0
        self.nonces: set[str] = set()
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain", extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        with self.server.lock:
            self.server.seen.append(dict(self.headers.items()))
        mode = self.server.mode
        if mode == "basic":
            expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._send(401, b"who are you?", extra={"WWW-Authenticate": 'Basic realm="uugraph"'})
        elif mode == "digest":
            if not self._digest_ok():
                nonce = secrets.token_hex(12)
                with self.server.lock:
                    self.server.nonces.add(nonce)
                algorithm = self.server.options["algorithm"]
                challenge = f'Digest realm="sparql", nonce="{nonce}", qop="auth", algorithm={algorithm}, opaque="op4que"'
                return self._send(401, b"digest please", extra={"WWW-Authenticate": challenge})
        elif mode == "flaky":  # fails the first `fail` requests, then forwards
            with self.server.lock:
                failing = self.server.failed < self.server.options["fail"]
                self.server.failed += failing
            if failing:
                if self.server.options.get("how") == "cut":  # promises 1000 bytes, sends 10, closes
                    self.send_response(200)
                    self.send_header("Content-Type", "application/sparql-results+json")
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b'{"head": {')
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return None
                return self._send(503, b"busy, try again")
        elif mode == "echo":  # asks for credentials, then echoes every request header in an error body
            if "Authorization" not in self.headers:
                return self._send(401, b"credentials please", extra={"WWW-Authenticate": 'Basic realm="echo"'})
            echoed = "".join(f"{name}: {value}\n" for name, value in self.headers.items())
            return self._send(self.server.options["status"], f"bad request; you sent:\n{echoed}".encode())
        self._forward(body)
        return None

    def _digest_ok(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))
        algorithm = self.server.options["algorithm"]
        if fields.get("nonce") not in self.server.nonces or fields.get("algorithm", "MD5").upper() != algorithm or fields.get("opaque") != "op4que":
            return False

        def h(text: str) -> str:
            return (hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5)(text.encode()).hexdigest()

        ha1 = h(f"{USER}:sparql:{PASSWORD}")
        ha2 = h(f"{self.command}:{self.path}")
        expected = h(f"{ha1}:{fields['nonce']}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        return fields.get("uri") == self.path and fields.get("qop") == "auth" and fields.get("response") == expected

    def _forward(self, body: bytes | None) -> None:
        assert self.server.target
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        request = urllib.request.Request(self.server.target + self.path, data=body, method=self.command, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload, status, content_type = response.read(), response.status, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            payload, status, content_type = exc.read(), exc.code, exc.headers.get("Content-Type", "")
        self._send(status, payload, content_type)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """One ``oxigraph serve`` with a Wikidata-shaped sample (for reconcile) and one labelled thing (for queries)."""
    server = OxigraphServer(tmp_path_factory.mktemp("remote") / "store")
    server.start()
    try:
        server.load_default_graph(WIKIDATA_SAMPLE.read_bytes())
        server.load_default_graph(f'<http://example.org/thing> <http://www.w3.org/2000/01/rdf-schema#label> "{LABEL}" .'.encode())
        yield server
    finally:
        server.stop()


@contextmanager
def _serve(mode: str, target: str | None = None, **options: Any) -> Iterator[_Server]:
    server = _Server(mode, target, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def basic(store: OxigraphServer) -> Iterator[_Server]:
    with _serve("basic", store.base) as server:
        yield server


@pytest.fixture(params=["MD5", "SHA-256"])
def digest(request: pytest.FixtureRequest, store: OxigraphServer) -> Iterator[_Server]:
    with _serve("digest", store.base, algorithm=request.param) as server:
        yield server


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A build folder as publish reads it: only graph.nt matters."""
    out = tmp_path / "dist"
    out.mkdir()
    (out / "graph.nt").write_text("".join(f'<http://example.org/s{i}> <http://www.w3.org/2000/01/rdf-schema#label> "item {i}" .\n' for i in range(30)), encoding="utf-8")
    return out


@pytest.fixture
def query_file(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.rq"
    path.write_text(QUERY, encoding="utf-8")
    return path


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    """``python -m uugraph ARGS`` as a real subprocess with exactly the UUGRAPH_SPARQL_* given; and how long it took."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("UUGRAPH_")}
    environment.update(env or {})
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "uugraph", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout)
    return done, time.monotonic() - start


BASIC_ENV = {"UUGRAPH_SPARQL_USER": USER, "UUGRAPH_SPARQL_PASSWORD": PASSWORD}
TOKEN_ENV = {"UUGRAPH_SPARQL_TOKEN": TOKEN}


def verbs(base: str, dist: Path, query_file: Path, *extra: str) -> dict[str, list[str]]:
    """The three verbs that reach a server, each pointed at ``base`` (laid out as oxigraph lays out its endpoints)."""
    return {
        "publish": ["publish", "--dist", str(dist), "--preset", "oxigraph", base, *extra],
        "query": ["query", str(query_file), "--endpoint", base + "/query", *extra],
        "reconcile": ["reconcile", "--endpoint", base + "/query", "-q", *extra],
    }


# ---------------------------------------------------------------- credentials


def test_query_endpoint_reads_a_store_behind_basic_auth_with_credentials_from_the_environment(basic: _Server, query_file: Path) -> None:
    done, _ = run("query", str(query_file), "--endpoint", basic.base + "/query", "--format", "json", env=BASIC_ENV)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]["bindings"][0]["label"]["value"] == LABEL
    assert not any(form in done.stdout + done.stderr for form in forbidden_forms())


def test_query_endpoint_without_credentials_or_with_wrong_ones_exits_4(basic: _Server, query_file: Path) -> None:
    anonymous, _ = run("query", str(query_file), "--endpoint", basic.base + "/query")
    assert anonymous.returncode == 4, anonymous.stderr
    assert basic.base + "/query" in anonymous.stderr and "UUGRAPH_SPARQL_USER" in anonymous.stderr and "Traceback" not in anonymous.stderr
    wrong = "not-the-" + PASSWORD
    refused, _ = run("query", str(query_file), "--endpoint", basic.base + "/query", env={"UUGRAPH_SPARQL_USER": USER, "UUGRAPH_SPARQL_PASSWORD": wrong})
    assert refused.returncode == 4, refused.stderr
    assert not any(form in refused.stdout + refused.stderr for form in forbidden_forms(wrong))


def test_the_password_goes_only_where_a_server_asked_for_it(basic: _Server, store: OxigraphServer) -> None:
    """The first request carries no credentials; the server's Basic challenge gets them; later requests send them at once."""
    client = Client(retries=0, credentials=Credentials(user=USER, password=PASSWORD))
    assert client.select(basic.base + "/query", "ASK { }") == []
    assert client.query(basic.base + "/query", "ASK { }")["boolean"] is True
    assert ["Authorization" in headers for headers in basic.seen] == [False, True, True]


def test_digest_auth_works_for_query_and_publish(digest: _Server, store: OxigraphServer, query_file: Path, dist: Path) -> None:
    done, _ = run("query", str(query_file), "--endpoint", digest.base + "/query", "--format", "json", env=BASIC_ENV)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]["bindings"][0]["label"]["value"] == LABEL
    graph = f"http://example.org/digest/{digest.options['algorithm']}"
    published, _ = run("publish", "--dist", str(dist), "--preset", "oxigraph", digest.base, "--graph", graph, "--format", "json", env=BASIC_ENV)
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout)["changed"] is True and store.count(graph) == 30
    # Every request but the first (which met the challenge) answered Digest; the password never went over the wire.
    assert all("Authorization" not in h or h["Authorization"].startswith("Digest ") for h in digest.seen)
    assert not any(form in json.dumps(digest.seen) for form in forbidden_forms())
    # And the Graph Store Protocol path (PUT ?graph=) with the library: the Digest uri carries the query string.
    client = Client(retries=0, credentials=Credentials(user=USER, password=PASSWORD))
    result = publish(dist, Endpoints.from_preset("oxigraph", digest.base), graph + "/library", client=client)
    assert result.changed and store.count(graph + "/library") == 30
    wrong = Client(retries=0, credentials=Credentials(user=USER, password="wrong"))
    with pytest.raises(Unauthorised):
        wrong.select(digest.base + "/query", "ASK { }")


def test_the_digest_proxy_agrees_with_an_independent_implementation(digest: _Server) -> None:
    """The test proxy's Digest check accepts httpx's DigestAuth, so it is not merely mirroring the client under test."""
    answer = httpx.post(digest.base + "/query", data={"query": "ASK { }"}, headers={"Accept": "application/sparql-results+json"}, auth=httpx.DigestAuth(USER, PASSWORD), timeout=10)
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    refused = httpx.post(digest.base + "/query", data={"query": "ASK { }"}, auth=httpx.DigestAuth(USER, "wrong"), timeout=10)
    assert refused.status_code == 401


@pytest.mark.parametrize(("env", "status"), [(BASIC_ENV, 400), (TOKEN_ENV, 500)], ids=["basic-400", "token-500"])
def test_no_output_of_any_verb_carries_a_credential_against_an_echoing_server(env: dict[str, str], status: int, dist: Path, query_file: Path) -> None:
    with _serve("echo", status=status) as server:
        for verb, args in verbs(server.base, dist, query_file, "--retries", "1").items():
            server.seen.clear()
            done, _ = run(*args, env=env)
            output = done.stdout + done.stderr
            assert done.returncode == (5 if status == 400 else 3), (verb, output)
            assert "Traceback" not in output, verb
            assert any("Authorization" in headers for headers in server.seen), verb  # the server did get the secret, and echoed it
            assert "bad request; you sent" in output, (verb, output)  # the server's own message is shown...
            assert not any(form in output for form in forbidden_forms()), (verb, output)  # ...without the secret
            assert "Authorization: ***" in output, verb


def test_redaction_covers_every_encoding() -> None:
    credentials = Credentials(user=USER, password=PASSWORD)
    text = " | ".join(forbidden_forms()[:1] + forbidden_forms()[2:]) + " | authorization=Basic abc | Authorization: Digest username=x, response=y"
    cleaned = redact(text, credentials)
    assert not any(form in cleaned for form in forbidden_forms() if form != TOKEN) and "abc" not in cleaned and "response=y" not in cleaned
    assert redact(f"Bearer {TOKEN}!", Credentials(token=TOKEN)) == "Bearer ***!"


def test_challenges_are_parsed_with_quoted_commas() -> None:
    parsed = parse_challenges(['Digest realm="a, b", nonce="n\\"1", qop="auth,auth-int", algorithm=MD5', 'Bearer realm="x"'])
    assert parsed == [("digest", {"realm": "a, b", "nonce": 'n"1', "qop": "auth,auth-int", "algorithm": "MD5"}), ("bearer", {"realm": "x"})]


# ---------------------------------------------------------------- retries, the same for the three verbs


@pytest.mark.parametrize("how", ["503", "cut"], ids=["503-twice", "closed-mid-answer-twice"])
def test_a_server_that_fails_twice_then_answers_serves_all_three_verbs(how: str, store: OxigraphServer, dist: Path, query_file: Path) -> None:
    for verb in ("publish", "query", "reconcile"):
        with _serve("flaky", store.base, fail=2, how=how) as server:
            args = verbs(server.base, dist, query_file)[verb]
            done, _ = run(*args, "--graph", f"http://example.org/flaky/{how}") if verb == "publish" else run(*args)
            assert done.returncode == 0, (verb, done.stderr)
            assert server.failed == 2 and len(server.seen) > 2, verb
            if verb == "query":
                assert LABEL in done.stdout
            if verb == "reconcile":
                assert "Universitat de Barcelona" in done.stdout


def test_a_dead_port_exits_3_for_all_three_verbs_after_the_same_bounded_retries(dist: Path, query_file: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    for verb, args in verbs(dead, dist, query_file, "--retries", "2").items():
        done, took = run(*args)
        assert done.returncode == 3, (verb, done.stderr)
        assert "cannot reach the server (3 attempts" in done.stderr and dead in done.stderr and "Traceback" not in done.stderr, verb
        assert took < 60, verb
    start = time.monotonic()
    with pytest.raises(Unreachable, match=r"5 attempts"):
        Client(timeout=5).select(dead + "/query", "ASK { }")  # the defaults: 4 retries, backoff 0.5 s doubling
    assert 7.0 <= time.monotonic() - start < 12


def test_the_library_retries_a_closed_connection_and_reports_it_when_it_persists(store: OxigraphServer) -> None:
    with _serve("flaky", store.base, fail=1, how="cut") as server:
        assert Client(retries=1, backoff=0.01).query(server.base + "/query", "ASK { }")["boolean"] is True
    with _serve("flaky", store.base, fail=10, how="cut") as server:
        with pytest.raises(Unreachable, match="closed mid-answer"):
            Client(retries=2, backoff=0.01).query(server.base + "/query", "ASK { }")
        assert server.failed == 3


def test_a_4xx_is_rejected_at_once_with_the_servers_message(store: OxigraphServer) -> None:
    client = Client(retries=4)
    with pytest.raises(Rejected, match=r"/query: query `SELECT nonsense`: the server rejected the request \(HTTP 400\)") as error:
        client.select(store.query, "SELECT nonsense")
    assert client.requests == 1 and len(str(error.value)) < 600


# ---------------------------------------------------------------- deadlines


class _Drip:
    """A raw loopback server that answers a byte at a time, every ``every`` seconds, in the headers or in the body."""

    def __init__(self, where: str, every: float = 0.3) -> None:
        self.where = where
        self.every = every
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: 100000\r\n"
                if self.where == "body":
                    connection.sendall(head + b"\r\n")
                payload = head if self.where == "headers" else b" " * 100000
                for byte in payload:
                    if self.stop.wait(self.every):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_dripping_server_hits_the_deadline(where: str, query_file: Path) -> None:
    drip = _Drip(where)
    try:
        start = time.monotonic()
        with pytest.raises(Unreachable, match="within the timeout"):
            Client(timeout=1.5, retries=0).query(drip.base + "/query", "ASK { }")
        assert time.monotonic() - start < 3
        start = time.monotonic()
        with pytest.raises(Unreachable, match=r"2 attempts"):  # the deadline takes the retries and pauses too
            Client(timeout=1, retries=5, deadline=2.5, backoff=0.2).query(drip.base + "/query", "ASK { }")
        assert time.monotonic() - start < 4
        done, took = run("query", str(query_file), "--endpoint", drip.base + "/query", "--timeout", "1", "--retries", "1")
        assert done.returncode == 3 and "within the timeout" in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert took < 15
    finally:
        drip.close()
