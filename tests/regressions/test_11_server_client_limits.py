"""Issue 11: two clients re-sending a runaway query held both workers; 52 % of other queries got 503, the rest waited 5 s.

Now a client's requests in progress are bounded (``--client-requests``: 429)
and so are all requests together (``--total-requests``: 503); a query that ran
out of time marks its client expensive, whose queries then run one at a time
(429 for a second) on at most half the workers; a query waits for a worker at
most ``--queue-timeout`` seconds; and when every worker runs a long query a
cheap query gets a spare worker. Under two clients looping runaway queries,
cheap queries from others keep being answered, fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import Served, connect, read_answer, request, serve, sparql_post

RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l .
  FILTER (STRLEN(STR(?c)) + STRLEN(STR(?f)) + STRLEN(STR(?i)) + STRLEN(STR(?l)) = 1)
}"""
ASK = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
TIMEOUT = 2.0


@pytest.fixture(scope="module")
def server(built_dist: Path) -> Iterator[Served]:
    flags = ["--timeout", str(TIMEOUT), "--client-requests", "2", "--total-requests", "4", "--expensive-for", "60"]
    with serve(built_dist, *flags) as served:
        yield served


def test_requests_in_progress_are_bounded_per_client_and_in_total(server: Served) -> None:
    # A POST whose body has not arrived is a request in progress: two from 127.0.0.20 fill its share.
    pending = [connect(server.port, 20) for _ in range(2)]
    for s in pending:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: test\r\nContent-Type: application/sparql-query\r\nContent-Length: 6\r\n\r\n")
    time.sleep(0.3)
    status, headers, _ = request(server.port, 20, ASK)
    assert status == 429 and headers["retry-after"] == "1"
    assert request(server.port, 21, ASK)[0] == 200  # another client is served
    pending += [connect(server.port, 22) for _ in range(2)]
    for s in pending[2:]:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: test\r\nContent-Type: application/sparql-query\r\nContent-Length: 6\r\n\r\n")
    time.sleep(0.3)
    assert request(server.port, 23, ASK)[0] == 503  # four in progress: everyone waits
    for s in pending:
        s.sendall(b"ASK {}")
        assert read_answer(s)[0] == 200
        s.close()
    assert request(server.port, 20, ASK)[0] == 200


def test_a_client_whose_query_ran_out_of_time_runs_one_query_at_a_time(server: Served) -> None:
    status, _, body = request(server.port, 30, sparql_post(RUNAWAY))
    assert status == 503 and b"stopped" in body
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(request(server.port, 30, sparql_post(RUNAWAY))[0])) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    started = time.monotonic()
    assert request(server.port, 31, sparql_post("ASK { ?s ?p ?o } # another client"))[0] == 200
    assert time.monotonic() - started < TIMEOUT  # not behind the runaway query (bounds kept loose for a busy CI machine)
    for thread in threads:
        thread.join(timeout=TIMEOUT + 10)
    assert sorted(results) == [429, 503]  # the second at once; the first ran into the timeout


def test_cheap_queries_are_answered_beside_two_runaway_clients(server: Served) -> None:
    stop = threading.Event()
    runaway: list[int] = []
    cheap: list[tuple[int, float]] = []

    def loop_runaway(client: int) -> None:
        while not stop.is_set():
            runaway.append(request(server.port, client, sparql_post(RUNAWAY), timeout=TIMEOUT + 10)[0])

    def loop_cheap(client: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            started = time.monotonic()
            query = f"SELECT ?p ?o WHERE {{ ?s ?p ?o }} LIMIT 5 # uncached {client} {n} {time.monotonic_ns()}"
            cheap.append((request(server.port, client, sparql_post(query))[0], time.monotonic() - started))

    threads = [threading.Thread(target=loop_runaway, args=(c,), daemon=True) for c in (40, 41)]
    threads += [threading.Thread(target=loop_cheap, args=(c,), daemon=True) for c in (50, 51)]
    for thread in threads:
        thread.start()
    time.sleep(3 * TIMEOUT + 1)
    stop.set()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 15)
    assert runaway and set(runaway) <= {429, 503}
    answered = [t for status, t in cheap if status == 200]
    assert len(cheap) >= 20
    assert len(answered) >= 0.9 * len(cheap), sorted({s for s, _ in cheap})
    assert sorted(answered)[len(answered) // 2] < 1.0  # a blocked query would wait the 2 s timeout
