"""The store a build leaves in ``dist/store/``, and ``serve`` opening it read-only.

``serve`` answers from the built store without parsing any dump (shown by
deleting ``graph.nt`` and serving anyway), each query worker opens a handle of
its own after the fork (shown by the files the workers hold open), a
``dist/`` without a store is served from ``graph.nt`` as before, and a build
killed while it writes its store leaves the previous one usable.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.uugraph_server import Served, children
from tests.uugraph_server import serve as serve_dist
from uugraph.outputs.store import has_store, store_path
from uugraph.web.graph import Graph

ROOT = Path(__file__).resolve().parents[1]
HTTP_TIMEOUT = 15.0
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _open_files(pid: int) -> list[str]:
    folder = Path(f"/proc/{pid}/fd")
    names = []
    for fd in os.listdir(folder):
        try:
            names.append(os.readlink(folder / fd))
        except OSError:
            continue
    return names


@pytest.fixture(scope="module")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the real data with its store (``--store always``: by default a graph this small has none)."""
    from uugraph.build import build
    from uugraph.config import Layout

    out = tmp_path_factory.mktemp("dist-with-store") / "dist"
    build(Layout(root=ROOT), out, store="always")
    return out


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start ``uugraph serve --dist DIR`` (tests/uugraph_server.py); every server started is stopped in teardown."""
    with contextlib.ExitStack() as running:

        def start(dist: Path, in_memory_below: int = 0) -> Served:
            return running.enter_context(serve_dist(dist, "--in-memory-below", str(in_memory_below), log=tmp_path / f"server-{dist.name}.log"))

        yield start


def _answers(url: str) -> dict[str, object]:
    """What a few requests of every kind answer, with blank node labels (random per load) made alike."""
    with httpx.Client(base_url=url, timeout=HTTP_TIMEOUT) as client:
        count = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
        assert count.status_code == 200, count.text
        members = client.get("/sparql", params={"query": (ROOT / "queries" / "networks-of-uu.rq").read_text(encoding="utf-8")}, headers={"Accept": "text/csv"})
        assert members.status_code == 200, members.text
        document = client.get("/doc/org/leru.nt")
        redirect = client.get("/id/org/leru", follow_redirects=False)
        missing = client.get("/doc/org/no-such-thing.ttl")
        return {
            "count": count.json()["results"]["bindings"][0]["n"]["value"],
            "networks-of-uu": sorted(members.text.splitlines()),
            "document": (document.status_code, sorted(re.sub(r"_:\w+", "_:b", line) for line in document.text.splitlines())),
            "redirect": (redirect.status_code, redirect.headers.get("location")),
            "missing": missing.status_code,
        }


@pytest.mark.parametrize(("choice", "served_from", "written"), [("auto", None, False), ("auto", 1000, True), ("never", 1000, False), ("always", None, True)])
def test_build_writes_the_store_when_serve_would_open_it(choice: str, served_from: int | None, written: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--store auto`` writes it from the size at which serve opens it by default; the real graph is far below."""
    import uugraph.outputs.store as built_store
    from uugraph.build import build
    from uugraph.config import Layout
    from uugraph.web.settings import Settings

    assert Settings(dist=tmp_path).in_memory_below == built_store.SERVED_FROM, "build and serve must agree on the size"
    if served_from is not None:
        monkeypatch.setattr(built_store, "SERVED_FROM", served_from)
    out = tmp_path / "dist"
    build(Layout(root=ROOT), out, site="never", store=choice)
    assert has_store(out) is written
    assert (out / "graph.nt").is_file()


def test_build_refuses_an_unknown_store_choice(tmp_path: Path) -> None:
    from uugraph.build import build
    from uugraph.config import Layout

    with pytest.raises(ValueError, match="--store must be one of auto, always, never"):
        build(Layout(root=ROOT), tmp_path / "dist", site="never", store="sometimes")
    assert not (tmp_path / "dist").exists()


