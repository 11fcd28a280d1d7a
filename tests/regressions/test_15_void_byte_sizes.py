"""void.ttl gave no byte size for a dump still being written (issue 15).

When ``build`` starts from the published N-Triples that ``validate`` kept, it
forks the JSON-LD writer first, and that writer also wrote ``void.ttl``, whose
``dcat:byteSize`` it read off the folder: the Turtle and N-Triples were then
missing or half written. The description is now written once every dump is
complete; the test builds after ``validate`` (so from the kept graph), with and
without the forked writers, and compares each size given with the file's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

import uugraph.build
from uugraph.config import Layout

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


def _byte_sizes(dist: Path) -> dict[str, int]:
    """The dcat:byteSize void.ttl gives each dump, by file name."""
    graph = rdflib.Graph().parse(dist / "void.ttl", format="turtle")
    return {str(graph.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]: int(size) for d, size in graph.subject_objects(DCAT.byteSize)}


@pytest.mark.parametrize("forked", [False, True])
def test_the_description_gives_every_dump_its_complete_size(project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: bool) -> None:
    monkeypatch.setenv("UUGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    if forked:
        monkeypatch.setattr(uugraph.build, "PARALLEL_EXPORT_THRESHOLD", 0)  # as a graph of a million triples would
    layout = Layout(root=project_copy)
    uugraph.build.check(layout)
    dist = tmp_path / "dist"
    uugraph.build.build(layout, dist, site="never")
    assert _byte_sizes(dist) == {name: (dist / name).stat().st_size for name in ("graph.ttl", "graph.nt", "graph.jsonld")}
    assert not (dist / uugraph.build.GRAPH_STATS).exists(), "the writer's counts are not published"
