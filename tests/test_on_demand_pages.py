"""Pages rendered on demand from the store are the static site's pages, and read only what they show.

A build at ``--site auto`` above :data:`~uugraph.outputs.store.SITE_PAGES_BELOW`
triples writes no per-entity pages: ``serve`` renders each from the store
(:mod:`uugraph.outputs.site.on_demand`). These tests compare every page of the
real build, rendered from the read-only on-disk store, with the page the
static site wrote, byte for byte; check that what the store keeps for them is
what ``graph.nt`` gives; and serve a build without a site over a real socket.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.uugraph_server import serve
from uugraph.build import build
from uugraph.config import Layout
from uugraph.outputs import store as built_store
from uugraph.outputs.site.index import SiteIndex
from uugraph.outputs.site.on_demand import StorePages
from uugraph.rdf.compact import Compactor, kinds_of_ntriples
from uugraph.rdf.terms import blank_node_lines
from uugraph.web.graph import Graph

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real data built with its static site and its store."""
    out = tmp_path_factory.mktemp("on-demand") / "dist"
    build(Layout(root=ROOT), out, site="always", store="always")
    return out


def _site_pages(dist: Path) -> dict[str, str]:
    site = dist / "site"
    return {str(page.relative_to(site))[: -len(".html")]: page.read_text(encoding="utf-8") for page in site.glob("doc/**/*.html")}


def test_every_page_from_the_on_disk_store_is_the_static_sites_page(dist: Path) -> None:
    graph = Graph.open(dist)  # in_memory_below 0: the read-only store
    assert graph.path is not None, "served from the store, not from graph.nt"
    pages = graph.pages()
    static = _site_pages(dist)
    assert len(static) > 400
    differ = [doc for doc, html in static.items() if pages.render(doc) != html]
    assert not differ, differ[:5]


def test_a_document_the_site_has_no_page_for_is_none(dist: Path) -> None:
    pages = Graph.open(dist).pages()
    for missing in ("doc/org/no-such-university", "index", "dataset", "", "doc/../index", "doc/org/leru/../utrecht-university"):
        assert pages.render(missing) is None


def test_a_page_reads_its_neighbourhood_not_the_graph(dist: Path) -> None:
    """The page of a university with memberships, figures and signatures needs a small part of the graph."""
    graph = Graph.open(dist)
    pages = graph.pages()
    main = pages.pages.get("doc/org/utrecht-university")
    assert main is not None
    ntriples, incoming, count = pages.neighbourhood(main, graph.documents.get("doc/org/utrecht-university", []))
    lines = ntriples.count(b"\n")
    assert 0 < lines < graph.triples / 5, (lines, graph.triples)
    assert incoming and count >= len(incoming)


def test_the_store_keeps_what_pages_need_as_graph_nt_gives_it(dist: Path) -> None:
    ntriples = (dist / "graph.nt").read_bytes()
    index = built_store.DocumentIndex(dist)
    assert index.kinds() == kinds_of_ntriples(ntriples)
    blank = index.blank_lines()
    assert blank == blank_node_lines(ntriples) and blank, "the ontology's RDF lists have blank nodes"
    assert all(line.split(b" ")[0].startswith(b"_:") or line.split(b" ", 2)[2].startswith(b"_:") for line in blank)


def test_the_kinds_give_the_sites_json_ld_terms(dist: Path) -> None:
    """The compactor made from the kinds alone is the one the site's index makes from the whole graph."""
    ntriples = (dist / "graph.nt").read_bytes()
    whole = SiteIndex.from_ntriples(ntriples).compactor
    assert whole is not None
    from_kinds = Compactor.from_kinds(kinds_of_ntriples(ntriples))
    assert from_kinds.context() == whole.context()
    assert from_kinds.terms and from_kinds.coercion


@pytest.mark.parametrize("without", ["kept tables", "kept tables and graph.nt"])
def test_a_store_built_before_it_kept_them_renders_the_same_pages(dist: Path, tmp_path: Path, without: str) -> None:
    """An older store (no kinds, no blank lines kept) reads them from graph.nt, or from a canonical dump of the store."""
    copy = tmp_path / "dist"
    shutil.copytree(dist, copy)
    database = sqlite3.connect(copy / "store" / "documents.sqlite")
    database.execute("DROP TABLE kinds")
    database.execute("DROP TABLE blank_lines")
    database.commit()
    database.close()
    if "graph.nt" in without:
        (copy / "graph.nt").unlink()
    pages = Graph.open(copy).pages()
    static = _site_pages(dist)
    for doc in ("doc/def/signed", "doc/def", "doc/org/utrecht-university", "doc/org/leru", "doc/country/be"):
        assert pages.render(doc) == static[doc], doc


def test_an_in_memory_graph_renders_the_same_pages(dist: Path) -> None:
    pages = Graph(dist / "graph.nt").pages()
    assert isinstance(pages, StorePages)
    static = _site_pages(dist)
    for doc in ("doc/def/signed", "doc/membership/leru/eth-zurich", "doc/org/utrecht-university", "doc/concept/role/member"):
        assert pages.render(doc) == static[doc], doc


@pytest.mark.parametrize("triples, written", [(1_999_999, True), (2_000_000, False)])
def test_site_auto_leaves_the_pages_out_where_the_store_comes_in(triples: int, written: bool) -> None:
    assert built_store.site_wanted("auto", triples) is written
    assert built_store.store_wanted("auto", triples) is not written, "no size has neither the pages nor the store"
    assert built_store.site_wanted("always", triples) and not built_store.site_wanted("never", triples)
    with pytest.raises(ValueError, match="--site must be one of"):
        built_store.site_wanted("sometimes", triples)


def test_build_site_auto_above_the_size_writes_no_site_and_serve_renders_its_pages(dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the size lowered below the real graph, ``--site auto`` writes the store and no site; the server's pages are the site's."""
    monkeypatch.setattr(built_store, "SITE_PAGES_BELOW", 1000)
    monkeypatch.setattr(built_store, "SERVED_FROM", 1000)
    out = tmp_path / "dist"
    build(Layout(root=ROOT), out)
    assert not (out / "site").exists()
    assert built_store.has_store(out)
    static = _site_pages(dist)
    with serve(out, "--in-memory-below", "0", log=tmp_path / "server.log") as served:
        for doc in ("doc/org/utrecht-university", "doc/org/leru", "doc/def/signed", "doc/membership/leru/eth-zurich"):
            r = httpx.get(f"{served.url}/{doc}", headers={"Accept": "text/html"}, timeout=30)
            assert r.status_code == 200, doc
            assert r.text == static[doc], doc
            assert "default-src 'none'" in r.headers["content-security-policy"]
        assert httpx.get(f"{served.url}/doc/org/no-such-university", headers={"Accept": "text/html"}, timeout=30).status_code == 404