def test_build_leaves_a_store_holding_the_dump(built_dist: Path) -> None:
    assert has_store(built_dist)
    from_store = Graph.open(built_dist)
    from_dump = Graph(built_dist / "graph.nt")
    assert from_store.path == store_path(built_dist) and from_dump.path is None
    assert from_store.triples == from_dump.triples == (built_dist / "graph.nt").read_bytes().count(b"\n")
    assert len(from_store.documents) == len(from_dump.documents) > 100
    assert isinstance(from_dump.documents, dict)
    for path, subjects in from_dump.documents.items():
        assert path in from_store.documents
        assert from_store.documents.get(path, []) == subjects
        alike = [re.sub(r"_:\w+", "_:b", str(t)) for t in from_store.describe(path)]
        assert sorted(alike) == sorted(re.sub(r"_:\w+", "_:b", str(t)) for t in from_dump.describe(path)), path
    assert "doc/org/no-such-thing" not in from_store.documents
    assert from_store.documents.get("doc/org/no-such-thing", []) == []


def test_serve_opens_the_store_without_the_dumps_and_each_worker_opens_its_own(built_dist: Path, tmp_path: Path, serve: Callable[..., Served]) -> None:
    with_dump = tmp_path / "with-dump"
    shutil.copytree(built_dist, with_dump, symlinks=True)
    expected = _answers(serve(with_dump, in_memory_below=10**9).url)  # graph.nt loaded into memory, as before the store

    store_only = tmp_path / "store-only"
    shutil.copytree(built_dist, store_only, symlinks=True)
    (store_only / "graph.nt").unlink()  # nothing left to parse at start-up: the store must be used
    served = serve(store_only)  # how fast it is ready is the bench's to measure, not a test's
    assert _answers(served.url) == expected
    assert not (store_only / "graph.nt").exists(), "serve built the folder again: a store alone is a built folder"
    # The workers closed every file they inherited; a worker that answers holds the store's files open,
    # so it opened a read-only handle of its own after the fork.
    workers = children(served.pid)
    assert len(workers) == 2
    oxigraph = str((store_only / "store" / "oxigraph").resolve())
    for pid in workers:
        assert any(name.startswith(oxigraph) for name in _open_files(pid)), f"worker {pid} has no file of the store open"


def test_a_dist_without_a_store_is_served_from_the_dump(built_dist: Path, tmp_path: Path, serve: Callable[..., Served]) -> None:
    with_store = tmp_path / "with-store"
    shutil.copytree(built_dist, with_store, symlinks=True)
    expected = _answers(serve(with_store).url)
    old = tmp_path / "old"
    shutil.copytree(built_dist, old, symlinks=True)
    shutil.rmtree(old / "store")  # a build made before the store existed
    assert _answers(serve(old).url) == expected


KILLED_BUILD = """
import sys, time
from pathlib import Path
import uugraph.build
from uugraph.config import Layout

real = uugraph.build.write_store

def write_store_then_hang(ntriples_file, ntriples, folder, **options):
    real(ntriples_file, ntriples, folder, **options)
    Path(sys.argv[2]).write_text("store written")
    time.sleep(120)

uugraph.build.write_store = write_store_then_hang
uugraph.build.build(Layout(root=Path(sys.argv[3])), Path(sys.argv[1]), site="never", store="always")
"""


def test_a_build_killed_while_it_writes_its_store_leaves_the_previous_store_usable(built_dist: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    shutil.copytree(built_dist, out, symlinks=True)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    marker = tmp_path / "store-written"
    env = dict(os.environ)
    env.pop("UUGRAPH_BASE_IRI", None)
    errors = tmp_path / "build.err"
    with errors.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(out), str(marker), str(ROOT)], cwd=ROOT, env=env, stderr=err)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, f"the build ended before its store was written: {errors.read_text(errors='replace')}"
            assert time.monotonic() < deadline, "the build did not write its store within 120 s"
            time.sleep(0.02)
        staged = [p for p in tmp_path.iterdir() if p.name.startswith(".dist.new-")]
        assert len(staged) == 1 and has_store(staged[0]), "the new store is written inside the staging folder"
    finally:
        process.kill()
        process.wait(timeout=10)
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    store = ox.Store.read_only(str(store_path(out)))
    result = store.query(COUNT)
    assert isinstance(result, ox.QuerySolutions)
    assert int(next(iter(result))["n"].value) == (out / "graph.nt").read_bytes().count(b"\n")


