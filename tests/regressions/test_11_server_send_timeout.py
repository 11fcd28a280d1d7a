"""Issue 11: a client that asks for a large answer and never reads it kept it in the server's memory for good.

Thirty such clients took the server from 118 MB to 4.8 GB. Answers now leave
in pieces under the connection's flow control, and a connection whose client
reads nothing for ``--send-timeout`` seconds is aborted, its buffer dropped:
here five clients that never read a 6 MiB answer hold the server's memory
near where it was, their connections end after the timeout (each client gets
only part of its answer), and the server answers others throughout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import Served, connect, request, serve, sparql_post, tree_rss

SEND_TIMEOUT = 1.0
LARGE = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # cut by the 6 MiB answer cap
ASK = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"


@pytest.fixture(scope="module")
def server(built_dist: Path) -> Iterator[Served]:
    flags = ["--send-timeout", str(SEND_TIMEOUT), "--max-answer-mb", "6", "--max-rows", "1000000", "--cache-mb", "128", "--timeout", "60"]
    with serve(built_dist, *flags) as served:
        yield served


def test_clients_that_do_not_read_are_cut_off_and_their_buffers_freed(server: Served) -> None:
    status, headers, body = request(server.port, 2, sparql_post(LARGE, "text/csv"), timeout=60)
    assert status == 200 and headers["x-cache"] == "miss"
    length = len(body)
    assert length > 5 << 20
    time.sleep(0.5)
    before = tree_rss(server.process.pid)
    readers = [connect(server.port, 10 + i, receive_buffer=4096) for i in range(5)]
    for s in readers:
        s.sendall(sparql_post(LARGE, "text/csv"))
    time.sleep(0.5)
    assert request(server.port, 3, ASK)[0] == 200  # others are served meanwhile
    peak = before
    deadline = time.monotonic() + SEND_TIMEOUT + 2
    while time.monotonic() < deadline:
        peak = max(peak, tree_rss(server.process.pid))
        time.sleep(0.05)
    assert peak - before < 15 << 20, (before, peak)  # not five copies of the answer (30 MiB): a few pieces each at most
    for s in readers:  # now read: what is left is what the kernel held, then the end of the connection
        received = 0
        s.settimeout(5)
        try:
            while chunk := s.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            pass
        s.close()
        assert received < length  # the answer was cut off: the server gave up on this client
    assert request(server.port, 3, ASK)[0] == 200
