"""The pipeline as one call: load → reason → validate → export, written atomically.

``build`` writes into a fresh temporary folder beside the target and swaps it
in only when every file is complete, so a failed build (bad input, SHACL
violations, a crash half-way) leaves an earlier ``dist/`` exactly as it was.
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from uugraph.config import Layout
from uugraph.errors import EXIT_NONCONFORMING, UugraphError
from uugraph.outputs import describe, picture, release, site
from uugraph.outputs.store import SITE_PAGES_BELOW, STORE_FOLDER, site_wanted, store_wanted, write_store
from uugraph.pipeline import cache, export
from uugraph.pipeline.load import LoadedGraph, load, load_queries
from uugraph.pipeline.reason import reason
from uugraph.pipeline.validate import Report, check_shapes, validate_graph
from uugraph.progress import Progress
from uugraph.rdf import terms


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


def prepare(layout: Layout, progress: Progress | None = None, *, with_queries: bool = True, remembering: list[threading.Thread] | None = None, entry: str | None = None) -> LoadedGraph:
    """Load and reason: the graph that is validated, published and queried.

    A run on inputs loaded and reasoned before takes the result from the
    cache (:mod:`uugraph.pipeline.cache`): ``validate`` then ``build`` parse
    and reason once. Given ``remembering``, the new entry is written by a
    thread appended to it (the store's dump runs without the interpreter
    lock, beside the shapes), which the caller joins; never before a fork, as
    a thread inside the store's dump when the process forks could leave the
    child's locks held. That thread also keeps the canonical published
    N-Triples, which :func:`build` on the same inputs starts from. ``entry``
    is the cache key, when the caller has computed it already.
    """
    progress = progress or Progress.quiet()
    entry = entry or _cache_key(layout)
    if entry is not None:
        with progress.step("load from the cache"):
            loaded = cache.recall(layout, entry)
        if loaded is not None:
            if with_queries:
                loaded.queries = load_queries(layout.queries_dir)
            loaded.cache_key = entry
            return loaded
    with progress.step("load", unit="kB") as step:
        loaded = load(layout, with_queries=with_queries, step=step)
    with progress.step("reason", unit="rules") as step:
        reason(loaded, step)
    if entry is not None:
        if remembering is not None:
            keep = functools.partial(cache.remember, loaded, entry, with_published=True, picture=lambda graph: picture.content(graph).to_json())
            remembering.append(threading.Thread(target=keep, name="remember in the cache"))
            remembering[-1].start()
        else:
            with progress.step("remember in the cache"):
                cache.remember(loaded, entry)
        loaded.cache_key = entry
    return loaded


def _cache_key(layout: Layout) -> str | None:
    return cache.key(layout) if cache.folder() is not None else None


def check(layout: Layout, progress: Progress | None = None, engine: str = "store") -> Checked:
    """Load, reason, validate the shapes, then validate the data; the report is kept for ``build``."""
    progress = progress or Progress.quiet()
    remembering: list[threading.Thread] = []
    try:
        loaded = prepare(layout, progress, remembering=remembering)
        with progress.step("check shapes"):
            check_shapes(loaded, engine)
        with progress.step("validate", unit="shapes") as step:
            report = validate_graph(loaded, layout.root, engine, step)
    finally:
        for thread in remembering:
            with progress.step("remember in the cache"):
                thread.join()
    if loaded.cache_key is not None:
        cache.remember_report(loaded.cache_key, engine, report)
    return Checked(loaded, report)


def _kept_report(entry: str | None, progress: Progress, engine: str) -> Report | None:
    """The report of ``validate`` by ``engine`` on the same inputs, kept in the cache with the entry ``entry``, if any."""
    if entry is None:
        return None
    with progress.step("recall the validation report"):
        kept = cache.recall_report(entry, engine)
    if kept is not None:
        progress.note(f"validate: the report of an earlier run on the same inputs ({engine} engine)")
    return kept


def _validated(loaded: LoadedGraph, layout: Layout, progress: Progress, engine: str) -> Report:
    """Run the shapes now (no report of an earlier run was kept), and keep the report with the cache entry."""
    with progress.step("validate", unit="shapes") as step:
        report = validate_graph(loaded, layout.root, engine, step)
    if loaded.cache_key is not None:
        cache.remember_report(loaded.cache_key, engine, report)
    return report


def published_ntriples(loaded: LoadedGraph) -> bytes:
    """Ontology + data + derived links as canonical, sorted N-Triples."""
    try:
        return terms.canonical_ntriples_of(loaded.store, loaded.published_graphs)
    except terms.TooManyLookAlikes as exc:
        # The loader refuses such files by name; derived triples could still make blank nodes alike.
        raise UugraphError(f"the published graph: {exc}") from None


def write_outputs(
    ntriples: bytes,
    folder: Path,
    progress: Progress | None = None,
    *,
    parallel: bool = False,
    with_store: bool = True,
    with_jsonld: bool = True,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Write every published file into ``folder`` (which must exist).

    With ``parallel``, the JSON-LD (the longest of the three dumps) is written
    by a forked child while this process writes N-Triples, Turtle and the
    built store (``store/``, which ``serve`` opens read-only), then runs
    ``meanwhile``, before it waits for the child. Without ``with_jsonld``,
    the caller writes the JSON-LD and the description (void.ttl) itself.
    """
    progress = progress or Progress.quiet()
    jsonld = _fork_jsonld(ntriples, folder, progress) if with_jsonld and parallel and hasattr(os, "fork") else None
    with progress.step("write N-Triples"):
        (folder / "graph.nt").write_bytes(ntriples)
    with progress.step("write Turtle"):
        export.write_turtle(terms.parse_ntriples(ntriples), folder / "graph.ttl")
    if with_store:
        with progress.step("write store"):
            # What serve opens read-only: loaded from the dump just written, so it holds exactly those triples.
            # In parallel mode this process is a forked writer, where RocksDB must not start: a new interpreter loads it.
            write_store(folder / "graph.nt", ntriples, folder / STORE_FOLDER, fresh_process=parallel)
    if with_jsonld and jsonld is None:
        _write_jsonld(ntriples, folder, progress)
    if meanwhile is not None:
        meanwhile()
    if jsonld is not None:
        _join(jsonld, "the JSON-LD")
    if with_jsonld:
        _describe(folder)


