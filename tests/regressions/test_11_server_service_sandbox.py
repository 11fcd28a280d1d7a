"""SERVICE in the server (issue 11): the two spellings that slipped past the word scan, and a bypass.

The server decides on the parsed query, as the CLI does (400 for both spellings: tests/test_server.py,
test_service_is_refused_before_it_runs); and where the kernel
refuses the workers a network namespace of their own (the code's fallback), a query that got past every
check still cannot connect: the workers run under the socket filter of ``pipeline.sandbox``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from uugraph.pipeline import sandbox
from uugraph.web import workers


@pytest.fixture
def canary() -> Iterator[dict[str, int]]:
    """A loopback listener that counts the connections made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    state = {"port": sock.getsockname()[1], "connections": 0}
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            state["connections"] += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield state
    stop.set()
    thread.join(timeout=2)
    sock.close()


@pytest.mark.skipif(not sandbox.available(), reason="the socket filter needs Linux on x86_64 or aarch64")
def test_a_bypass_cannot_connect_without_a_namespace(canary: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    # The fallback: no namespace for the workers, and every check bypassed. Forked workers inherit both patches.
    monkeypatch.setattr(workers, "isolate_network", lambda: False)
    monkeypatch.setattr(workers, "check_parsed", lambda *args, **kwargs: "SelectQuery")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o")))
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{canary['port']}/sparql> {{ ?s ?p ?o }} }}"

    async def ask() -> dict[str, object]:
        pool = workers.WorkerPool(store, 1, 0)
        await pool.start()
        try:
            return await pool.run({"query": query, "accept": "application/sparql-results+json", "max_rows": 10}, 10.0)
        finally:
            await pool.close()

    reply = asyncio.run(ask())
    time.sleep(0.3)
    assert canary["connections"] == 0
    assert reply["status"] == 400  # the engine's HTTP client got an error instead of a connection
