"""The reasoned store remembered between runs, so ``validate`` then ``build`` parse and reason once.

Loading (strict parsing and the checks on literals) and reasoning depend only
on the input files, the project's ``pyproject.toml`` (the ontology header is
stamped from it), the base IRI and the code; a SHA-256 of all of them is the
key. After a run has loaded and reasoned, the store (every layer and the
derived graph) is dumped as N-Quads under that key; the next run with the
same key loads the dump into memory instead, which Oxigraph's parser does
without any of the Python-side checks (they passed when the entry was made).

An entry is a dump and a small JSON file naming its size and digest; an
entry ``validate`` made also holds the published graph as canonical N-Triples
(``KEY.published.nt``, named in the JSON with its own size and digest), which
``build`` writes from without serialising again, and the outline of the
graph (:func:`recall_outline`: the ontology and shapes graphs, the count of
published triples and what the picture shows), with which ``build`` writes
every file without loading the data at all. They are
written to temporary names and renamed, the JSON last, so a run killed while
writing leaves no entry; a dump whose size or digest does not match, or that
does not parse, is ignored (and removed) and the inputs are read as usual.
Only the newest :data:`KEEP` entries are kept.

An entry may also hold the validation report of each engine that checked it
(``KEY.ENGINE.report``, JSON): the key covers the shapes and the code, and
the engine's own version is written inside, so ``build`` after ``validate``
on the same inputs publishes with the report ``validate`` made instead of
running the shapes again (at a million triples, the longest step of the
build). A report that does not parse or names another engine version is
ignored and the shapes are run. ``validate`` itself always runs them. The
folder is
``$UUGRAPH_CACHE_DIR/reasoned`` (default ``~/.cache/uugraph/reasoned``);
``UUGRAPH_CACHE_DIR=off`` turns it off, and an unwritable folder just means
no cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from uugraph.config import Layout, base_iri
from uugraph.pipeline.load import LAYERS, LoadedGraph
from uugraph.pipeline.validate import Report, Result, ShapeInfo
from uugraph.rdf import terms

#: How many entries stay in the folder (each is about 200 bytes per triple).
KEEP = 2
_CHUNK = 1 << 22


def folder() -> Path | None:
    """Where entries are kept, or None when the cache is off (``UUGRAPH_CACHE_DIR=off``)."""
    setting = os.environ.get("UUGRAPH_CACHE_DIR")
    if setting == "off":
        return None
    root = Path(setting) if setting else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uugraph"
    return root / "reasoned"


def _code_digest() -> bytes:
    """The source of the whole package: any change of code may change what is loaded or derived."""
    package = Path(sys.modules["uugraph"].__file__ or "").parent
    digest = hashlib.sha256(ox.__version__.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


def input_files(layout: Layout) -> dict[str, list[Path]]:
    """The Turtle files of each layer, as the loader reads them (sorted, under each folder)."""
    folders = {"ontology": layout.ontology_dir, "data": layout.data_dir, "shapes": layout.shapes_dir}
    return {layer: sorted(p for p in folders[layer].rglob("*.ttl") if p.is_file()) if folders[layer].is_dir() else [] for layer in LAYERS}


def key(layout: Layout) -> str:
    """SHA-256 of the code, the base IRI, ``pyproject.toml`` and every input file (its path and bytes)."""
    digest = hashlib.sha256(_code_digest())
    digest.update(base_iri().encode() + b"\0")
    project = layout.root / "pyproject.toml"
    digest.update(project.read_bytes() if project.is_file() else b"")
    for layer, files in input_files(layout).items():
        digest.update(f"\0{layer}\0".encode())
        for path in files:
            digest.update(str(path.resolve()).encode() + b"\0")
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
            digest.update(b"\0")
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def recall(layout: Layout, entry_key: str) -> LoadedGraph | None:
    """The loaded and reasoned graph of ``entry_key``, or None (no entry, or one that is incomplete or corrupt)."""
    where = folder()
    if where is None:
        return None
    dump, meta = where / f"{entry_key}.nq", where / f"{entry_key}.json"
    try:
        described = json.loads(meta.read_text(encoding="utf-8"))
        if dump.stat().st_size != described["bytes"] or _file_digest(dump) != described["sha256"]:
            raise ValueError("the dump does not match its description")
        store = ox.Store()
        store.load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        _forget(where, entry_key)
        return None
    loaded = LoadedGraph(store=store)
    loaded.files = input_files(layout)
    return loaded


def remember(loaded: LoadedGraph, entry_key: str, *, with_published: bool = False, picture: Callable[[LoadedGraph], object] | None = None) -> None:
    """Keep ``loaded`` (loaded and reasoned) under ``entry_key``; any failure just means no entry.

    ``with_published`` also keeps the published graph as the canonical
    N-Triples ``build`` writes (``KEY.published.nt``): ``validate`` makes it in
    its thread beside the shapes, where it costs little, and ``build`` on the
    same key then starts writing the JSON-LD before it has even loaded the
    store (:func:`recall_published`). With it, the description also keeps the
    outline (:func:`recall_outline`): the ontology and shapes graphs, the
    count of published triples, and ``picture(loaded)``, what the picture
    shows (JSON).
    """
    where = folder()
    if where is None:
        return
    temporary: list[str] = []
    try:
        where.mkdir(parents=True, exist_ok=True)
        handle, dump = tempfile.mkstemp(dir=where, prefix=".new-", suffix=".nq")
        os.close(handle)
        temporary.append(dump)
        loaded.store.dump(output=dump, format=ox.RdfFormat.N_QUADS)
        described: dict[str, object] = {"bytes": os.path.getsize(dump), "sha256": _file_digest(Path(dump))}
        published = _published_file(loaded, where) if with_published else None
        if published is not None:
            temporary.append(published[0])
            described["published"] = published[1]
            described["outline"] = _outline_of(loaded, picture)
        handle, meta = tempfile.mkstemp(dir=where, prefix=".new-", suffix=".json")
        temporary.append(meta)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(described, out)
        os.replace(dump, where / f"{entry_key}.nq")
        if published is not None:
            os.replace(published[0], where / f"{entry_key}.published.nt")
        os.replace(meta, where / f"{entry_key}.json")  # last: an entry exists once its description does
        temporary.clear()
        _evict(where)
    except OSError:
        return
    finally:
        for name in temporary:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _published_file(loaded: LoadedGraph, where: Path) -> tuple[str, dict[str, object]] | None:
    """The canonical published N-Triples in a temporary file of ``where``, and their size and digest; None if they cannot be made.

    Written as a stream: the thread that makes it beside the shapes holds no
    copy of the published graph.
    """
    handle, path = tempfile.mkstemp(dir=where, prefix=".new-", suffix=".nt")
    os.close(handle)
    try:
        size, sha256 = terms.write_canonical_ntriples_of(loaded.store, loaded.published_graphs, Path(path))
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)
        if isinstance(exc, ValueError):  # blank nodes too alike to canonicalize: build reports it when it serialises
            return None
        raise
    return path, {"bytes": size, "sha256": sha256}


def _outline_of(loaded: LoadedGraph, picture: Callable[[LoadedGraph], object] | None) -> dict[str, object]:
    """What ``build`` needs of the graph besides the published N-Triples and the report: a few kilobytes."""
    layers = ox.serialize(loaded.quads(loaded.ontology_graphs + loaded.shapes_graphs), format=ox.RdfFormat.N_QUADS) or b""
    return {"layers": layers.decode("utf-8"), "published_triples": loaded.published_triple_count(), "picture": picture(loaded) if picture else None}


@dataclasses.dataclass
class Outline:
    """An entry recalled without its data: what ``build`` needs when the published graph and the report are kept."""

    #: The ontology and shapes graphs only (``holds_data`` is False), and the files of every layer.
    loaded: LoadedGraph
    #: :meth:`LoadedGraph.published_triple_count` of the whole graph.
    published_triples: int
    #: What the picture shows, as the ``picture`` given to :func:`remember` made it (None if none was).
    picture: object


def recall_outline(layout: Layout, entry_key: str) -> Outline | None:
    """The outline ``validate`` kept with the entry ``entry_key``, or None (no entry, no outline, or a damaged one).

    It spares ``build`` the longest part of loading from the cache (at ten
    million triples, a 7 GB dump parsed into a store of the same size) when
    the published N-Triples and the report are kept: they, the ontology, the
    shapes and the picture are all it then writes from.
    """
    where = folder()
    if where is None:
        return None
    meta = where / f"{entry_key}.json"
    try:
        outline = json.loads(meta.read_text(encoding="utf-8")).get("outline")
        if outline is None:  # an entry ``build`` made: no published graph kept, so no outline either
            return None
        store = ox.Store()
        store.load(outline["layers"].encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        loaded = LoadedGraph(store=store, holds_data=False)
        loaded.files = input_files(layout)
        return Outline(loaded, int(outline["published_triples"]), outline["picture"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, SyntaxError):
        _forget(where, entry_key)
        return None


def recall_published(entry_key: str) -> bytes | None:
    """The canonical published N-Triples kept with the entry ``entry_key``, or None (none kept, or damaged)."""
    where = folder()
    if where is None:
        return None
    meta = where / f"{entry_key}.json"

    def read(path: Path) -> bytes | None:
        described = json.loads(meta.read_text(encoding="utf-8")).get("published")
        if described is None:
            return None
        ntriples = path.read_bytes()
        if len(ntriples) != described["bytes"] or hashlib.sha256(ntriples).hexdigest() != described["sha256"]:
            raise ValueError("the published N-Triples do not match their description")
        return ntriples

    return _read_or_drop(where / f"{entry_key}.published.nt", read)


_Kept = TypeVar("_Kept")


def _read_or_drop(path: Path, read: Callable[[Path], _Kept | None]) -> _Kept | None:
    """``read(path)``, or None when the file is missing; a file that cannot be read as it should is removed."""
    try:
        return read(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def _report_file(where: Path, entry_key: str, engine: str) -> Path:
    return where / f"{entry_key}.{engine}.report"


def _engine_version(engine: str) -> str:
    """What besides our code decides an engine's results: the version of the library that evaluates the shapes."""
    from importlib import metadata

    package = {"store": "pyoxigraph", "turbo": "pyshacl-turbo", "pyshacl": "pyshacl"}.get(engine, engine)
    try:
        return f"{engine} {package} {metadata.version(package)} rdflib {metadata.version('rdflib')}"
    except metadata.PackageNotFoundError:
        return f"{engine} {package} unknown"


