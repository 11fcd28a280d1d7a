"""The pipeline as one call: load → reason → validate → export, written atomically.

``build`` writes into a fresh temporary folder beside the target and swaps it
in only when every file is complete, so a failed build (bad input, SHACL
violations, a crash half-way) leaves an earlier ``dist/`` exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from uugraph import describe, export
from uugraph.config import Layout
from uugraph.errors import EXIT_NONCONFORMING, UugraphError
from uugraph.load import LoadedGraph, load
from uugraph.progress import Progress
from uugraph.reason import reason
from uugraph.validate import Report, check_shapes, validate_graph


class NonConforming(UugraphError):
    """The data breaks the shapes: nothing is published."""

    exit_code = EXIT_NONCONFORMING

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"{len(report.violations)} SHACL violation(s); nothing was written")


@dataclass
class Checked:
    """A loaded, reasoned and validated graph."""

    loaded: LoadedGraph
    report: Report


def prepare(layout: Layout, progress: Progress | None = None, *, with_queries: bool = True) -> LoadedGraph:
    """Load and reason: the graph that is validated, published and queried."""
    progress = progress or Progress.quiet()
    with progress.step("load"):
        loaded = load(layout, with_queries=with_queries)
    with progress.step("reason"):
        reason(loaded)
    return loaded


def check(layout: Layout, progress: Progress | None = None, engine: str = "turbo") -> Checked:
    """Load, reason, validate the shapes, then validate the data."""
    progress = progress or Progress.quiet()
    loaded = prepare(layout, progress)
    with progress.step("check shapes"):
        check_shapes(loaded, engine)
    with progress.step("validate"):
        report = validate_graph(loaded, layout.root, engine)
    return Checked(loaded, report)


def published_triples(loaded: LoadedGraph) -> list[ox.Triple]:
    """Ontology + data + derived links, canonical and sorted."""
    unique = {q.triple for q in loaded.quads(loaded.published_graphs)}
    return export.canonical_triples(unique)


def write_outputs(triples: list[ox.Triple], folder: Path) -> None:
    """Write every published file into ``folder`` (which must exist)."""
    export.write_turtle(triples, folder / "graph.ttl")
    export.write_ntriples(triples, folder / "graph.nt")
    document, context = export.jsonld_document(triples)
    export.write_json(document, folder / "graph.jsonld")
    export.write_json(context, folder / "context.jsonld")
    description = describe.dataset_description(triples, folder)
    export.write_turtle(description, folder / "void.ttl")


def build(layout: Layout, out: Path, progress: Progress | None = None, engine: str = "turbo") -> Checked:
    """Validate, then publish into ``out`` atomically. Raises NonConforming on violations."""
    progress = progress or Progress.quiet()
    checked = check(layout, progress, engine)
    if not checked.report.conforms:
        raise NonConforming(checked.report)
    with progress.step("export"):
        triples = published_triples(checked.loaded)
        out = out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        try:
            write_outputs(triples, staging)
            _swap_in(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return checked


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with renames, so readers see the old or the new, never half."""
    os.chmod(staging, 0o755)
    if not out.exists():
        os.replace(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(retired)
    os.replace(out, retired)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(retired, out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
