"""Issue 11: every HTML page the server writes carries a Content-Security-Policy without scripts.

The static site's pages and index (served from ``dist/site/``) and the pages
rendered on request must forbid scripts; only the query page allows its one
inline script. Over a real socket, on a copy of the real build.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.uugraph_server import serve
from uugraph.config import base_iri

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["with-site", "without-site"])
def served(request: pytest.FixtureRequest, built_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server over the build, once with its static site and once rendering every page itself."""
    dist = tmp_path_factory.mktemp(request.param) / "dist"
    shutil.copytree(built_dist, dist, symlinks=True)
    if request.param == "without-site" and (dist / "site").exists():
        shutil.rmtree(dist / "site")
    with serve(dist) as running:
        yield running.url


def a_document(dist: Path) -> str:
    """The path of one resource of the build (its IRI without the base)."""
    for line in (dist / "graph.nt").read_text(encoding="utf-8").splitlines():
        subject = line.split(" ", 1)[0]
        if subject.startswith("<" + base_iri()) and "#" not in subject:
            return "/" + subject[1 + len(base_iri()) : -1]
    raise AssertionError("no resource under the base IRI in the build")


def test_documents_and_index_allow_no_script(served: str, built_dist: Path) -> None:
    for path in ("/", a_document(built_dist)):
        response = httpx.get(served + path, headers={"Accept": "text/html"}, timeout=10, follow_redirects=True)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path
        policy = response.headers.get("content-security-policy")
        assert policy, f"{path} has no Content-Security-Policy"
        assert "default-src 'none'" in policy and "script-src" not in policy, (path, policy)


def test_only_the_query_page_allows_its_inline_script(served: str) -> None:
    response = httpx.get(served + "/sparql", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'unsafe-inline'" in policy