def remember_report(entry_key: str, engine: str, report: Report) -> None:
    """Keep the validation report of the entry ``entry_key`` made by ``engine``; a failure just means none is kept."""
    where = folder()
    if where is None or not (where / f"{entry_key}.json").is_file():
        return  # a report belongs to an entry: without it, eviction would not know whose it is
    described = {
        "engine": _engine_version(engine),
        "conforms": report.conforms,
        "triples": report.triples,
        "results": [dataclasses.asdict(r) for r in report.results],
        "report_ntriples": report.report_ntriples.decode("utf-8"),
        "shapes": {name: dataclasses.asdict(info) for name, info in report.shapes.items()},
    }
    try:
        handle, temporary = tempfile.mkstemp(dir=where, prefix=".new-", suffix=".report")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(described, out, ensure_ascii=False)
            os.replace(temporary, _report_file(where, entry_key, engine))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return


def recall_report(entry_key: str, engine: str) -> Report | None:
    """The report ``engine`` made on the entry ``entry_key``, or None (none kept, damaged, or another engine version)."""
    where = folder()
    if where is None:
        return None

    def read(path: Path) -> Report:
        described = json.loads(path.read_text(encoding="utf-8"))
        if described["engine"] != _engine_version(engine):
            raise ValueError("made by another version of the engine")
        return Report(
            conforms=bool(described["conforms"]),
            results=[Result(**r) for r in described["results"]],
            triples=int(described["triples"]),
            report_ntriples=described["report_ntriples"].encode("utf-8"),
            shapes={name: ShapeInfo(info["iri"], info["description"], tuple(info["messages"])) for name, info in described["shapes"].items()},
        )

    return _read_or_drop(_report_file(where, entry_key, engine), read)


def _evict(where: Path) -> None:
    """Remove all but the newest :data:`KEEP` entries, and dumps left without a description."""
    entries = sorted((p for p in where.glob("*.json") if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[KEEP:]:
        _forget(where, stale.stem)
    described = {p.stem for p in entries[:KEEP]}
    for dump in [*where.glob("*.nq"), *where.glob("*.nt"), *where.glob("*.report")]:
        if dump.name.split(".")[0] not in described and not dump.name.startswith("."):  # ".new-…": another run is writing it
            with contextlib.suppress(OSError):
                dump.unlink()


def _forget(where: Path, entry_key: str) -> None:
    for path in [where / f"{entry_key}.json", where / f"{entry_key}.nq", where / f"{entry_key}.published.nt", *where.glob(f"{entry_key}.*.report")]:
        with contextlib.suppress(OSError):
            path.unlink()
