"""Issue 11: a query nested 10,000 deep killed a server worker (500); nesting is now refused before any worker.

The count needs no parser (:func:`uugraph.rdf.sparql_text.check_text`), so the
server's event loop refuses the query with 400 and its position even while
every worker is busy with a runaway query, instead of queueing it for a
worker that would refuse it only later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import Served, request, serve, sparql_post

from tests.uugraph_server import children

RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l .
  FILTER (STRLEN(STR(?c)) + STRLEN(STR(?f)) + STRLEN(STR(?i)) + STRLEN(STR(?l)) = 1)
}"""
TIMEOUT = 4.0


@pytest.fixture(scope="module")
def server(built_dist: Path) -> Iterator[Served]:
    with serve(built_dist, "--timeout", str(TIMEOUT), "--queue-timeout", "3", "--workers", "1") as served:
        yield served


def test_a_deep_query_is_refused_at_once_while_every_worker_is_busy(server: Served) -> None:
    runaways = [threading.Thread(target=request, args=(server.port, 60 + n, sparql_post(RUNAWAY)), kwargs={"timeout": TIMEOUT + 10}, daemon=True) for n in range(1)]
    for thread in runaways:
        thread.start()
    time.sleep(1.0)  # the one worker now runs a runaway query
    workers = children(server.pid)
    deep = "SELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }"
    started = time.monotonic()
    status, _, body = request(server.port, 70, sparql_post(deep))
    elapsed = time.monotonic() - started
    assert status == 400, body[:200]
    assert b"brackets nest 10002 deep" in body and b"query:1:" in body
    assert elapsed < 2.0
    assert children(server.pid) <= workers  # no spare worker was started for it: no worker saw it
    for thread in runaways:
        thread.join(timeout=TIMEOUT + 15)
