"""The pipeline as one call: load → reason → validate → export, written atomically.

``build`` writes into a fresh temporary folder beside the target and swaps it
in only when every file is complete, so a failed build (bad input, SHACL
violations, a crash half-way) leaves an earlier ``dist/`` exactly as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from uugraph import describe, export, release, site
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
    with progress.step("load", unit="kB") as step:
        loaded = load(layout, with_queries=with_queries, step=step)
    with progress.step("reason", unit="rules") as step:
        reason(loaded, step)
    return loaded


def check(layout: Layout, progress: Progress | None = None, engine: str = "store") -> Checked:
    """Load, reason, validate the shapes, then validate the data."""
    progress = progress or Progress.quiet()
    loaded = prepare(layout, progress)
    with progress.step("check shapes"):
        check_shapes(loaded, engine)
    with progress.step("validate", unit="shapes") as step:
        report = validate_graph(loaded, layout.root, engine, step)
    return Checked(loaded, report)


def published_ntriples(loaded: LoadedGraph) -> bytes:
    """Ontology + data + derived links as canonical, sorted N-Triples."""
    return export.canonical_ntriples(loaded.ntriples(loaded.published_graphs))


def write_outputs(ntriples: bytes, folder: Path, progress: Progress | None = None) -> None:
    """Write every published file into ``folder`` (which must exist)."""
    progress = progress or Progress.quiet()
    with progress.step("write N-Triples"):
        (folder / "graph.nt").write_bytes(ntriples)
    with progress.step("write Turtle"):
        export.write_turtle(export.parse_ntriples(ntriples), folder / "graph.ttl")
    with progress.step("write JSON-LD"):
        stats = export.write_jsonld(ntriples, folder / "graph.jsonld", folder / "context.jsonld")
    description = describe.dataset_description(stats, folder)
    export.write_turtle(description, folder / "void.ttl")


# Above this many published triples, build writes the files in a forked child
# while the parent runs SHACL: the two longest steps then share the two cores.
PARALLEL_EXPORT_THRESHOLD = 200_000


def build(layout: Layout, out: Path, progress: Progress | None = None, engine: str = "store", with_site: bool = True) -> Checked:
    """Validate, then publish into ``out`` atomically. Raises NonConforming on violations.

    The files are written into a staging folder beside ``out`` and swapped in
    only when validation passed and every file is complete; on a large graph
    the writing overlaps validation (in a forked process), on a small one it
    follows it.
    """
    progress = progress or Progress.quiet()
    loaded = prepare(layout, progress)
    with progress.step("check shapes"):
        check_shapes(loaded, engine)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        writer = None
        if _triple_count(loaded) > PARALLEL_EXPORT_THRESHOLD and "fork" in multiprocessing.get_all_start_methods():
            # The writer shares the terminal: it prints its timing lines but draws no bar over the parent's.
            writer = multiprocessing.get_context("fork").Process(
                target=_export_into, args=(loaded, staging, progress.lines_only(), with_site), daemon=True
            )
            writer.start()
        with progress.step("validate", unit="shapes") as step:
            report = validate_graph(loaded, layout.root, engine, step)
        checked = Checked(loaded, report)
        if writer is not None:
            if not report.conforms:
                writer.kill()
            writer.join()
        if not report.conforms:
            raise NonConforming(report)
        if writer is None:
            _export_into(loaded, staging, progress, with_site)
        elif writer.exitcode != 0:
            raise UugraphError(f"writing the published files failed (exit code {writer.exitcode}); nothing was published")
        with progress.step("release bundle"):
            release.write_bundle(staging, loaded, report)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return checked


def _triple_count(loaded: LoadedGraph) -> int:
    return len(loaded.store)


def _export_into(loaded: LoadedGraph, staging: Path, progress: Progress, with_site: bool = True) -> None:
    """Everything that does not depend on the validation report: dumps, documents, then the site."""
    with progress.step("serialise"):
        ntriples = published_ntriples(loaded)
    write_outputs(ntriples, staging, progress)
    with progress.step("documents"):
        release.write_documents(loaded, staging)
    if with_site:
        site.write_site(ntriples, staging / "site", progress)


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