@pytest.mark.parametrize("loader", ["small batches", "the loader reading the file"])
def test_the_store_loaded_is_the_same_graph(built_dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: str) -> None:
    """Batches bound the loader's memory; the lines with blank nodes share one batch, so each node stays one.

    A large dump is read by the loader itself, in one call (``LOADER_READS_FILE_FROM``): the same graph.
    """
    import uugraph.outputs.store as built_store

    monkeypatch.setattr(built_store, "BATCH_LINES", 50)
    called: list[str] = []
    batches = built_store._bulk_load_in_batches
    monkeypatch.setattr(built_store, "_bulk_load_in_batches", lambda *args: (called.append("batches"), batches(*args)))
    if loader == "the loader reading the file":
        monkeypatch.setattr(built_store, "LOADER_READS_FILE_FROM", 0)
    dump = built_dist / "graph.nt"
    built_store.write_store(dump, dump.read_bytes(), tmp_path / "store")
    stored = ox.Dataset(ox.Store.read_only(str(tmp_path / "store" / "oxigraph")))
    published = ox.Dataset(ox.parse(path=str(dump), format=ox.RdfFormat.N_TRIPLES))
    assert any(isinstance(q.object, ox.BlankNode) for q in published), "the real graph has blank nodes (the ontology's lists)"
    for dataset in (stored, published):
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    assert sorted(map(str, stored)) == sorted(map(str, published))
    assert called == ([] if loader == "the loader reading the file" else ["batches"])


def test_the_store_is_compacted_after_its_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch of the loader leaves table files of its own, and a read-only store never compacts: the build does, once.

    Uncompacted, every range scan merges all the batches' files: the queries of
    queries/ ran 2-3x slower on the store of the 1M synthetic graph. Here 50
    batches of triples spread over the key space leave 30 files or more uncompacted.
    """
    import random

    import uugraph.outputs.store as built_store

    rng = random.Random(7)
    dump = tmp_path / "graph.nt"
    dump.write_text("".join(f'<https://example.org/s{rng.randrange(10**9)}> <https://example.org/p{i % 7}> "v{i}" .\n' for i in range(100_000)), encoding="utf-8")
    monkeypatch.setattr(built_store, "BATCH_LINES", 2_000)
    built_store.write_store(dump, None, tmp_path / "store")
    tables = list((tmp_path / "store" / "oxigraph").glob("*.sst"))
    assert 0 < len(tables) <= 10, f"{len(tables)} table files after 50 batches: not compacted"
    result = ox.Store.read_only(str(tmp_path / "store" / "oxigraph")).query(COUNT)
    assert isinstance(result, ox.QuerySolutions) and int(next(iter(result))["n"].value) == 100_000


@pytest.mark.parametrize("chunk", [1, 97, 4096])
def test_the_index_read_from_the_file_in_slices_is_the_index_of_the_whole_bytes(built_dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The loader reads the dump a slice at a time (not mapped whole): every table is the one made from the bytes at once."""
    import sqlite3

    import uugraph.outputs.store as built_store

    dump = built_dist / "graph.nt"
    from uugraph.rdf.terms import line_chunks

    slices = list(line_chunks(dump, chunk))
    assert b"".join(slices) == dump.read_bytes() and all(s.endswith(b"\n") for s in slices)
    assert len(slices) > 1
    built_store.write_store(dump, dump.read_bytes(), tmp_path / "whole")
    monkeypatch.setattr(built_store, "CHUNK_BYTES", chunk)
    built_store.write_store(dump, None, tmp_path / "sliced")

    def tables(folder: Path) -> dict[str, list[tuple[object, ...]]]:
        with sqlite3.connect(folder / "documents.sqlite") as db:
            names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            return {name: db.execute(f"SELECT * FROM {name} ORDER BY rowid" if name == "blank_lines" else f"SELECT * FROM {name} ORDER BY 1, 2").fetchall() for name in names}

    whole, sliced = tables(tmp_path / "whole"), tables(tmp_path / "sliced")
    assert set(whole) == {"documents", "meta", "kinds", "blank_lines"}
    assert all(whole[name] for name in whole), "a table of the real graph is empty"
    assert sliced == whole


def test_a_small_graph_is_served_from_memory_and_a_large_one_from_the_store(built_dist: Path) -> None:
    """``--in-memory-below``: the queries of a small graph run faster in memory; a large one keeps the store."""
    triples = (built_dist / "graph.nt").read_bytes().count(b"\n")
    assert Graph.open(built_dist, in_memory_below=triples + 1).path is None
    assert Graph.open(built_dist, in_memory_below=triples).path == store_path(built_dist)
    assert Graph.open(built_dist).path == store_path(built_dist)