#: Where the JSON-LD writer leaves the counts it made for the dataset description, until every dump is written.
GRAPH_STATS = ".graph-stats.pickle"


def _write_jsonld(ntriples: bytes, folder: Path, progress: Progress) -> None:
    """Write graph.jsonld and context.jsonld, and keep the counts made on the way for :func:`_describe`.

    The description (void.ttl) is not written here: it gives every dump's byte
    size, and a writer running beside this one may not have finished its file.
    """
    with progress.step("write JSON-LD"):
        stats = export.write_jsonld(ntriples, folder / "graph.jsonld", folder / "context.jsonld")
    with open(folder / GRAPH_STATS, "wb") as file:
        pickle.dump(stats, file, protocol=pickle.HIGHEST_PROTOCOL)


def _fork_jsonld(ntriples: bytes, folder: Path, progress: Progress) -> int:
    """The JSON-LD written by a forked child (the longest dump): it prints its timing lines but draws no bar."""
    return _fork(lambda: _write_jsonld(ntriples, folder, progress.lines_only()))


def _describe(folder: Path) -> None:
    """Write void.ttl once every dump in ``folder`` is complete, from the JSON-LD writer's counts."""
    stats_path = folder / GRAPH_STATS
    with open(stats_path, "rb") as file:
        stats = pickle.load(file)  # noqa: S301 - written by this build's own writer a moment ago
    stats_path.unlink()
    export.write_turtle(describe.dataset_description(stats, folder), folder / "void.ttl")


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, so no writer outlives a killed build."""
    import ctypes

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _fork(work: Callable[[], object]) -> int:
    """Run ``work`` in a forked child; its exit code says whether it finished."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _die_with_parent()
            work()
            code = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def _join(pid: int, what: str) -> None:
    """Wait for a forked writer; a failed one fails the build."""
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise UugraphError(f"writing {what} failed (exit code {os.waitstatus_to_exitcode(status)}); nothing was published")


