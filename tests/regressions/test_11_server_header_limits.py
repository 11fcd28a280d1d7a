"""Issue 11: one huge header stalled everyone (150 MB took others from 3 ms to 2.8 s) and 200 MB was accepted.

uvicorn's httptools protocol has no limit on a request's head; the server's
own protocol now answers 431 as soon as the request line and headers pass
``--max-header-bytes`` (default 64 KiB) or the header fields pass
``--max-headers`` (default 100), while other clients are served as before.
Request bodies are not heads: large POST bodies, several on one connection,
still pass.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import Served, connect, read_answer, request, serve, sparql_post

ASK = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"


@pytest.fixture(scope="module")
def server(built_dist: Path) -> Iterator[Served]:
    with serve(built_dist) as served:
        yield served


def test_a_1_mb_header_gets_431_at_once_while_others_are_served(server: Served) -> None:
    others: list[float] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            started = time.monotonic()
            assert request(server.port, 3, ASK)[0] == 200
            others.append(time.monotonic() - started)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    try:
        for _ in range(5):
            started = time.monotonic()
            with connect(server.port, 2) as s:
                try:
                    s.sendall(b"GET /sparql HTTP/1.1\r\nHost: test\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
                except OSError:
                    pass  # the server may stop reading once it has answered
                status, headers, body = read_answer(s)
            assert status == 431
            assert b"65536 bytes" in body
            assert time.monotonic() - started < 3.0
    finally:
        stop.set()
        thread.join(timeout=20)
    assert others and sorted(others)[len(others) // 2] < 0.5


def test_too_many_header_fields_get_431(server: Served) -> None:
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(101))
    status, _, body = request(server.port, 2, b"GET /sparql HTTP/1.1\r\nHost: test\r\n" + fields + b"Connection: close\r\n\r\n")
    assert status == 431 and b"100 header fields" in body
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(90))
    assert request(server.port, 2, b"GET /sparql HTTP/1.1\r\nHost: test\r\n" + fields + b"Connection: close\r\n\r\n")[0] == 200


def test_a_long_query_in_the_url_within_the_limit_is_served(server: Served) -> None:
    query = "ASK%7B%7D%23" + "x" * 40_000  # a 40 kB comment
    status, _, _ = request(server.port, 2, f"GET /sparql?query={query} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".encode())
    assert status == 200


def test_large_bodies_on_one_connection_are_not_heads(server: Served) -> None:
    query = "ASK {} #" + "x" * 600_000
    with connect(server.port, 2) as s:
        for _ in range(3):
            s.sendall(sparql_post(query, close=False))
            status, _, body = read_answer(s)
            assert status == 200, body[:200]
