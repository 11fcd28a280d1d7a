"""Issue 11: the row cap bounded rows, not bytes; 30 clients asking for a 166 MB answer took the server to 4.8 GB.

An answer larger than ``--max-answer-mb`` is now cut at the last row that
fits, flagged as the row cap flags it (``X-Result-Truncated: true``, with the
rows kept in ``X-Result-Rows``), in every result format, SELECT and CONSTRUCT
alike; an answer that fits is whole and not flagged.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import Served, request, serve, sparql_post

CAP_MB = 0.25
CAP = int(CAP_MB * (1 << 20))
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 50000"


@pytest.fixture(scope="module")
def server(built_dist: Path) -> Iterator[Served]:
    with serve(built_dist, "--max-answer-mb", str(CAP_MB), "--max-rows", "100000", "--timeout", "30") as served:
        yield served


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"])
def test_a_large_select_is_cut_at_a_row_boundary_within_the_cap(server: Served, accept: str) -> None:
    status, headers, body = request(server.port, 2, sparql_post(CROSS, accept))
    assert status == 200
    assert headers["x-result-truncated"] == "true"
    rows = int(headers["x-result-rows"])
    assert 0 < rows < 50000
    assert CAP * 0.8 < len(body) <= CAP  # cut near the cap, never past it
    text = body.decode("utf-8")
    if accept.endswith("json"):
        assert len(json.loads(text)["results"]["bindings"]) == rows
    elif accept == "text/csv":
        assert len(list(csv.reader(io.StringIO(text)))) == rows + 1
    elif accept.endswith("values"):
        assert len(text.rstrip("\n").split("\n")) == rows + 1
    else:
        assert text.count("<result>") == rows and text.rstrip().endswith("</sparql>")


def test_a_large_construct_is_cut_too(server: Served) -> None:
    query = "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 50000"
    status, headers, body = request(server.port, 2, sparql_post(query, "application/n-triples"))
    assert status == 200 and headers["x-result-truncated"] == "true"
    assert len(body) <= CAP
    assert len(body.decode("utf-8").strip().split("\n")) == int(headers["x-result-rows"])


def test_an_answer_that_fits_is_whole(server: Served) -> None:
    status, headers, body = request(server.port, 2, sparql_post("SELECT ?s WHERE { ?s a ?t } LIMIT 20"))
    assert status == 200
    assert headers["x-result-truncated"] == "false" and headers["x-result-rows"] == "20"
    assert len(json.loads(body)["results"]["bindings"]) == 20