def _stop(pid: int) -> None:
    """Kill a forked writer and reap it (its own children die with it)."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


# Above this many published triples, build writes the files in a forked child
# while the parent runs SHACL: the two longest steps then share the two cores.
PARALLEL_EXPORT_THRESHOLD = 200_000


def build(layout: Layout, out: Path, progress: Progress | None = None, engine: str = "store", site: str = "auto", store: str = "auto") -> Checked:
    """Validate, then publish into ``out`` atomically. Raises NonConforming on violations.

    The files are written into a staging folder beside ``out`` and swapped in
    only when validation passed and every file is complete. On a small graph
    the writing follows validation; on a large one it overlaps it, in a forked
    writer that forks once more for the JSON-LD, so the dumps keep both cores
    busy once validation is done. After ``validate`` on the same inputs, the
    cache holds the published N-Triples too: the JSON-LD writer (the longest
    dump) is then forked first and writes while this process loads the store.
    ``store`` says when the built store is written
    (:func:`~uugraph.outputs.store.store_wanted`: ``auto`` for a graph that
    ``serve`` would open it for), ``site`` when the static site's pages are
    (:func:`~uugraph.outputs.store.site_wanted`: ``auto`` below the size from
    which ``serve`` renders them from that store instead).
    """
    progress = progress or Progress.quiet()
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-{os.getpid()}-", dir=out.parent))
    (staging / STAGING_MARK).write_text(f"{os.getpid()}\n")
    writers: list[tuple[int, str]] = []  # forked writers still running, and what each writes
    try:
        entry = _cache_key(layout)
        ntriples = _kept_published(entry, progress)
        if ntriples is not None and ntriples.count(b"\n") > PARALLEL_EXPORT_THRESHOLD and hasattr(os, "fork"):
            writers.append((_fork_jsonld(ntriples, staging, progress), "the JSON-LD"))
        with_jsonld = not writers
        kept_report = _kept_report(entry, progress, engine)
        outline = _kept_outline(layout, entry, progress) if kept_report is not None and ntriples is not None else None
        if outline is not None:
            loaded, triples, shown = outline
        else:
            loaded = prepare(layout, progress, entry=entry)
            triples, shown = loaded.published_triple_count(), None
        with progress.step("check shapes"):
            check_shapes(loaded, engine)
        with_store = store_wanted(store, triples)
        with_site = site_wanted(site, triples)
        if site == "auto" and not with_site:
            progress.note(
                f"site: not written for {triples:,} triples (--site auto writes it below {SITE_PAGES_BELOW:,}); uugraph serve renders each page from the store on demand, --site always writes them all"
            )
        export_into = functools.partial(_export_into, loaded, staging, with_site=with_site, with_store=with_store, ntriples=ntriples, with_jsonld=with_jsonld, shown=shown)
        forked = triples > PARALLEL_EXPORT_THRESHOLD and hasattr(os, "fork")
        if forked:
            # The writer shares the terminal: it prints its timing lines but draws no bar over the parent's.
            writers.append((_fork(lambda: export_into(progress.lines_only(), parallel=True)), "the published files"))
        report = kept_report or _validated(loaded, layout, progress, engine)
        checked = Checked(loaded, report)
        if not report.conforms:
            raise NonConforming(report)
        if not forked:
            export_into(progress)
        while writers:
            pid, what = writers.pop()
            _join(pid, what)
        if not with_jsonld:  # the JSON-LD was written from the kept graph, beside the other dumps
            _describe(staging)
        with progress.step("release bundle"):
            release.write_bundle(staging, loaded, report)
        (staging / STAGING_MARK).unlink()
        _swap_in(staging, out)
    except BaseException:
        for pid, _ in writers:
            _stop(pid)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return checked


def _kept_published(entry: str | None, progress: Progress) -> bytes | None:
    """The canonical published N-Triples an earlier ``validate`` kept with the cache entry ``entry``, if any."""
    if entry is None:
        return None
    with progress.step("recall the published graph"):
        ntriples = cache.recall_published(entry)
    if ntriples is not None:
        progress.note("serialise: the published graph of an earlier run on the same inputs")
    return ntriples


def _kept_outline(layout: Layout, entry: str | None, progress: Progress) -> tuple[LoadedGraph, int, picture.Content] | None:
    """The ontology, the shapes, the count of published triples and the picture ``validate`` kept with ``entry``, if any.

    With the published N-Triples and the report kept too, that is all a
    ``build`` writes from: the data is not loaded again at all.
    """
    if entry is None:
        return None
    with progress.step("recall the outline"):
        outline = cache.recall_outline(layout, entry)
    if outline is None or not isinstance(outline.picture, dict):
        return None
    try:
        shown = picture.Content.from_json(outline.picture)
    except (KeyError, TypeError, ValueError):
        return None
    progress.note("load: the ontology and shapes of an earlier run on the same inputs; the data is not loaded")
    outline.loaded.queries = load_queries(layout.queries_dir)
    outline.loaded.cache_key = entry
    return outline.loaded, outline.published_triples, shown


def _export_into(
    loaded: LoadedGraph,
    staging: Path,
    progress: Progress,
    with_site: bool = True,
    parallel: bool = False,
    with_store: bool = True,
    ntriples: bytes | None = None,
    with_jsonld: bool = True,
    shown: picture.Content | None = None,
) -> None:
    """Everything that does not depend on the validation report: dumps, documents, then the site.

    ``ntriples`` is the published graph when it is known already (kept in the
    cache), ``shown`` what the picture shows; ``with_jsonld`` is False when
    another writer has the JSON-LD.
    """
    if ntriples is None:
        with progress.step("serialise"):
            ntriples = published_ntriples(loaded)
    published = ntriples

    def documents() -> None:  # while the JSON-LD is written, in parallel mode
        with progress.step("documents"):
            release.write_documents(loaded, staging, shown)
            release.write_iris(published, staging)

    write_outputs(published, staging, progress, parallel=parallel, with_store=with_store, with_jsonld=with_jsonld, meanwhile=documents)
    if with_site:
        site.write_site(published, staging / "site", progress, queries=list(loaded.queries.values()))


#: A file in every staging folder while a build writes it: its owner's process id.
STAGING_MARK = ".uugraph-staging"


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove the staging folders of earlier builds of ``out`` that were killed before they could clean up.

    Only folders this code made are touched: named ``.<out>.new-<pid>-…`` or
    ``.<out>.old-<pid>-…`` beside ``out``, holding the staging mark (new) or
    not (old, a retired ``out``), and whose process is gone.
    """
    removed = []
    for prefix in (f".{out.name}.new-", f".{out.name}.old-"):
        for folder in out.parent.glob(prefix + "*"):
            owner = folder.name[len(prefix) :].split("-", 1)[0]
            if not owner.isdigit() or not folder.is_dir() or folder.is_symlink() or _alive(int(owner)):
                continue
            if prefix.endswith(".new-") and not (folder / STAGING_MARK).is_file():
                continue
            if prefix.endswith(".old-") and not out.exists():
                continue  # killed between the two renames: the retired folder is the only copy left
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with renames, so readers see the old or the new, never half."""
    os.chmod(staging, 0o755)
    if not out.exists():
        os.replace(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
    os.rmdir(retired)
    os.replace(out, retired)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(retired, out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
