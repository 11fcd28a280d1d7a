"""Three small holes of issue 11, each over a real socket or on the real renderer.

- a symlink in dist/ served whatever it pointed at (``/etc/passwd``) as a dump;
- the service description reflected the request's ``Host`` header (and cached one copy per host);
- a ``javascript:`` IRI must never become a link on a page the server writes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.uugraph_server import serve
from uugraph.config import base_iri
from uugraph.web.graph import Graph

ROOT = Path(__file__).resolve().parents[2]
SECRET = "TOP-SECRET outside the build"


@pytest.fixture(scope="module")
def trapped(built_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``uugraph serve`` over a copy of the build whose context.jsonld is a symlink out of dist/."""
    top = tmp_path_factory.mktemp("trapped")
    dist = top / "dist"
    shutil.copytree(built_dist, dist, symlinks=True)
    (top / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (dist / "context.jsonld").unlink()
    os.symlink(top / "secret.txt", dist / "context.jsonld")
    with serve(dist) as served:
        yield served.url


def test_a_symlink_in_dist_is_not_served(trapped: str) -> None:
    r = httpx.get(trapped + "/context.jsonld", timeout=10)
    assert r.status_code == 404
    assert SECRET not in r.text


def test_the_service_description_ignores_the_host_header(trapped: str) -> None:
    r = httpx.get(trapped + "/sparql", headers={"Host": "evil.example"}, timeout=10)
    assert r.status_code == 200
    assert "evil.example" not in r.text
    assert trapped + "/sparql" in r.text  # the configured address (--public-url overrides it)


def test_a_javascript_iri_is_never_a_link(tmp_path: Path) -> None:
    org = f"{base_iri()}id/org/leru"
    dump = tmp_path / "graph.nt"
    dump.write_text(f'<{org}> <http://www.w3.org/2004/02/skos/core#prefLabel> "LERU"@en .\n<{org}> <https://schema.org/url> <javascript:alert(1)> .\n', encoding="utf-8")
    page = Graph(dump).pages().render("doc/org/leru")
    assert page is not None and "alert(1)" in page
    assert 'href="javascript:' not in page.lower()
