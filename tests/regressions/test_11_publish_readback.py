"""Issue 11: after a swap that committed (2xx), a failed read-back of the checksum is not a failure.

A real ``oxigraph serve`` behind a small loopback proxy that forwards every
request until the swap has been answered, and then fails every query (503):
the swap request returned 2xx, so the store applied it; publish must report
the graph as published, not exit with an error.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.oxigraph_server import OxigraphServer
from uugraph.remote.client import Client
from uugraph.remote.publish import Endpoints, publish, published_checksum


class FailAfterSwap(ThreadingHTTPServer):
    """Forwards to ``upstream``; once a swap (MOVE GRAPH) has been answered, every query gets 503."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream = upstream
        self.swapped = False
        self.failed_reads = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FailAfterSwap

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.server.swapped and self.path.startswith("/query"):
            self.server.failed_reads += 1
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        request = urllib.request.Request(self.server.upstream + self.path, data=body, method=self.command, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                status, answer, media = response.status, response.read(), response.headers.get("Content-Type")
        except urllib.error.HTTPError as exc:
            status, answer, media = exc.code, exc.read(), exc.headers.get("Content-Type")
        if body and b"MOVE GRAPH" in body and 200 <= status < 300:
            self.server.swapped = True
        self.send_response(status)
        if media:
            self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = _forward


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path / "store")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(oxigraph: OxigraphServer) -> Iterator[FailAfterSwap]:
    server = FailAfterSwap(oxigraph.base)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_committed_swap_whose_read_back_fails_is_published(tmp_path: Path, oxigraph: OxigraphServer, proxy: FailAfterSwap) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "graph.nt").write_bytes(b'<https://example.org/a> <https://example.org/p> "x" .\n')
    graph = "https://example.org/graph"
    endpoints = Endpoints.from_preset("oxigraph", proxy.base)
    result = publish(dist, endpoints, graph, client=Client(retries=0, timeout=10))
    assert result.changed and result.triples == 1
    assert proxy.swapped
    # The store has the new graph and its record, read directly (not through the failing proxy).
    assert published_checksum(Client(retries=0, timeout=10), oxigraph.endpoints, graph) == result.checksum
