"""``serve`` picks up a new build swapped into its folder, and keeps the graph it has when the new one cannot be opened.

A real server over real sockets (:mod:`tests.uugraph_server`), a real
``build`` into the folder it serves, both the graph loaded into memory and the
built store opened read-only.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.uugraph_server import serve
from uugraph.build import build
from uugraph.config import Layout

GERMAN_NAME = '"Österreich"@de'
WAIT_SECONDS = 20.0


def _has_the_german_name(client: httpx.Client) -> bool:
    query = f"ASK {{ ?country <http://www.w3.org/2004/02/skos/core#altLabel> {GERMAN_NAME} }} # {time.time_ns()}"
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT_SECONDS:.0f} s: {what}")
        time.sleep(0.1)


def _add_the_german_name(project: Path) -> None:
    countries = project / "data" / "countries.ttl"
    text = countries.read_text(encoding="utf-8")
    assert 'skos:altLabel "Republic of Austria"@en ;' in text
    countries.write_text(text.replace('skos:altLabel "Republic of Austria"@en ;', f'skos:altLabel "Republic of Austria"@en , {GERMAN_NAME} ;'), encoding="utf-8")


@pytest.mark.parametrize("served_from", ["memory", "store"])
def test_a_new_build_is_served_and_one_that_cannot_be_opened_is_not(project_copy: Path, tmp_path: Path, served_from: str) -> None:
    layout = Layout(root=project_copy)
    dist = tmp_path / "dist"
    store = "always" if served_from == "store" else "never"
    build(layout, dist, site="never", store=store)
    flags = ["--reload-every", "0.2", "--in-memory-below", "0" if served_from == "store" else "100000000"]
    with serve(dist, *flags, log=tmp_path / "server.log") as served, httpx.Client(base_url=served.url, timeout=10) as client:
        assert not _has_the_german_name(client)
        before = client.get("/graph.nt").content
        page = "/doc/country/at"
        assert "Österreich" not in client.get(page, headers={"Accept": "text/turtle"}).text  # rendered, and kept by the server
        _add_the_german_name(project_copy)
        build(layout, dist, site="never", store=store)
        _until(lambda: _has_the_german_name(client), "the new build answers")
        assert client.get("/graph.nt").content != before
        assert "now serving the new build" in served.log.read_text(encoding="utf-8")
        assert GERMAN_NAME in client.get(page, headers={"Accept": "text/turtle"}).text  # pages made afresh from the new graph

        # A build folder whose graph is broken, swapped in as build would: the graph served stays.
        broken = tmp_path / "broken"
        shutil.copytree(dist, broken, symlinks=True)
        (broken / "graph.nt").write_bytes(b"<not an N-Triples line\n")
        shutil.rmtree(broken / "store", ignore_errors=True)
        os.replace(dist, tmp_path / "retired")
        os.replace(broken, dist)
        _until(lambda: "cannot be opened" in served.log.read_text(encoding="utf-8"), "the broken build is reported")
        assert _has_the_german_name(client)
        assert served.log.read_text(encoding="utf-8").count("cannot be opened") == 1, "a build refused once is tried again and again"


def test_reload_every_0_keeps_the_first_build(project_copy: Path, tmp_path: Path) -> None:
    layout = Layout(root=project_copy)
    dist = tmp_path / "dist"
    build(layout, dist, site="never")
    with serve(dist, "--reload-every", "0", log=tmp_path / "server.log") as served, httpx.Client(base_url=served.url, timeout=10) as client:
        _add_the_german_name(project_copy)
        build(layout, dist, site="never")
        time.sleep(1.0)
        assert not _has_the_german_name(client)
